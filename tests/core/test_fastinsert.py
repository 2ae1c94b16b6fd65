"""`core.fastinsert.insert` writes exactly the row `save()` writes, and refuses what the database refuses."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.db.models.signals import post_save
from django.utils import timezone

from crpv.contacts.models import Person
from crpv.core.fastinsert import has_receivers, insert
from crpv.core.models import AuditEntry
from crpv.events.models import Event, Registration

pytestmark = pytest.mark.django_db

IGNORED = {"id", "created_at", "updated_at", "at", "key", "person_id", "email", "folded_name"}


def row(model, pk):
    return {k: v for k, v in model.objects.filter(pk=pk).values()[0].items() if k not in IGNORED}


def test_the_models_inserted_this_way_have_no_save_signal_receivers():
    for model in (AuditEntry, Person, Registration):
        assert not has_receivers(model), f"{model.__name__}: insert() would skip a receiver"


def test_the_receiver_check_can_fail():
    def receiver(**kwargs):
        pass

    post_save.connect(receiver, sender=AuditEntry)
    try:
        assert has_receivers(AuditEntry)
    finally:
        post_save.disconnect(receiver, sender=AuditEntry)


def test_a_person_and_a_registration_are_written_as_save_writes_them():
    event = Event.objects.create(title="Rencontre du réseau", format="journee", mode="presentiel", capacity=10)
    now = timezone.now()
    values = {
        "first_name": "Éloïse",
        "last_name": "Martin",
        "function_title": "cheffe de projet",
        "legal_basis": "interet_legitime",
        "source": "inscription",
        "last_own_action_at": now,
    }
    saved = Person(email="ELOISE@Ville.example", **values)
    saved.save()
    fast = Person(email="Eloise.M@ville.example", **values)
    fast.normalise()
    insert(fast)
    assert fast.pk and fast.pk != saved.pk and not fast._state.adding
    assert row(Person, fast.pk) == row(Person, saved.pk)
    assert Person.objects.get(pk=fast.pk).email == "eloise.m@ville.example"
    assert Person.objects.get(pk=fast.pk).created_at >= now - datetime.timedelta(seconds=5)

    common = {"event": event, "status": "confirmee", "answers": {"1": {"label": "Régime", "value": "végétarien"}}}
    by_save = Registration(person=saved, confirmed_at=now, registered_by=saved, **common)
    by_save.save()
    by_insert = insert(Registration(person=fast, confirmed_at=now, registered_by=saved, **common))
    assert row(Registration, by_insert.pk) == row(Registration, by_save.pk)
    assert Registration.objects.get(pk=by_insert.pk).answers["1"]["value"] == "végétarien"


def test_an_audit_entry_keeps_its_details_and_actor(staff_user):
    entry = AuditEntry.record(staff_user, "events.test", staff_user, seats=3, names=["Zoé", "Léo"])
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert (stored.actor, stored.details, stored.object_id) == (
        staff_user,
        {"seats": 3, "names": ["Zoé", "Léo"]},
        str(staff_user.pk),
    )
    assert stored.at is not None


def test_a_duplicate_is_refused_like_save_refuses_it():
    event = Event.objects.create(title="Atelier", format="atelier", mode="presentiel")
    person = Person.objects.create(email="a@b.example", last_name="A")
    insert(Registration(event=event, person=person, status="confirmee"))
    with pytest.raises(IntegrityError), transaction.atomic():
        insert(Registration(event=event, person=person, status="confirmee"))
    assert Registration.objects.count() == 1
