"""Use-cases of events: registration, waiting list, approval, invitations.

Every function here runs in one transaction, writes an `AuditEntry` in it,
and sends e-mail only after commit, through the task queue: with the
database queue (django-tasks-db) the task row is written in the same
transaction, so the worker sees it only once committed (an outbox); with
any other backend the task is enqueued by `on_commit`.

Seats: `Event.seats_taken` (and `Team.seats_taken` for per-territory quotas)
count the registrations in `SEAT_STATUSES`. A seat is taken by one
conditional UPDATE (`... SET seats_taken = seats_taken + 1 WHERE id = %s AND
seats_taken < capacity`) in the same transaction as the registration's
INSERT: on PostgreSQL the UPDATE locks the event row until commit, on SQLite
the transaction holds the write lock from its start (IMMEDIATE). The
database also refuses `seats_taken > capacity`. The duplicate (event, person)
is checked before a seat is taken, and the unique constraint catches the
race the check cannot.
"""

import contextlib
import datetime
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from crpv.contacts.models import LegalBasis, Organisation, Person, Position
from crpv.contacts.validators import is_valid_email, normalise_email
from crpv.core.fastinsert import insert
from crpv.core.models import AuditEntry
from crpv.core.text import fold

from .models import (
    SEAT_STATUSES,
    Event,
    EventStatus,
    Invitation,
    InvitationResponse,
    PersonField,
    Registration,
    RegistrationSource,
    RegistrationStatus,
    Team,
)


class RegistrationError(Exception):
    """A refusal, with the French message shown to the user."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class AlreadyRegistered(RegistrationError):
    pass


class RegistrationClosed(RegistrationError):
    pass


class EventFull(RegistrationError):
    pass


class TeamFull(RegistrationError):
    pass


class InvalidPersonData(RegistrationError):
    pass


class InvalidTransition(RegistrationError):
    pass


class OfferExpired(RegistrationError):
    pass


# --- seats -------------------------------------------------------------------


def take_seat(event_id):
    """Take one seat of the event if one is free; True when taken.

    Raw SQL for the hottest statement of a registration burst: the ORM's
    `update()` spent ~0.5 ms of CPU compiling this one line.
    """
    sql = (
        f"UPDATE {Event._meta.db_table} SET seats_taken = seats_taken + 1 "  # noqa: S608
        "WHERE id = %s AND (capacity IS NULL OR seats_taken < capacity)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [event_id])
        return cursor.rowcount == 1


def release_seat(event_id):
    Event.objects.filter(pk=event_id, seats_taken__gt=0).update(seats_taken=F("seats_taken") - 1)


def take_team_seat(team_id):
    return Team.objects.filter(pk=team_id, seats_taken__lt=F("capacity")).update(seats_taken=F("seats_taken") + 1) == 1


def release_team_seat(team_id):
    Team.objects.filter(pk=team_id, seats_taken__gt=0).update(seats_taken=F("seats_taken") - 1)


def _release(registration):
    release_seat(registration.event_id)
    if registration.team_id:
        release_team_seat(registration.team_id)


# --- e-mail after commit -------------------------------------------------------


def _queue_is_transactional(task):
    """True when the task queue is a table of this database (django-tasks-db).

    The task row is then written in the caller's transaction: the worker sees
    it only once the transaction commits, and never when it rolls back (an
    outbox). That saves a second write transaction per registration, which
    on SQLite serialises with every other writer. Other backends (the
    immediate one in tests, a broker) are called after commit.
    """
    from django.db import router
    from django_tasks_db import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    return isinstance(task.get_backend(), DatabaseBackend) and router.db_for_write(DBTaskResult) == "default"


def _enqueue_after_commit(task, *args):
    if transaction.get_connection().in_atomic_block and _queue_is_transactional(task):
        task.enqueue(*args)
    else:
        transaction.on_commit(lambda: task.enqueue(*args))


def _send_after_commit(registration, kind):
    from .tasks import send_registration_email

    _enqueue_after_commit(send_registration_email, registration.pk, kind)


def _send_invitation_after_commit(invitation, kind):
    from .tasks import send_invitation_email

    _enqueue_after_commit(send_invitation_email, invitation.pk, kind)


# --- people --------------------------------------------------------------------


@dataclass
class PersonData:
    email: str
    first_name: str = ""
    last_name: str = ""
    function_title: str = ""
    organisation_name: str = ""

    @classmethod
    def of(cls, data):
        if isinstance(data, cls):
            return data
        return cls(**{k: (data.get(k) or "").strip() for k in cls.__dataclass_fields__})


def person_with_email(email):
    """The person of the base with this (normalised) address, through the unique index on lower(email).

    Raw SQL: the same query through the ORM (`alias(Lower(...))`) cost ~1 ms
    of CPU to compile, a sixth of a registration POST.
    """
    sql = f"SELECT * FROM {Person._meta.db_table} WHERE lower(email) = %s AND email <> '' LIMIT 1"  # noqa: S608
    rows = list(Person.objects.raw(sql, [normalise_email(email)]))
    return rows[0] if rows else None


def find_or_create_person(*, person_data, event=None, acting_user=None, legal_basis=LegalBasis.PUBLIC_TASK):
    """The person of the base with this e-mail, or a new one (with its legal basis).

    An existing record is never overwritten from a public form: only its
    empty fields are filled in. Sets `person.created_here` (True for a new
    record) so that callers can skip queries a new person cannot need.
    """
    data = PersonData.of(person_data)
    email = normalise_email(data.email)
    if not email or not is_valid_email(email):
        raise InvalidPersonData("Adresse électronique invalide.")
    if any("\n" in v or "\r" in v for v in (data.first_name, data.last_name, data.function_title)):
        raise InvalidPersonData("Les noms ne peuvent pas contenir de retour à la ligne.")
    person = person_with_email(email)
    created = False
    if person is None:
        if not data.last_name:
            raise InvalidPersonData("Le nom est obligatoire.")
        # PostgreSQL aborts the transaction on an IntegrityError: a savepoint
        # lets the concurrent-duplicate case below go on. SQLite does not (and
        # its IMMEDIATE transaction holds the write lock since the SELECT
        # above): no savepoint, two statements fewer.
        savepoint = contextlib.nullcontext() if connection.vendor == "sqlite" else transaction.atomic()
        try:
            with savepoint:
                person = Person(
                    email=email,
                    first_name=data.first_name[:150],
                    last_name=data.last_name[:150],
                    function_title=data.function_title[:250],
                    legal_basis=legal_basis,
                    source=f"inscription à « {event} »"[:200] if event else "inscription à un événement",
                    # The person's own action starts the retention period (contacts.privacy).
                    last_own_action_at=timezone.now() if acting_user is None else None,
                )
                person.normalise()
                insert(person)  # the hot path of a registration burst: the INSERT's text is built once
        except IntegrityError:  # the same address created by a concurrent request
            person = person_with_email(email)
        else:
            created = True
            if event is None:  # a registration records the creation in its own audit entry
                AuditEntry.record(
                    acting_user, "contacts.person_created_by_registration", person, legal_basis=legal_basis
                )
    else:
        changed = []
        for field in ("first_name", "last_name", "function_title"):
            if not getattr(person, field) and getattr(data, field):
                setattr(person, field, getattr(data, field))
                changed.append(field)
        if acting_user is None:  # the person registers: their own action (retention restarts)
            person.last_own_action_at = timezone.now()
            changed.append("last_own_action_at")
        if changed:
            person.save(update_fields=[*changed, "folded_name", "email", "updated_at"])
    if data.organisation_name and (created or not person.positions.current().exists()):
        # Only an exact (folded) name match: a free-text structure never creates one.
        organisation = (
            Organisation.objects.filter(folded_name=fold(data.organisation_name)[:250]).order_by("pk").first()
        )
        if organisation is not None:
            if created:
                Position.objects.create(person=person, organisation=organisation)
            else:
                Position.objects.get_or_create(person=person, organisation=organisation, end_date=None)
    person.created_here = created
    return person


def _apply_answers_to_person(person, event, answers, *, overwrite, questions=None):
    """Copy answers to the person's record where a question says so."""
    changed = []
    if not answers:
        return changed
    for question in event.questions.all() if questions is None else questions:
        if question.person_field in ("", PersonField.NONE):
            continue
        value = (answers or {}).get(str(question.pk), {}).get("value")
        if not isinstance(value, str) or not value.strip():
            continue
        if overwrite or not getattr(person, question.person_field):
            setattr(person, question.person_field, value.strip()[:250])
            changed.append(question.person_field)
    if changed:
        person.save(update_fields=[*changed, "folded_name", "email", "updated_at"])
    return changed


# --- registration --------------------------------------------------------------


@transaction.atomic
def register_participant(
    *,
    event,
    person_data,
    answers=None,
    acting_user=None,
    source=RegistrationSource.PUBLIC,
    invitation=None,
    team=None,
    registered_by=None,
    now=None,
    questions=None,
):
    """Register a person (found by e-mail or created) to an event.

    Returns the `Registration`: confirmed, pending approval, or on the waiting
    list. Raises a `RegistrationError` (French message) and writes nothing when
    refused: closed, invitation only, full without waiting list, duplicate,
    invalid e-mail, team full. `questions`: the event's questions, when the
    caller has read them already.
    """
    now = now or timezone.now()
    if source in (RegistrationSource.PUBLIC, RegistrationSource.INVITATION, RegistrationSource.TEAM):
        reason = event.registration_closed_reason(now)
        if reason:
            raise RegistrationClosed(reason)
    if source == RegistrationSource.PUBLIC and event.invitation_only:
        raise RegistrationClosed(
            "Cet événement est sur invitation : inscrivez-vous avec le lien personnel reçu par courriel."
        )
    if source == RegistrationSource.PUBLIC and event.team_registration:
        raise RegistrationClosed(
            "Les inscriptions à ce cycle se font par équipe de territoire, par le lien reçu par votre référent·e."
        )
    if source == RegistrationSource.INVITATION:
        if invitation is None or invitation.event_id != event.pk:
            raise RegistrationClosed("Cette invitation ne correspond pas à cet événement.")
        person_data = PersonData.of(person_data)
        person_data.email = invitation.person.email
    if team is not None and team.event_id != event.pk:
        raise RegistrationClosed("Cette équipe ne participe pas à cet événement.")

    person = find_or_create_person(person_data=person_data, event=event, acting_user=acting_user)
    # A person created in this transaction cannot be registered yet: no lookup.
    existing = None if person.created_here else Registration.objects.filter(event=event, person=person).first()
    if existing is not None and existing.is_active:
        raise AlreadyRegistered(_already_message(existing))

    if team is not None and not take_team_seat(team.pk):
        raise TeamFull(f"L'équipe « {team.name} » a déjà ses {team.capacity} membres inscrits.")
    if take_seat(event.pk):
        status = (
            RegistrationStatus.PENDING
            if event.approval_required and source != RegistrationSource.STAFF
            else (RegistrationStatus.CONFIRMED)
        )
    elif event.waiting_list_enabled and team is None:
        status = RegistrationStatus.WAITLISTED
    else:
        raise EventFull("Cet événement est complet.")

    registration = existing or Registration(event=event, person=person)
    registration.status = status
    registration.source = source
    registration.team = team
    registration.registered_by = registered_by
    registration.answers = answers or {}
    registration.legal_basis = event.legal_basis
    registration.confirmed_at = now if status == RegistrationStatus.CONFIRMED else None
    registration.waitlisted_at = now if status == RegistrationStatus.WAITLISTED else None
    registration.offered_at = registration.offer_expires_at = registration.cancelled_at = None
    registration.replaced_by = None
    if existing is not None:
        from .models.registrations import new_key

        registration.key = new_key()
    try:
        # No savepoint: on a duplicate (a concurrent request registered the
        # same person) the whole transaction is rolled back, seat included.
        if existing is None:
            insert(registration)
        else:
            registration.save()
    except IntegrityError as exc:
        raise AlreadyRegistered("Vous êtes déjà inscrit·e à cet événement.") from exc

    overwrite = source in (RegistrationSource.INVITATION, RegistrationSource.STAFF, RegistrationSource.TEAM)
    _apply_answers_to_person(person, event, answers, overwrite=overwrite, questions=questions)
    if invitation is not None:
        invitation.response = InvitationResponse.ACCEPTED
        invitation.responded_at = now
        invitation.registration = registration
        invitation.save(update_fields=["response", "responded_at", "registration", "updated_at"])
    details = {"status": status, "source": source, "event": event.pk}
    if person.created_here:  # one audit entry: the new record and its legal basis are noted here
        details.update(person_created=person.pk, legal_basis=person.legal_basis)
    AuditEntry.record(acting_user, "events.registration_created", registration, **details)
    _send_after_commit(registration, _mail_kind_for(status))
    return registration


def _already_message(registration):
    if registration.status == RegistrationStatus.WAITLISTED:
        return "Vous êtes déjà sur la liste d'attente de cet événement."
    if registration.status == RegistrationStatus.PENDING:
        return "Vous êtes déjà inscrit·e à cet événement ; votre inscription attend la validation de l'équipe."
    return "Vous êtes déjà inscrit·e à cet événement."


def _mail_kind_for(status):
    return {
        RegistrationStatus.CONFIRMED: "confirmation",
        RegistrationStatus.PENDING: "pending",
        RegistrationStatus.WAITLISTED: "waitlisted",
        RegistrationStatus.OFFERED: "offer",
    }[status]


def _locked(registration):
    """The registration re-read with a row lock (PostgreSQL; SQLite holds the write lock)."""
    return Registration.objects.select_for_update().select_related("event").get(pk=registration.pk)


@transaction.atomic
def cancel_registration(*, registration, acting_user=None, now=None):
    """Cancel (self-service or staff); a freed seat goes to the waiting list."""
    now = now or timezone.now()
    registration = _locked(registration)
    if not registration.is_active:
        raise InvalidTransition("Cette inscription est déjà annulée ou close.")
    had_seat = registration.holds_seat
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = now
    registration.save(update_fields=["status", "cancelled_at", "updated_at"])
    AuditEntry.record(acting_user, "events.registration_cancelled", registration, had_seat=had_seat)
    _send_after_commit(registration, "cancelled")
    if had_seat:
        _release(registration)
        promote_from_waiting_list(event=registration.event, acting_user=acting_user, now=now)
    return registration


@transaction.atomic
def promote_from_waiting_list(*, event, acting_user=None, now=None):
    """Offer freed seats to the people waiting, first come first served.

    Each offer takes the seat at once (so nobody else gets it) and is valid
    `event.offer_hours`; the person confirms it through a signed link, or
    `expire_offers` gives the seat to the next person.
    """
    now = now or timezone.now()
    offers = []
    while True:
        candidate = (
            Registration.objects.select_for_update()
            .waiting_list()
            .filter(event_id=event.pk, team__isnull=True)
            .first()
        )
        if candidate is None or not take_seat(event.pk):
            break
        candidate.status = RegistrationStatus.OFFERED
        candidate.offered_at = now
        candidate.offer_expires_at = now + datetime.timedelta(hours=event.offer_hours)
        candidate.save(update_fields=["status", "offered_at", "offer_expires_at", "updated_at"])
        AuditEntry.record(
            acting_user, "events.seat_offered", candidate, expires=candidate.offer_expires_at.isoformat()
        )
        _send_after_commit(candidate, "offer")
        offers.append(candidate)
    return offers


@transaction.atomic
def confirm_offer(*, registration, acting_user=None, now=None):
    """The person accepts the seat offered; an expired offer changes nothing."""
    now = now or timezone.now()
    registration = _locked(registration)
    if registration.status == RegistrationStatus.CONFIRMED:
        raise InvalidTransition("Votre place est déjà confirmée.")
    if registration.status == RegistrationStatus.OFFER_EXPIRED or (
        registration.status == RegistrationStatus.OFFERED and registration.offer_expires_at <= now
    ):
        raise OfferExpired(
            "Le délai pour confirmer cette place est dépassé : elle a été proposée à une autre personne."
        )
    if registration.status != RegistrationStatus.OFFERED:
        raise InvalidTransition("Aucune place ne vous est proposée pour cet événement.")
    pending = registration.event.approval_required
    registration.status = RegistrationStatus.PENDING if pending else RegistrationStatus.CONFIRMED
    registration.confirmed_at = None if pending else now
    registration.save(update_fields=["status", "confirmed_at", "updated_at"])
    AuditEntry.record(acting_user, "events.offer_confirmed", registration)
    _send_after_commit(registration, "pending" if pending else "confirmation")
    return registration


@transaction.atomic
def expire_offers(*, acting_user=None, now=None, dry_run=False):
    """Close the offers whose time is up and offer their seats to the next people."""
    now = now or timezone.now()
    expired = list(
        Registration.objects.select_for_update()
        .select_related("event")
        .filter(status=RegistrationStatus.OFFERED, offer_expires_at__lte=now)
        .order_by("offer_expires_at", "pk")
    )
    if dry_run:
        return expired
    events = {}
    for registration in expired:
        registration.status = RegistrationStatus.OFFER_EXPIRED
        registration.save(update_fields=["status", "updated_at"])
        _release(registration)
        AuditEntry.record(acting_user, "events.offer_expired", registration)
        _send_after_commit(registration, "offer_expired")
        events[registration.event_id] = registration.event
    for event in events.values():
        promote_from_waiting_list(event=event, acting_user=acting_user, now=now)
    return expired


@transaction.atomic
def approve_registration(*, registration, acting_user, now=None):
    now = now or timezone.now()
    registration = _locked(registration)
    if registration.status != RegistrationStatus.PENDING:
        raise InvalidTransition("Seule une inscription en attente de validation peut être validée.")
    registration.status = RegistrationStatus.CONFIRMED
    registration.confirmed_at = now
    registration.decided_by = acting_user
    registration.save(update_fields=["status", "confirmed_at", "decided_by", "updated_at"])
    AuditEntry.record(acting_user, "events.registration_approved", registration)
    _send_after_commit(registration, "confirmation")
    return registration


@transaction.atomic
def refuse_registration(*, registration, acting_user, now=None):
    now = now or timezone.now()
    registration = _locked(registration)
    if registration.status != RegistrationStatus.PENDING:
        raise InvalidTransition("Seule une inscription en attente de validation peut être refusée.")
    registration.status = RegistrationStatus.REFUSED
    registration.decided_by = acting_user
    registration.cancelled_at = now
    registration.save(update_fields=["status", "decided_by", "cancelled_at", "updated_at"])
    _release(registration)
    AuditEntry.record(acting_user, "events.registration_refused", registration)
    _send_after_commit(registration, "refused")
    promote_from_waiting_list(event=registration.event, acting_user=acting_user, now=now)
    return registration


def _structures(person, on=None):
    return set(Position.objects.current(on).filter(person=person).values_list("organisation_id", flat=True))


@transaction.atomic
def replace_participant(*, registration, person_data, acting_user=None, registered_by=None, now=None):
    """Give a participant's seat to a colleague of the same structure.

    The colleague must hold a current position in one of the participant's
    structures; a colleague new to the base (or with no position yet) gets a
    position in the participant's structure. The seat moves: no count
    changes.
    """
    now = now or timezone.now()
    registration = _locked(registration)
    if registration.status not in (RegistrationStatus.CONFIRMED, RegistrationStatus.PENDING):
        raise InvalidTransition("Seule une inscription confirmée ou en attente peut être transmise.")
    structures = _structures(registration.person, now.date())
    if not structures:
        raise InvalidTransition(
            "La structure de la personne inscrite n'est pas connue : demandez le remplacement à l'équipe."
        )
    colleague = find_or_create_person(person_data=person_data, event=registration.event, acting_user=acting_user)
    if colleague.pk == registration.person_id:
        raise InvalidTransition("La personne remplaçante est la personne déjà inscrite.")
    theirs = _structures(colleague, now.date())
    if theirs and not theirs & structures:
        raise InvalidTransition("La personne remplaçante doit travailler dans la même structure.")
    if not theirs:
        Position.objects.create(person=colleague, organisation_id=min(structures), start_date=now.date())
    existing = Registration.objects.filter(event=registration.event, person=colleague).first()
    if existing is not None and existing.is_active:
        raise AlreadyRegistered(f"{colleague} est déjà inscrit·e à cet événement.")
    from .models.registrations import new_key

    replacement = existing or Registration(event=registration.event, person=colleague)
    replacement.status = registration.status
    replacement.source = RegistrationSource.REPLACEMENT
    replacement.team = registration.team
    replacement.registered_by = registered_by
    replacement.legal_basis = registration.legal_basis
    replacement.answers = {}
    replacement.confirmed_at = now if registration.status == RegistrationStatus.CONFIRMED else None
    replacement.waitlisted_at = replacement.offered_at = replacement.offer_expires_at = None
    replacement.cancelled_at = None
    replacement.key = new_key()
    replacement.save()
    registration.status = RegistrationStatus.REPLACED
    registration.cancelled_at = now
    registration.replaced_by = replacement
    registration.save(update_fields=["status", "cancelled_at", "replaced_by", "updated_at"])
    details = {"replacement": replacement.pk}
    if colleague.created_here:
        details.update(person_created=colleague.pk, legal_basis=colleague.legal_basis)
    AuditEntry.record(acting_user, "events.participant_replaced", registration, **details)
    _send_after_commit(
        replacement, "confirmation" if replacement.status == RegistrationStatus.CONFIRMED else "pending"
    )
    _send_after_commit(registration, "replaced")
    return replacement


def register_team_member(*, team, person_data, answers=None, acting_user=None, now=None):
    """A territory's lead registers a member of the team (within its quota)."""
    return register_participant(
        event=team.event,
        person_data=person_data,
        answers=answers,
        acting_user=acting_user,
        source=RegistrationSource.TEAM,
        team=team,
        registered_by=team.lead,
        now=now,
    )


# --- invitations -------------------------------------------------------------------


@transaction.atomic
def invite_people(*, event, people, acting_user, now=None):
    """Send a personal invitation to each person (once per event).

    Returns (invitations created, people skipped: already invited or no address).
    """
    now = now or timezone.now()
    if event.status == EventStatus.CANCELLED:
        raise RegistrationClosed("Cet événement est annulé.")
    already = set(Invitation.objects.filter(event=event).values_list("person_id", flat=True))
    created, skipped = [], []
    for person in people:
        if person.pk in already or not person.email or person.is_anonymised:
            skipped.append(person)
            continue
        invitation = Invitation.objects.create(event=event, person=person, invited_by=acting_user, sent_at=now)
        already.add(person.pk)
        created.append(invitation)
        _send_invitation_after_commit(invitation, "invitation")
    AuditEntry.record(acting_user, "events.people_invited", event, invited=len(created), skipped=len(skipped))
    return created, skipped


@transaction.atomic
def remind_invitations(*, event, acting_user, now=None):
    """Remind the invited people who have neither answered nor registered."""
    now = now or timezone.now()
    waiting = list(
        Invitation.objects.select_for_update()
        .filter(event=event, response="", registration__isnull=True)
        .exclude(person__registrations__event=event, person__registrations__status__in=SEAT_STATUSES)
    )
    for invitation in waiting:
        invitation.reminded_at = now
        invitation.reminders = F("reminders") + 1
        invitation.save(update_fields=["reminded_at", "reminders", "updated_at"])
        _send_invitation_after_commit(invitation, "reminder")
    AuditEntry.record(acting_user, "events.invitations_reminded", event, reminded=len(waiting))
    return waiting


@transaction.atomic
def decline_invitation(*, invitation, acting_user=None, now=None):
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.registration_id:
        raise InvalidTransition("Vous êtes inscrit·e : pour vous désinscrire, utilisez le lien d'annulation.")
    invitation.response = InvitationResponse.DECLINED
    invitation.responded_at = now or timezone.now()
    invitation.save(update_fields=["response", "responded_at", "updated_at"])
    AuditEntry.record(acting_user, "events.invitation_declined", invitation)
    return invitation


# --- reminders before the event ---------------------------------------------------------


def send_reminders(*, within=datetime.timedelta(days=2), now=None, dry_run=False):
    """Remind confirmed participants of events starting within `within` (with the visio link).

    Each registration is claimed by a conditional UPDATE before its e-mail is
    queued, so two runs at once never send the same reminder twice.
    """
    now = now or timezone.now()
    due = (
        Registration.objects.filter(
            status=RegistrationStatus.CONFIRMED,
            reminder_sent_at__isnull=True,
            event__status=EventStatus.PUBLISHED,
            event__sessions__starts_at__gt=now,
            event__sessions__starts_at__lte=now + within,
        )
        .distinct()
        .values_list("pk", flat=True)
    )
    ids = list(due)
    if dry_run:
        return ids
    sent = []
    for pk in ids:
        with transaction.atomic():
            if Registration.objects.filter(pk=pk, reminder_sent_at__isnull=True).update(reminder_sent_at=now):
                registration = Registration(pk=pk)
                _send_after_commit(registration, "reminder")
                sent.append(pk)
    return sent


# --- documents after the event -------------------------------------------------------------


@transaction.atomic
def add_event_document(*, event, title, file=None, url="", record=None, kind=None, public=True, acting_user):
    """Attach a resource to the event: a file, a link (a replay) or a record of the catalogue.

    Shown on the event's public page, grouped by kind, when `public`. The
    database refuses a document with neither file, link nor record.
    """
    from .models import DocumentKind, EventDocument

    document = EventDocument(
        event=event,
        title=title,
        kind=kind or DocumentKind.OTHER,
        file=file or "",
        url=url or "",
        record=record,
        public=public,
    )
    document.save()
    AuditEntry.record(
        acting_user, "events.document_added", document, event=event.pk, public=public, kind=document.kind
    )
    return document


@transaction.atomic
def remove_event_document(*, document, acting_user):
    name, event_id = document.file.name, document.event_id
    AuditEntry.record(acting_user, "events.document_removed", document, event=event_id)
    document.delete()
    if name:
        storage = document.file.storage
        transaction.on_commit(lambda: storage.delete(name))
