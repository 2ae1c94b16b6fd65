"""Controlled lists of the events app."""

from django.db import models


class EventFormat(models.TextChoices):
    WEBINAR = "webinaire", "webinaire"
    CYCLE = "cycle", "cycle de qualification"
    DAY = "journee", "journée"
    SITE_VISIT = "visite", "visite de site / visite apprenante"
    CODEV = "codeveloppement", "atelier de co-développement"
    NETWORK_MEETING = "rencontre", "rencontre de réseau"
    MODULE = "module", "module"
    TRAINING = "formation", "formation"
    VRL_PROFESSIONALS = "vrl_pro", "formation VRL — professionnels (2 jours)"
    VRL_RESIDENTS = "vrl_habitants", "formation VRL — habitants (1 jour)"
    CONFERENCE = "conference", "conférence"
    SEMINAR = "seminaire", "séminaire"


class EventMode(models.TextChoices):
    IN_PERSON = "presentiel", "présentiel"
    REMOTE = "distanciel", "distanciel"
    HYBRID = "hybride", "hybride"


class EventStatus(models.TextChoices):
    DRAFT = "brouillon", "brouillon"
    PUBLISHED = "publie", "publié"
    CANCELLED = "annule", "annulé"


class RegistrationStatus(models.TextChoices):
    PENDING = "en_attente", "en attente de validation"
    CONFIRMED = "confirmee", "confirmée"
    WAITLISTED = "liste_attente", "sur liste d'attente"
    OFFERED = "place_proposee", "place proposée"
    OFFER_EXPIRED = "offre_expiree", "offre expirée"
    CANCELLED = "annulee", "annulée"
    REFUSED = "refusee", "refusée"
    REPLACED = "remplacee", "remplacée"


# Statuses that hold one of the event's seats (counted in Event.seats_taken).
SEAT_STATUSES = (RegistrationStatus.PENDING, RegistrationStatus.CONFIRMED, RegistrationStatus.OFFERED)


class RegistrationSource(models.TextChoices):
    PUBLIC = "public", "formulaire public"
    INVITATION = "invitation", "invitation personnelle"
    TEAM = "equipe", "inscription par le ou la référent·e du territoire"
    STAFF = "equipe_irev", "saisie par l'équipe"
    REPLACEMENT = "remplacement", "remplacement d'un·e collègue"


class QuestionKind(models.TextChoices):
    TEXT = "texte", "texte court"
    LONG_TEXT = "texte_long", "texte long"
    CHOICE = "choix", "choix unique"
    MULTIPLE = "choix_multiple", "choix multiple"
    YES_NO = "oui_non", "case à cocher (oui / non)"


class PersonField(models.TextChoices):
    """Fields of the person's record an answer may update."""

    NONE = "", "aucun"
    FUNCTION_TITLE = "function_title", "fonction"
    PHONE = "phone", "téléphone"
    MOBILE_PHONE = "mobile_phone", "téléphone portable"


class InvitationResponse(models.TextChoices):
    NONE = "", "sans réponse"
    ACCEPTED = "acceptee", "acceptée"
    DECLINED = "declinee", "déclinée"
