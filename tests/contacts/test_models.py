import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from crpv.contacts.models import (
    AppendOnlyError,
    ConsentChannel,
    ConsentEvent,
    ConsentKind,
    Membership,
    Network,
    Organisation,
    OrganisationKind,
    Person,
    Position,
    Role,
    SuppressionEntry,
    SuppressionReason,
)
from crpv.contacts.operations import add_to_suppression_list, create_organisation, record_consent
from crpv.contacts.validators import email_fingerprint, normalise_phone, normalise_postcode
from crpv.core.models import AuditEntry

from .conftest import valid_siren, valid_siret

pytestmark = pytest.mark.django_db


def test_email_is_unique_case_insensitively_and_optional():
    Person.objects.create(last_name="Durand", email="Lea.Durand@Exemple.fr")
    assert Person.objects.get().email == "lea.durand@exemple.fr"
    Person.objects.create(last_name="Sans courriel")
    Person.objects.create(last_name="Autre sans courriel")
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(last_name="Durand", email="LEA.DURAND@exemple.fr")
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.bulk_create([Person(last_name="X", email="LEA.durand@EXEMPLE.FR")])


def test_folded_name_for_dedupe():
    person = Person.objects.create(first_name="Anaïs", last_name="Lefèvre-Dubœuf")
    assert person.folded_name == "anais lefevre duboeuf"
    assert list(Person.objects.search("LEFEVRE")) == [person]


def test_siren_and_siret_are_checked_with_luhn():
    siren = valid_siren("13000191")
    organisation = Organisation(name="DDETS de l'Aisne", siren=siren, siret=valid_siret(siren, "0001"))
    organisation.full_clean()
    organisation.siret = organisation.siret[:-1] + str((int(organisation.siret[-1]) + 1) % 10)
    with pytest.raises(ValidationError) as error:
        organisation.full_clean()
    assert "SIRET invalide" in str(error.value)


def test_siret_unique_when_present():
    siren = valid_siren("12345678")
    Organisation.objects.create(name="A", siret=valid_siret(siren, "0001"))
    Organisation.objects.create(name="B")
    Organisation.objects.create(name="C")
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(name="D", siret=valid_siret(siren, "0001"))


def test_structures_are_linked_to_their_territory(geography, staff_user):
    epci = geography["epci"]
    agglo = create_organisation(acting_user=staff_user, name="Agglo du Pays de Laon", siren=epci.code)
    assert list(agglo.epcis.all()) == [epci]
    assert agglo.kind == OrganisationKind.EPCI
    mairie = create_organisation(
        acting_user=staff_user, name="Mairie de Laon", kind=OrganisationKind.COMMUNE, commune=geography["laon"]
    )
    assert list(mairie.communes.all()) == [geography["laon"]]
    association = create_organisation(acting_user=staff_user, name="Centre social", commune=geography["laon"])
    assert not association.communes.exists() and not association.epcis.exists()
    assert AuditEntry.objects.filter(action="contacts.organisation_created").count() == 3


def test_current_positions_and_memberships():
    person = Person.objects.create(last_name="Durand")
    organisation = Organisation.objects.create(name="Ville de Laon")
    today = datetime.date(2025, 6, 1)
    past = Position.objects.create(
        person=person,
        organisation=organisation,
        role=Role.PROJECT_LEAD,
        start_date=datetime.date(2020, 1, 1),
        end_date=datetime.date(2024, 12, 31),
    )
    now = Position.objects.create(person=person, organisation=organisation, role=Role.PILOT, start_date=today)
    future = Position.objects.create(
        person=person, organisation=organisation, role=Role.DIRECTION, start_date=datetime.date(2026, 1, 1)
    )
    open_ended = Position.objects.create(person=person, organisation=organisation, role=Role.ELECTED)
    assert set(Position.objects.current(on=today)) == {now, open_ended}
    assert set(Position.objects.current(on=datetime.date(2021, 1, 1))) == {past, open_ended}
    assert future.is_current(on=datetime.date(2026, 2, 1))
    network = Network.objects.get(slug="reseau-des-pilotes")
    Membership.objects.create(person=person, network=network, end_date=datetime.date(2024, 1, 1))
    assert not Membership.objects.current(on=today).exists()
    assert Network.objects.count() == 5


def test_end_date_cannot_precede_start_date():
    person = Person.objects.create(last_name="Durand")
    organisation = Organisation.objects.create(name="Ville de Laon")
    with pytest.raises(IntegrityError), transaction.atomic():
        Position.objects.create(
            person=person,
            organisation=organisation,
            start_date=datetime.date(2025, 1, 2),
            end_date=datetime.date(2025, 1, 1),
        )


def test_consent_register_is_append_only(staff_user):
    person = Person.objects.create(last_name="Durand")
    event = record_consent(
        person=person,
        kind=ConsentKind.SUBSCRIPTION,
        channel=ConsentChannel.WEB_FORM,
        purpose="lettre d'information",
        text_version="2025-01",
        acting_user=staff_user,
    )
    event.kind = ConsentKind.WITHDRAWAL
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        ConsentEvent.objects.filter(pk=event.pk).update(kind=ConsentKind.WITHDRAWAL)
    with pytest.raises(AppendOnlyError):
        ConsentEvent.objects.all().delete()
    assert ConsentEvent.objects.get().kind == ConsentKind.SUBSCRIPTION
    assert AuditEntry.objects.filter(action="contacts.consent_recorded").exists()


def test_suppression_list_keeps_only_a_fingerprint(staff_user):
    entry = add_to_suppression_list(email=" Lea@Exemple.fr ", reason=SuppressionReason.ERASURE, acting_user=staff_user)
    assert entry.email_sha256 == email_fingerprint("lea@exemple.fr")
    assert "lea" not in entry.email_sha256
    assert SuppressionEntry.objects.contains("LEA@exemple.fr")
    add_to_suppression_list(email="lea@exemple.fr", reason=SuppressionReason.OBJECTION, acting_user=staff_user)
    assert SuppressionEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("2100", "02100"), ("02100", "02100"), ("59 000", "59000"), ("2100.0", "02100"), ("ABCDE", None), ("123", None)],
)
def test_normalise_postcode(raw, expected):
    assert normalise_postcode(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("03 20 00 00 00", "03 20 00 00 00"),
        ("+33 6 12 34 56 78", "06 12 34 56 78"),
        ("612345678", "06 12 34 56 78"),
        ("03.20.00.00.00", "03 20 00 00 00"),
        ("3,32E+08", None),
        ("", ""),
    ],
)
def test_normalise_phone(raw, expected):
    assert normalise_phone(raw) == expected


def test_admin_pages_are_in_french(admin_client):
    person = Person.objects.create(last_name="Durand", email="lea@exemple.fr")
    organisation = Organisation.objects.create(name="Ville de Laon")
    Position.objects.create(person=person, organisation=organisation)
    for model in ("person", "organisation", "position", "network", "theme", "consentevent", "suppressionentry"):
        response = admin_client.get(f"/admin/contacts/{model}/")
        assert response.status_code == 200, model
    response = admin_client.get(f"/admin/contacts/person/{person.pk}/change/")
    assert response.status_code == 200
    content = response.content.decode().lower()
    assert "postes occupés" in content and "registre des consentements" in content
    response = admin_client.get(f"/admin/contacts/organisation/{organisation.pk}/change/")
    assert "personnes de la structure" in response.content.decode().lower()
    assert admin_client.get("/admin/contacts/person/?q=durand").status_code == 200
