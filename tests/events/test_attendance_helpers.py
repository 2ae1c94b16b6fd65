"""Helpers shared by the attendance, attestation and survey tests (no tests here)."""

import datetime
import io

from django.utils import timezone

from crpv.contacts.models import Organisation, Person, Position
from crpv.events.models import Event, EventFormat, EventMode, EventStatus, Registration, RegistrationStatus, Session


def pdf_text(data):
    """The text of a PDF, extracted by pypdf (pinned in requirements)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return [page.extract_text() for page in reader.pages]


def day(n=0):
    """A past Monday at midnight (local time), plus `n` weeks."""
    base = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0) - datetime.timedelta(days=60)
    base -= datetime.timedelta(days=base.weekday())
    return base + datetime.timedelta(weeks=n)


def make_cycle(*, sessions=((9, 12),), title="Cycle Transitions et contrat de ville", mode=EventMode.IN_PERSON):
    """A published event with one session per (start hour, end hour), a week apart."""
    event = Event.objects.create(
        title=title,
        format=EventFormat.CYCLE if len(sessions) > 1 else EventFormat.WEBINAR,
        mode=mode,
        status=EventStatus.PUBLISHED,
        place_name="Maison de l'habitant",
    )
    for n, (start, end) in enumerate(sessions):
        Session.objects.create(
            event=event,
            title=f"Séance {n + 1}",
            starts_at=day(n) + datetime.timedelta(hours=start),
            ends_at=day(n) + datetime.timedelta(hours=end),
        )
    return event


PEOPLE = [
    ("Hélène", "Dupré", "helene.dupre@lille.example", "Ville de Lille"),
    ("Karim", "Benali", "karim.benali@mel.example", "Métropole européenne de Lille"),
    ("Zoé", "Lefèvre", "zoe.lefevre@roubaix.example", "Ville de Roubaix"),
    ("Jean-Marc", "Ægidius", "jm@amiens.example", "Amiens Métropole"),
]


def enrol(event, people=PEOPLE, status=RegistrationStatus.CONFIRMED):
    registrations = []
    for first, last, email, structure in people:
        person = Person.objects.filter(email=email).first() or Person.objects.create(
            first_name=first, last_name=last, email=email
        )
        if structure:
            organisation, _ = Organisation.objects.get_or_create(name=structure)
            Position.objects.get_or_create(person=person, organisation=organisation)
        registrations.append(Registration.objects.create(event=event, person=person, status=status))
    return registrations


def many_people(n, prefix="Personne"):
    return [(f"Prénom{i}", f"{prefix}{i:03d}", f"p{i}@{prefix.lower()}.example", "") for i in range(n)]
