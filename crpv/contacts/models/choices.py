"""Controlled lists of the base Acteurs, with the spellings imports accept."""

from django.db import models


class OrganisationKind(models.TextChoices):
    EPCI = "epci", "EPCI"
    COMMUNE = "commune", "commune"
    PREFECTURE = "prefecture", "préfecture"
    DDETS = "ddets", "DDETS"
    SGAR = "sgar", "SGAR"
    DREETS = "dreets", "DREETS"
    DRAC = "drac", "DRAC"
    DRAJES = "drajes", "DRAJES"
    OTHER_STATE = "etat_autre", "autre service de l'État"
    REGION = "region", "Région"
    DEPARTEMENT = "departement", "Département"
    SOCIAL_LANDLORD = "bailleur", "bailleur social"
    ASSOCIATION = "association", "association"
    SOCIAL_CENTRE = "centre_social", "centre social"
    SCHOOL = "etablissement_scolaire", "établissement scolaire"
    OPERATOR = "operateur", "France Travail / CAF / autre opérateur"
    RESEARCH = "recherche", "université / recherche"
    COMPANY = "entreprise", "entreprise"
    OTHER = "autre", "autre"


# Other spellings met in real files, folded (see crpv.core.text.fold).
ORGANISATION_KIND_ALIASES = {
    "intercommunalite": OrganisationKind.EPCI,
    "communaute d agglomeration": OrganisationKind.EPCI,
    "communaute de communes": OrganisationKind.EPCI,
    "communaute urbaine": OrganisationKind.EPCI,
    "metropole": OrganisationKind.EPCI,
    "mairie": OrganisationKind.COMMUNE,
    "ville": OrganisationKind.COMMUNE,
    "etat": OrganisationKind.OTHER_STATE,
    "conseil regional": OrganisationKind.REGION,
    "conseil departemental": OrganisationKind.DEPARTEMENT,
    "bailleur": OrganisationKind.SOCIAL_LANDLORD,
    "office public de l habitat": OrganisationKind.SOCIAL_LANDLORD,
    "oph": OrganisationKind.SOCIAL_LANDLORD,
    "college": OrganisationKind.SCHOOL,
    "lycee": OrganisationKind.SCHOOL,
    "ecole": OrganisationKind.SCHOOL,
    "france travail": OrganisationKind.OPERATOR,
    "caf": OrganisationKind.OPERATOR,
    "universite": OrganisationKind.RESEARCH,
    "recherche": OrganisationKind.RESEARCH,
}


class Role(models.TextChoices):
    PILOT = "pilote", "pilote du contrat de ville"
    PROJECT_LEAD = "chef_projet", "chef·fe de projet politique de la ville"
    PREFECT_DELEGATE = "delegue_prefet", "délégué·e du préfet"
    CPO = "cpo", "CPO de cité éducative"
    CLSPD_COORDINATOR = "coordinateur_clspd", "coordinateur·rice CLSPD/CISPD"
    RADICALISATION_REFERENT = "referent_radicalisation", "référent·e radicalisation"
    VRL_TRAINER = "formateur_vrl", "formateur·rice VRL"
    GUSP_TFPB = "gusp_tfpb", "chargé·e GUSP/TFPB"
    ELECTED = "elu", "élu·e"
    DIRECTION = "direction", "direction"
    DEVELOPMENT_AGENT = "agent_developpement", "agent de développement"
    CITIZEN = "conseiller_citoyen", "conseiller·ère citoyen·ne / habitant·e"
    OTHER = "autre", "autre"


ROLE_ALIASES = {
    "pilote": Role.PILOT,
    "chef de projet": Role.PROJECT_LEAD,
    "cheffe de projet": Role.PROJECT_LEAD,
    "chef fe de projet": Role.PROJECT_LEAD,
    "chef de projet politique de la ville": Role.PROJECT_LEAD,
    "cheffe de projet politique de la ville": Role.PROJECT_LEAD,
    "delegue du prefet": Role.PREFECT_DELEGATE,
    "deleguee du prefet": Role.PREFECT_DELEGATE,
    "cpo": Role.CPO,
    "chef de projet operationnel": Role.CPO,
    "coordinateur clspd": Role.CLSPD_COORDINATOR,
    "coordinatrice clspd": Role.CLSPD_COORDINATOR,
    "coordonnateur clspd": Role.CLSPD_COORDINATOR,
    "coordinateur cispd": Role.CLSPD_COORDINATOR,
    "referent radicalisation": Role.RADICALISATION_REFERENT,
    "referente radicalisation": Role.RADICALISATION_REFERENT,
    "formateur vrl": Role.VRL_TRAINER,
    "formatrice vrl": Role.VRL_TRAINER,
    "gusp": Role.GUSP_TFPB,
    "tfpb": Role.GUSP_TFPB,
    "charge gusp": Role.GUSP_TFPB,
    "chargee gusp": Role.GUSP_TFPB,
    "elu": Role.ELECTED,
    "elue": Role.ELECTED,
    "directeur": Role.DIRECTION,
    "directrice": Role.DIRECTION,
    "conseiller citoyen": Role.CITIZEN,
    "conseillere citoyenne": Role.CITIZEN,
    "habitant": Role.CITIZEN,
    "habitante": Role.CITIZEN,
}


class NetworkKind(models.TextChoices):
    PILOTS = "pilotes", "réseau des pilotes"
    CPO = "cpo", "réseau CPO des cités éducatives"
    GUSP_TFPB = "gusp_tfpb", "réseau GUSP/TFPB"
    RADICALISATION = "radicalisation_clspd", "référents radicalisation et coordonnateurs CLSPD"
    VRL = "formateurs_vrl", "formateurs VRL"
    OTHER = "autre", "autre réseau"


class LegalBasis(models.TextChoices):
    PUBLIC_TASK = "mission", "mission d'intérêt public"
    CONSENT = "consentement", "consentement"


class ConsentKind(models.TextChoices):
    SUBSCRIPTION = "subscription", "abonnement"
    WITHDRAWAL = "withdrawal", "retrait du consentement"
    OBJECTION = "objection", "opposition"
    ERASURE_REQUEST = "erasure_request", "demande d'effacement"
    ACCESS_REQUEST = "access_request", "demande d'accès"
    RECTIFICATION = "rectification", "rectification"
    REPERMISSION_REQUEST = "repermission_request", "demande de renouvellement du consentement"
    RECONFIRMATION = "reconfirmation", "renouvellement du consentement"


class ConsentChannel(models.TextChoices):
    WEB_FORM = "web", "formulaire du site"
    EMAIL = "email", "courriel"
    PHONE = "phone", "téléphone"
    PAPER = "paper", "papier (émargement, bulletin)"
    EVENT = "event", "inscription à un événement"
    IMPORT = "import", "import de fichier"
    STAFF = "staff", "saisie par l'équipe"


class SuppressionReason(models.TextChoices):
    ERASURE = "erasure", "effacement (RGPD)"
    OBJECTION = "objection", "opposition"
    UNSUBSCRIBED = "unsubscribed", "désinscription"
    BOUNCE = "bounce", "adresse invalide (rejet définitif)"
