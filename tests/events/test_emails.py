"""E-mails go through a real SMTP server on loopback (aiosmtpd), after commit."""

import pytest
from django.core.mail import BadHeaderError
from django.db import transaction
from icalendar import Calendar

from crpv.events import operations
from crpv.events.emails import registration_message

from .conftest import make_event, person_data

pytestmark = pytest.mark.django_db(transaction=True)


def subject(message):
    # Folding of an encoded subject may leave a leading space after parsing.
    return str(message["Subject"]).strip()


def _ics(message):
    for part in message.iter_attachments():
        if part.get_content_type() == "text/calendar":
            return Calendar.from_ical(part.get_content())
    return None


def test_confirmation_arrives_with_an_ics_of_every_session(smtp_server):
    cycle = make_event(title="Cycle Transitions et contrat de ville", format="cycle", sessions=3, capacity=30)
    operations.register_participant(event=cycle, person_data=person_data(1))
    assert len(smtp_server.messages) == 1
    recipients, message = smtp_server.messages[0]
    assert recipients == ["alex1@ville.example"]
    assert subject(message) == "Inscription confirmée : Cycle Transitions et contrat de ville"
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "toutes les séances du cycle" in body
    assert "https://visio.example/salle-42" in body  # registered people get the link
    assert "/evenements/annulation/" in body
    calendar = _ics(message)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 3
    starts = sorted(e.decoded("dtstart") for e in events)
    assert starts == [s.starts_at.replace(microsecond=0) for s in cycle.sessions.order_by("starts_at")]
    assert "salle-42" in str(events[0]["description"])


def test_waiting_list_and_offer_emails(smtp_server):
    event = make_event(capacity=1)
    first = operations.register_participant(event=event, person_data=person_data(1))
    operations.register_participant(event=event, person_data=person_data(2))
    operations.cancel_registration(registration=first)
    subjects = [subject(m).split(" :")[0] for _, m in smtp_server.messages]
    assert subjects == ["Inscription confirmée", "Liste d'attente", "Inscription annulée", "Une place se libère"]
    offer = smtp_server.messages[-1][1].get_body(preferencelist=("plain",)).get_content()
    assert "/evenements/place-proposee/" in offer
    assert "salle-42" not in smtp_server.messages[1][1].get_body(preferencelist=("plain",)).get_content()


def test_nothing_is_sent_when_the_transaction_rolls_back(smtp_server):
    event = make_event(capacity=3)

    def register_then_fail():
        with transaction.atomic():
            operations.register_participant(event=event, person_data=person_data(1))
            raise RuntimeError("rollback")

    with pytest.raises(RuntimeError):
        register_then_fail()
    assert smtp_server.messages == []
    event.refresh_from_db()
    assert event.seats_taken == 0


def test_invitation_and_reminder_reach_only_the_invited(smtp_server):
    from crpv.contacts.models import Person

    event = make_event(invitation_only=True)
    people = [Person.objects.create(last_name=f"P{n}", email=f"p{n}@epci.example") for n in range(2)]
    operations.invite_people(event=event, people=people, acting_user=None)
    operations.decline_invitation(invitation=event.invitations.get(person=people[0]))
    operations.remind_invitations(event=event, acting_user=None)
    sent = [(to, subject(m)) for to, m in smtp_server.messages]
    assert sent[:2] == [
        (["p0@epci.example"], f"Invitation : {event.title}"),
        (["p1@epci.example"], f"Invitation : {event.title}"),
    ]
    assert sent[2] == (["p1@epci.example"], f"Relance : invitation à {event.title}")
    assert "/evenements/invitation/" in smtp_server.messages[0][1].get_body(preferencelist=("plain",)).get_content()


@pytest.mark.parametrize("payload", ["Nom\r\nBcc: victime@exemple.fr", "Nom\nX-Injected: 1", "Nom%0d%0aBcc: x@y.fr"])
def test_no_header_injection_from_names_or_titles(smtp_server, payload):
    event = make_event(title=f"Titre {payload}")
    if "\n" in payload:  # a name with CR/LF is refused before anything is written
        with pytest.raises(operations.InvalidPersonData):
            operations.register_participant(event=event, person_data={**person_data(1), "last_name": payload})
    else:  # percent-encoded: plain text, kept as typed
        operations.register_participant(event=event, person_data={**person_data(1), "last_name": payload})
    # A title is collapsed to one line in the subject; names never reach a header.
    registration = operations.register_participant(
        event=event, person_data={**person_data(2), "first_name": "A%0d%0a"}
    )
    for _, message in smtp_server.messages:
        assert "Bcc" not in message and "X-Injected" not in message
        assert "\n" not in subject(message)
    message = registration_message(registration, "confirmation")
    message.extra_headers["Reply-To"] = "a@b.fr\r\nBcc: victime@exemple.fr"
    with pytest.raises(BadHeaderError):
        message.message()
