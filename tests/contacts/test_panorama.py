"""Panorama des professionnels: counts, charts with their tables, PDF and PNG, no N+1."""

import datetime
import re

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from crpv.contacts import panorama, privacy
from crpv.contacts.models import Organisation, OrganisationKind, Person, Position, Role
from crpv.territories.models import ContratDeVille

pytestmark = pytest.mark.django_db

YEAR = 2025
TODAY = datetime.date(YEAR, 6, 15)


@pytest.fixture
def base(geography):
    laon = Organisation.objects.create(name="CA du Pays de Laon", kind=OrganisationKind.EPCI)
    laon.epcis.add(geography["epci"])
    mairie = Organisation.objects.create(
        name="Mairie d'Amiens", kind=OrganisationKind.COMMUNE, commune=geography["amiens"]
    )
    contrat = ContratDeVille.objects.create(
        code="CN02001",
        name="Contrat de ville du Pays de Laon",
        departement=geography["aisne"],
        carrier_epci=geography["epci"],
    )
    laon.contrats_de_ville.add(contrat)
    people = [Person.objects.create(last_name=f"Martin {i}", email=f"p{i}@x.example") for i in range(4)]
    Position.objects.create(person=people[0], organisation=laon, role=Role.PILOT, start_date=datetime.date(YEAR, 2, 1))
    # Two positions in the same structure: counted once per value.
    Position.objects.create(person=people[1], organisation=laon, role=Role.PROJECT_LEAD)
    Position.objects.create(person=people[1], organisation=laon, role=Role.GUSP_TFPB)
    Position.objects.create(person=people[2], organisation=mairie, role=Role.PROJECT_LEAD)
    # Left in March: a departure, not counted as in post.
    Position.objects.create(
        person=people[3],
        organisation=mairie,
        role=Role.DIRECTION,
        start_date=datetime.date(2020, 1, 1),
        end_date=datetime.date(YEAR, 3, 31),
    )
    return {"people": people, "laon": laon, "mairie": mairie, "contrat": contrat}


def rows(result, key):
    return dict(result.dimension(key).rows)


def test_counts_by_dimension(base, geography):
    result = panorama.build(YEAR, today=TODAY)
    assert (result.people, result.positions, result.structures) == (3, 4, 2)
    assert rows(result, "role") == {
        "pilote du contrat de ville": 1,
        "chef·fe de projet politique de la ville": 2,
        "chargé·e GUSP/TFPB": 1,
    }
    assert rows(result, "kind") == {"EPCI": 2, "commune": 1}
    assert rows(result, "level") == {"pilotage et coordination": 3, "chargé·e de mission, référent·e, agent": 1}
    assert rows(result, "departement") == {"Somme (80)": 1}
    epci = geography["epci"]
    assert rows(result, "epci") == {f"{epci.name} ({epci.code})": 2}
    assert rows(result, "contrat") == {"Contrat de ville du Pays de Laon (CN02001)": 2}
    assert (result.arrivals, result.departures) == (1, 1)
    assert result.movements[1] == ("févr.", 1, 0) and result.movements[2] == ("mars", 0, 1)


def test_anonymised_people_still_count(base):
    privacy.erase_person(person=base["people"][0], acting_user=None, reason="test")
    result = panorama.build(YEAR, today=TODAY)
    assert result.people == 3 and rows(result, "role")["pilote du contrat de ville"] == 1


def test_past_year_counts_positions_in_force_on_31_december(base):
    result = panorama.build(2024, today=TODAY)
    assert result.on == datetime.date(2024, 12, 31)
    assert rows(result, "role") == {
        "chef·fe de projet politique de la ville": 2,
        "chargé·e GUSP/TFPB": 1,
        "direction": 1,
    }


@pytest.fixture
def viewer(django_user_model):
    user = django_user_model.objects.create_user(username="lectrice", password="x" * 14, is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_person"))
    client = Client()
    client.force_login(user)
    return client


def test_page_shows_charts_each_followed_by_its_table(viewer, base, django_assert_max_num_queries):
    url = reverse("panorama:index")
    with django_assert_max_num_queries(40) as first:
        response = viewer.get(url, {"annee": YEAR})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    images = re.findall(r'<img src="data:image/svg\+xml;base64,[^"]+"\s+alt="([^"]+)"', html)
    assert len(images) == 7 and all("tableau" in alt for alt in images)
    assert html.count("<caption>") >= 7 and 'scope="row"' in html
    # No N+1: more people and structures, the same number of queries.
    organisation = Organisation.objects.create(name="Bailleur", kind=OrganisationKind.SOCIAL_LANDLORD)
    for i in range(20):
        person = Person.objects.create(last_name=f"Nouveau {i}")
        Position.objects.create(person=person, organisation=organisation, role=Role.DEVELOPMENT_AGENT)
    with django_assert_max_num_queries(len(first.captured_queries)):
        viewer.get(url, {"annee": YEAR})


def test_unknown_year_is_refused_on_its_field(viewer, base):
    response = viewer.get(reverse("panorama:index"), {"annee": "1700"})
    assert response.status_code == 400 and 'id="id_annee_erreur"' in response.content.decode()


def test_infographic_pdf_and_png(viewer, base):
    response = viewer.get(reverse("panorama:pdf"), {"annee": YEAR})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and response.content.count(b"/Type /Page\n") <= 1
    response = viewer.get(reverse("panorama:png"), {"annee": YEAR})
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG")


def test_staff_without_the_view_permission_is_refused(django_user_model, base):
    user = django_user_model.objects.create_user(username="sans-droit", password="x" * 14, is_staff=True)
    client = Client()
    client.force_login(user)
    for name in ("index", "pdf", "png"):
        assert client.get(reverse(f"panorama:{name}")).status_code == 403
