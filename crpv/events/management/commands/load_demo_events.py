"""A plausible calendar of the programme's year, with registrations of the demo base (`make run`).

Drawn from the 2025 programme (seeds/programme-2025-irev.txt): the 4 meetings
of the pilotes network (I.7), the 5 sessions of the initiation module (I.6),
8 VRL training days (V.2), the webinar series (I.4, III.2, IV.1), the
qualification cycles (I.1, II.1, II.4), the GUSP/TFPB network (II.1), the
CPO days (IV.2) and the CRPRS meetings (V.1). Each event is linked to its
programme action, so the programme dashboard shows achieved figures.

Idempotent and deterministic: events are keyed on their slug, sessions on
their start, registrations on (event, person); people are drawn from the
existing base with a seeded generator (`--seed`). It creates no person: with
an empty base, events are loaded without registrations. Attendance is marked
for held sessions when the attendance model is installed.
"""

import datetime
import random

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from crpv.contacts.models import Person, Theme
from crpv.programme.models import Action, Programme
from crpv.territories.models import Commune

from ...models import (
    SEAT_STATUSES,
    Event,
    EventFormat,
    EventMode,
    EventStatus,
    Registration,
    RegistrationSource,
    RegistrationStatus,
    Session,
)

F, M = EventFormat, EventMode


def _spec():
    """(title, format, mode, (axis, action position), themes, capacity, place, [(month, day, start, hours)])."""
    day = ("09:30", 7)
    morning = ("09:30", 3)
    webinar = ("11:00", 1.5)
    visio = ("10:00", 2)
    events = []
    for n, (month, d) in enumerate([(3, 13), (6, 12), (9, 18), (12, 4)], start=1):
        events.append(
            (
                f"Rencontre du réseau des pilotes des contrats de ville n° {n}",
                F.NETWORK_MEETING,
                M.REMOTE,
                ("I", 7),
                ["evaluation"],
                80,
                "",
                [(month, d, *visio)],
            )
        )
    for month, d, town in [
        (2, 6, "Lille"),
        (5, 15, "Amiens"),
        (6, 26, "Arras"),
        (10, 9, "Beauvais"),
        (11, 20, "Laon"),
    ]:
        events.append(
            (
                f"Module d'initiation à la politique de la ville — {town}",
                F.MODULE,
                M.IN_PERSON,
                ("I", 6),
                ["participation"],
                25,
                town,
                [(month, d, *morning)],
            )
        )
    for town, dates in (("Lille", [(3, 20), (3, 21)]), ("Amiens", [(6, 5), (6, 6)]), ("Arras", [(10, 16), (10, 17)])):
        events.append(
            (
                f"Formation « Valeurs de la République et laïcité » — professionnels, {town}",
                F.VRL_PROFESSIONALS,
                M.IN_PERSON,
                ("V", 2),
                ["laicite-vrl"],
                15,
                town,
                [(m, d, *day) for m, d in dates],
            )
        )
    for town, (month, d) in (("Roubaix", (4, 10)), ("Creil", (11, 13))):
        events.append(
            (
                f"Formation « Valeurs de la République et laïcité » — habitants, {town}",
                F.VRL_RESIDENTS,
                M.IN_PERSON,
                ("V", 2),
                ["laicite-vrl"],
                15,
                town,
                [(month, d, *day)],
            )
        )
    for n, (month, d, subject) in enumerate(
        [
            (2, 27, "le community organizing"),
            (4, 3, "la participation citoyenne dans les quartiers populaires"),
            (5, 22, "expérimenter dans la rue"),
        ],
        start=1,
    ):
        events.append(
            (
                f"Le sens de la co-construction (webinaire {n}) : {subject}",
                F.WEBINAR,
                M.REMOTE,
                ("I", 4),
                ["participation"],
                None,
                "",
                [(month, d, *webinar)],
            )
        )
    for month, d, subject in (
        (3, 6, "pouvoir d'agir des habitants"),
        (4, 24, "égalité femmes-hommes"),
        (9, 25, "racisme"),
        (11, 27, "intersectionnalité"),
    ):
        events.append(
            (
                f"Webinaire : discriminations et {subject}",
                F.WEBINAR,
                M.REMOTE,
                ("III", 2),
                ["discriminations"],
                None,
                "",
                [(month, d, "14:00", 1.5)],
            )
        )
    for month, d, subject in (
        (1, 30, "réalités et parcours des jeunes des quartiers"),
        (3, 27, "les représentations de la jeunesse"),
        (10, 2, "l'engagement des jeunes"),
    ):
        events.append(
            (
                f"Jeunesse et quartiers : {subject}",
                F.WEBINAR,
                M.REMOTE,
                ("IV", 1),
                ["jeunesse"],
                None,
                "",
                [(month, d, *webinar)],
            )
        )
    events += [
        (
            "Cycle inter-acteurs : suivre et évaluer les contrats de ville",
            F.CYCLE,
            M.HYBRID,
            ("I", 1),
            ["evaluation"],
            40,
            "Lille",
            [(2, 13, *day), (4, 17, *morning), (6, 19, *day)],
        ),
        (
            "Cycle de qualification Transitions et Contrat de ville",
            F.CYCLE,
            M.IN_PERSON,
            ("II", 1),
            ["transition-ecologique"],
            30,
            "Amiens",
            [(3, 25, *day), (4, 29, *day), (5, 27, *day), (6, 24, *day)],
        ),
        (
            "École en transitions : cycle de qualification",
            F.CYCLE,
            M.IN_PERSON,
            ("II", 5),
            ["transition-ecologique", "education-reussite"],
            25,
            "Lens",
            [(9, 23, *day), (10, 21, *day), (11, 25, *day)],
        ),
        (
            "Visite de site apprenante : gestion urbaine de proximité",
            F.SITE_VISIT,
            M.IN_PERSON,
            ("II", 2),
            ["cadre-de-vie-gusp"],
            20,
            "Roubaix",
            [(6, 17, *morning)],
        ),
        (
            "Journée des chefs de projet opérationnels des cités éducatives",
            F.DAY,
            M.IN_PERSON,
            ("IV", 2),
            ["education-reussite"],
            40,
            "Arras",
            [(3, 18, *day)],
        ),
        (
            "Seconde journée des CPO des cités éducatives",
            F.DAY,
            M.IN_PERSON,
            ("IV", 2),
            ["education-reussite"],
            40,
            "Amiens",
            [(11, 18, *day)],
        ),
        (
            "Conférence : les nouvelles formes de radicalités",
            F.CONFERENCE,
            M.IN_PERSON,
            ("V", 1),
            ["radicalisation"],
            120,
            "Lille",
            [(11, 6, "18:00", 2)],
        ),
    ]
    for n, (month, d) in enumerate([(2, 11), (5, 13), (10, 14)], start=1):
        events.append(
            (
                f"Rencontre du réseau GUSP / TFPB n° {n}",
                F.NETWORK_MEETING,
                M.REMOTE,
                ("II", 2),
                ["cadre-de-vie-gusp"],
                60,
                "",
                [(month, d, "14:00", 2)],
            )
        )
    for n, (month, d) in enumerate([(4, 8), (10, 7)], start=1):
        events.append(
            (
                f"Rencontre des référents radicalisation et coordinateurs CLSPD n° {n}",
                F.NETWORK_MEETING,
                M.REMOTE,
                ("V", 1),
                ["radicalisation", "prevention-securite"],
                60,
                "",
                [(month, d, *visio)],
            )
        )
    return events


class Command(BaseCommand):
    help = "Charge le calendrier de démonstration de l'année du programme, avec les inscriptions de la base."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2025, help="graine du tirage des participant·es")
        parser.add_argument("--year", type=int, default=2025, help="année du programme (importé au préalable)")
        parser.add_argument(
            "--calendar-year",
            type=int,
            default=None,
            help="année des dates du calendrier (par défaut celle du programme) : une année à venir remplit l'agenda",
        )

    @transaction.atomic
    def handle(self, *args, seed=2025, year=2025, calendar_year=None, **options):
        calendar_year = calendar_year or year
        programme = Programme.objects.filter(year=year).first()
        if programme is None:
            raise CommandError(f"Programme {year} absent : lancez d'abord import_programme.")
        actions = {
            (a.axis.roman, a.position): a
            for a in Action.objects.filter(axis__programme=programme).select_related("axis")
        }
        themes = {t.slug: t for t in Theme.objects.all()}
        people = list(Person.objects.active().exclude(email="").order_by("pk").values_list("pk", flat=True))
        rng = random.Random(seed)
        now = timezone.now()
        created = updated = registrations = 0
        for title, fmt, mode, action_key, theme_slugs, capacity, town, dates in _spec():
            slug = f"demo-{calendar_year}-{slugify(title)}"[:100]
            if Event.objects.filter(slug=slug).exists():
                # Already loaded (and perhaps edited by staff since): left as it is.
                updated += 1
                continue
            commune = Commune.objects.filter(name=town).first() if town else None
            event, is_new = Event.objects.update_or_create(
                slug=slug,
                defaults={
                    "title": title,
                    "format": fmt,
                    "mode": mode,
                    "status": EventStatus.PUBLISHED,
                    "summary": f"{title} — programme {year} de l'action {action_key[0]}.{action_key[1]}.",
                    "capacity": capacity,
                    "place_name": f"{town} (lieu précisé aux personnes inscrites)" if town else "",
                    "commune": commune,
                    "visio_url": "https://visio.example/irev-demo" if mode != M.IN_PERSON else "",
                    "waiting_list_enabled": True,
                },
            )
            created, updated = created + is_new, updated + (not is_new)
            if action_key in actions:
                event.actions.set([actions[action_key]])
            event.themes.set([themes[s] for s in theme_slugs if s in themes])
            starts = []
            for month, d, start, hours in dates:
                hour, minute = map(int, start.split(":"))
                # Another calendar year keeps the weekdays: shifted by whole 52-week years.
                begins = timezone.make_aware(
                    datetime.datetime(year, month, d, hour, minute)
                    + datetime.timedelta(weeks=52 * (calendar_year - year))
                )
                starts.append(begins)
                session = Session.objects.filter(event=event, starts_at=begins).first() or Session(
                    event=event, starts_at=begins
                )
                session.ends_at = begins + datetime.timedelta(hours=hours)
                session.save()
            Session.objects.filter(event=event).exclude(starts_at__in=starts).delete()
            registrations += self._register(event, people, rng, min(starts), now)
        self._mark_attendance(rng, now)
        self.stdout.write(
            f"Calendrier {calendar_year} (programme {year}) : {created} événement(s) créé(s), "
            f"{updated} déjà présent(s) ; "
            f"{registrations} inscription(s) ajoutée(s) depuis {len(people)} personne(s) de la base."
        )
        if not people:
            self.stdout.write("La base ne contient aucune personne : aucune inscription (aucune personne créée).")

    def _register(self, event, people, rng, first_start, now):
        """Registrations drawn from the base: the first `capacity` confirmed, then the waiting list."""
        if not people:
            return 0
        wanted = event.capacity + max(1, event.capacity // 10) if event.capacity else rng.randint(40, 90)
        chosen = rng.sample(people, min(len(people), wanted))
        existing = set(Registration.objects.filter(event=event).values_list("person_id", flat=True))
        opened = first_start - datetime.timedelta(days=42)
        new = []
        for rank, person_id in enumerate(chosen):
            at = min(opened + datetime.timedelta(hours=6 * rank), first_start - datetime.timedelta(hours=1), now)
            cancelled = rng.random() < 0.05
            if event.capacity is not None and rank >= event.capacity:
                fields = {"status": RegistrationStatus.WAITLISTED, "waitlisted_at": at}
            elif cancelled:
                fields = {"status": RegistrationStatus.CANCELLED, "cancelled_at": at}
            else:
                fields = {"status": RegistrationStatus.CONFIRMED, "confirmed_at": at}
            if person_id not in existing:
                new.append(
                    Registration(
                        event=event,
                        person_id=person_id,
                        source=RegistrationSource.PUBLIC,
                        legal_basis=event.legal_basis,
                        **fields,
                    )
                )
        Registration.objects.bulk_create(new)
        seats = Registration.objects.filter(event=event, status__in=SEAT_STATUSES).count()
        Event.objects.filter(pk=event.pk).update(seats_taken=seats)
        return len(new)

    def _mark_attendance(self, rng, now):
        """Present / absent for held sessions of demo events, when the attendance model is installed."""
        try:
            attendance = apps.get_model("events", "Attendance")
        except LookupError:
            return
        sessions = Session.objects.filter(event__slug__startswith="demo-", starts_at__lte=now)
        confirmed = Registration.objects.filter(
            Q(event__in=sessions.values("event_id")), status=RegistrationStatus.CONFIRMED
        ).values_list("pk", "event_id")
        by_event = {}
        for pk, event_id in confirmed.order_by("pk"):
            by_event.setdefault(event_id, []).append(pk)
        done = set(attendance.objects.filter(session__in=sessions).values_list("session_id", "registration_id"))
        rows = [
            attendance(session_id=session_id, registration_id=pk, present=rng.random() < 0.85)
            for session_id, event_id in sessions.order_by("starts_at", "pk").values_list("pk", "event_id")
            for pk in by_event.get(event_id, [])
            if (session_id, pk) not in done
        ]
        attendance.objects.bulk_create(rows, batch_size=500)
