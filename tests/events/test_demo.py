"""The demo calendar: drawn from the programme, idempotent, deterministic, creates no person."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from crpv.contacts.models import Person
from crpv.events.models import Event, Registration, Session

pytestmark = pytest.mark.django_db

SEED = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "programme-2025-irev.txt"


def load(*args):
    out = io.StringIO()
    call_command("load_demo_events", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def programme(db):
    if not SEED.exists():
        pytest.fail("programme 2025 absent (../shared/seeds must sit beside the repository)")
    call_command("import_programme", str(SEED), "--year", "2025", stdout=io.StringIO())


def snapshot():
    return (
        sorted(Event.objects.values_list("slug", "seats_taken")),
        sorted(Session.objects.values_list("event__slug", "starts_at", "half_days")),
        sorted(Registration.objects.values_list("event__slug", "person__email", "status")),
    )


def test_without_people_loads_events_and_no_registration(programme):
    assert "aucune personne créée" in load()
    assert Person.objects.count() == 0 and Registration.objects.count() == 0
    assert Event.objects.filter(format="rencontre", title__contains="pilotes").count() == 4
    assert Event.objects.filter(format="module").count() == 5
    assert sum(s.half_days for s in Session.objects.filter(event__format__startswith="vrl")) == 16  # 8 journées
    assert not Event.objects.filter(actions__isnull=True).exists()


def test_idempotent_and_deterministic(programme):
    for n in range(60):
        Person.objects.create(first_name="P", last_name=f"Démo {n}", email=f"demo{n}@x.example")
    load("--seed", "7")
    first = snapshot()
    assert Registration.objects.exists()
    load("--seed", "7")
    assert snapshot() == first
    assert Person.objects.count() == 60
    for event in Event.objects.all():
        assert event.seats_taken <= (event.capacity or event.seats_taken)


def test_needs_the_programme(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="import_programme"):
        load()


def test_a_later_calendar_year_gives_upcoming_events_of_the_same_programme(programme):
    from django.utils import timezone

    next_year = timezone.localdate().year + 1
    load("--calendar-year", str(next_year))
    upcoming = Event.objects.filter(slug__startswith=f"demo-{next_year}-")
    assert upcoming.exists()
    assert Event.objects.published().upcoming().filter(pk__in=upcoming).count() == upcoming.count()
