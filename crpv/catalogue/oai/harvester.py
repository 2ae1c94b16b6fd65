"""OAI-PMH harvester: a partner's repository into the catalogue, incrementally.

1. Fetch every page of ListRecords (following resumption tokens), parse each
   one safely (no DTD, no entities); a malformed page or an OAI error stops
   the harvest before anything is written.
2. Write in one transaction: records new to this source are created (unless
   they duplicate a record already in the catalogue), known ones are updated,
   `status="deleted"` headers tombstone them. Records keep their origin
   (`harvest`), the source's name and their OAI identifier: the upsert key.
3. The source remembers the partner's `responseDate` of the harvest, the next
   `from` date, only when the harvest had no errors.
"""

import datetime
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from crpv.catalogue.tasks import index_after_commit
from crpv.core.models import AuditEntry

from .. import operations
from ..formats import marcxml
from ..formats.base import ParsedAuthor, ParsedRecord, ParseResult, finish, year_from
from ..formats.marcxml import safe_fromstring
from ..models import Agent, Authorship, HarvestSource, Link, Record, agent_key

OAI = "{http://www.openarchives.org/OAI/2.0/}"
DC = "{http://purl.org/dc/elements/1.1/}"
MAX_PAGES = 10_000
TIMEOUT = 60


class HarvestError(Exception):
    """The harvest stopped; nothing was written (French message)."""


@dataclass
class HarvestReport:
    source: str
    dry_run: bool
    pages: int = 0
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    deleted: list = field(default_factory=list)
    duplicates: list = field(default_factory=list)  # (identifier, French reason)
    errors: list = field(default_factory=list)  # (identifier, French reason)
    response_date: datetime.datetime | None = None

    @property
    def summary(self):
        verbs = (
            ("seraient créées", "seraient mises à jour", "seraient supprimées")
            if self.dry_run
            else (
                "créées",
                "mises à jour",
                "supprimées",
            )
        )
        return (
            f"{self.source} : {len(self.created)} notice(s) {verbs[0]}, {len(self.updated)} {verbs[1]}, "
            f"{len(self.deleted)} {verbs[2]}, {len(self.duplicates)} doublon(s) écarté(s), "
            f"{len(self.errors)} erreur(s) ({self.pages} page(s) lue(s))"
        )

    def as_dict(self):
        return {
            "created": len(self.created),
            "updated": len(self.updated),
            "deleted": len(self.deleted),
            "duplicates": [list(d) for d in self.duplicates[:200]],
            "errors": [list(e) for e in self.errors[:200]],
            "pages": self.pages,
        }


def http_get(url, params):
    """GET `url?params`; the body as bytes. Only http(s) URLs."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise HarvestError(f"adresse non prise en charge : {url}")
    full = f"{url}?{urllib.parse.urlencode(params)}"
    request = urllib.request.Request(full, headers={"User-Agent": "crpv-harvester"})  # noqa: S310 (scheme checked)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            return response.read()
    except OSError as exc:
        raise HarvestError(f"entrepôt injoignable ({full}) : {exc}") from None


def parse_page(content, page_number):
    try:
        root = safe_fromstring(content)
    except ValueError as exc:
        raise HarvestError(f"page {page_number} illisible : {exc} ; rien n'a été importé") from None
    if root.tag != f"{OAI}OAI-PMH":
        raise HarvestError(f"page {page_number} : ce n'est pas une réponse OAI-PMH ; rien n'a été importé")
    return root


def dc_record(identifier, metadata):
    """An oai_dc element → ParsedRecord (title, creators, subjects, places from dc:coverage, date…)."""
    dc = metadata.find("{http://www.openarchives.org/OAI/2.0/oai_dc/}dc")
    if dc is None:
        raise ValueError("métadonnées oai_dc absentes")

    def values(name):
        return [(e.text or "").strip() for e in dc.findall(f"{DC}{name}") if (e.text or "").strip()]

    p = ParsedRecord(source_id=identifier, record_type="ouvrage")
    titles = values("title")
    p.title = titles[0] if titles else ""
    for name, role in (("creator", "auteur"), ("contributor", "contributeur")):
        for value in values(name):
            surname, _, forename = value.partition(",")
            p.authors.append(ParsedAuthor(name=surname.strip(), forename=forename.strip(), role=role))
    p.keywords = values("subject")
    p.places = values("coverage")
    p.abstract = "\n".join(values("description"))
    p.publisher = next(iter(values("publisher")), "")
    dates = values("date")
    p.date_text = dates[0] if dates else ""
    p.year = year_from(p.date_text)
    p.language = next(iter(values("language")), "")[:3]
    p.host_title = next(iter(values("source")), "")
    for value in values("identifier"):
        if value.startswith("urn:isbn:"):
            p.isbn = value[9:]
        elif value.startswith("urn:issn:"):
            p.issn = value[9:]
    return p


def marc_record(identifier, metadata):
    from lxml import etree  # only to serialise the element back for the MARCXML parser

    element = metadata[0] if len(metadata) else None
    if element is None:
        raise ValueError("métadonnées MARCXML absentes")
    result = marcxml.parse(etree.tostring(_to_lxml(element)))
    if result.errors or not result.records:
        raise ValueError(result.errors[0].reason if result.errors else "notice MARCXML vide")
    p = result.records[0]
    p.source_id = identifier
    return p


def _to_lxml(element):
    import xml.etree.ElementTree as ET  # noqa: S405 (serialising a parsed element)

    from lxml import etree

    return etree.fromstring(ET.tostring(element))


READERS = {"oai_dc": dc_record, "marcxml": marc_record}


@dataclass
class Harvested:
    identifier: str
    deleted: bool
    parsed: ParsedRecord | None = None


def fetch(source, *, from_date=None, until=None, get=http_get):
    """Every page of ListRecords → ([Harvested], report fields); HarvestError on a bad page."""
    reader = READERS.get(source.metadata_prefix)
    if reader is None:
        raise HarvestError(f"format « {source.metadata_prefix} » non pris en charge (oai_dc ou marcxml)")
    params = {"verb": "ListRecords", "metadataPrefix": source.metadata_prefix}
    if source.set_spec:
        params["set"] = source.set_spec
    if from_date:
        params["from"] = from_date
    if until:
        params["until"] = until
    items, errors, response_date, pages = [], [], None, 0
    while True:
        pages += 1
        if pages > MAX_PAGES:
            raise HarvestError("trop de pages : le jeton de reprise tourne en rond ; rien n'a été importé")
        root = parse_page(get(source.base_url, params), pages)
        if response_date is None:
            response_date = _utc(root.findtext(f"{OAI}responseDate"))
        error = root.find(f"{OAI}error")
        if error is not None:
            if error.get("code") == "noRecordsMatch":
                break
            raise HarvestError(
                f"page {pages} : erreur OAI-PMH {error.get('code')} ({(error.text or '').strip()}) ; "
                "rien n'a été importé"
            )
        container = root.find(f"{OAI}ListRecords")
        if container is None:
            raise HarvestError(f"page {pages} : élément ListRecords absent ; rien n'a été importé")
        for record in container.findall(f"{OAI}record"):
            header = record.find(f"{OAI}header")
            identifier = (header.findtext(f"{OAI}identifier") or "").strip() if header is not None else ""
            if not identifier:
                errors.append(("?", "en-tête sans identifiant"))
                continue
            if header.get("status") == "deleted":
                items.append(Harvested(identifier, deleted=True))
                continue
            try:
                parsed = reader(identifier, record.find(f"{OAI}metadata"))
            except (ValueError, TypeError) as exc:
                errors.append((identifier, str(exc)))
                continue
            checked = ParseResult(format="oai")
            if not finish(parsed, checked):
                errors.append((identifier, checked.errors[0].reason))
                continue
            items.append(Harvested(identifier, deleted=False, parsed=parsed))
        token = (container.findtext(f"{OAI}resumptionToken") or "").strip()
        if not token:
            break
        params = {"verb": "ListRecords", "resumptionToken": token}
    return items, errors, response_date, pages


def _utc(text):
    try:
        return datetime.datetime.strptime((text or "").strip(), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.UTC)
    except ValueError:
        return None


def harvest(*, source, acting_user, from_date=None, until=None, dry_run=False, get=http_get):
    """Harvest `source`; incremental from its last successful harvest unless `from_date` is given."""
    if from_date is None and source.last_harvested_at:
        from_date = source.last_harvested_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    items, errors, response_date, pages = fetch(source, from_date=from_date, until=until, get=get)
    report = HarvestReport(source=source.name, dry_run=dry_run, pages=pages, errors=errors)
    report.response_date = response_date
    latest = {}
    for item in items:  # a record listed twice (changed during the harvest): the last one wins
        latest[item.identifier] = item
    known = {
        r.source_identifier: r
        for r in Record.objects.filter(
            origin=Record.Origin.HARVEST, source_name=source.name, source_identifier__in=list(latest)
        )
    }
    new = [i.parsed for i in latest.values() if not i.deleted and i.identifier not in known]
    for position, p in enumerate(new, start=1):
        p.position = position
    duplicates = operations.find_duplicates(new) if new else {}
    report.duplicates = [(p.source_id, duplicates[p.position]) for p in new if p.position in duplicates]
    to_create = [p for p in new if p.position not in duplicates]
    to_update = [(known[i.identifier], i.parsed) for i in latest.values() if not i.deleted and i.identifier in known]
    to_delete = [known[i.identifier] for i in latest.values() if i.deleted and i.identifier in known]
    to_delete = [r for r in to_delete if r.deleted_at is None]
    report.created = [p.source_id for p in to_create]
    report.updated = [r.source_identifier for r, _ in to_update]
    report.deleted = [r.source_identifier for r in to_delete]
    if dry_run:
        return report
    with transaction.atomic():
        batch = operations.ImportBatch.objects.create(
            created_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
            file_format=f"oai:{source.metadata_prefix}",
            filename=source.base_url[:255],
            source_name=source.name,
            mode="harvest",
        )
        import_report = operations.ImportReport(file_format="oai", mode="harvest", dry_run=False)
        operations._write(
            to_create, batch=batch, origin=Record.Origin.HARVEST, source_name=source.name, report=import_report
        )
        gazetteer = operations._Gazetteer() if any(parsed.places for _, parsed in to_update) else None
        for record, parsed in to_update:
            _update(record, parsed, source, gazetteer)
        now = timezone.now()
        Record.objects.filter(pk__in=[r.pk for r in to_delete]).update(deleted_at=now, updated_at=now)
        batch.created_count = len(to_create)
        batch.duplicate_count = len(report.duplicates)
        batch.error_count = len(errors)
        batch.report = report.as_dict()
        batch.save()
        if not errors and response_date is not None:
            source.last_harvested_at = response_date
        source.last_report = report.as_dict()
        source.save()
        AuditEntry.record(acting_user, "catalogue.harvest", source, **report.as_dict())
        index_after_commit(batch_id=batch.pk, record_ids=[r.pk for r, _ in to_update] + [r.pk for r in to_delete])
    return report


def _update(record, parsed, source, gazetteer=None):
    """Replace a harvested record's description with the partner's current one (and revive a tombstone).

    Its territories become those its places (dc:coverage) name; the other places are kept as keywords.
    """
    fresh = operations._record_from(
        parsed, batch=record.import_batch, origin=Record.Origin.HARVEST, source_name=source.name
    )
    for f in Record._meta.concrete_fields:
        if f.primary_key or f.attname in ("created_at", "import_batch_id", "visibility", "shared_with_reci"):
            continue
        setattr(record, f.attname, getattr(fresh, f.attname))
    territories = {kind: [] for kind in operations._Gazetteer.KINDS}
    for label in parsed.places:
        territory, _ambiguity = gazetteer.match(label)
        if territory is not None:
            territories[territory[0]].append(territory[1])
        elif label not in record.keywords:
            record.keywords.append(label)
    record.deleted_at = None
    record.save()
    record.departements.set(territories["departement"])
    record.epcis.set(territories["epci"])
    record.communes.set(territories["commune"])
    record.authorships.all().delete()
    for position, a in enumerate(parsed.authors):
        key = agent_key(a.name, a.forename, a.is_organisation)
        agent = Agent.objects.filter(key=key).first() or Agent.objects.create(
            name=a.name, forename=a.forename, is_organisation=a.is_organisation, key=key
        )
        Authorship.objects.create(record=record, agent=agent, role=a.role, position=position)
    record.links.all().delete()
    Link.objects.bulk_create(Link(record=record, url=link.url[:1000], label=link.label[:255]) for link in parsed.links)


def source_for(url, *, set_spec="", metadata_prefix="oai_dc", name=""):
    """The HarvestSource for this endpoint, created on first use (named after the host)."""
    source = HarvestSource.objects.filter(base_url=url, set_spec=set_spec, metadata_prefix=metadata_prefix).first()
    if source is None:
        base = name or urllib.parse.urlsplit(url).netloc or url
        candidate, n = base[:200], 1
        while HarvestSource.objects.filter(name=candidate).exists():
            n += 1
            candidate = f"{base[:190]} ({n})"
        source = HarvestSource(name=candidate, base_url=url, set_spec=set_spec, metadata_prefix=metadata_prefix)
    return source
