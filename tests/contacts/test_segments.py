"""Segments: criteria → exact people, one query, live count, safe exports."""

import csv
import datetime
import io

import lxml.html
import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from crpv.contacts.models import (
    ConsentChannel,
    ConsentEvent,
    ConsentKind,
    LegalBasis,
    Membership,
    Network,
    Organisation,
    OrganisationKind,
    Person,
    Position,
    Role,
    Segment,
    Theme,
)
from crpv.contacts.segments import count_active_people, people_matching
from crpv.core.models import AuditEntry
from crpv.territories.models import Departement

pytestmark = pytest.mark.django_db


def consent(person, kind, days_ago):
    ConsentEvent.objects.create(
        person=person,
        kind=kind,
        channel=ConsentChannel.WEB_FORM,
        at=timezone.now() - datetime.timedelta(days=days_ago),
    )


@pytest.fixture
def base(geography):
    epci_org = Organisation.objects.create(name="CA du Pays de Laon", kind=OrganisationKind.EPCI)
    epci_org.epcis.add(geography["epci"])
    mairie = Organisation.objects.create(
        name="Ville d'Amiens", kind=OrganisationKind.COMMUNE, commune=geography["amiens"]
    )
    asso = Organisation.objects.create(
        name="Association Laon Solidaire", kind=OrganisationKind.ASSOCIATION, commune=geography["laon"]
    )
    pilote = Person.objects.create(first_name="Paul", last_name="Pilote", email="paul@exemple.test")
    cheffe = Person.objects.create(
        first_name="Chloé", last_name="Cheffe", email="chloe@exemple.test", legal_basis=LegalBasis.CONSENT
    )
    ancien = Person.objects.create(first_name="Hugo", last_name="Ancien")
    benevole = Person.objects.create(first_name='=HYPERLINK("x")', last_name="@SUM(1)", email="b@exemple.test")
    Position.objects.create(person=pilote, organisation=epci_org, role=Role.PILOT)
    Position.objects.create(person=cheffe, organisation=mairie, role=Role.PROJECT_LEAD)
    Position.objects.create(person=cheffe, organisation=asso, role=Role.DIRECTION)
    Position.objects.create(
        person=ancien,
        organisation=mairie,
        role=Role.PILOT,
        start_date=datetime.date(2015, 1, 1),
        end_date=datetime.date(2020, 1, 1),
    )
    Position.objects.create(person=benevole, organisation=asso, role=Role.CITIZEN)
    pilote.departements.add(geography["aisne"])
    Membership.objects.create(person=pilote, network=Network.objects.get(slug="reseau-des-pilotes"))
    Membership.objects.create(
        person=ancien, network=Network.objects.get(slug="reseau-des-pilotes"), end_date=datetime.date(2020, 1, 1)
    )
    cheffe.themes.add(Theme.objects.get(slug="sante"))
    consent(cheffe, ConsentKind.SUBSCRIPTION, 30)
    consent(pilote, ConsentKind.SUBSCRIPTION, 30)
    consent(pilote, ConsentKind.WITHDRAWAL, 2)
    Person.objects.create(last_name="Anonyme", is_anonymised=True)
    return {"pilote": pilote, "cheffe": cheffe, "ancien": ancien, "benevole": benevole}


def names(criteria):
    return sorted(p.last_name for p in people_matching(criteria))


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        ({}, ["@SUM(1)", "Ancien", "Cheffe", "Pilote"]),
        ({"roles": ["pilote"]}, ["Ancien", "Pilote"]),
        ({"roles": ["pilote"], "positions": "current"}, ["Pilote"]),
        ({"positions": "past"}, ["Ancien"]),
        ({"roles": ["pilote"], "kinds": ["commune"]}, ["Ancien"]),
        ({"roles": ["direction"], "kinds": ["commune"]}, []),
        ({"kinds": ["association"]}, ["@SUM(1)", "Cheffe"]),
        ({"departements": ["02"]}, ["@SUM(1)", "Cheffe", "Pilote"]),
        ({"departements": ["80"]}, ["Ancien", "Cheffe"]),
        ({"departements": ["80"], "positions": "current"}, ["Cheffe"]),
        ({"networks": ["reseau-des-pilotes"]}, ["Pilote"]),
        ({"themes": ["sante"]}, ["Cheffe"]),
        ({"legal_bases": ["consentement"]}, ["Cheffe"]),
        ({"subscription": "subscribed"}, ["Cheffe"]),
        ({"subscription": "unsubscribed"}, ["Pilote"]),
        ({"subscription": "never"}, ["@SUM(1)", "Ancien"]),
        ({"q": "chloe"}, ["Cheffe"]),
        ({"q": "SOLIDAIRE", "roles": ["direction"]}, ["Cheffe"]),
    ],
)
def test_criteria_select_exactly_these_people(base, criteria, expected):
    assert names(criteria) == expected


def test_epci_matches_the_person_or_the_structure(base, geography):
    code = geography["epci"].code
    assert names({"epcis": [code]}) == ["@SUM(1)", "Cheffe", "Pilote"]  # Laon is in the EPCI; the agglo is linked


def test_a_segment_counts_and_lists_in_one_query_each(base, django_assert_num_queries):
    segment = Segment.objects.create(name="Pilotes", criteria={"roles": ["pilote"], "departements": ["02", "80"]})
    with django_assert_num_queries(1):
        assert segment.people().count() == 2
    with django_assert_num_queries(1):
        assert sorted(p.last_name for p in segment.people()) == ["Ancien", "Pilote"]


def test_segment_builder_saves_criteria_and_shows_a_live_count(staff_client, staff_user, base):
    url = reverse("contacts:segment_create")
    tree = lxml.html.fromstring(staff_client.get(url).content.decode())
    assert tree.xpath("//form[@hx-get]/@hx-target") == ["#compte"]
    assert tree.xpath("//*[@id='compte']/@aria-live") == ["polite"]
    count = staff_client.get(reverse("contacts:segment_count"), {"roles": "pilote", "departements": "80"})
    assert " ".join(count.content.decode().split()).startswith("<strong>1</strong> personne correspond")
    bad = staff_client.get(reverse("contacts:segment_count"), {"departements": "99"})
    assert "Critères invalides" in bad.content.decode()
    response = staff_client.post(
        url, {"name": "Pilotes de l'Aisne et de la Somme", "roles": ["pilote"], "departements": ["02", "80"]}
    )
    segment = Segment.objects.get()
    assert response["Location"] == reverse("contacts:segment_detail", args=[segment.pk])
    assert segment.criteria == {"roles": ["pilote"], "departements": ["02", "80"]} and segment.owner == staff_user
    tree = lxml.html.fromstring(staff_client.get(response["Location"]).content.decode())
    assert [" ".join(t.text_content().split()) for t in tree.xpath("//tbody/tr/th")] == ["Ancien Hugo", "Pilote Paul"]
    summary = tree.xpath("//dt[.='Critères']/following-sibling::dd[1]")[0].text_content()
    assert "rôle : pilote du contrat de ville" in summary and "Somme (80)" in summary
    edit = reverse("contacts:segment_edit", args=[segment.pk])
    form = lxml.html.fromstring(staff_client.get(edit).content.decode())
    assert form.xpath("//input[@name='roles'][@checked]/@value") == ["pilote"]
    staff_client.post(edit, {"name": "Pilotes", "roles": ["pilote"], "positions": "current"})
    segment.refresh_from_db()
    assert segment.criteria == {"roles": ["pilote"], "positions": "current"}
    listing = lxml.html.fromstring(staff_client.get(reverse("contacts:segment_list")).content.decode())
    assert listing.xpath("//tbody/tr/th/a/text()") == ["Pilotes"]


def test_exports_are_safe_against_formula_injection(staff_client, staff_user, base):
    segment = Segment.objects.create(name="Association", criteria={"kinds": ["association"]})
    response = staff_client.get(reverse("contacts:segment_export_xlsx", args=[segment.pk]))
    assert response["Content-Disposition"].startswith("attachment;")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("nom", "prénom", "courriel")
    assert [r[0] for r in rows[1:]] == ["'@SUM(1)", "Cheffe"]
    assert rows[1][1] == '\'=HYPERLINK("x")'
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    response = staff_client.get(reverse("contacts:segment_export_csv", args=[segment.pk]))
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert lines[1][:2] == ["'@SUM(1)", '\'=HYPERLINK("x")']
    assert lines[2][6] == "Association Laon Solidaire ; Ville d'Amiens"
    exports = AuditEntry.objects.filter(action="contacts.segment_exported", actor=staff_user)
    assert sorted(exports.values_list("details__format", flat=True)) == ["csv", "xlsx"]


def test_the_whole_base_is_counted_without_the_anonymised(base, django_assert_num_queries):
    Person.objects.create(last_name="Effacé", is_anonymised=True)
    with django_assert_num_queries(1):
        total = count_active_people()
    assert total == people_matching({}).count() == 4


def test_territory_counts_people_declared_there_or_holding_a_position_there_once(base, geography):
    base["cheffe"].departements.add(Departement.objects.get(code="80"))  # declared and holding a position in the Somme
    assert names({"departements": ["80"]}) == ["Ancien", "Cheffe"]
    assert people_matching({"departements": ["80"]}).count() == 2
    assert names({"departements": ["80"], "roles": ["chef_projet"]}) == ["Cheffe"]
