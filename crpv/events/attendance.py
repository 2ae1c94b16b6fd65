"""Attendance: marking, the visio report import, the completion rule.

Writes go through the functions here (keyword-only, `acting_user`, atomic,
with an audit entry); reads are the `summarise` helpers and querysets.
"""

import datetime
import re
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from crpv.contacts.models import Position
from crpv.core.imports import Column, ImportRefused, ImportReport, map_headers, open_table, run_import
from crpv.core.models import AuditEntry
from crpv.core.text import fold

from .models import Attendance, AttendanceRules, AttendanceSource, Registration, RegistrationStatus, Session


def confirmed_registrations(event):
    """The people expected at the event's sessions, with their current structure."""
    return (
        Registration.objects.filter(event=event, status=RegistrationStatus.CONFIRMED)
        .select_related("person")
        .prefetch_related(
            Prefetch(
                "person__positions",
                queryset=Position.objects.current().select_related("organisation").order_by("-start_date", "pk"),
                to_attr="current_positions",
            )
        )
        .order_by("person__last_name", "person__first_name", "pk")
    )


def structure_of(registration):
    positions = getattr(registration.person, "current_positions", None)
    if positions:
        return positions[0].organisation.name
    return ""


@transaction.atomic
def save_rules(*, rules, acting_user):
    """Save an event's attendance rules (completion and visio presence ratios)."""
    rules.save()
    AuditEntry.record(
        acting_user,
        "attendance.rules_changed",
        rules.event,
        completion_ratio=rules.completion_ratio,
        min_presence_ratio=rules.min_presence_ratio,
    )
    return rules


# --- marking ----------------------------------------------------------------


def _check_pair(session, registration):
    if registration.event_id != session.event_id:
        raise ValueError("registration and session belong to different events")


@transaction.atomic
def mark_attendance(*, session, registration, acting_user, present=True, source=AttendanceSource.STAFF, minutes=None):
    """Record that `registration`'s person was (or was not) at `session`."""
    _check_pair(session, registration)
    attendance, _created = Attendance.objects.update_or_create(
        session=session,
        registration=registration,
        defaults={
            "present": present,
            "source": source,
            "minutes": minutes,
            "marked_by": acting_user if getattr(acting_user, "is_authenticated", False) else None,
            "marked_at": timezone.now(),
        },
    )
    AuditEntry.record(acting_user, "attendance.marked", attendance, present=present, source=source, session=session.pk)
    return attendance


@transaction.atomic
def unmark_attendance(*, session, registration, acting_user):
    """Undo a mark: the person is back to "not marked" for the session."""
    deleted, _ = Attendance.objects.filter(session=session, registration=registration).delete()
    if deleted:
        AuditEntry.record(acting_user, "attendance.unmarked", registration, session=session.pk)
    return bool(deleted)


@transaction.atomic
def mark_many(*, session, registrations, acting_user, present=True, source=AttendanceSource.STAFF):
    """Mark several people at once (the bulk form of a session's list)."""
    registrations = [r for r in registrations if r.event_id == session.event_id]
    now = timezone.now()
    user = acting_user if getattr(acting_user, "is_authenticated", False) else None
    existing = {
        a.registration_id: a
        for a in Attendance.objects.filter(session=session, registration__in=registrations).select_for_update()
    }
    to_create, to_update = [], []
    for registration in registrations:
        row = existing.get(registration.pk)
        if row is None:
            to_create.append(
                Attendance(
                    session=session,
                    registration=registration,
                    present=present,
                    source=source,
                    marked_by=user,
                    marked_at=now,
                )
            )
        else:
            row.present, row.source, row.marked_by, row.marked_at = present, source, user, now
            to_update.append(row)
    Attendance.objects.bulk_create(to_create)
    Attendance.objects.bulk_update(to_update, ["present", "source", "marked_by", "marked_at"])
    AuditEntry.record(
        acting_user,
        "attendance.bulk_marked",
        session,
        present=present,
        registrations=[r.pk for r in registrations],
    )
    return len(registrations)


# --- completion rule and per-person summary ---------------------------------


@dataclass
class PersonAttendance:
    """What one registration attended: the ground of attestations and surveys."""

    registration: Registration
    sessions: list = field(default_factory=list)
    total_sessions: int = 0
    completion_ratio: float = 0.8

    @property
    def attended(self):
        return len(self.sessions)

    @property
    def minutes(self):
        return sum(int(s.duration.total_seconds() // 60) for s in self.sessions)

    @property
    def hours_text(self):
        return format_duration(self.minutes)

    @property
    def half_days(self):
        return sum(s.half_days for s in self.sessions)

    @property
    def completed(self):
        """The completion rule: at least `completion_ratio` of the held sessions."""
        if not self.total_sessions:
            return False
        return self.attended >= self.completion_ratio * self.total_sessions - 1e-9


def format_duration(minutes):
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest:02d}" if rest else f"{hours} h"


def summarise(event, registrations=None):
    """PersonAttendance for every confirmed registration of `event` (3 queries + rules)."""
    rules = AttendanceRules.for_event(event)
    sessions = {s.pk: s for s in Session.objects.filter(event=event, cancelled=False).order_by("starts_at", "pk")}
    for session in sessions.values():
        session.duration_text = format_duration(session.duration.total_seconds() // 60)
    if registrations is None:
        registrations = list(confirmed_registrations(event))
    by_registration = {r.pk: PersonAttendance(r, [], len(sessions), rules.completion_ratio) for r in registrations}
    present = (
        Attendance.objects.counted()
        .filter(session__event=event, registration__in=list(by_registration))
        .values_list("registration_id", "session_id")
        .order_by("session__starts_at", "session_id")
    )
    for registration_id, session_id in present:
        if session_id in sessions:
            by_registration[registration_id].sessions.append(sessions[session_id])
    return list(by_registration.values())


# --- visio attendance report ------------------------------------------------

VISIO_COLUMNS = (
    Column(
        "name",
        "Nom",
        aliases=(
            "Nom complet",
            "Nom (nom d'origine)",
            "Nom (nom original)",
            "Name",
            "Full name",
            "Name (original name)",
            "Participant",
            "Nom du participant",
            "Nom de famille",
            "Last name",
        ),
    ),
    Column("first_name", "Prénom", aliases=("First name",)),
    Column(
        "email",
        "E-mail",
        aliases=(
            "Adresse e-mail",
            "Adresse électronique",
            "Courriel",
            "Email",
            "User email",
            "E-mail de l'utilisateur",
            "Adresse e-mail de l'utilisateur",
            "Email address",
            "UPN",
        ),
    ),
    Column(
        "joined",
        "Heure d'arrivée",
        aliases=("Join time", "Heure de connexion", "Première connexion", "First join", "Heure de début", "Arrivée"),
    ),
    Column(
        "left",
        "Heure de départ",
        aliases=("Leave time", "Heure de déconnexion", "Dernière déconnexion", "Last leave", "Heure de fin", "Départ"),
    ),
    Column(
        "duration",
        "Durée (minutes)",
        aliases=(
            "Durée",
            "Duration (minutes)",
            "Duration",
            "Durée de participation",
            "Durée de la réunion",
            "Temps de présence (minutes)",
            "Temps de visionnage (minutes)",
            "Durée en session",
            "In-meeting duration",
            "Attendance duration",
        ),
    ),
)

_DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y, %H:%M:%S",
    "%d/%m/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y, %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%H:%M:%S",
    "%H:%M",
)
_DURATION = re.compile(
    r"^\s*(?:(?P<h>\d+)\s*h(?:eures?|r?s?)?)?\s*(?:(?P<m>\d+)\s*m(?:in(?:utes?)?)?)?\s*(?:(?P<s>\d+)\s*s(?:ec(?:ondes?)?)?)?\s*$",
    re.I,
)


def parse_datetime_cell(text, day):
    """A join/leave cell as an aware datetime; a time alone is put on `day`."""
    text = " ".join(text.replace("\u202f", " ").split())
    for fmt in _DATETIME_FORMATS:
        try:
            value = datetime.datetime.strptime(text, fmt)  # noqa: DTZ007 (made aware below)
        except ValueError:
            continue
        if fmt.startswith("%H"):
            value = datetime.datetime.combine(day, value.time())
        return timezone.make_aware(value) if timezone.is_naive(value) else value
    return None


def parse_minutes(text):
    """A duration cell ("95", "95,5", "1:35:00", "1 h 35 min", "35 min 10 s") in minutes."""
    text = text.strip().replace(",", ".")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        pass
    if re.fullmatch(r"\d+:\d{2}(:\d{2})?", text):
        parts = [int(p) for p in text.split(":")]
        if len(parts) == 2:
            parts.append(0)
        return parts[0] * 60 + parts[1] + parts[2] / 60
    match = _DURATION.match(text)
    if match and any(match.groupdict().values()):
        return int(match["h"] or 0) * 60 + int(match["m"] or 0) + int(match["s"] or 0) / 60
    return None


@dataclass
class VisioParticipant:
    """One person of the report, after merging their reconnections."""

    name: str
    email: str
    lines: list
    minutes: int
    registration: Registration | None = None
    present: bool = False


@dataclass
class VisioImport:
    report: ImportReport
    participants: list = field(default_factory=list)

    @property
    def matched(self):
        return [p for p in self.participants if p.registration is not None]

    @property
    def unmatched(self):
        return [p for p in self.participants if p.registration is None]


def _check_visio_headers(source):
    with open_table(source) as table:
        index, _, _ = map_headers(table.headers, VISIO_COLUMNS)
    if "name" not in index and "email" not in index:
        raise ImportRefused(
            "le fichier n'a ni colonne « Nom » ni colonne « E-mail » (ou « Adresse e-mail ») : "
            "ce n'est pas un rapport de présence de visioconférence reconnu. "
            f"Colonnes trouvées : {', '.join(f'« {h} »' for h in table.headers if h) or 'aucune'}."
        )
    if "duration" not in index and not {"joined", "left"} <= set(index):
        raise ImportRefused(
            "le fichier n'a ni colonne « Durée (minutes) » ni les deux colonnes « Heure d'arrivée » et "
            "« Heure de départ » (ou « Join time » et « Leave time ») : impossible de calculer le temps de présence."
        )


def _rewind(source):
    if hasattr(source, "seek"):
        source.seek(0)


def _merged_minutes(rows):
    """Minutes online over all the lines of one person (overlaps counted once)."""
    intervals = [(r["joined"], r["left"]) for r in rows if r["joined"] and r["left"]]
    if len(intervals) == len(rows):
        total = datetime.timedelta()
        end = None
        for start, stop in sorted(intervals):
            if end is not None and start < end:
                start = end
            if stop > start:
                total += stop - start
                end = stop if end is None else max(end, stop)
        return int(round(total.total_seconds() / 60))
    return int(round(sum(r["minutes"] or 0 for r in rows)))


def read_visio_report(*, session, source, filename=""):
    """Read a webinar tool's attendance export and match it to registrations.

    Nothing is written. A file without a name/e-mail column or any way of
    computing the time online is refused; lines with an unreadable time are
    errors reported by line and column.
    """
    day = timezone.localtime(session.starts_at).date()
    try:
        _check_visio_headers(source)
    except ImportRefused as exc:
        return VisioImport(ImportReport(filename=filename, refusal=str(exc)))
    _rewind(source)

    def validate(values):
        errors, cleaned = [], {}
        name = " ".join(f"{values.get('first_name', '')} {values.get('name', '')}".split())
        email = values.get("email", "").strip().lower()
        if not name and not email:
            errors.append(("name", "ni nom ni adresse électronique"))
        for key in ("joined", "left"):
            text = values.get(key, "")
            cleaned[key] = parse_datetime_cell(text, day) if text else None
            if text and cleaned[key] is None:
                errors.append((key, "date ou heure illisible (attendu par exemple 14/03/2025 09:58:12)"))
        text = values.get("duration", "")
        cleaned["minutes"] = parse_minutes(text) if text else None
        if text and cleaned["minutes"] is None:
            errors.append(("duration", "durée illisible (attendu un nombre de minutes ou 1:35:00)"))
        if not errors and cleaned["minutes"] is None and not (cleaned["joined"] and cleaned["left"]):
            errors.append((None, "ni durée ni heures d'arrivée et de départ"))
        if cleaned["joined"] and cleaned["left"] and cleaned["left"] < cleaned["joined"]:
            errors.append(("left", "l'heure de départ précède l'heure d'arrivée"))
        if errors:
            return errors
        cleaned.update(name=name, email=email, has_first_name=bool(values.get("first_name")))
        return cleaned

    rows = []

    def collect(batch, ctx):
        rows.extend(batch)

    report = run_import(
        source,
        columns=VISIO_COLUMNS,
        validate_row=validate,
        process_batch=collect,
        dry_run=True,
        filename=filename,
        batch_size=10_000,
    )
    result = VisioImport(report)
    if not report.ok:
        return result
    result.participants = _match(session, rows)
    return result


def _name_keys(registration):
    person = registration.person
    return {fold(f"{person.first_name} {person.last_name}"), fold(f"{person.last_name} {person.first_name}")}


def _match(session, rows):
    registrations = list(confirmed_registrations(session.event))
    by_email = {r.person.email.lower(): r for r in registrations if r.person.email}
    by_name = {}
    for registration in registrations:
        for key in _name_keys(registration):
            by_name.setdefault(key, []).append(registration)
    groups = {}
    for row in rows:
        email, name = row.cleaned["email"], row.cleaned["name"]
        key = ("email", email) if email else ("name", fold(name))
        groups.setdefault(key, []).append(row)
    rules = AttendanceRules.for_event(session.event)
    needed = rules.min_presence_ratio * session.duration.total_seconds() / 60
    participants = []
    for (kind, value), group in groups.items():
        first = group[0].cleaned
        registration = by_email.get(value) if kind == "email" else None
        if registration is None:
            candidates = {r.pk: r for name in {fold(g.cleaned["name"]) for g in group} for r in by_name.get(name, [])}
            if len(candidates) == 1:
                registration = next(iter(candidates.values()))
        minutes = _merged_minutes([g.cleaned for g in group])
        participants.append(
            VisioParticipant(
                name=first["name"],
                email=first["email"],
                lines=[g.line for g in group],
                minutes=minutes,
                registration=registration,
                present=minutes >= needed - 1e-9,
            )
        )
    # Two lines of the report matched to the same registration (e-mail and
    # name spelled differently): merge them.
    merged = {}
    for participant in participants:
        if participant.registration is None:
            continue
        other = merged.get(participant.registration.pk)
        if other is None:
            merged[participant.registration.pk] = participant
        else:
            other.minutes += participant.minutes
            other.lines += participant.lines
            other.present = other.minutes >= needed - 1e-9
    unmatched = [p for p in participants if p.registration is None]
    return sorted(merged.values(), key=lambda p: p.lines[0]) + unmatched


@transaction.atomic
def import_visio_report(*, session, source, acting_user, filename=""):
    """Read the report and, if it is entirely valid, record the matched people.

    Returns the `VisioImport`; `report.written` says whether anything was
    recorded. The unmatched participants are for the staff to match by hand.
    """
    result = read_visio_report(session=session, source=source, filename=filename)
    if not result.report.ok:
        return result
    user = acting_user if getattr(acting_user, "is_authenticated", False) else None
    now = timezone.now()
    for participant in result.matched:
        Attendance.objects.update_or_create(
            session=session,
            registration=participant.registration,
            defaults={
                "present": participant.present,
                "minutes": participant.minutes,
                "source": AttendanceSource.VISIO,
                "marked_by": user,
                "marked_at": now,
            },
        )
    result.report.written = True
    result.report.count("personnes reconnues", len(result.matched))
    result.report.count("personnes non reconnues", len(result.unmatched))
    AuditEntry.record(
        acting_user,
        "attendance.visio_imported",
        session,
        filename=filename[:200],
        matched=len(result.matched),
        unmatched=len(result.unmatched),
        present=sum(1 for p in result.matched if p.present),
    )
    return result


def presence_from_minutes(session, minutes):
    rules = AttendanceRules.for_event(session.event)
    return minutes >= rules.min_presence_ratio * session.duration.total_seconds() / 60 - 1e-9
