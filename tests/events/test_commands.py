"""Periodic commands: dry run by default, --wet-run acts."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from crpv.events import operations
from crpv.events.models import Registration, RegistrationStatus

from .conftest import make_event, person_data

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_expire_offers_dry_then_wet():
    event = make_event(capacity=1)
    first = operations.register_participant(event=event, person_data=person_data(1))
    waiting = operations.register_participant(event=event, person_data=person_data(2))
    third = operations.register_participant(event=event, person_data=person_data(3))
    operations.cancel_registration(registration=first)
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.OFFERED
    Registration.objects.filter(pk=waiting.pk).update(offer_expires_at=timezone.now() - datetime.timedelta(minutes=1))
    dry = run("expire_offers")
    assert "Simulation : 1 offre(s) à expirer" in dry and "Martin 2" in dry
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.OFFERED
    wet = run("expire_offers", "--wet-run")
    assert "1 offre(s) expirée(s)" in wet
    waiting.refresh_from_db()
    third.refresh_from_db()
    assert waiting.status == RegistrationStatus.OFFER_EXPIRED and third.status == RegistrationStatus.OFFERED


def test_send_event_reminders_dry_then_wet():
    soon = make_event(start=timezone.now() + datetime.timedelta(hours=20))
    later = make_event(start=timezone.now() + datetime.timedelta(days=10))
    registration = operations.register_participant(event=soon, person_data=person_data(1))
    operations.register_participant(event=later, person_data=person_data(2))
    dry = run("send_event_reminders")
    assert "Simulation : 1 rappel(s)" in dry and "Martin 1" in dry
    registration.refresh_from_db()
    assert registration.reminder_sent_at is None
    assert "1 rappel(s) mis en file" in run("send_event_reminders", "--wet-run")
    registration.refresh_from_db()
    assert registration.reminder_sent_at is not None
    assert "0 rappel(s)" in run("send_event_reminders", "--wet-run")  # never twice
