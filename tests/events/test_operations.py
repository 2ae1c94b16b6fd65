import datetime

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from crpv.contacts.models import Organisation, Person, Position
from crpv.core.models import AuditEntry
from crpv.events import operations
from crpv.events.models import (
    Event,
    EventQuestion,
    EventStatus,
    Invitation,
    PersonField,
    QuestionKind,
    Registration,
    RegistrationSource,
    RegistrationStatus,
    Team,
)

from .conftest import make_event, person_data

pytestmark = pytest.mark.django_db


def register(event, n, **kwargs):
    return operations.register_participant(event=event, person_data=person_data(n), **kwargs)


def test_registration_takes_a_seat_creates_the_person_and_is_audited(event):
    registration = register(event, 1)
    event.refresh_from_db()
    assert registration.status == RegistrationStatus.CONFIRMED
    assert event.seats_taken == 1
    person = Person.objects.get(email="alex1@ville.example")
    assert person.legal_basis == event.legal_basis
    assert AuditEntry.objects.filter(action="events.registration_created", object_id=str(registration.pk)).exists()


def test_existing_person_is_matched_by_email_case_insensitively(event):
    person = Person.objects.create(first_name="Alex", last_name="Martin", email="alex1@ville.example", phone="0102")
    registration = operations.register_participant(
        event=event, person_data={"email": "  ALEX1@Ville.Example ", "first_name": "X", "last_name": "Y"}
    )
    assert registration.person == person
    person.refresh_from_db()
    assert person.last_name == "Martin"  # a public form never overwrites a record
    assert Person.objects.count() == 1


def test_duplicate_registration_is_refused_and_takes_no_seat(event):
    register(event, 1)
    with pytest.raises(operations.AlreadyRegistered, match="déjà inscrit"):
        register(event, 1)
    event.refresh_from_db()
    assert event.seats_taken == 1
    assert Registration.objects.count() == 1


def test_database_refuses_two_registrations_of_one_person(event):
    registration = register(event, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Registration.objects.create(event=event, person=registration.person, status=RegistrationStatus.CONFIRMED)


def test_database_refuses_overbooking(event):
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.filter(pk=event.pk).update(seats_taken=4)


def test_full_event_puts_people_on_the_waiting_list_in_arrival_order(event):
    for n in range(1, 4):
        register(event, n)
    late = [register(event, n) for n in (4, 5)]
    assert [r.status for r in late] == [RegistrationStatus.WAITLISTED] * 2
    assert list(Registration.objects.waiting_list()) == late
    event.refresh_from_db()
    assert event.seats_taken == 3


def test_full_event_without_waiting_list_refuses_and_changes_nothing(db):
    event = make_event(capacity=1, waiting_list_enabled=False)
    register(event, 1)
    with pytest.raises(operations.EventFull, match="complet"):
        register(event, 2)
    assert not Person.objects.filter(email="alex2@ville.example").exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"status": EventStatus.DRAFT}, "pas publié"),
        ({"status": EventStatus.CANCELLED}, "annulé"),
        ({"registration_enabled": False}, "inscription en ligne"),
        ({"invitation_only": True}, "sur invitation"),
        ({"team_registration": True}, "par équipe"),
    ],
)
def test_closed_registration_is_refused_with_a_french_message(fields, message):
    event = make_event(**fields)
    with pytest.raises(operations.RegistrationClosed, match=message):
        register(event, 1)
    assert Registration.objects.count() == 0 and Person.objects.count() == 0


def test_registration_window(db):
    now = timezone.now()
    soon = make_event(registration_opens_at=now + datetime.timedelta(days=1))
    with pytest.raises(operations.RegistrationClosed, match="ouvrent le"):
        register(soon, 1)
    past = make_event(
        registration_opens_at=now - datetime.timedelta(days=2), registration_closes_at=now - datetime.timedelta(days=1)
    )
    with pytest.raises(operations.RegistrationClosed, match="closes"):
        register(past, 1)


@pytest.mark.parametrize("bad", ["", "pas-une-adresse", "a@b", "x@exemple.fr\r\nBcc: victime@exemple.fr"])
def test_invalid_email_is_refused(event, bad):
    with pytest.raises(operations.InvalidPersonData, match="invalide"):
        operations.register_participant(event=event, person_data={"email": bad, "last_name": "X"})
    event.refresh_from_db()
    assert event.seats_taken == 0


def test_cancellation_frees_the_seat_and_offers_it_to_the_first_waiting(event):
    first = register(event, 1)
    register(event, 2)
    register(event, 3)
    waiting = [register(event, n) for n in (4, 5)]
    operations.cancel_registration(registration=first)
    event.refresh_from_db()
    assert event.seats_taken == 3  # the seat went straight to the offer
    waiting[0].refresh_from_db()
    waiting[1].refresh_from_db()
    assert waiting[0].status == RegistrationStatus.OFFERED
    assert waiting[0].offer_expires_at > timezone.now() + datetime.timedelta(hours=47)
    assert waiting[1].status == RegistrationStatus.WAITLISTED
    operations.confirm_offer(registration=waiting[0])
    waiting[0].refresh_from_db()
    assert waiting[0].status == RegistrationStatus.CONFIRMED
    with pytest.raises(operations.InvalidTransition):
        operations.cancel_registration(registration=first)


def test_expired_offer_changes_nothing_then_passes_to_the_next(event):
    first = register(event, 1)
    register(event, 2)
    register(event, 3)
    offered, nxt = register(event, 4), register(event, 5)
    operations.cancel_registration(registration=first)
    later = timezone.now() + datetime.timedelta(hours=49)
    with pytest.raises(operations.OfferExpired, match="dépassé"):
        operations.confirm_offer(registration=offered, now=later)
    offered.refresh_from_db()
    assert offered.status == RegistrationStatus.OFFERED
    assert [r.pk for r in operations.expire_offers(now=later, dry_run=True)] == [offered.pk]
    offered.refresh_from_db()
    assert offered.status == RegistrationStatus.OFFERED
    operations.expire_offers(now=later)
    offered.refresh_from_db()
    nxt.refresh_from_db()
    event.refresh_from_db()
    assert offered.status == RegistrationStatus.OFFER_EXPIRED
    assert nxt.status == RegistrationStatus.OFFERED
    assert event.seats_taken == 3


def test_approval_required(db):
    event = make_event(capacity=1, approval_required=True)
    pending = register(event, 1)
    waiting = register(event, 2)
    assert pending.status == RegistrationStatus.PENDING
    assert waiting.status == RegistrationStatus.WAITLISTED
    operations.refuse_registration(registration=pending, acting_user=None)
    pending.refresh_from_db()
    waiting.refresh_from_db()
    assert pending.status == RegistrationStatus.REFUSED
    assert waiting.status == RegistrationStatus.OFFERED
    operations.confirm_offer(registration=waiting)
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.PENDING
    operations.approve_registration(registration=waiting, acting_user=None)
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.CONFIRMED
    with pytest.raises(operations.InvalidTransition):
        operations.approve_registration(registration=waiting, acting_user=None)


def test_cancelled_person_may_register_again(event):
    registration = register(event, 1)
    old_key = registration.key
    operations.cancel_registration(registration=registration)
    again = register(event, 1)
    assert again.pk == registration.pk and again.status == RegistrationStatus.CONFIRMED
    assert again.key != old_key


def test_answers_are_stored_and_update_the_person(event):
    question = EventQuestion.objects.create(
        event=event, label="Votre fonction exacte", kind=QuestionKind.TEXT, person_field=PersonField.FUNCTION_TITLE
    )
    registration = register(event, 1, answers={str(question.pk): {"label": question.label, "value": "CPO"}})
    assert registration.answers[str(question.pk)]["value"] == "CPO"
    assert registration.person.function_title == "CPO"


def test_cycle_with_team_quotas_and_replacement(db):
    cycle = make_event(
        title="Cycle École en transitions", format="cycle", sessions=4, capacity=10, team_registration=True
    )
    organisation = Organisation.objects.create(name="Communauté d'agglomération du Douaisis")
    lead = Person.objects.create(first_name="Lou", last_name="Référente", email="lou@douaisis.example")
    team = Team.objects.create(event=cycle, name="Douaisis", lead=lead, capacity=2)
    members = [
        operations.register_team_member(team=team, person_data=person_data(n, organisation_name=organisation.name))
        for n in (1, 2)
    ]
    assert all(m.status == RegistrationStatus.CONFIRMED and m.registered_by == lead for m in members)
    assert Position.objects.filter(person=members[0].person, organisation=organisation).exists()
    with pytest.raises(operations.TeamFull, match="Douaisis"):
        operations.register_team_member(team=team, person_data=person_data(3))
    team.refresh_from_db()
    cycle.refresh_from_db()
    assert (team.seats_taken, cycle.seats_taken) == (2, 2)

    # A colleague of another structure is refused; one of the same structure takes the seat.
    other = Organisation.objects.create(name="Ville de Lens")
    stranger = Person.objects.create(last_name="Ailleurs", email="ailleurs@lens.example")
    Position.objects.create(person=stranger, organisation=other)
    with pytest.raises(operations.InvalidTransition, match="même structure"):
        operations.replace_participant(registration=members[0], person_data={"email": stranger.email})
    replacement = operations.replace_participant(
        registration=members[0], person_data=person_data(9), registered_by=lead
    )
    members[0].refresh_from_db()
    team.refresh_from_db()
    assert members[0].status == RegistrationStatus.REPLACED and members[0].replaced_by == replacement
    assert replacement.team == team and replacement.source == RegistrationSource.REPLACEMENT
    assert Position.objects.filter(person=replacement.person, organisation=organisation).exists()
    assert team.seats_taken == 2


def test_invitations_once_per_person_reminders_and_closed_event(db):
    event = make_event(invitation_only=True, capacity=5)
    people = [Person.objects.create(last_name=f"Invité {n}", email=f"inv{n}@epci.example") for n in range(3)]
    nobody = Person.objects.create(last_name="Sans adresse")
    created, skipped = operations.invite_people(event=event, people=[*people, nobody], acting_user=None)
    assert len(created) == 3 and skipped == [nobody]
    created, skipped = operations.invite_people(event=event, people=people, acting_user=None)
    assert created == [] and len(skipped) == 3
    invitation = Invitation.objects.get(person=people[0])
    registration = operations.register_participant(
        event=event,
        person_data={"email": "someone.else@example.org", "last_name": "Invité 0"},
        source=RegistrationSource.INVITATION,
        invitation=invitation,
    )
    assert registration.person == people[0]  # locked to the invited address
    operations.decline_invitation(invitation=Invitation.objects.get(person=people[1]))
    reminded = operations.remind_invitations(event=event, acting_user=None)
    assert [i.person for i in reminded] == [people[2]]
    assert Invitation.objects.get(person=people[2]).reminders == 1


def test_reminders_are_claimed_once(db, django_capture_on_commit_callbacks):
    soon = make_event(start=timezone.now() + datetime.timedelta(hours=20))
    later = make_event(title="Plus tard", start=timezone.now() + datetime.timedelta(days=20))
    r1 = register(soon, 1)
    register(later, 2)
    mail.outbox.clear()
    assert operations.send_reminders(dry_run=True) == [r1.pk]
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        assert operations.send_reminders() == [r1.pk]
        assert operations.send_reminders() == []
    assert len(mail.outbox) == 1
    assert "https://visio.example/salle-42" in mail.outbox[0].body


def test_emails_are_sent_after_commit_only(event, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        register(event, 1)
    assert mail.outbox == [] and len(callbacks) == 1
    callbacks[0]()
    assert len(mail.outbox) == 1


def test_nothing_is_sent_when_the_transaction_rolls_back(event, django_capture_on_commit_callbacks):
    mail.outbox.clear()

    def register_then_fail():
        with transaction.atomic():
            register(event, 1)
            raise RuntimeError("rollback")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        register_then_fail()
    assert mail.outbox == []
    assert Registration.objects.count() == 0
    event.refresh_from_db()
    assert event.seats_taken == 0


def test_registering_is_the_person_s_own_action_for_retention():
    event = make_event(capacity=5)
    operations.register_participant(event=event, person_data=person_data(1))
    person = Person.objects.get(email=person_data(1)["email"])
    assert person.last_own_action_at is not None
    Person.objects.filter(pk=person.pk).update(last_own_action_at=None)
    other = make_event(capacity=5, title="Autre atelier")
    operations.register_participant(event=other, person_data=person_data(1))
    person.refresh_from_db()
    assert person.last_own_action_at is not None
