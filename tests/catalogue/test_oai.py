"""The OAI-PMH data provider at /oai: verbs, sets, tokens, deletions, errors; every response validated."""

import datetime
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from crpv.catalogue.formats import marcxml
from crpv.catalogue.models import Agent, Authorship, Record
from crpv.catalogue.operations import delete_record
from tests.catalogue.schemas import validate

pytestmark = pytest.mark.django_db
OAI = "{http://www.openarchives.org/OAI/2.0/}"
DC = "{http://purl.org/dc/elements/1.1/}"


def oai(client, method="get", **params):
    response = getattr(client, method)(reverse("oai:endpoint"), params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    return validate(response.content)


def error_code(root):
    error = root.find(f"{OAI}error")
    return error.get("code") if error is not None else None


def identifiers(root):
    return [h.findtext(f"{OAI}identifier") for h in root.iter(f"{OAI}header")]


def make(title, **fields):
    fields.setdefault("record_type", "ouvrage")
    return Record.objects.create(title=title, **fields)


@pytest.fixture
def catalogue():
    a = make("Les quartiers prioritaires", publication_year=2019, themes=["Égalité femmes-hommes"], abstract="Résumé")
    Authorship.objects.create(record=a, agent=Agent.objects.create(name="Dupont", forename="Jean", key="dupont jean"))
    b = make("Rapport sur la mobilité", record_type="rapport", shared_with_reci=True, themes=["Mobilité"])
    c = make("Fiche laïcité", record_type="fiche", is_centre_production=True)
    gone = make("Notice retirée")
    delete_record(record=gone, acting_user=None)
    make("Notice interne", visibility=Record.Visibility.STAFF)
    make("Notice d'un partenaire", origin=Record.Origin.HARVEST, source_name="RECI", source_identifier="oai:reci:1")
    return {"a": a, "b": b, "c": c, "gone": gone}


def oai_id(record):
    return f"oai:irev:{record.pk}"


def test_identify(client, catalogue):
    root = oai(client, verb="Identify")
    identify = root.find(f"{OAI}Identify")
    assert identify.findtext(f"{OAI}protocolVersion") == "2.0"
    assert identify.findtext(f"{OAI}baseURL") == "http://testserver/oai"
    assert identify.findtext(f"{OAI}deletedRecord") == "persistent"
    assert identify.findtext(f"{OAI}granularity") == "YYYY-MM-DDThh:mm:ssZ"
    assert identify.findtext(f"{OAI}earliestDatestamp").endswith("Z")
    assert root.find(f"{OAI}request").get("verb") == "Identify"


def test_identify_post_without_csrf_token(catalogue):
    client = Client(enforce_csrf_checks=True)
    root = oai(client, method="post", verb="Identify")
    assert root.find(f"{OAI}Identify") is not None


def test_list_metadata_formats(client, catalogue):
    root = oai(client, verb="ListMetadataFormats")
    assert [p.text for p in root.iter(f"{OAI}metadataPrefix")] == ["oai_dc", "marcxml"]
    root = oai(client, verb="ListMetadataFormats", identifier=oai_id(catalogue["a"]))
    assert len(list(root.iter(f"{OAI}metadataFormat"))) == 2
    root = oai(client, verb="ListMetadataFormats", identifier="oai:irev:999999")
    assert error_code(root) == "idDoesNotExist"


def test_list_sets(client, catalogue):
    root = oai(client, verb="ListSets")
    specs = [s.text for s in root.iter(f"{OAI}setSpec")]
    assert {"type:ouvrage", "type:rapport", "type:fiche", "theme:egalite-femmes-hommes", "reci"} <= set(specs)
    assert "type:video" not in specs
    root = oai(client, verb="ListSets", resumptionToken="x")
    assert error_code(root) == "badResumptionToken"


def test_list_records_exposes_public_own_records_and_tombstones(client, catalogue):
    root = oai(client, verb="ListRecords", metadataPrefix="oai_dc")
    assert set(identifiers(root)) == {oai_id(r) for r in catalogue.values()}
    records = {r.find(f"{OAI}header/{OAI}identifier").text: r for r in root.iter(f"{OAI}record")}
    deleted = records[oai_id(catalogue["gone"])]
    assert deleted.find(f"{OAI}header").get("status") == "deleted"
    assert deleted.find(f"{OAI}metadata") is None
    a = records[oai_id(catalogue["a"])]
    assert a.find(f".//{DC}title").text == "Les quartiers prioritaires"
    assert a.find(f".//{DC}creator").text == "Dupont, Jean"
    assert a.find(f".//{DC}date").text == "2019"
    stamp = a.find(f"{OAI}header/{OAI}datestamp").text
    assert datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ")


def test_get_record_in_both_formats(client, catalogue):
    root = oai(client, verb="GetRecord", identifier=oai_id(catalogue["a"]), metadataPrefix="oai_dc")
    assert root.find(f".//{DC}title").text == "Les quartiers prioritaires"
    root = oai(client, verb="GetRecord", identifier=oai_id(catalogue["a"]), metadataPrefix="marcxml")
    record = root.find(f".//{{{marcxml.NS}}}record")
    from lxml import etree

    parsed = marcxml.parse(etree.tostring(record))
    assert not parsed.errors
    assert parsed.records[0].title == "Les quartiers prioritaires"
    root = oai(client, verb="GetRecord", identifier=oai_id(catalogue["gone"]), metadataPrefix="oai_dc")
    assert root.find(f".//{OAI}header").get("status") == "deleted"
    for hidden in Record.objects.filter(title__in=["Notice interne", "Notice d'un partenaire"]):
        root = oai(client, verb="GetRecord", identifier=oai_id(hidden), metadataPrefix="oai_dc")
        assert error_code(root) == "idDoesNotExist"
    root = oai(client, verb="GetRecord", identifier="autre:1", metadataPrefix="oai_dc")
    assert error_code(root) == "idDoesNotExist"
    root = oai(client, verb="GetRecord", identifier=oai_id(catalogue["a"]), metadataPrefix="mods")
    assert error_code(root) == "cannotDisseminateFormat"


def test_sets_select_records(client, catalogue):
    def ids(spec):
        return set(identifiers(oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", set=spec)))

    assert ids("type:rapport") == {oai_id(catalogue["b"])}
    assert ids("theme:egalite-femmes-hommes") == {oai_id(catalogue["a"])}
    assert ids("theme:mobilite") == {oai_id(catalogue["b"])}
    assert ids("reci") == {oai_id(catalogue["b"])}
    root = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", set="theme:inconnu")
    assert error_code(root) == "noRecordsMatch"
    root = oai(client, verb="ListRecords", metadataPrefix="oai_dc", set="type:video")
    assert error_code(root) == "noRecordsMatch"


def test_resumption_tokens_walk_the_whole_list(client, catalogue, settings):
    settings.CRPV_OAI_PAGE_SIZE = 2
    for i in range(5):
        make(f"Ouvrage {i}")
    expected = {oai_id(r) for r in Record.objects.filter(visibility="public").exclude(origin="harvest")}
    seen, cursors = [], []
    root = oai(client, verb="ListRecords", metadataPrefix="oai_dc")
    while True:
        seen += identifiers(root)
        token = root.find(f".//{OAI}resumptionToken")
        assert token is not None
        assert token.get("completeListSize") == str(len(expected))
        cursors.append(int(token.get("cursor")))
        if not token.text:
            break
        assert timezone.now() < datetime.datetime.fromisoformat(token.get("expirationDate").replace("Z", "+00:00"))
        root = oai(client, verb="ListRecords", resumptionToken=token.text)
        assert root.find(f"{OAI}request").get("resumptionToken") == token.text
    assert sorted(seen) == sorted(expected)
    assert cursors == [0, 2, 4, 6, 8]


def test_records_changed_during_a_harvest_come_again_at_the_end(client, catalogue, settings):
    settings.CRPV_OAI_PAGE_SIZE = 2
    root = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc")
    first = identifiers(root)
    Record.objects.get(pk=int(first[0].rsplit(":", 1)[1])).save()
    token = root.find(f".//{OAI}resumptionToken").text
    rest = []
    while token:
        root = oai(client, verb="ListIdentifiers", resumptionToken=token)
        rest += identifiers(root)
        token = root.find(f".//{OAI}resumptionToken").text
    assert first[0] in rest


def test_bad_resumption_tokens(client, catalogue, settings):
    settings.CRPV_OAI_PAGE_SIZE = 1
    root = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc")
    token = root.find(f".//{OAI}resumptionToken").text
    tampered = token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB")
    assert error_code(oai(client, verb="ListIdentifiers", resumptionToken=tampered)) == "badResumptionToken"
    assert error_code(oai(client, verb="ListRecords", resumptionToken=token)) == "badResumptionToken"
    later = timezone.now().timestamp() + 25 * 3600
    with mock.patch("django.core.signing.time.time", return_value=later):
        assert error_code(oai(client, verb="ListIdentifiers", resumptionToken=token)) == "badResumptionToken"
    assert error_code(oai(client, verb="ListIdentifiers", resumptionToken=token)) is None


def test_from_until(client, catalogue):
    old = make("Ancienne notice")
    Record.objects.filter(pk=old.pk).update(
        updated_at=datetime.datetime(2020, 5, 1, 10, 0, 0, 500, tzinfo=datetime.UTC)
    )

    def ids(**params):
        return set(identifiers(oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", **params)))

    assert ids(until="2020-05-01") == {oai_id(old)}
    assert ids(until="2020-05-01T10:00:00Z") == {oai_id(old)}
    assert ids(**{"from": "2020-05-01T10:00:00Z", "until": "2020-05-01T10:00:00Z"}) == {oai_id(old)}
    assert oai_id(old) not in ids(**{"from": "2020-05-01T10:00:01Z"})
    assert oai_id(old) in ids(**{"from": "2020-05-01"})
    root = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", until="2019-01-01")
    assert error_code(root) == "noRecordsMatch"
    for params in (
        {"from": "2020-13-01"},
        {"from": "hier"},
        {"until": "2020-05-01T10:00:00"},
        {"from": "2020-05-01", "until": "2020-06-01T00:00:00Z"},
        {"from": "2021-01-01", "until": "2020-01-01"},
    ):
        root = oai(client, verb="ListRecords", metadataPrefix="oai_dc", **params)
        assert error_code(root) == "badArgument", params
        assert root.find(f"{OAI}request").attrib == {}


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("", "badVerb"),
        ("verb=Frobnicate", "badVerb"),
        ("verb=Identify&verb=Identify", "badVerb"),
        ("verb=Identify&metadataPrefix=oai_dc", "badArgument"),
        ("verb=ListRecords", "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=oai_dc", "badArgument"),
        ("verb=ListRecords&resumptionToken=x&metadataPrefix=oai_dc", "badArgument"),
        ("verb=GetRecord&metadataPrefix=oai_dc", "badArgument"),
        ("verb=ListIdentifiers&metadataPrefix=dc", "cannotDisseminateFormat"),
        ("verb=ListRecords&resumptionToken=nimportequoi", "badResumptionToken"),
    ],
)
def test_protocol_errors(client, catalogue, query, code):
    response = client.get(reverse("oai:endpoint") + "?" + query)
    root = validate(response.content)
    assert error_code(root) == code
    if code in ("badVerb", "badArgument"):
        assert root.find(f"{OAI}request").attrib == {}


def test_empty_repository_has_no_records_to_match(client):
    assert error_code(oai(client, verb="ListRecords", metadataPrefix="oai_dc")) == "noRecordsMatch"
    assert oai(client, verb="Identify").find(f".//{OAI}earliestDatestamp").text.endswith("Z")


def test_text_that_xml_refuses_is_dropped(client):
    record = make("Titre\x0b avec\x01 contrôles", abstract="a\x02b")
    root = oai(client, verb="GetRecord", identifier=oai_id(record), metadataPrefix="oai_dc")
    assert root.find(f".//{DC}title").text == "Titre avec contrôles"
    root = oai(client, verb="GetRecord", identifier=oai_id(record), metadataPrefix="marcxml")
    assert root.find(f".//{OAI}metadata") is not None


def test_list_records_query_count_does_not_grow_with_the_page(client, catalogue, django_assert_max_num_queries):
    agent = catalogue["a"].authorships.get().agent
    for i in range(30):
        record = make(f"Ouvrage {i}", themes=["Mobilité"])
        Authorship.objects.create(record=record, agent=agent)
    with django_assert_max_num_queries(10):
        oai(client, verb="ListRecords", metadataPrefix="marcxml")


def test_resumption_tokens_walk_records_sharing_one_datestamp(client, catalogue, settings):
    """An import gives many records the same updated_at: the cursor goes on by pk within it."""
    settings.CRPV_OAI_PAGE_SIZE = 3
    for i in range(10):
        make(f"Importée {i}")
    same = datetime.datetime(2024, 3, 1, 12, 0, 0, 123456, tzinfo=datetime.UTC)
    Record.objects.filter(title__startswith="Importée").update(updated_at=same)
    expected = {oai_id(r) for r in Record.objects.filter(visibility="public").exclude(origin="harvest")}
    seen = []
    root = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc")
    while True:
        seen += identifiers(root)
        token = root.find(f".//{OAI}resumptionToken")
        if token is None or not token.text:
            break
        root = oai(client, verb="ListIdentifiers", resumptionToken=token.text)
    assert len(seen) == len(set(seen)) and set(seen) == expected


def test_list_records_page_matches_the_export_of_each_record(client, catalogue):
    """The page is read as plain values: it must say what the export of each Record says."""
    from crpv.catalogue.exporting import to_parsed
    from crpv.catalogue.formats import dublincore
    from crpv.catalogue.oai.provider import load_items

    a = catalogue["a"]
    a.copies.create(barcode="B1", call_number="Z", acquired_on=datetime.date(2021, 5, 6))
    a.copies.create(barcode="B2", call_number="A")
    a.links.create(url="https://irev.example/a", label="texte")
    a.parent = catalogue["b"]
    a.save()
    record = Record.objects.for_export().get(pk=a.pk)
    item = load_items([a.pk, catalogue["gone"].pk], full=True)
    assert item[a.pk].parsed == to_parsed(record)
    assert item[catalogue["gone"].pk].parsed is None
    assert dublincore.elements(item[a.pk].parsed) == dublincore.elements(to_parsed(record))


def _header(root, record):
    for header in root.iter(f"{OAI}header"):
        if header.findtext(f"{OAI}identifier") == oai_id(record):
            return header
    return None


def _make_staff_only(record):
    """As the admin's change form does: the record read from the database, then saved."""
    record = Record.objects.get(pk=record.pk)
    record.visibility = Record.Visibility.STAFF
    record.save()
    return record


def test_a_record_made_staff_only_is_given_as_deleted_until_public_again(client, catalogue):
    a = catalogue["a"]
    assert _header(oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc"), a).get("status") is None

    a = _make_staff_only(a)
    assert a.oai_withdrawn_at is not None
    stamp = a.updated_at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    for verb in ("ListIdentifiers", "ListRecords"):
        root = oai(client, verb=verb, metadataPrefix="oai_dc")
        header = _header(root, a)
        assert header is not None and header.get("status") == "deleted", verb
        assert header.findtext(f"{OAI}datestamp") == stamp
    record = next(
        r
        for r in oai(client, verb="ListRecords", metadataPrefix="marcxml").iter(f"{OAI}record")
        if _header(r, a) is not None
    )
    assert record.find(f"{OAI}metadata") is None
    root = oai(client, verb="GetRecord", identifier=oai_id(a), metadataPrefix="oai_dc")
    assert root.find(f".//{OAI}header").get("status") == "deleted"
    assert root.find(f".//{OAI}metadata") is None and "quartiers prioritaires" not in str(root)
    root = oai(client, verb="ListMetadataFormats", identifier=oai_id(a))
    assert error_code(root) is None
    # Sets still select it (its type, its theme), so a selective harvester learns the deletion.
    for spec in ("type:ouvrage", "theme:egalite-femmes-hommes"):
        root = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", set=spec)
        assert _header(root, a).get("status") == "deleted", spec
    # The public catalogue no longer shows it; Identify still declares persistent deletions.
    assert client.get(reverse("catalogue:record", args=[a.pk])).status_code == 404
    assert oai(client, verb="Identify").find(f".//{OAI}deletedRecord").text == "persistent"
    # Edited while staff-only: still deleted, still withdrawn since the first change.
    withdrawn_at = a.oai_withdrawn_at
    a.title = "Les quartiers prioritaires (version de travail)"
    a.save()
    a.refresh_from_db()
    assert a.oai_withdrawn_at == withdrawn_at
    assert _header(oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc"), a).get("status") == "deleted"

    a.visibility = Record.Visibility.PUBLIC
    a.save()
    a.refresh_from_db()
    assert a.oai_withdrawn_at is None
    root = oai(client, verb="GetRecord", identifier=oai_id(a), metadataPrefix="oai_dc")
    assert root.find(f".//{OAI}header").get("status") is None
    assert root.find(f".//{DC}title").text == "Les quartiers prioritaires (version de travail)"


def test_a_withdrawn_record_is_selected_by_the_datestamp_of_its_withdrawal(client, catalogue):
    b = catalogue["b"]
    Record.objects.filter(pk=b.pk).update(updated_at=datetime.datetime(2020, 5, 1, 10, 0, tzinfo=datetime.UTC))
    _make_staff_only(b)
    withdrawn = datetime.datetime(2021, 3, 2, 8, 30, 15, tzinfo=datetime.UTC)
    Record.objects.filter(pk=b.pk).update(updated_at=withdrawn)

    def headers(**params):
        root = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", **params)
        return {h.findtext(f"{OAI}identifier"): h for h in root.iter(f"{OAI}header")}

    found = headers(**{"from": "2021-03-02T08:30:15Z", "until": "2021-03-02T08:30:15Z"})
    assert list(found) == [oai_id(b)]
    assert found[oai_id(b)].get("status") == "deleted"
    assert found[oai_id(b)].findtext(f"{OAI}datestamp") == "2021-03-02T08:30:15Z"
    assert oai_id(b) in headers(**{"from": "2021-03-02"})
    assert oai_id(b) not in headers(**{"from": "2021-03-03"})
    root = oai(client, verb="ListRecords", metadataPrefix="oai_dc", until="2021-03-01")
    assert error_code(root) == "noRecordsMatch"  # the earlier public version is not given any more


def test_withdrawals_tracked_on_every_write_path(client, catalogue):
    a, c = catalogue["a"], catalogue["c"]
    # A save that names its fields.
    a.visibility = Record.Visibility.STAFF
    a.save(update_fields=["visibility", "updated_at"])
    assert Record.objects.get(pk=a.pk).oai_withdrawn_at is not None
    # An instance not read from the database (its visibility looked up once).
    Record(pk=c.pk, **{f: getattr(c, f) for f in ("title", "record_type", "origin")}, visibility="staff").save(
        update_fields=["visibility"]
    )
    assert Record.objects.get(pk=c.pk).oai_withdrawn_at is not None
    # Deleted while staff-only: still deleted. Never public, or harvested: never given.
    delete_record(record=Record.objects.get(pk=c.pk), acting_user=None)
    internal = Record.objects.get(title="Notice interne")
    internal.abstract = "Modifiée"
    internal.save()
    harvested = Record.objects.get(title="Notice d'un partenaire")
    harvested.visibility = Record.Visibility.STAFF
    harvested.save()
    root = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc")
    assert _header(root, a).get("status") == "deleted" and _header(root, Record(pk=c.pk)).get("status") == "deleted"
    assert _header(root, internal) is None and _header(root, harvested) is None
    assert Record.objects.get(pk=internal.pk).oai_withdrawn_at is None
