"""A real harvester from PyPI (oaipmh-scythe) harvests the whole repository over HTTP."""

import pytest
from oaipmh_scythe import Scythe
from oaipmh_scythe.config import HTTPConfig
from oaipmh_scythe.iterator import OAIResponseIterator

from crpv.catalogue.models import Record
from crpv.catalogue.operations import delete_record
from tests.catalogue.schemas import validate

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def repository(settings):
    settings.CRPV_OAI_PAGE_SIZE = 3
    records = [
        Record.objects.create(title=f"Notice {i}", record_type="rapport" if i % 2 else "ouvrage", themes=["Mobilité"])
        for i in range(10)
    ]
    delete_record(record=records[4], acting_user=None)
    Record.objects.create(title="Interne", record_type="ouvrage", visibility=Record.Visibility.STAFF)
    return records


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_scythe_harvests_every_page(live_server, repository, method):
    endpoint = live_server.url + "/oai"
    expected = {f"oai:irev:{r.pk}" for r in repository}
    with Scythe(endpoint, http_config=HTTPConfig(http_method=method, timeout=10)) as scythe:
        assert scythe.identify().granularity == "YYYY-MM-DDThh:mm:ssZ"
        records = list(scythe.list_records(metadata_prefix="oai_dc"))
        assert {r.header.identifier for r in records} == expected
        deleted = [r for r in records if r.deleted]
        assert [r.header.identifier for r in deleted] == [f"oai:irev:{repository[4].pk}"]
        alive = [r for r in records if not r.deleted]
        assert all(r.metadata["title"][0].startswith("Notice") for r in alive)
        headers = list(scythe.list_identifiers(metadata_prefix="marcxml", set_="type:rapport"))
        assert {h.identifier for h in headers} == {
            f"oai:irev:{r.pk}" for r in repository if r.record_type == "rapport"
        }
        assert {s.setSpec for s in scythe.list_sets()} >= {"type:ouvrage", "type:rapport", "theme:mobilite", "reci"}
        assert [f.metadataPrefix for f in scythe.list_metadata_formats()] == ["oai_dc", "marcxml"]
        record = scythe.get_record(identifier=f"oai:irev:{repository[0].pk}", metadata_prefix="oai_dc")
        assert record.metadata["title"] == ["Notice 0"]


def test_every_page_seen_by_scythe_validates(live_server, repository):
    with Scythe(live_server.url + "/oai", iterator=OAIResponseIterator, http_config=HTTPConfig(timeout=10)) as scythe:
        for prefix in ("oai_dc", "marcxml"):
            pages = list(scythe.list_records(metadata_prefix=prefix))
            assert len(pages) == 4  # 10 records, 3 per page
            for page in pages:
                validate(page.http_response.content)
