"""Counts for the staff: registrations, attendance, participants, demi-journées for ANCT.

What counts (the same rule as `crpv.events.achievements`, which feeds the
programme dashboard; `tests/events/test_stats.py` checks that both agree):

- a **held session** is a session of a published event, not cancelled,
  that has started (`held_sessions`); its demi-journées are computed on save
  by `count_half_days`;
- a **participant** is a person with a *confirmed* registration to a
  published event (`counted_registrations`); over a period, to an event with
  a held session in that period;
- the **attendance rate** of an event is the share of its confirmed
  registrations marked present at one session at least, among the events
  whose attendance was taken (émargement); None when it was not, or when the
  attendance model is not installed.

Territory of a participant, level by level (département, EPCI, contrat de
ville): the territories of the structures where the person holds a position
today (the structure's own territories, and its commune's département and
EPCI); when that gives none at this level, the person's own territories of
intervention; else "non renseigné". A person working for a structure that
covers several territories counts once in each: a table's rows may add up
to more than the number of participants (each table says so).
Structure type and role: those of the person's current positions, likewise.

Every function runs a fixed number of grouped queries, whatever the number
of events or people.
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import CharField, Count, Sum, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from crpv.contacts.models import OrganisationKind, Person, Position, Role
from crpv.territories.models import ContratDeVille, Departement, Epci

from .models import EventFormat, EventMode, EventStatus, Registration, RegistrationStatus, Session

UNKNOWN = "non renseigné"


# --- what counts ------------------------------------------------------------------------


def held_sessions(*, start=None, end=None, now=None):
    """Sessions held: published event, not cancelled, started (by `now`); optionally within [start, end] dates."""
    now = now or timezone.now()
    sessions = Session.objects.filter(event__status=EventStatus.PUBLISHED, cancelled=False, starts_at__lte=now)
    if start is not None:
        sessions = sessions.filter(starts_at__gte=_day_start(start))
    if end is not None:
        sessions = sessions.filter(starts_at__lt=_day_start(end + datetime.timedelta(days=1)))
    return sessions


def counted_registrations():
    """Registrations that make a participant: confirmed, to a published event."""
    return Registration.objects.filter(status=RegistrationStatus.CONFIRMED, event__status=EventStatus.PUBLISHED)


def _day_start(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _attendance_model():
    """The émargement model when the attendance module is installed, else None."""
    try:
        return apps.get_model("events", "Attendance")
    except LookupError:
        return None


# --- per event -------------------------------------------------------------------------------


def registrations_by_status(event_ids):
    """{event id: Counter(status → n)} in one grouped query."""
    counts = defaultdict(Counter)
    rows = Registration.objects.filter(event_id__in=event_ids).values("event_id", "status").annotate(n=Count("pk"))
    for row in rows.order_by():
        counts[row["event_id"]][row["status"]] = row["n"]
    return counts


def attendance_rates(event_ids):
    """{event id: present ÷ confirmed} for the events whose attendance was taken (others: absent)."""
    attendance = _attendance_model()
    if attendance is None:
        return {}
    taken = attendance.objects.filter(registration__event_id__in=event_ids)
    present = dict(
        taken.filter(present=True, registration__status=RegistrationStatus.CONFIRMED)
        .values("registration__event_id")
        .annotate(n=Count("registration_id", distinct=True))
        .order_by()
        .values_list("registration__event_id", "n")
    )
    recorded = set(taken.values_list("registration__event_id", flat=True).distinct().order_by())
    confirmed = dict(
        Registration.objects.filter(event_id__in=recorded, status=RegistrationStatus.CONFIRMED)
        .values("event_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("event_id", "n")
    )
    return {pk: (present.get(pk, 0) / confirmed[pk]) for pk in recorded if confirmed.get(pk)}


@dataclass
class EventCounts:
    by_status: dict
    confirmed: int
    pending: int
    waiting: int
    offered: int
    cancelled: int
    attendance_rate: float | None
    sessions_held: int
    half_days: int


def event_counts(event, now=None):
    statuses = registrations_by_status([event.pk])[event.pk]
    held = held_sessions(now=now).filter(event=event).aggregate(n=Count("pk"), half_days=Sum("half_days"))
    return EventCounts(
        by_status=_status_rows(statuses),
        confirmed=statuses[RegistrationStatus.CONFIRMED],
        pending=statuses[RegistrationStatus.PENDING],
        waiting=statuses[RegistrationStatus.WAITLISTED],
        offered=statuses[RegistrationStatus.OFFERED],
        cancelled=statuses[RegistrationStatus.CANCELLED],
        attendance_rate=attendance_rates([event.pk]).get(event.pk),
        sessions_held=held["n"] or 0,
        half_days=held["half_days"] or 0,
    )


def _status_rows(statuses):
    return [(label, statuses.get(value, 0)) for value, label in RegistrationStatus.choices]


# --- participants by territory, structure type, role ---------------------------------------------


@dataclass
class Breakdown:
    """Counts of participants by one dimension: rows of (label, n), largest first."""

    title: str
    rows: list
    total_people: int
    note: str = ""


def participants_breakdowns(person_ids, on=None):
    """The five tables (département, EPCI, contrat de ville, structure type, role) for these people."""
    person_ids = set(person_ids)
    positions = list(
        Position.objects.current(on)
        .filter(person_id__in=person_ids)
        .values_list(
            "person_id",
            "organisation_id",
            "role",
            "organisation__kind",
            "organisation__commune__departement_id",
            "organisation__commune__epci_id",
        )
        .order_by()
    )
    organisations = {row[1] for row in positions}
    org_of = defaultdict(set)
    for person_id, organisation_id, *_ in positions:
        org_of[person_id].add(organisation_id)

    def through(model, relation, owner_field, ids):
        table = getattr(model, relation).through
        other = getattr(model, relation).field.m2m_reverse_field_name()
        links = defaultdict(set)
        rows = table.objects.filter(**{f"{owner_field}__in": ids}).values_list(owner_field, other)
        for owner, target in rows:
            links[owner].add(target)
        return links

    from crpv.contacts.models import Organisation

    levels = [
        ("Participants par département", Departement, "departements", 4),
        ("Participants par EPCI", Epci, "epcis", 5),
        ("Participants par contrat de ville", ContratDeVille, "contrats_de_ville", None),
    ]
    tables = []
    for title, model, relation, commune_column in levels:
        of_org = through(Organisation, relation, "organisation_id", organisations)
        if commune_column is not None:
            for row in positions:
                if row[commune_column]:
                    of_org[row[1]].add(row[commune_column])
        of_person = through(Person, relation, "person_id", person_ids)
        counts = Counter()
        for person_id in person_ids:
            found = set().union(*(of_org.get(o, set()) for o in org_of.get(person_id, ())))
            found = found or of_person.get(person_id, set())
            counts.update(found or {None})
        names = {obj.pk: str(obj) for obj in model.objects.filter(pk__in=[k for k in counts if k])}
        rows = [(names.get(k, UNKNOWN) if k else UNKNOWN, n) for k, n in counts.items()]
        tables.append(
            Breakdown(title, _sorted(rows), len(person_ids), "une personne peut compter dans plusieurs lignes")
        )

    kind_labels, role_labels = dict(OrganisationKind.choices), dict(Role.choices)
    for title, column, labels in (
        ("Participants par type de structure", 3, kind_labels),
        ("Participants par rôle", 2, role_labels),
    ):
        values = defaultdict(set)
        for row in positions:
            values[row[0]].add(row[column])
        counts = Counter()
        for person_id in person_ids:
            counts.update(values.get(person_id) or {None})
        rows = [(labels.get(k, k) if k else UNKNOWN, n) for k, n in counts.items()]
        tables.append(Breakdown(title, _sorted(rows), len(person_ids), "selon les postes occupés aujourd'hui"))
    return tables


def _sorted(rows):
    return sorted(rows, key=lambda r: (r[0] == UNKNOWN, -r[1], r[0]))


# --- ANCT: demi-journées ------------------------------------------------------------------------


def _mode():
    """A session's effective mode: its own, else its event's."""
    return Coalesce(NullIf("mode", Value("")), "event__mode", output_field=CharField())


@dataclass
class HalfDayReturn:
    """The yearly return to ANCT: demi-journées held, by format and by theme, présentiel vs distanciel."""

    modes: list
    by_format: list  # (format label, [half-days per mode, in `modes` order], total)
    by_theme: list
    totals: dict
    total: int
    sessions: int


def half_day_return(*, start, end, now=None):
    sessions = held_sessions(start=start, end=end, now=now).annotate(effective_mode=_mode())
    modes = [(value, label) for value, label in EventMode.choices]

    def grid(rows, key, labels):
        table = defaultdict(Counter)
        for row in rows:
            table[row[key]][row["effective_mode"]] += row["half_days"] or 0
        out = [
            (labels.get(k, UNKNOWN if k is None else k), [v.get(m, 0) for m, _ in modes], sum(v.values()))
            for k, v in table.items()
        ]
        return sorted(out, key=lambda r: (r[0] == "sans thématique", -r[2], r[0]))

    by_format_rows = list(
        sessions.values("event__format", "effective_mode").annotate(half_days=Sum("half_days")).order_by()
    )
    by_theme_rows = list(
        sessions.values("event__themes__name", "effective_mode").annotate(half_days=Sum("half_days")).order_by()
    )
    overall = sessions.aggregate(n=Count("pk"), half_days=Sum("half_days"))
    totals = Counter()
    for row in by_format_rows:
        totals[row["effective_mode"]] += row["half_days"] or 0
    theme_labels = {row["event__themes__name"]: row["event__themes__name"] for row in by_theme_rows}
    theme_labels[None] = "sans thématique"
    return HalfDayReturn(
        modes=modes,
        by_format=grid(by_format_rows, "event__format", dict(EventFormat.choices)),
        by_theme=grid(by_theme_rows, "event__themes__name", theme_labels),
        totals=dict(totals),
        total=overall["half_days"] or 0,
        sessions=overall["n"] or 0,
    )


# --- a period -------------------------------------------------------------------------------------


@dataclass
class PeriodReport:
    start: datetime.date
    end: datetime.date
    events: int
    sessions: int
    half_days: int
    participants: int
    registrations: list  # (status label, n)
    waiting: int
    attendance_rate: float | None
    breakdowns: list = field(default_factory=list)
    half_day_return: HalfDayReturn | None = None


def period_report(*, start, end, now=None):
    """Everything the staff counts over [start, end] (dates, inclusive), for events held in it."""
    held = held_sessions(start=start, end=end, now=now)
    event_ids = set(held.values_list("event_id", flat=True).distinct().order_by())
    statuses = Counter()
    for row in Registration.objects.filter(event_id__in=event_ids).values("status").annotate(n=Count("pk")).order_by():
        statuses[row["status"]] = row["n"]
    people = set(counted_registrations().filter(event_id__in=event_ids).values_list("person_id", flat=True))
    rates = attendance_rates(event_ids)
    confirmed_by_event = Counter(
        dict(
            counted_registrations()
            .filter(event_id__in=rates.keys())
            .values("event_id")
            .annotate(n=Count("pk"))
            .order_by()
            .values_list("event_id", "n")
        )
    )
    weight = sum(confirmed_by_event.values())
    rate = sum(rates[pk] * confirmed_by_event[pk] for pk in rates) / weight if weight else None
    returned = half_day_return(start=start, end=end, now=now)
    return PeriodReport(
        start=start,
        end=end,
        events=len(event_ids),
        sessions=returned.sessions,
        half_days=returned.total,
        participants=len(people),
        registrations=_status_rows(statuses),
        waiting=statuses[RegistrationStatus.WAITLISTED],
        attendance_rate=rate,
        breakdowns=participants_breakdowns(people),
        half_day_return=returned,
    )


def export_sheets(report):
    """The report as spreadsheet tables: [(title, headers, rows)]."""
    from crpv.core.exports import Sheet

    mode_labels = [label for _, label in report.half_day_return.modes]
    sheets = [
        Sheet(
            "Synthèse",
            ["indicateur", "valeur"],
            [
                ("période", f"{report.start:%d/%m/%Y} – {report.end:%d/%m/%Y}"),
                ("événements tenus", report.events),
                ("séances tenues", report.sessions),
                ("demi-journées", report.half_days),
                ("participant·es (personnes distinctes)", report.participants),
                ("liste d'attente", report.waiting),
                (
                    "taux de présence",
                    "" if report.attendance_rate is None else round(report.attendance_rate * 100, 1),
                ),
            ],
        ),
        Sheet("Inscriptions", ["statut", "inscriptions"], report.registrations),
    ]
    for breakdown in report.breakdowns:
        sheets.append(Sheet(breakdown.title.removeprefix("Participants par "), ["", "participant·es"], breakdown.rows))
    for title, rows in (
        ("Demi-journées par format", report.half_day_return.by_format),
        ("Demi-journées par thématique", report.half_day_return.by_theme),
    ):
        sheets.append(
            Sheet(
                title,
                ["", *mode_labels, "total"],
                [(label, *cells, total) for label, cells, total in rows],
            )
        )
    return sheets
