"""OAI-PMH 2.0 data provider: request arguments in, an lxml tree out.

No Django request here: `respond(arguments, base_url)` takes the request's
arguments as a list of (name, value) pairs (to see repeated arguments) and
returns the `<OAI-PMH>` element. Every piece of user input goes into the tree
as an element text or attribute value through lxml, which escapes it.

- Records exposed: the public records of the centre, not the records
  harvested from partners (they belong to their own repository). Deletions
  are persistent (`deletedRecord=persistent`): a record once exposed that
  stopped being public (tombstoned by a deletion, or switched to staff-only,
  `Record.oai_withdrawn_at`) answers with a deleted header, datestamped by
  that change, until it is public again.
- Identifiers: `oai:<repository id>:<record pk>`.
- Datestamps: `updated_at` in UTC, to the second (`YYYY-MM-DDThh:mm:ssZ`).
- Sets: `type:<record type>`, `theme:<slug of a programme theme>`, `reci`.
- Resumption tokens: stateless, signed, with an expiry (see `tokens.py`).
"""

import datetime
import json
import re
from dataclasses import dataclass

from django.conf import settings
from django.db.models import CharField, F, IntegerField, Min, Q, Value
from django.utils import timezone
from django.utils.text import slugify
from lxml import etree

from ..exporting import commune_place
from ..exporting import places as place_names
from ..formats import dublincore, unimarc
from ..formats.base import RECORD_TYPES, ParsedAuthor, ParsedCopy, ParsedLink, ParsedRecord
from ..models import Authorship, Copy, Link, Record
from . import tokens

OAI = "http://www.openarchives.org/OAI/2.0/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
OAI_SCHEMA = f"{OAI} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
MARC = "http://www.loc.gov/MARC21/slim"

METADATA_FORMATS = {
    "oai_dc": (dublincore.SCHEMA_LOCATION.split()[1], dublincore.OAI_DC),
    "marcxml": ("http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd", MARC),
}
VERBS = {
    # verb: (required, optional, exclusive)
    "Identify": (set(), set(), None),
    "ListMetadataFormats": (set(), {"identifier"}, None),
    "ListSets": (set(), set(), "resumptionToken"),
    "ListIdentifiers": ({"metadataPrefix"}, {"from", "until", "set"}, "resumptionToken"),
    "ListRecords": ({"metadataPrefix"}, {"from", "until", "set"}, "resumptionToken"),
    "GetRecord": ({"identifier", "metadataPrefix"}, set(), None),
}
GRANULARITY = "YYYY-MM-DDThh:mm:ssZ"
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SECOND = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
# Characters XML 1.0 refuses; the catalogue may hold them (imported control codes).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
RECI_SET = "reci"


class OaiError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def page_size():
    return getattr(settings, "CRPV_OAI_PAGE_SIZE", 100)


def repository_id():
    return getattr(settings, "CRPV_OAI_REPOSITORY_ID", "") or slugify(settings.CRPV_CENTRE["name"]) or "crpv"


def exposed_records():
    """What the provider answers for: the centre's own public records, and those once exposed and
    withdrawn since (tombstones, staff-only records), which are given as deleted."""
    return Record.objects.filter(Q(visibility=Record.Visibility.PUBLIC) | Q(oai_withdrawn_at__isnull=False)).exclude(
        origin=Record.Origin.HARVEST
    )


def oai_identifier(pk):
    return f"oai:{repository_id()}:{pk}"


def record_pk(identifier):
    prefix = f"oai:{repository_id()}:"
    if not identifier.startswith(prefix) or not identifier[len(prefix) :].isdigit():
        return None
    return int(identifier[len(prefix) :])


def datestamp(moment):
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_date(text, *, until):
    """A `from`/`until` value → (aware datetime bound, granularity); OaiError on a bad value.

    `until` is inclusive at its granularity: 2024-05-01 means before 2024-05-02.
    """
    try:
        if _DAY.match(text):
            moment = datetime.datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=datetime.UTC)
            return (moment + datetime.timedelta(days=1) if until else moment), "day"
        if _SECOND.match(text):
            moment = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.UTC)
            return (moment + datetime.timedelta(seconds=1) if until else moment), "second"
    except ValueError:
        pass
    name = "until" if until else "from"
    raise OaiError("badArgument", f"date « {text} » illisible pour {name} (attendu : AAAA-MM-JJ ou {GRANULARITY})")


# --- Sets ---------------------------------------------------------------------


def theme_sets():
    """{slug: [theme labels]} over the exposed records."""
    sets = {}
    for themes in exposed_records().exclude(themes=[]).values_list("themes", flat=True).distinct():
        for label in themes or []:
            slug = slugify(label)
            if slug and label not in sets.setdefault(slug, []):
                sets[slug].append(label)
    return sets


def set_filter(spec):
    """A Q object for a setSpec, or None when no such set exists."""
    if spec == RECI_SET:
        return Q(shared_with_reci=True)
    kind, _, value = spec.partition(":")
    if kind == "type" and value in RECORD_TYPES:
        return Q(record_type=value)
    if kind == "theme" and value:
        labels = theme_sets().get(value)
        if not labels:
            return None
        # Themes are a JSON list: match the quoted string as each engine stores it
        # (SQLite keeps Django's ASCII escapes, PostgreSQL's jsonb prints UTF-8).
        q = Q()
        for label in labels:
            q |= Q(themes__icontains=json.dumps(label)) | Q(themes__icontains=json.dumps(label, ensure_ascii=False))
        return q
    return None


# --- Response building ----------------------------------------------------------


def _text(value):
    return _NOT_XML.sub("", value)


def _sub(parent, name, text=None, **attributes):
    element = etree.SubElement(parent, f"{{{OAI}}}{name}", {k: _text(v) for k, v in attributes.items()})
    if text is not None:
        element.text = _text(str(text))
    return element


def envelope(base_url, arguments=None):
    root = etree.Element(f"{{{OAI}}}OAI-PMH", nsmap={None: OAI, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", OAI_SCHEMA)
    _sub(root, "responseDate", datestamp(timezone.now()))
    _sub(root, "request", base_url, **(arguments or {}))
    return root


# --- Records as plain values ---------------------------------------------------------
#
# A page is read with a few grouped `values_list` queries (records, then their
# authors, subjects, copies and links) and no model instances: building a
# hundred Records with their prefetched relations cost more than the XML.

HEADER_FIELDS = ("pk", "updated_at", "deleted_at", "record_type", "themes", "shared_with_reci", "visibility")
RECORD_FIELDS = (
    *HEADER_FIELDS,
    "source_identifier",
    "title",
    "title_nonsort",
    "subtitle",
    "part",
    "responsibility",
    "parent_id",
    "parent__title",
    "host_title",
    "edition",
    "publisher",
    "place",
    "publication_year",
    "date_text",
    "extent",
    "series",
    "series_number",
    "isbn",
    "issn",
    "language",
    "abstract",
    "contents",
    "notes",
    "keywords",
)


@dataclass
class Item:
    """One record of a response: what its header needs, and its description (None when deleted)."""

    pk: int
    updated_at: datetime.datetime
    deleted_at: datetime.datetime | None
    record_type: str
    themes: list
    shared_with_reci: bool
    visibility: str = Record.Visibility.PUBLIC
    parsed: ParsedRecord | None = None

    @property
    def deleted(self):
        """Given as deleted: tombstoned, or no longer public."""
        return self.deleted_at is not None or self.visibility != Record.Visibility.PUBLIC


def load_items(pks, *, full):
    """{pk: Item} for the exposed records among `pks`; with `full`, their descriptions too.

    The same values as `exporting.to_parsed` reads from a Record with its
    `for_export()` prefetches, in the same orders.
    """
    rows = exposed_records().filter(pk__in=pks).values_list(*(RECORD_FIELDS if full else HEADER_FIELDS))
    items = {}
    described = {}
    for row in rows:
        item = Item(*row[:7])
        items[item.pk] = item
        if full and not item.deleted:
            described[item.pk] = row
    if not described:
        return items
    ids = list(described)
    authors, subjects, copies, links = {}, {}, {}, {}
    for record_id, role, name, forename, is_organisation, dates in (
        Authorship.objects.filter(record_id__in=ids)
        .order_by("record_id", "position", "pk")
        .values_list("record_id", "role", "agent__name", "agent__forename", "agent__is_organisation", "agent__dates")
    ):
        authors.setdefault(record_id, []).append(
            ParsedAuthor(name=name, forename=forename, is_organisation=is_organisation, role=role, dates=dates)
        )
    for record_id, label in (
        Record.subjects.through.objects.filter(record_id__in=ids)
        .order_by("concept__pref_key", "concept_id")
        .values_list("record_id", "concept__pref_label")
    ):
        subjects.setdefault(record_id, []).append(label)
    for record_id, barcode, call_number, location, status, acquired_on, note in (
        Copy.objects.filter(record_id__in=ids)
        .order_by("record_id", "call_number", "pk")
        .values_list("record_id", "barcode", "call_number", "location", "status", "acquired_on", "note")
    ):
        copies.setdefault(record_id, []).append(
            ParsedCopy(
                barcode=barcode,
                call_number=call_number,
                location=location,
                status=status,
                acquired_on=acquired_on.isoformat() if acquired_on else "",
                note=note,
            )
        )
    for record_id, url, label in (
        Link.objects.filter(record_id__in=ids).order_by("record_id", "pk").values_list("record_id", "url", "label")
    ):
        links.setdefault(record_id, []).append(ParsedLink(url=url, label=label))
    # Territories: (name, pk) pairs of the three kinds in one query for the page (a UNION ALL),
    # ordered afterwards as `exporting.places` orders them; a commune's département qualifies its name.
    territories = {}
    kinds = [
        through.objects.filter(record_id__in=ids)
        .annotate(
            qualifier=F("commune__departement__name") if column == "commune" else Value("", output_field=CharField()),
            kind=Value(index, output_field=IntegerField()),
        )
        .values_list("record_id", f"{column}__name", f"{column}_id", "qualifier", "kind")  # annotations last
        for index, (through, column) in enumerate(
            (
                (Record.departements.through, "departement"),
                (Record.epcis.through, "epci"),
                (Record.communes.through, "commune"),
            )
        )
    ]
    for record_id, name, territory_id, qualifier, kind in kinds[0].union(*kinds[1:], all=True):
        place = commune_place(name, qualifier) if qualifier else name
        territories.setdefault(record_id, ([], [], []))[kind].append((place, territory_id))
    for pk, row in described.items():
        (
            _pk,
            _updated_at,
            _deleted_at,
            record_type,
            _themes,
            _reci,
            _visibility,
            source_identifier,
            title,
            title_nonsort,
            subtitle,
            part,
            responsibility,
            parent_id,
            parent_title,
            host_title,
            edition,
            publisher,
            place,
            year,
            date_text,
            extent,
            series,
            series_number,
            isbn,
            issn,
            language,
            abstract,
            contents,
            notes,
            keywords,
        ) = row
        items[pk].parsed = ParsedRecord(
            position=pk,
            source_id=source_identifier or str(pk),
            record_type=record_type,
            title=title,
            title_nonsort=title_nonsort,
            subtitle=subtitle,
            part=part,
            responsibility=responsibility,
            authors=authors.get(pk, []),
            edition=edition,
            publisher=publisher,
            place=place,
            year=year,
            date_text=date_text,
            extent=extent,
            series=series,
            series_number=series_number,
            host_title=parent_title if parent_id else host_title,
            isbn=isbn,
            issn=issn,
            language=language,
            abstract=abstract,
            contents=contents,
            notes=notes,
            subjects=subjects.get(pk, []),
            keywords=list(keywords),
            places=place_names(*territories[pk]) if pk in territories else [],
            links=links.get(pk, []),
            copies=copies.get(pk, []),
        )
    return items


# --- Records as XML ------------------------------------------------------------------


class Builder:
    """Headers and metadata of one response; caches what repeats from record to record."""

    def __init__(self):
        self.prefix = f"oai:{repository_id()}:"
        self.slugs = {}

    def slug(self, label):
        slug = self.slugs.get(label)
        if slug is None:
            slug = self.slugs[label] = slugify(label)
        return slug

    def set_specs(self, item):
        specs = [f"type:{item.record_type}"]
        specs += [f"theme:{self.slug(t)}" for t in dict.fromkeys(item.themes or []) if self.slug(t)]
        if item.shared_with_reci:
            specs.append(RECI_SET)
        return specs

    def header(self, parent, item):
        element = etree.SubElement(parent, f"{{{OAI}}}header", {"status": "deleted"} if item.deleted else {})
        etree.SubElement(element, f"{{{OAI}}}identifier").text = _text(f"{self.prefix}{item.pk}")
        etree.SubElement(element, f"{{{OAI}}}datestamp").text = datestamp(item.updated_at)
        for spec in self.set_specs(item):
            etree.SubElement(element, f"{{{OAI}}}setSpec").text = _text(spec)
        return element

    def record(self, parent, item, prefix):
        element = etree.SubElement(parent, f"{{{OAI}}}record")
        self.header(element, item)
        if not item.deleted:
            metadata = etree.SubElement(element, f"{{{OAI}}}metadata")
            METADATA_BUILDERS[prefix](metadata, item.parsed)
        return element


def set_specs(record):
    return Builder().set_specs(record)


def header(parent, record):
    return Builder().header(parent, record)


DC_NSMAP = {"dc": dublincore.DC, "oai_dc": dublincore.OAI_DC, "xsi": XSI}


def _dc_text(value):
    """As the former ElementTree round trip left it: XML line ends normalised, refused characters dropped."""
    value = _text(value)
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def _oai_dc(parent, p):
    element = etree.SubElement(parent, f"{{{dublincore.OAI_DC}}}dc", nsmap=DC_NSMAP)
    element.set(f"{{{XSI}}}schemaLocation", dublincore.SCHEMA_LOCATION)
    dc = f"{{{dublincore.DC}}}"
    for name, value in dublincore.elements(p):
        etree.SubElement(element, dc + name).text = _dc_text(value)
    return element


def _marcxml(parent, p):
    """The record in UNIMARC, in the MARCXML (MARC 21 slim) container PMB and Koha exchange."""
    element = etree.SubElement(parent, f"{{{MARC}}}record", nsmap={None: MARC})
    element.set(f"{{{XSI}}}schemaLocation", f"{MARC} {METADATA_FORMATS['marcxml'][0]}")
    # Leader/20-23 is ISO 2709's entry map ("450 " in UNIMARC), meaningless in XML;
    # the MARCXML schema wants "4500".
    etree.SubElement(element, f"{{{MARC}}}leader").text = unimarc.leader_for(p)[:20] + "4500"
    controlfield, datafield_tag, subfield_tag = (
        f"{{{MARC}}}controlfield",
        f"{{{MARC}}}datafield",
        f"{{{MARC}}}subfield",
    )
    for item in unimarc.to_fields(p):
        if len(item) == 2:
            etree.SubElement(element, controlfield, tag=item[0]).text = _text(item[1])
        else:
            tag, ind1, ind2, subfields = item
            datafield = etree.SubElement(element, datafield_tag, tag=tag, ind1=ind1, ind2=ind2)
            for code, value in subfields:
                etree.SubElement(datafield, subfield_tag, code=code).text = _text(value)
    return element


METADATA_BUILDERS = {"oai_dc": _oai_dc, "marcxml": _marcxml}


# --- Arguments -----------------------------------------------------------------


@dataclass
class Request:
    verb: str
    args: dict


def check_arguments(pairs):
    """Validate the verb and its arguments; return a Request or raise OaiError."""
    names = [name for name, _ in pairs]
    verbs = [value for name, value in pairs if name == "verb"]
    if len(verbs) != 1:
        raise OaiError("badVerb", "argument verb absent ou répété")
    verb = verbs[0]
    if verb not in VERBS:
        raise OaiError("badVerb", f"verbe inconnu « {verb} »")
    required, optional, exclusive = VERBS[verb]
    args = {}
    for name, value in pairs:
        if name == "verb":
            continue
        if names.count(name) > 1:
            raise OaiError("badArgument", f"argument {name} répété")
        if name not in required | optional and name != exclusive:
            raise OaiError("badArgument", f"argument {name} non admis pour {verb}")
        args[name] = value
    if exclusive and exclusive in args:
        if len(args) > 1:
            raise OaiError("badArgument", f"{exclusive} doit être le seul argument avec verb")
        return Request(verb, args)
    missing = sorted(required - set(args))
    if missing:
        raise OaiError("badArgument", f"argument obligatoire absent : {', '.join(missing)}")
    return Request(verb, args)


# --- Verbs ---------------------------------------------------------------------


def identify(root, base_url, request):
    element = _sub(root, "Identify")
    centre = settings.CRPV_CENTRE
    _sub(element, "repositoryName", centre.get("long_name") or centre["name"])
    _sub(element, "baseURL", base_url)
    _sub(element, "protocolVersion", "2.0")
    _sub(element, "adminEmail", centre["email"])
    earliest = exposed_records().aggregate(m=Min("updated_at"))["m"] or timezone.now()
    _sub(element, "earliestDatestamp", datestamp(earliest))
    _sub(element, "deletedRecord", "persistent")
    _sub(element, "granularity", GRANULARITY)


def list_metadata_formats(root, base_url, request):
    identifier = request.args.get("identifier")
    if identifier is not None:
        pk = record_pk(identifier)
        if pk is None or not exposed_records().filter(pk=pk).exists():
            raise OaiError("idDoesNotExist", f"identifiant inconnu « {identifier} »")
    element = _sub(root, "ListMetadataFormats")
    for prefix, (schema, namespace) in METADATA_FORMATS.items():
        fmt = _sub(element, "metadataFormat")
        _sub(fmt, "metadataPrefix", prefix)
        _sub(fmt, "schema", schema)
        _sub(fmt, "metadataNamespace", namespace)


def list_sets(root, base_url, request):
    if "resumptionToken" in request.args:
        raise OaiError("badResumptionToken", "cet entrepôt ne donne pas de jeton pour ListSets")
    element = _sub(root, "ListSets")
    present = set(exposed_records().values_list("record_type", flat=True).distinct())
    for code, label in RECORD_TYPES.items():
        if code in present:
            item = _sub(element, "set")
            _sub(item, "setSpec", f"type:{code}")
            _sub(item, "setName", f"Type de document : {label}")
    for slug, labels in sorted(theme_sets().items()):
        item = _sub(element, "set")
        _sub(item, "setSpec", f"theme:{slug}")
        _sub(item, "setName", f"Thème : {labels[0]}")
    item = _sub(element, "set")
    _sub(item, "setSpec", RECI_SET)
    _sub(item, "setName", "Notices partagées avec le réseau RECI")


def get_record(root, base_url, request):
    prefix = request.args["metadataPrefix"]
    if prefix not in METADATA_FORMATS:
        raise OaiError("cannotDisseminateFormat", f"format « {prefix} » non proposé")
    pk = record_pk(request.args["identifier"])
    item = load_items([pk], full=True).get(pk) if pk is not None else None
    if item is None:
        raise OaiError("idDoesNotExist", f"identifiant inconnu « {request.args['identifier']} »")
    Builder().record(_sub(root, "GetRecord"), item, prefix)


def _query(state):
    records = exposed_records()
    if state["set"] is not None:
        q = set_filter(state["set"])
        if q is None:
            raise OaiError("noRecordsMatch", f"aucune notice dans l'ensemble « {state['set']} »")
        records = records.filter(q)
    if state["from"]:
        records = records.filter(updated_at__gte=datetime.datetime.fromisoformat(state["from"]))
    if state["until"]:
        records = records.filter(updated_at__lt=datetime.datetime.fromisoformat(state["until"]))
    return records.order_by("updated_at", "pk")


def page_keys(records, after, limit):
    """The pks of the next `limit` records by (updated_at, pk) after the cursor `after` (moment, pk).

    An import gives thousands of records the same updated_at, and no index
    holds (updated_at, id): `updated_at > moment OR (updated_at = moment AND
    id > pk)` made PostgreSQL read and sort the whole group for every page.
    Asked in two parts, each is one range of an existing index: the rest of
    the cursor's datestamp by pk (primary key), then the later datestamps
    (updated_at index, few ties to sort). The first page starts at the
    earliest datestamp.
    """
    if after is None:
        first = records.order_by("updated_at").values_list("updated_at", flat=True)[:1]
        if not first:
            return []
        moment, same = first[0], records.filter(updated_at=first[0])
    else:
        moment, pk = after
        same = records.filter(updated_at=moment, pk__gt=pk)
    keys = list(same.order_by("pk").values_list("pk", flat=True)[:limit])
    if len(keys) < limit:
        later = records.filter(updated_at__gt=moment).order_by("updated_at", "pk")
        keys += later.values_list("pk", flat=True)[: limit - len(keys)]
    return keys


def _initial_state(verb, args):
    prefix = args["metadataPrefix"]
    if prefix not in METADATA_FORMATS:
        raise OaiError("cannotDisseminateFormat", f"format « {prefix} » non proposé")
    state = {"verb": verb, "prefix": prefix, "set": args.get("set"), "from": None, "until": None}
    granularities = set()
    if "from" in args:
        start, granularity = parse_date(args["from"], until=False)
        state["from"] = start.isoformat()
        granularities.add(granularity)
    if "until" in args:
        end, granularity = parse_date(args["until"], until=True)
        state["until"] = end.isoformat()
        granularities.add(granularity)
    if len(granularities) > 1:
        raise OaiError("badArgument", "from et until n'ont pas la même granularité")
    if state["from"] and state["until"] and state["from"] >= state["until"]:
        raise OaiError("badArgument", "from est postérieur à until")
    return state


def list_items(root, base_url, request):
    """ListIdentifiers and ListRecords: one page after the token's cursor."""
    verb = request.verb
    if "resumptionToken" in request.args:
        state = tokens.read(request.args["resumptionToken"], verb)
    else:
        state = _initial_state(verb, request.args)
        state["cursor"] = 0
        state["after"] = None
    records = _query(state)
    if state["cursor"] == 0 and "total" not in state:
        state["total"] = records.count()
    after = None
    if state["after"]:
        after = datetime.datetime.fromisoformat(state["after"][0]), state["after"][1]
    size = page_size()
    # Two steps: the page's keys by the cursor (narrow, indexed queries), then those rows and
    # their relations as plain values, ordered by record_id (not by the record: that joined
    # catalogue_record to sort by its title key); wide rows on the cursor query made the engine sort them.
    keys = page_keys(records, after, size + 1)
    items = load_items(keys[:size], full=verb == "ListRecords")
    page = [items[pk] for pk in keys[:size] if pk in items]
    more = len(keys) > size
    if not page:
        raise OaiError("noRecordsMatch", "aucune notice ne répond à la demande")
    container = _sub(root, verb)
    builder = Builder()
    for item in page:
        if verb == "ListRecords":
            builder.record(container, item, state["prefix"])
        else:
            builder.header(container, item)
    if state["cursor"] or more:
        attributes = {
            "completeListSize": str(max(state["total"], state["cursor"] + len(page))),
            "cursor": str(state["cursor"]),
        }
        if more:
            last = page[-1]
            following = {
                **state,
                "cursor": state["cursor"] + len(page),
                "after": [last.updated_at.isoformat(), last.pk],
            }
            value, expires = tokens.make(following)
            attributes["expirationDate"] = datestamp(expires)
            _sub(container, "resumptionToken", value, **attributes)
        else:
            _sub(container, "resumptionToken", "", **attributes)


HANDLERS = {
    "Identify": identify,
    "ListMetadataFormats": list_metadata_formats,
    "ListSets": list_sets,
    "GetRecord": get_record,
    "ListIdentifiers": list_items,
    "ListRecords": list_items,
}


def respond(pairs, base_url):
    """The `<OAI-PMH>` response element for the request's (name, value) pairs."""
    try:
        request = check_arguments(pairs)
    except OaiError as error:
        # badVerb / badArgument: the request element carries no attributes.
        root = envelope(base_url)
        _sub(root, "error", error.message, code=error.code)
        return root
    root = envelope(base_url, {"verb": request.verb, **request.args})
    try:
        HANDLERS[request.verb](root, base_url, request)
    except OaiError as error:
        if error.code == "badArgument":
            root = envelope(base_url)
        for child in root.findall(f"{{{OAI}}}{request.verb}"):
            root.remove(child)
        _sub(root, "error", error.message, code=error.code)
    return root


def serialise(root):
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True)
