"""Load a generated demo base Acteurs into the real structures of the region.

    python manage.py load_demo_contacts [--count 2000] [--seed 2025]

Every person is invented (names drawn from common French first and last
names), with an address on the reserved domain `exemple.test` and a phone
number in the range 01 99 00 xx xx that ARCEP keeps for fiction. Structures
are the real EPCI, the communes that have a QPV, the préfectures and DDETS of
the five départements, plus invented landlords, associations and social
centres. Deterministic for a seed, and idempotent: people are keyed on their
address, structures on their name, so a second run adds nothing.
"""

import datetime
import random

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from crpv.contacts.models import (
    ConsentChannel,
    ConsentEvent,
    ConsentKind,
    LegalBasis,
    Membership,
    Network,
    Organisation,
    OrganisationKind,
    Person,
    Position,
    Role,
    Theme,
)
from crpv.core.models import AuditEntry
from crpv.core.text import fold
from crpv.territories.models import CiteEducative, Commune, Departement, Epci

DOMAIN = "exemple.test"
SOURCE = "base de démonstration (données fictives)"
FIRST_NAMES = [
    "Camille",
    "Léa",
    "Manon",
    "Chloé",
    "Inès",
    "Sarah",
    "Emma",
    "Jade",
    "Louise",
    "Alice",
    "Lina",
    "Zoé",
    "Anaïs",
    "Élise",
    "Nadia",
    "Fatima",
    "Yasmine",
    "Claire",
    "Sophie",
    "Julie",
    "Hélène",
    "Nathalie",
    "Isabelle",
    "Sandrine",
    "Aurélie",
    "Mélanie",
    "Thomas",
    "Lucas",
    "Hugo",
    "Théo",
    "Nathan",
    "Jules",
    "Louis",
    "Gabriel",
    "Karim",
    "Mehdi",
    "Rachid",
    "Julien",
    "Nicolas",
    "Sébastien",
    "Olivier",
    "Laurent",
    "Stéphane",
    "Frédéric",
    "Mathieu",
    "Antoine",
    "Romain",
    "Maxime",
    "Kévin",
    "Noël",
    "Maël",
    "Loïc",
    "Samir",
    "Bruno",
    "Didier",
    "Patrick",
]
LAST_NAMES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefèbvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Lefèvre",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Legrand",
    "Garnier",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guérin",
    "Muller",
    "Henry",
    "Roussel",
    "Nicolas",
    "Perrin",
    "Morin",
    "Mathieu",
    "Clément",
    "Gauthier",
    "Dumont",
    "Lopez",
    "Fontaine",
    "Chevalier",
    "Robin",
    "Masson",
    "Sanchez",
    "Benali",
    "Haddad",
    "Nguyen",
    "Diallo",
    "Traoré",
    "Kaci",
    "Dubœuf",
    "Vasseur",
    "Delattre",
    "Deschamps",
    "Lemaire",
    "Wattel",
    "Delannoy",
    "Lecomte",
    "Carpentier",
    "Leclercq",
    "Dhaussy",
]
LANDLORDS = [
    "Habitat des Hauts (fictif)",
    "Logis du Nord Solidaire (fictif)",
    "Toit Picard (fictif)",
    "Maisons de l'Oise (fictif)",
    "Artois Habitat Social (fictif)",
]
ASSOCIATION_KINDS = ["Association Vivre ensemble à", "Maison de quartier de", "Association Jeunesse et sport de"]
THEMES_BY_ROLE = {
    Role.PILOT: ["evaluation", "participation"],
    Role.PROJECT_LEAD: ["participation", "emploi-insertion", "habitat-renouvellement"],
    Role.PREFECT_DELEGATE: ["prevention-securite", "emploi-insertion"],
    Role.CPO: ["education-reussite", "jeunesse"],
    Role.CLSPD_COORDINATOR: ["prevention-securite"],
    Role.RADICALISATION_REFERENT: ["radicalisation", "laicite-vrl"],
    Role.VRL_TRAINER: ["laicite-vrl", "discriminations"],
    Role.GUSP_TFPB: ["cadre-de-vie-gusp", "habitat-renouvellement"],
    Role.DEVELOPMENT_AGENT: ["participation", "culture", "sport"],
    Role.DIRECTION: ["sante", "numerique"],
}
NETWORK_BY_ROLE = {
    Role.PILOT: "reseau-des-pilotes",
    Role.CPO: "reseau-cpo-cites-educatives",
    Role.GUSP_TFPB: "reseau-gusp-tfpb",
    Role.RADICALISATION_REFERENT: "referents-radicalisation-clspd",
    Role.CLSPD_COORDINATOR: "referents-radicalisation-clspd",
    Role.VRL_TRAINER: "formateurs-vrl",
}
FUNCTION_BY_ROLE = {
    Role.PILOT: "Directeur·rice de la cohésion sociale",
    Role.PROJECT_LEAD: "Chef·fe de projet politique de la ville",
    Role.PREFECT_DELEGATE: "Délégué·e du préfet",
    Role.CPO: "Cheffe de projet opérationnelle de la cité éducative",
    Role.CLSPD_COORDINATOR: "Coordinateur·rice CLSPD",
    Role.RADICALISATION_REFERENT: "Référent·e prévention de la radicalisation",
    Role.VRL_TRAINER: "Formateur·rice Valeurs de la République et laïcité",
    Role.GUSP_TFPB: "Chargé·e de gestion urbaine de proximité",
    Role.DEVELOPMENT_AGENT: "Agent de développement local",
    Role.DIRECTION: "Directeur·rice",
    Role.ELECTED: "Adjoint·e au maire",
    Role.OTHER: "Chargé·e de mission",
}


class Command(BaseCommand):
    help = "Charge une base Acteurs de démonstration (personnes fictives dans les structures réelles de la région)."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=2000, help="nombre de personnes (2000 par défaut)")
        parser.add_argument("--seed", type=int, default=2025, help="graine du tirage (2025 par défaut)")

    def handle(self, *args, count, seed, **options):
        if not Departement.objects.exists():
            raise CommandError("Chargez d'abord le référentiel des territoires (manage.py load_referentiel).")
        rng = random.Random(seed)
        with transaction.atomic():
            structures = self.structures(rng)
            created = self.people(rng, structures, count, seed)
            if created:
                AuditEntry.record(None, "contacts.demo_loaded", None, people=created, seed=seed)
        self.stdout.write(f"Base de démonstration : {created} personne(s) ajoutée(s), {count} attendue(s).")

    # --- Structures --------------------------------------------------------

    def structures(self, rng):
        """[(organisation, roles it employs)], in a fixed order."""
        wanted = []  # (name, kind, fields, roles, m2m)
        for epci in Epci.objects.order_by("code"):
            wanted.append(
                (
                    epci.name,
                    OrganisationKind.EPCI,
                    {"siren": epci.code},
                    [Role.PILOT, Role.PROJECT_LEAD, Role.GUSP_TFPB, Role.CLSPD_COORDINATOR],
                    {"epcis": [epci]},
                )
            )
        qpv_communes = list(Commune.objects.filter(qpvs__isnull=False).distinct().order_by("code"))
        cite_communes = set(CiteEducative.objects.values_list("communes__pk", flat=True))
        for commune in qpv_communes:
            roles = [Role.PROJECT_LEAD, Role.ELECTED, Role.DEVELOPMENT_AGENT, Role.CLSPD_COORDINATOR]
            if commune.pk in cite_communes:
                roles.append(Role.CPO)
            wanted.append((f"Ville de {commune.name}", OrganisationKind.COMMUNE, {"commune": commune}, roles, {}))
            wanted.append(
                (
                    f"Centre social de {commune.name} (fictif)",
                    OrganisationKind.SOCIAL_CENTRE,
                    {"commune": commune},
                    [Role.DIRECTION, Role.DEVELOPMENT_AGENT],
                    {},
                )
            )
            kind = (
                ASSOCIATION_KINDS[int(commune.code[-1]) % len(ASSOCIATION_KINDS)]
                if commune.code[-1].isdigit()
                else ASSOCIATION_KINDS[0]
            )
            wanted.append(
                (
                    f"{kind} {commune.name} (fictif)",
                    OrganisationKind.ASSOCIATION,
                    {"commune": commune},
                    [Role.DIRECTION, Role.DEVELOPMENT_AGENT, Role.CITIZEN],
                    {},
                )
            )
        for departement in Departement.objects.order_by("code"):
            m2m = {"departements": [departement]}
            wanted.append(
                (
                    f"Préfecture — {departement.name}",
                    OrganisationKind.PREFECTURE,
                    {},
                    [Role.PREFECT_DELEGATE, Role.RADICALISATION_REFERENT],
                    m2m,
                )
            )
            wanted.append(
                (f"DDETS — {departement.name}", OrganisationKind.DDETS, {}, [Role.OTHER, Role.VRL_TRAINER], m2m)
            )
        for name in LANDLORDS:
            wanted.append((name, OrganisationKind.SOCIAL_LANDLORD, {}, [Role.GUSP_TFPB, Role.DIRECTION], {}))

        existing = {
            o.folded_name: o for o in Organisation.objects.filter(folded_name__in=[fold(w[0])[:250] for w in wanted])
        }
        structures = []
        for name, kind, fields, roles, m2m in wanted:
            organisation = existing.get(fold(name)[:250])
            if organisation is None:
                organisation = Organisation.objects.create(name=name, kind=kind, notes=SOURCE, **fields)
                for attr, values in m2m.items():
                    getattr(organisation, attr).add(*values)
                organisation.link_territories()
            structures.append((organisation, roles))
        return structures

    # --- People ------------------------------------------------------------

    def people(self, rng, structures, count, seed):
        if not structures:
            raise CommandError("Aucune structure : le référentiel des territoires semble vide.")
        today = timezone.localdate()
        now = timezone.now()
        networks = dict(Network.objects.values_list("slug", "pk"))
        themes = dict(Theme.objects.values_list("slug", "pk"))
        plans = []
        for i in range(count):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            organisation, roles = structures[i % len(structures)] if i < len(structures) else rng.choice(structures)
            role = rng.choice(roles)
            start = today - datetime.timedelta(days=rng.randint(30, 365 * 8))
            past = None
            if rng.random() < 0.15:  # turnover: an earlier position elsewhere
                other, other_roles = rng.choice(structures)
                end = start - datetime.timedelta(days=rng.randint(1, 60))
                past = (other, rng.choice(other_roles), end - datetime.timedelta(days=rng.randint(365, 365 * 5)), end)
            consent = rng.random() < 0.35
            plans.append(
                {
                    "first": first,
                    "last": last,
                    "email": f"{fold(first).replace(' ', '-')}.{fold(last).replace(' ', '-')}.{seed}-{i}@{DOMAIN}",
                    "phone": f"01 99 00 {i // 100 % 100:02d} {i % 100:02d}",
                    "organisation": organisation,
                    "role": role,
                    "start": start,
                    "past": past,
                    "consent": consent,
                    "themes": THEMES_BY_ROLE.get(role, []),
                    "network": NETWORK_BY_ROLE.get(role),
                }
            )
        known = set(Person.objects.filter(email__in=[p["email"] for p in plans]).values_list("email", flat=True))
        plans = [p for p in plans if p["email"] not in known]
        if not plans:
            return 0
        people = Person.objects.bulk_create(
            [
                Person(
                    first_name=p["first"],
                    last_name=p["last"],
                    folded_name=Person.fold_name(p["first"], p["last"]),
                    email=p["email"],
                    phone=p["phone"],
                    function_title=FUNCTION_BY_ROLE.get(p["role"], ""),
                    legal_basis=LegalBasis.CONSENT if p["consent"] else LegalBasis.PUBLIC_TASK,
                    source=SOURCE,
                    created_at=now,
                    updated_at=now,
                )
                for p in plans
            ]
        )
        if not all(person.pk for person in people):  # SQLite before 3.35 returns no ids
            ids = dict(Person.objects.filter(email__in=[p["email"] for p in plans]).values_list("email", "pk"))
            for person in people:
                person.pk = ids[person.email]
        positions, memberships, theme_links, consents = [], [], [], []
        through = Person.themes.through
        for person, p in zip(people, plans, strict=True):
            positions.append(
                Position(person=person, organisation=p["organisation"], role=p["role"], start_date=p["start"])
            )
            if p["past"]:
                other, role, begin, end = p["past"]
                positions.append(
                    Position(person=person, organisation=other, role=role, start_date=begin, end_date=end)
                )
            if p["network"] in networks:
                memberships.append(Membership(person=person, network_id=networks[p["network"]], start_date=p["start"]))
            theme_links += [through(person_id=person.pk, theme_id=themes[s]) for s in p["themes"] if s in themes]
            if p["consent"]:
                consents.append(
                    ConsentEvent(
                        person=person,
                        kind=ConsentKind.SUBSCRIPTION,
                        channel=ConsentChannel.WEB_FORM,
                        purpose="lettre d'information",
                        text_version="démonstration",
                    )
                )
        Position.objects.bulk_create(positions)
        Membership.objects.bulk_create(memberships)
        through.objects.bulk_create(theme_links)
        ConsentEvent.objects.bulk_create(consents)
        return len(people)
