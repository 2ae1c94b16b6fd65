"""A demonstration catalogue: the centre's productions named in its 2025 programme, and generated records.

Idempotent and deterministic: records are keyed on their `source_identifier`
("demo-…"); a second run creates nothing. Run `load_thesaurus` (and
`load_referentiel`) first to get subjects and territories.
"""

import json
import random
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import transaction

from crpv.catalogue.models import Agent, Authorship, Concept, Copy, Link, Record, agent_key
from crpv.catalogue.search import index_records
from crpv.core.models import AuditEntry
from crpv.territories.models import ContratDeVille, Departement

DATA = Path(__file__).resolve().parents[2] / "data" / "demo"
SOURCE = "démonstration"

THEMES = [
    "évaluation",
    "prévention des discriminations",
    "participation des habitants",
    "emploi et insertion",
    "éducation",
    "jeunesse",
    "habitat et cadre de vie",
    "renouvellement urbain",
    "développement économique",
    "santé",
    "prévention des radicalités",
    "citoyenneté",
    "transition écologique",
    "ingénierie et pilotage",
]
SUBJECT_WORDS = {
    "évaluation": ["l'évaluation des contrats de ville", "les indicateurs de suivi", "la mesure d'impact"],
    "prévention des discriminations": ["les discriminations à l'embauche", "l'égalité de traitement", "le racisme"],
    "participation des habitants": ["les conseils citoyens", "la participation citoyenne", "le pouvoir d'agir"],
    "emploi et insertion": ["l'insertion professionnelle", "l'emploi des jeunes", "les clauses sociales"],
    "éducation": ["les cités éducatives", "la réussite éducative", "le décrochage scolaire"],
    "jeunesse": ["les jeunes des quartiers", "l'engagement des jeunes", "les loisirs éducatifs"],
    "habitat et cadre de vie": ["le logement social", "la gestion urbaine de proximité", "la tranquillité publique"],
    "renouvellement urbain": ["le NPNRU", "la rénovation urbaine", "le relogement des ménages"],
    "développement économique": ["les commerces de proximité", "l'entrepreneuriat", "l'économie sociale et solidaire"],
    "santé": ["la santé des habitants", "l'accès aux soins", "la santé mentale"],
    "prévention des radicalités": ["la prévention des radicalités", "les valeurs de la République", "la laïcité"],
    "citoyenneté": ["la laïcité", "la citoyenneté", "l'accès aux droits"],
    "transition écologique": ["la transition écologique", "la précarité énergétique", "les îlots de chaleur"],
    "ingénierie et pilotage": ["le pilotage des contrats de ville", "le droit commun", "les équipes projets"],
}
OPENINGS = [
    "Agir sur",
    "Comprendre",
    "Repenser",
    "Observer",
    "Accompagner",
    "Quartiers prioritaires et",
    "Territoires et",
    "Enjeux et pratiques :",
    "Guide pratique :",
    "Regards croisés sur",
]
CLOSINGS = [
    "dans les quartiers prioritaires",
    "en Hauts-de-France",
    "dans les contrats de ville Quartiers 2030",
    "à l'échelle intercommunale",
    "",
    "",
]
TYPES = [("ouvrage", 5), ("rapport", 5), ("article", 6), ("litterature_grise", 2), ("these", 1), ("numero", 1)]
PUBLISHERS = [
    "ANCT",
    "IREV",
    "Cerema",
    "La Documentation française",
    "Presses universitaires",
    "Observatoire national",
]
FORENAMES = ["Camille", "Nadia", "Karim", "Sophie", "Thomas", "Inès", "Julien", "Fatou", "Hugo", "Léa", "Yacine"]
NAMES = ["Lefebvre", "Benali", "Martin", "Durand", "Moreau", "Diallo", "Petit", "Roux", "Garnier", "Nguyen", "Lambert"]
GENERATED = 400


class Command(BaseCommand):
    help = "Charge un catalogue de démonstration (productions du programme 2025 et notices générées)."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=GENERATED, help="nombre de notices générées")

    def handle(self, *args, **options):
        existing = set(Record.objects.filter(source_name=SOURCE).values_list("source_identifier", flat=True))
        with transaction.atomic():
            created = self.load(existing, options["count"])
            index_records([r.pk for r in created])
            if created:
                AuditEntry.record(None, "catalogue.demo.loaded", None, created=len(created))
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(created)} notice(s) de démonstration créée(s), {len(existing)} déjà présente(s)."
            )
        )

    def load(self, existing, count):
        rng = random.Random(2025)  # noqa: S311 — demonstration data, deterministic
        concepts = list(Concept.objects.active().order_by("uri").values_list("pk", "pref_key"))
        departements = list(Departement.objects.order_by("code"))
        contrats = list(ContratDeVille.objects.order_by("code"))
        agents = {}

        def agent(name, forename="", organisation=False):
            key = agent_key(name, forename, organisation)
            if key not in agents:
                agents[key] = Agent.objects.filter(key=key).first() or Agent.objects.create(
                    name=name, forename=forename, is_organisation=organisation
                )
            return agents[key]

        def subjects_for(text):
            words = set(text.lower().split())
            chosen = [pk for pk, key in concepts if key and key.split()[0] in words][:3]
            return chosen or [pk for pk, _ in rng.sample(concepts, min(2, len(concepts)))]

        created = []
        productions = json.loads((DATA / "productions.json").read_text(encoding="utf-8"))
        for n, item in enumerate(productions, start=1):
            ident = f"demo-production-{n}"
            if ident in existing:
                continue
            record = Record.objects.create(
                record_type=item["type"],
                title=item["title"],
                publication_year=item["year"],
                abstract=item["abstract"],
                themes=item["themes"],
                publisher="IREV",
                place="Lille",
                is_centre_production=True,
                source_name=SOURCE,
                source_identifier=ident,
            )
            Authorship.objects.create(record=record, agent=agent("IREV", organisation=True))
            record.subjects.set(subjects_for(item["abstract"]))
            if departements:
                record.departements.set(rng.sample(departements, rng.randint(1, min(2, len(departements)))))
            if item["type"] == "video":
                Link.objects.create(record=record, url=f"https://videos.example.org/irev/{n}", kind=Link.Kind.REPLAY)
            created.append(record)
        types = [t for t, weight in TYPES for _ in range(weight)]
        for n in range(1, count + 1):
            ident = f"demo-{n}"
            theme = rng.choice(THEMES)
            second = rng.choice(THEMES)
            subject = rng.choice(SUBJECT_WORDS[theme])
            title = f"{rng.choice(OPENINGS)} {subject} {rng.choice(CLOSINGS)}".strip()
            if ident in existing:
                rng.random()
                continue
            abstract = (
                f"Cette publication traite de {subject} et de {rng.choice(SUBJECT_WORDS[second])}. "
                "Elle s'appuie sur des enquêtes auprès des habitants et des professionnels "
                "de la politique de la ville."
            )
            record = Record.objects.create(
                record_type=rng.choice(types),
                title=title[:1].upper() + title[1:],
                publication_year=rng.randint(1995, 2025),
                abstract=abstract,
                themes=sorted({theme, second}),
                publisher=rng.choice(PUBLISHERS),
                visibility=Record.Visibility.STAFF if n % 25 == 0 else Record.Visibility.PUBLIC,
                source_name=SOURCE,
                source_identifier=ident,
            )
            for position in range(rng.randint(1, 3)):
                Authorship.objects.create(
                    record=record, agent=agent(rng.choice(NAMES), rng.choice(FORENAMES)), position=position
                )
            record.subjects.set(subjects_for(abstract))
            if departements and rng.random() < 0.6:
                record.departements.add(rng.choice(departements))
            if contrats and rng.random() < 0.3:
                record.contrats_de_ville.add(rng.choice(contrats))
            if rng.random() < 0.7:
                Copy.objects.create(
                    record=record,
                    call_number=f"PV {record.title_key[:3].upper()} {n}",
                    status=rng.choice([Copy.Status.AVAILABLE] * 3 + [Copy.Status.ON_LOAN]),
                )
            created.append(record)
        return created
