"""No overbooking under concurrent registrations (REL-01), and a control that can fail.

Threads released together by a barrier register different people to a small
event, several rounds. On SQLite the in-memory test database cannot be
shared between threads, so the test copies it to a file (sqlite3 backup)
and gives each thread its own connection to that file, with the project's
settings (IMMEDIATE transactions, WAL). On PostgreSQL each thread opens its
own connection to the test database.
"""

import sqlite3
import threading
import time

import pytest
from django.db import connection, connections, transaction

from crpv.events import operations
from crpv.events.models import Registration, RegistrationStatus

from .conftest import make_event, person_data

THREADS = 24
CAPACITY = 5
ROUNDS = 3


@pytest.fixture
def thread_database(tmp_path):
    """A function that points the calling thread at a database all threads share."""
    if connection.vendor != "sqlite":

        def use():
            return None

        return use, None

    path = str(tmp_path / "concurrency.sqlite3")

    def copy():
        connection.ensure_connection()
        target = sqlite3.connect(path)
        connection.connection.backup(target)
        target.close()

    def use():
        wrapper = connections.create_connection("default")
        wrapper.settings_dict = {**wrapper.settings_dict, "NAME": path}
        connections["default"] = wrapper

    return use, copy


def run_together(use_database, work, n):
    barrier = threading.Barrier(n)
    results, errors = [], []

    def target(i):
        use_database()
        try:
            barrier.wait()
            results.append(work(i))
        except Exception as exc:  # noqa: BLE001 - collected and asserted on
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


def counts_in(use_database, event_pk):
    """Read the shared database from a thread configured like the workers."""
    out = {}

    def read():
        use_database()
        try:
            out["confirmed"] = Registration.objects.filter(
                event_id=event_pk, status=RegistrationStatus.CONFIRMED
            ).count()
            out["waiting"] = list(
                Registration.objects.waiting_list().filter(event_id=event_pk).values_list("person__email", flat=True)
            )
            out["total"] = Registration.objects.filter(event_id=event_pk).count()
            from crpv.events.models import Event

            out["seats_taken"] = Event.objects.get(pk=event_pk).seats_taken
        finally:
            connections.close_all()

    thread = threading.Thread(target=read)
    thread.start()
    thread.join()
    return out


def broken_register(event_pk, n):
    """Check-then-insert with no lock: the bug the real code must not have."""
    from crpv.contacts.models import Person
    from crpv.events.models import Event

    event = Event.objects.get(pk=event_pk)
    taken = Registration.objects.filter(event_id=event_pk, status=RegistrationStatus.CONFIRMED).count()
    time.sleep(0.02)  # the window between the check and the insert
    if taken >= event.capacity:
        return "full"
    with transaction.atomic():
        person = Person.objects.create(last_name=f"Naïf {n}", email=f"naif{n}@ville.example")
        Registration.objects.create(event=event, person=person, status=RegistrationStatus.CONFIRMED)
    return "ok"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(ROUNDS))
def test_concurrent_registrations_never_overbook(thread_database, round_):
    use_database, copy = thread_database
    event = make_event(capacity=CAPACITY, title=f"Atelier {round_}")
    if copy:
        copy()

    def work(i):
        return operations.register_participant(event=event, person_data=person_data(i)).status

    results, errors = run_together(use_database, work, THREADS)
    assert errors == []
    counts = counts_in(use_database, event.pk)
    assert counts["confirmed"] == CAPACITY
    assert counts["seats_taken"] == CAPACITY
    assert len(counts["waiting"]) == THREADS - CAPACITY
    assert results.count(RegistrationStatus.CONFIRMED) == CAPACITY


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_take_one_seat(thread_database):
    use_database, copy = thread_database
    event = make_event(capacity=CAPACITY)
    if copy:
        copy()

    def work(i):
        return operations.register_participant(event=event, person_data=person_data(1)).status

    results, errors = run_together(use_database, work, 8)
    assert len(results) == 1
    assert all(isinstance(e, operations.AlreadyRegistered) for e in errors) and len(errors) == 7
    counts = counts_in(use_database, event.pk)
    assert counts["total"] == 1 and counts["seats_taken"] == 1


@pytest.mark.django_db(transaction=True)
def test_the_broken_check_then_insert_overbooks(thread_database):
    """Negative control: the same test catches a check-then-insert without a lock."""
    use_database, copy = thread_database
    event = make_event(capacity=CAPACITY)
    if copy:
        copy()
    results, errors = run_together(use_database, lambda i: broken_register(event.pk, i), THREADS)
    assert errors == []
    counts = counts_in(use_database, event.pk)
    assert counts["confirmed"] > CAPACITY  # overbooked: the check above would fail on it
