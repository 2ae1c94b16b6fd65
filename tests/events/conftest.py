import datetime

import pytest
from django.utils import timezone

from crpv.events.models import Event, EventFormat, EventMode, EventStatus, Session


def make_event(*, sessions=1, start=None, hours=3, **fields):
    """A published event with `sessions` sessions, one a week apart."""
    defaults = {
        "title": "Webinaire : évaluer les contrats de ville",
        "format": EventFormat.WEBINAR,
        "mode": EventMode.REMOTE,
        "status": EventStatus.PUBLISHED,
        "visio_url": "https://visio.example/salle-42",
    }
    defaults.update(fields)
    event = Event.objects.create(**defaults)
    start = start or timezone.now() + datetime.timedelta(days=10)
    for n in range(sessions):
        begins = start + datetime.timedelta(days=7 * n)
        Session.objects.create(event=event, starts_at=begins, ends_at=begins + datetime.timedelta(hours=hours))
    return event


def person_data(n=1, **extra):
    return {"first_name": "Alex", "last_name": f"Martin {n}", "email": f"alex{n}@ville.example", **extra}


@pytest.fixture
def event(db):
    return make_event(capacity=3)


@pytest.fixture
def events_staff(staff_user):
    """The staff user with the events permissions (roles.py does not list events yet)."""
    from django.contrib.auth.models import Permission

    staff_user.user_permissions.add(*Permission.objects.filter(content_type__app_label="events"))
    return staff_user


@pytest.fixture
def events_client(client, events_staff):
    client.force_login(events_staff)
    return client
