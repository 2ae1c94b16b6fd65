"""Duplicates and merge: every reference moves to the kept person, with history."""

import lxml.html
import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from crpv.contacts.merging import MergeError, merge_people, person_relations, probable_duplicates
from crpv.contacts.models import (
    ConsentChannel,
    ConsentEvent,
    ConsentKind,
    Membership,
    Network,
    Organisation,
    Person,
    Position,
    Role,
    Theme,
)
from crpv.core.models import AuditEntry
from crpv.events.models import Event, EventFormat, Registration, RegistrationStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_user(username="admin", password="x" * 16, is_staff=True)
    user.groups.add(Group.objects.get(name="administrateur"))
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def pair(db):
    organisation = Organisation.objects.create(name="Ville de Creil")
    kept = Person.objects.create(first_name="Anaïs", last_name="Lefèvre", email="anais@creil.example")
    merged = Person.objects.create(
        first_name="Anaïs", last_name="Lefèbvre", email="a.lefevre@autre.example", phone="01 99 00 00 01"
    )
    Position.objects.create(person=kept, organisation=organisation, role=Role.PROJECT_LEAD)
    Position.objects.create(person=merged, organisation=organisation, role=Role.PILOT)
    return kept, merged


def test_merge_moves_every_reference_and_keeps_one_registration_per_event(pair, staff_user):
    kept, merged = pair
    pilots = Network.objects.get(slug="reseau-des-pilotes")
    Membership.objects.create(person=merged, network=pilots)
    Membership.objects.create(person=kept, network=pilots)  # the same membership twice
    Membership.objects.create(person=merged, network=Network.objects.get(slug="formateurs-vrl"))
    kept.themes.add(Theme.objects.get(slug="sante"))
    merged.themes.add(Theme.objects.get(slug="sante"), Theme.objects.get(slug="emploi-insertion"))
    ConsentEvent.objects.create(person=merged, kind=ConsentKind.SUBSCRIPTION, channel=ConsentChannel.WEB_FORM)
    webinar = Event.objects.create(title="Webinaire TFPB", format=EventFormat.WEBINAR)
    day = Event.objects.create(title="Journée régionale", format=EventFormat.WEBINAR)
    moved = Registration.objects.create(event=webinar, person=merged, status=RegistrationStatus.CONFIRMED)
    Registration.objects.create(event=day, person=kept, status=RegistrationStatus.CONFIRMED)
    duplicate = Registration.objects.create(event=day, person=merged, status=RegistrationStatus.CONFIRMED)
    visit = Event.objects.create(title="Visite apprenante", format=EventFormat.WEBINAR)
    made = Registration.objects.create(
        event=visit, person=kept, registered_by=merged, status=RegistrationStatus.CONFIRMED
    )

    result = merge_people(kept=kept, merged=merged, acting_user=staff_user)

    assert not Person.objects.filter(pk=merged.pk).exists()
    kept.refresh_from_db()
    assert kept.phone == "01 99 00 00 01" and kept.email == "anais@creil.example"
    assert sorted(kept.positions.values_list("role", flat=True)) == [Role.PROJECT_LEAD, Role.PILOT]
    assert sorted(kept.memberships.values_list("network__slug", flat=True)) == ["formateurs-vrl", "reseau-des-pilotes"]
    assert set(kept.themes.values_list("slug", flat=True)) == {"sante", "emploi-insertion"}
    assert ConsentEvent.objects.for_person(kept).count() == 1
    assert Registration.objects.filter(pk=moved.pk, person=kept).exists()
    assert Registration.objects.filter(pk=made.pk, registered_by=kept).exists()
    assert not Registration.objects.filter(pk=duplicate.pk).exists()
    assert Registration.objects.filter(person=kept).count() == 3  # webinar, day, visit
    entry = AuditEntry.objects.get(action="contacts.people_merged")
    assert entry.object_id == str(kept.pk) and entry.details["merged_id"] == merged.pk
    assert entry.details["moved"]["events.registration.person"] == 1
    assert entry.details["moved"]["events.registration.registered_by"] == 1
    dropped = {(d["model"], d["id"]) for d in entry.details["dropped"]}
    assert ("events.registration", duplicate.pk) in dropped
    assert any(model == "contacts.membership" for model, _ in dropped)
    assert entry.details["filled"] == ["phone"]
    assert len(entry.details["consent_events"]) == 1
    assert result.kept == kept


def test_relations_are_found_from_the_metadata():
    found = {(model._meta.label_lower, field.name) for model, field in person_relations()}
    assert {
        ("contacts.position", "person"),
        ("contacts.membership", "person"),
        ("contacts.consentevent", "person"),
        ("events.registration", "person"),
        ("events.registration", "registered_by"),
        ("events.invitation", "person"),
    } <= found
    assert any(label.startswith("contacts.person_themes") for label, _ in found)


def test_the_email_moves_when_the_kept_record_has_none(staff_user):
    kept = Person.objects.create(last_name="Roux")
    merged = Person.objects.create(last_name="Roux", email="roux@exemple.test")
    merge_people(kept=kept, merged=merged, acting_user=staff_user)
    kept.refresh_from_db()
    assert kept.email == "roux@exemple.test"


def test_a_record_is_not_merged_with_itself(pair, staff_user):
    with pytest.raises(MergeError):
        merge_people(kept=pair[0], merged=pair[0], acting_user=staff_user)


def test_probable_duplicates(pair):
    same = Person.objects.create(first_name="Jules", last_name="Petit")
    other = Person.objects.create(first_name="Jules", last_name="Petit", email="jules@exemple.test")
    found = {(p.first_id, p.second_id): p.reason for p in probable_duplicates()}
    kept, merged = pair
    assert found[(same.pk, other.pk)] == "même nom et prénom"
    assert found[(kept.pk, merged.pk)] == "nom proche dans la même structure"


def test_duplicates_screen_and_merge_through_the_client(admin_client, pair):
    kept, merged = pair
    tree = lxml.html.fromstring(admin_client.get(reverse("contacts:duplicates")).content.decode())
    merge_url = reverse("contacts:merge", args=[kept.pk, merged.pk])
    assert tree.xpath(f"//a[@href='{merge_url}']")
    page = lxml.html.fromstring(admin_client.get(merge_url).content.decode())
    assert [h.text_content() for h in page.xpath("//h2")] == [
        "Fiche gardée : Anaïs Lefèvre",
        "Fiche fusionnée puis supprimée : Anaïs Lefèbvre",
    ]
    refused = admin_client.post(merge_url, {})
    assert refused.status_code == 200 and Person.objects.filter(pk=merged.pk).exists()
    response = admin_client.post(merge_url, {"confirm": "on"})
    assert response["Location"] == reverse("contacts:person_detail", args=[kept.pk])
    assert not Person.objects.filter(pk=merged.pk).exists()
    assert AuditEntry.objects.get(action="contacts.people_merged").actor == admin_client.user


def test_merging_needs_the_delete_permission(staff_client, pair):
    kept, merged = pair
    tree = lxml.html.fromstring(staff_client.get(reverse("contacts:duplicates")).content.decode())
    assert not tree.xpath("//a[contains(@href, 'fusionner')]")
    url = reverse("contacts:merge", args=[kept.pk, merged.pk])
    assert staff_client.post(url, {"confirm": "on"}).status_code == 403
    assert Person.objects.filter(pk=merged.pk).exists()
