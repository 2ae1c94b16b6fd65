"""Staff screens of the base Acteurs, through the client, on the HTML people see."""

import datetime

import lxml.html
import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from crpv.contacts.models import (
    ConsentChannel,
    ConsentKind,
    Membership,
    Network,
    Organisation,
    OrganisationKind,
    Person,
    Position,
    Role,
)
from crpv.contacts.operations import record_consent
from crpv.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def html(response):
    assert response.status_code == 200, response.status_code
    return lxml.html.fromstring(response.content.decode())


def texts(tree, xpath):
    return [" ".join(e.text_content().split()) for e in tree.xpath(xpath)]


def user_in(django_user_model, group, username):
    user = django_user_model.objects.create_user(username=username, password="x" * 16, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def documentaliste_client(django_user_model):
    client = Client()
    client.force_login(user_in(django_user_model, "documentaliste", "doc"))
    return client


@pytest.fixture
def people(geography):
    ville = Organisation.objects.create(name="Ville de Laon", kind=OrganisationKind.COMMUNE, commune=geography["laon"])
    centre = Organisation.objects.create(
        name="Centre social Étouvie", kind=OrganisationKind.SOCIAL_CENTRE, commune=geography["amiens"]
    )
    anais = Person.objects.create(first_name="Anaïs", last_name="Lefèvre", email="anais@laon.example")
    zoe = Person.objects.create(first_name="Zoé", last_name="Martin", email="zoe@amiens.example")
    noel = Person.objects.create(first_name="Noël", last_name="Dubœuf")
    Position.objects.create(person=anais, organisation=ville, role=Role.PROJECT_LEAD)
    Position.objects.create(person=zoe, organisation=centre, role=Role.DIRECTION)
    Position.objects.create(
        person=noel,
        organisation=ville,
        role=Role.PILOT,
        start_date=datetime.date(2019, 1, 1),
        end_date=datetime.date(2022, 12, 31),
    )
    return {"anais": anais, "zoe": zoe, "noel": noel, "ville": ville, "centre": centre}


def listed_names(response):
    return texts(html(response), "//table//tbody/tr/th[@scope='row']")


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get(reverse("contacts:person_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_people_list_filters_and_searches_without_accents(staff_client, people):
    url = reverse("contacts:person_list")
    assert listed_names(staff_client.get(url)) == ["Dubœuf Noël", "Lefèvre Anaïs", "Martin Zoé"]
    assert listed_names(staff_client.get(url, {"q": "lefevre"})) == ["Lefèvre Anaïs"]
    assert listed_names(staff_client.get(url, {"q": "ETOUVIE"})) == ["Martin Zoé"]
    assert listed_names(staff_client.get(url, {"q": "zoe@amiens"})) == ["Martin Zoé"]
    assert listed_names(staff_client.get(url, {"roles": "pilote"})) == ["Dubœuf Noël"]
    assert listed_names(staff_client.get(url, {"roles": "pilote", "positions": "current"})) == []
    assert listed_names(staff_client.get(url, {"positions": "past"})) == ["Dubœuf Noël"]
    assert listed_names(staff_client.get(url, {"kinds": "centre_social"})) == ["Martin Zoé"]
    assert listed_names(staff_client.get(url, {"departements": "80"})) == ["Martin Zoé"]
    tree = html(staff_client.get(url, {"q": "lefevre"}))
    assert tree.xpath("//h1")[0].text_content() == "Base Acteurs"
    assert tree.xpath("//*[@id='resultats'][@aria-live='polite']")
    current = texts(tree, "//table//tbody/tr/td[3]")
    assert current == ["Ville de Laon (chef·fe de projet politique de la ville)"]


def test_people_list_answers_htmx_with_the_results_only(staff_client, people):
    response = staff_client.get(reverse("contacts:person_list"), {"q": "martin"}, HTTP_HX_REQUEST="true")
    assert b"<html" not in response.content
    assert texts(lxml.html.fromstring(response.content.decode()), "//tbody/tr/th") == ["Martin Zoé"]


def test_people_list_costs_the_same_queries_as_the_base_grows(staff_client, people, django_assert_num_queries):
    url = reverse("contacts:person_list")
    params = {"departements": "02", "q": "e"}
    with django_assert_num_queries(13):
        staff_client.get(url, params)
    for i in range(30):
        person = Person.objects.create(first_name="Léa", last_name=f"Petit{i}", email=f"lea{i}@x.example")
        Position.objects.create(person=person, organisation=people["ville"], role=Role.OTHER)
    with django_assert_num_queries(13):
        response = staff_client.get(url, params)
    assert len(listed_names(response)) == 32


def test_person_detail_shows_positions_and_consents_and_records_the_view(staff_client, staff_user, people):
    anais = people["anais"]
    record_consent(person=anais, kind=ConsentKind.SUBSCRIPTION, channel=ConsentChannel.WEB_FORM, acting_user=None)
    Membership.objects.create(person=anais, network=Network.objects.get(slug="reseau-des-pilotes"))
    tree = html(staff_client.get(reverse("contacts:person_detail", args=[anais.pk])))
    assert tree.xpath("//h1")[0].text_content() == "Anaïs Lefèvre"
    captions = texts(tree, "//caption")
    assert "Registre des consentements (lecture seule)" in captions
    consent_table = tree.xpath("//table[caption[starts-with(., 'Registre')]]")[0]
    assert texts(consent_table, ".//tbody/tr/td[1]") == ["abonnement"]
    assert "Réseau des pilotes" in texts(tree, "//table[caption='Réseaux']//tbody/tr/th")
    entry = AuditEntry.objects.get(action="person.viewed")
    assert (entry.actor, entry.object_id) == (staff_user, str(anais.pk))
    noel = html(staff_client.get(reverse("contacts:person_detail", args=[people["noel"].pk])))
    assert texts(noel, "//table[caption='Postes']//tbody/tr/td[4]") == ["passé"]


def test_create_and_edit_a_person(staff_client, staff_user, geography):
    response = staff_client.post(
        reverse("contacts:person_create"),
        {"first_name": "Inès", "last_name": "Moreau", "email": "Ines@Exemple.test", "legal_basis": "mission"},
    )
    person = Person.objects.get(last_name="Moreau")
    assert response.status_code == 302 and response["Location"] == reverse("contacts:person_detail", args=[person.pk])
    assert person.email == "ines@exemple.test"
    assert AuditEntry.objects.filter(action="contacts.person_created", actor=staff_user).count() == 1
    url = reverse("contacts:person_edit", args=[person.pk])
    assert html(staff_client.get(url)).xpath("//input[@name='last_name']/@value") == ["Moreau"]
    staff_client.post(
        url,
        {"first_name": "Inès", "last_name": "Moreau-Roux", "email": "ines@exemple.test", "legal_basis": "mission"},
    )
    person.refresh_from_db()
    assert person.last_name == "Moreau-Roux"
    assert AuditEntry.objects.get(action="contacts.person_changed").details["fields"] == ["last_name"]


def test_form_errors_are_tied_to_their_field(staff_client, people):
    response = staff_client.post(
        reverse("contacts:person_create"),
        {"first_name": "Autre", "last_name": "", "email": "ANAIS@laon.example", "legal_basis": "mission"},
    )
    tree = html(response)
    for name in ("last_name", "email"):
        field = tree.xpath(f"//input[@name='{name}']")[0]
        described = field.get("aria-describedby").split()
        assert f"id_{name}_erreur" in described
        assert tree.xpath(f"//*[@id='id_{name}_erreur']")
    assert "déjà cette adresse" in texts(tree, "//*[@id='id_email_erreur']")[0]
    assert Person.objects.count() == 3


def test_positions_and_memberships_are_added_and_edited(staff_client, people):
    anais = people["anais"]
    staff_client.post(
        reverse("contacts:position_create", args=[anais.pk]),
        {"organisation": people["centre"].pk, "role": Role.GUSP_TFPB, "start_date": "2024-01-15"},
    )
    position = anais.positions.get(organisation=people["centre"])
    assert position.start_date == datetime.date(2024, 1, 15)
    response = staff_client.post(
        reverse("contacts:position_edit", args=[position.pk]),
        {
            "organisation": people["centre"].pk,
            "role": Role.GUSP_TFPB,
            "start_date": "2024-01-15",
            "end_date": "2023-01-01",
        },
    )
    assert "La date de fin précède la date de début." in texts(html(response), "//*[@id='id_end_date_erreur']")[0]
    network = Network.objects.get(slug="reseau-gusp-tfpb")
    staff_client.post(reverse("contacts:membership_create", args=[anais.pk]), {"network": network.pk})
    membership = anais.memberships.get()
    staff_client.post(
        reverse("contacts:membership_edit", args=[membership.pk]), {"network": network.pk, "note": "animatrice"}
    )
    membership.refresh_from_db()
    assert membership.note == "animatrice"
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"contacts.position_created", "contacts.membership_created", "contacts.membership_changed"} <= actions


def test_organisation_is_linked_to_its_epci_by_siren(staff_client, geography, people):
    epci = geography["epci"]
    response = staff_client.post(
        reverse("contacts:organisation_create"), {"name": "Agglo du Pays de Laon", "kind": "autre", "siren": epci.code}
    )
    organisation = Organisation.objects.get(name="Agglo du Pays de Laon")
    assert response["Location"] == reverse("contacts:organisation_detail", args=[organisation.pk])
    assert list(organisation.epcis.all()) == [epci] and organisation.kind == OrganisationKind.EPCI
    tree = html(staff_client.get(response["Location"]))
    assert texts(tree, "//dt[.='EPCI']/following-sibling::dd[1]/a") == [epci.name]
    edit = reverse("contacts:organisation_edit", args=[people["ville"].pk])
    assert html(staff_client.get(edit)).xpath("//input[@name='name']/@value") == ["Ville de Laon"]
    staff_client.post(edit, {"name": "Mairie de Laon", "kind": "commune", "commune": geography["laon"].pk})
    assert list(Organisation.objects.get(pk=people["ville"].pk).communes.all()) == [geography["laon"]]
    listed = texts(html(staff_client.get(reverse("contacts:organisation_list"), {"q": "etouvie"})), "//tbody/tr/th")
    assert listed == ["Centre social Étouvie"]
    partial = staff_client.get(reverse("contacts:organisation_list"), {"q": "laon"}, HTTP_HX_REQUEST="true")
    assert b"<html" not in partial.content and b"Mairie de Laon" in partial.content
    detail = html(staff_client.get(reverse("contacts:organisation_detail", args=[people["ville"].pk])))
    assert texts(detail, "//table//tbody/tr/th") == ["Noël Dubœuf", "Anaïs Lefèvre"]


def test_a_documentaliste_reads_but_cannot_edit(documentaliste_client, people):
    assert documentaliste_client.get(reverse("contacts:person_list")).status_code == 200
    detail = html(documentaliste_client.get(reverse("contacts:person_detail", args=[people["anais"].pk])))
    assert not detail.xpath("//a[contains(@href, '/modifier/')]")
    for name, args in [
        ("contacts:person_create", []),
        ("contacts:person_edit", [people["anais"].pk]),
        ("contacts:organisation_create", []),
        ("contacts:position_create", [people["anais"].pk]),
        ("contacts:import_upload", []),
        ("contacts:segment_create", []),
    ]:
        assert documentaliste_client.get(reverse(name, args=args)).status_code == 403, name
        assert documentaliste_client.post(reverse(name, args=args), {"last_name": "X"}).status_code == 403, name
    assert Person.objects.count() == 3


POST_VIEWS = [
    ("contacts:person_create", False),
    ("contacts:person_edit", True),
    ("contacts:position_create", True),
    ("contacts:membership_create", True),
    ("contacts:organisation_create", False),
    ("contacts:segment_create", False),
    ("contacts:import_upload", False),
]


@pytest.mark.parametrize(("name", "with_pk"), POST_VIEWS)
def test_every_form_refuses_a_post_without_csrf_token(staff_user, people, name, with_pk):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)
    url = reverse(name, args=[people["anais"].pk] if with_pk else [])
    assert client.post(url, {"last_name": "X", "name": "X"}).status_code == 403


def test_people_list_total_leaves_out_the_anonymised(staff_client, people):
    Person.objects.create(last_name="Anonyme", is_anonymised=True)
    tree = html(staff_client.get(reverse("contacts:person_list")))
    assert texts(tree, "//*[@id='resultats']//strong")[:1] == ["3"]
    assert listed_names(staff_client.get(reverse("contacts:person_list"))) == [
        "Dubœuf Noël",
        "Lefèvre Anaïs",
        "Martin Zoé",
    ]
