"""The demo base: generated, deterministic, idempotent, never real data."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from crpv.contacts.models import ConsentEvent, Membership, Organisation, OrganisationKind, Person, Position
from crpv.territories.models import CiteEducative, Qpv

pytestmark = pytest.mark.django_db


@pytest.fixture
def territories(geography):
    qpv = Qpv.objects.create(code="QN00201A", name="Champagne", departement=geography["aisne"])
    qpv.communes.add(geography["laon"])
    qpv.epcis.add(geography["epci"])
    cite = CiteEducative.objects.create(name="Cité éducative de Laon")
    cite.communes.add(geography["laon"])
    return geography


def snapshot():
    return (
        Person.objects.count(),
        Organisation.objects.count(),
        Position.objects.count(),
        Membership.objects.count(),
        ConsentEvent.objects.count(),
    )


def test_demo_base_is_generated_and_idempotent(territories):
    call_command("load_demo_contacts", count=150, seed=7)
    first = snapshot()
    assert first[0] == 150
    people = list(Person.objects.all())
    assert all(p.email.endswith("@exemple.test") for p in people)
    assert all(p.phone.startswith("01 99 00 ") for p in people)
    kinds = set(Organisation.objects.values_list("kind", flat=True))
    assert {
        OrganisationKind.EPCI,
        OrganisationKind.COMMUNE,
        OrganisationKind.PREFECTURE,
        OrganisationKind.DDETS,
    } <= kinds
    assert {OrganisationKind.SOCIAL_LANDLORD, OrganisationKind.ASSOCIATION, OrganisationKind.SOCIAL_CENTRE} <= kinds
    agglo = Organisation.objects.get(kind=OrganisationKind.EPCI)
    assert list(agglo.epcis.all()) == [territories["epci"]]
    assert Organisation.objects.filter(name="Ville de Laon", commune=territories["laon"]).exists()
    assert Position.objects.filter(end_date__isnull=False).exists()  # turnover
    assert Membership.objects.exists() and ConsentEvent.objects.exists()
    call_command("load_demo_contacts", count=150, seed=7)
    assert snapshot() == first


def test_demo_base_is_deterministic(territories):
    call_command("load_demo_contacts", count=40, seed=3)
    emails = sorted(Person.objects.values_list("email", "first_name", "last_name"))
    Position.objects.all().delete()
    Membership.objects.all().delete()
    Person.themes.through.objects.all().delete()
    ConsentEvent._base_manager.all().delete()
    Person.objects.all().delete()
    call_command("load_demo_contacts", count=40, seed=3)
    assert sorted(Person.objects.values_list("email", "first_name", "last_name")) == emails


def test_demo_needs_the_territories(db):
    with pytest.raises(CommandError, match="référentiel"):
        call_command("load_demo_contacts", count=10)
