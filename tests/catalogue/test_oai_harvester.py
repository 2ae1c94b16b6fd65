"""The OAI-PMH harvester against a partner mocked on loopback (http.server in a thread)."""

import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import CommandError, call_command

from crpv.catalogue.models import HarvestSource, ImportBatch, Record
from crpv.core.models import AuditEntry

pytestmark = pytest.mark.django_db

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">
<responseDate>{date}</responseDate><request verb="ListRecords">http://partenaire/oai</request>"""


def dc(identifier, title, creator="Durand, Marie", date="2021", stamp="2024-01-02T00:00:00Z"):
    return f"""<record><header><identifier>{identifier}</identifier><datestamp>{stamp}</datestamp></header>
<metadata><oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:title>{title}</dc:title><dc:creator>{creator}</dc:creator><dc:subject>Discriminations</dc:subject>
<dc:date>{date}</dc:date><dc:publisher>RECI</dc:publisher><dc:language>fre</dc:language>
</oai_dc:dc></metadata></record>"""


def deleted(identifier):
    return (
        f'<record><header status="deleted"><identifier>{identifier}</identifier>'
        "<datestamp>2024-01-02T00:00:00Z</datestamp></header></record>"
    )


def page(records, token="", date="2024-03-01T12:00:00Z"):
    return (
        HEAD.format(date=date)
        + f"<ListRecords>{''.join(records)}<resumptionToken>{token}</resumptionToken></ListRecords></OAI-PMH>"
    ).encode()


class Partner:
    """Serves `pages`: {resumptionToken or "" for the first request: bytes}; remembers the queries."""

    def __init__(self):
        self.pages = {}
        self.queries = []
        partner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
                partner.queries.append(query)
                body = partner.pages.get(query.get("resumptionToken", ""), b"")
                self.send_response(200)
                self.send_header("Content-Type", "text/xml; charset=utf-8")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/oai"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def partner():
    server = Partner()
    yield server
    server.close()


def harvested():
    return Record.objects.filter(origin=Record.Origin.HARVEST).order_by("source_identifier")


def run(*args):
    from io import StringIO

    out = StringIO()
    call_command("harvest_oai", *args, stdout=out, stderr=out)
    return out.getvalue()


def test_harvest_follows_tokens_keeps_origin_and_is_incremental(partner):
    partner.pages = {
        "": page([dc("oai:reci:1", "Lutter contre les discriminations"), dc("oai:reci:2", "Mixité")], token="p2"),
        "p2": page([dc("oai:reci:3", "Intégration", creator="Agence, Nationale"), deleted("oai:reci:99")]),
    }
    output = run(partner.url, "--name", "RECI")
    assert "3 notice(s) créées, 0 mises à jour, 0 supprimées" in output
    records = list(harvested())
    assert [r.source_identifier for r in records] == ["oai:reci:1", "oai:reci:2", "oai:reci:3"]
    assert {r.source_name for r in records} == {"RECI"}
    first = records[0]
    assert first.title == "Lutter contre les discriminations"
    assert first.publication_year == 2021
    assert [(a.agent.name, a.agent.forename) for a in first.authorships.all()] == [("Durand", "Marie")]
    assert partner.queries[0] == {"verb": "ListRecords", "metadataPrefix": "oai_dc"}
    assert partner.queries[1] == {"verb": "ListRecords", "resumptionToken": "p2"}
    source = HarvestSource.objects.get(name="RECI")
    assert source.last_harvested_at.isoformat() == "2024-03-01T12:00:00+00:00"
    assert AuditEntry.objects.filter(action="catalogue.harvest").count() == 1

    # Next run: incremental from the partner's last responseDate; an update and a deletion.
    partner.queries.clear()
    partner.pages = {
        "": page(
            [dc("oai:reci:1", "Lutter contre les discriminations (2e éd.)", date="2023"), deleted("oai:reci:2")],
            date="2024-04-01T08:00:00Z",
        )
    }
    output = run(partner.url, "--name", "RECI")
    assert "0 notice(s) créées, 1 mises à jour, 1 supprimées" in output
    assert "incrémental" in output
    assert partner.queries[0]["from"] == "2024-03-01T12:00:00Z"
    one, two, three = harvested()
    assert one.title == "Lutter contre les discriminations (2e éd.)"
    assert one.publication_year == 2023
    assert one.authorships.count() == 1
    assert two.deleted_at is not None
    assert three.deleted_at is None
    source.refresh_from_db()
    assert source.last_harvested_at.isoformat() == "2024-04-01T08:00:00+00:00"

    # A record deleted then published again comes back alive.
    partner.pages = {"": page([dc("oai:reci:2", "Mixité")], date="2024-05-01T08:00:00Z")}
    run(partner.url, "--name", "RECI")
    assert harvested().get(source_identifier="oai:reci:2").deleted_at is None


def test_malformed_page_imports_nothing(partner):
    partner.pages = {
        "": page([dc("oai:reci:1", "Une notice")], token="p2"),
        "p2": b"<OAI-PMH><ListRecords><record>",
    }
    with pytest.raises(CommandError, match="page 2 illisible.*rien n'a été importé"):
        run(partner.url)
    assert not harvested().exists()
    assert not ImportBatch.objects.exists()
    assert not HarvestSource.objects.exists()


def test_dangerous_xml_is_refused(partner):
    partner.pages = {"": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><OAI-PMH/>'}
    with pytest.raises(CommandError, match="DTD"):
        run(partner.url)


def test_oai_errors(partner):
    partner.pages = {
        "": page([]).replace(
            b"<ListRecords><resumptionToken></resumptionToken></ListRecords>",
            b'<error code="noRecordsMatch">rien</error>',
        )
    }
    assert "0 notice(s) créées" in run(partner.url)
    partner.pages = {
        "": page([]).replace(
            b"<ListRecords><resumptionToken></resumptionToken></ListRecords>", b'<error code="badArgument">non</error>'
        )
    }
    with pytest.raises(CommandError, match="badArgument"):
        run(partner.url, "--name", "autre")


def test_dry_run_and_record_errors(partner):
    partner.pages = {"": page([dc("oai:reci:1", "Bonne notice"), dc("oai:reci:2", "")])}
    output = run(partner.url, "--dry-run")
    assert "aperçu (rien n'est écrit)" in output
    assert "1 notice(s) seraient créées" in output
    assert "erreur, oai:reci:2 : titre absent" in output
    assert not harvested().exists()
    assert not HarvestSource.objects.exists()
    run(partner.url)
    assert harvested().count() == 1
    # An error keeps the previous date: the next run asks again for the same period.
    assert HarvestSource.objects.get().last_harvested_at is None


def test_duplicates_of_local_records_are_not_created(partner):
    Record.objects.create(title="Mixité", publication_year=2021, record_type="ouvrage")
    partner.pages = {"": page([dc("oai:reci:2", "Mixité")])}
    output = run(partner.url)
    assert "1 doublon(s) écarté(s)" in output
    assert not harvested().exists()


def test_bad_arguments():
    with pytest.raises(CommandError, match="illisible"):
        run("http://127.0.0.1:9/oai", "--from", "hier")
    with pytest.raises(CommandError, match="non prise en charge"):
        run("file:///etc/passwd")
