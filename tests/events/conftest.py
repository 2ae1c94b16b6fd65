import datetime
import email
import email.policy
import socket

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


class _Collector:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            (envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=email.policy.default))
        )
        return "250 Message accepted for delivery"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback (aiosmtpd) collecting what it receives."""
    from aiosmtpd.controller import Controller

    handler = _Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield handler
    finally:
        controller.stop()
