"""OAI-PMH 2.0 data provider: request arguments in, an lxml tree out.

No Django request here: `respond(arguments, base_url)` takes the request's
arguments as a list of (name, value) pairs (to see repeated arguments) and
returns the `<OAI-PMH>` element. Every piece of user input goes into the tree
as an element text or attribute value through lxml, which escapes it.

- Records exposed: the public records of the centre (alive, or tombstoned:
  `deletedRecord=persistent`), not the records harvested from partners
  (they belong to their own repository).
- Identifiers: `oai:<repository id>:<record pk>`.
- Datestamps: `updated_at` in UTC, to the second (`YYYY-MM-DDThh:mm:ssZ`).
- Sets: `type:<record type>`, `theme:<slug of a programme theme>`, `reci`.
- Resumption tokens: stateless, signed, with an expiry (see `tokens.py`).
"""

import datetime
import json
import re
import xml.etree.ElementTree as ET  # noqa: S405 (serialising our own elements only)
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Min, Q
from django.utils import timezone
from django.utils.text import slugify
from lxml import etree

from ..exporting import to_parsed
from ..formats import dublincore, unimarc
from ..formats.base import RECORD_TYPES
from ..models import Record
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
    """What may leave the centre over OAI-PMH: its own public records, tombstones included."""
    return Record.objects.filter(visibility=Record.Visibility.PUBLIC).exclude(origin=Record.Origin.HARVEST)


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


def set_specs(record):
    specs = [f"type:{record.record_type}"]
    specs += [f"theme:{slugify(t)}" for t in dict.fromkeys(record.themes or []) if slugify(t)]
    if record.shared_with_reci:
        specs.append(RECI_SET)
    return specs


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


def header(parent, record):
    attributes = {"status": "deleted"} if record.deleted_at else {}
    element = _sub(parent, "header", **attributes)
    _sub(element, "identifier", oai_identifier(record.pk))
    _sub(element, "datestamp", datestamp(record.updated_at))
    for spec in set_specs(record):
        _sub(element, "setSpec", spec)
    return element


def _oai_dc(record):
    element = dublincore.to_oai_dc(to_parsed(record))
    return etree.fromstring(_text(ET.tostring(element, encoding="unicode")))


def _marcxml(record):
    """The record in UNIMARC, in the MARCXML (MARC 21 slim) container PMB and Koha exchange."""
    p = to_parsed(record)
    element = etree.Element(f"{{{MARC}}}record", nsmap={None: MARC})
    element.set(f"{{{XSI}}}schemaLocation", f"{MARC} {METADATA_FORMATS['marcxml'][0]}")
    # Leader/20-23 is ISO 2709's entry map ("450 " in UNIMARC), meaningless in XML;
    # the MARCXML schema wants "4500".
    etree.SubElement(element, f"{{{MARC}}}leader").text = unimarc.leader_for(p)[:20] + "4500"
    for item in unimarc.to_fields(p):
        if len(item) == 2:
            etree.SubElement(element, f"{{{MARC}}}controlfield", tag=item[0]).text = _text(item[1])
        else:
            tag, ind1, ind2, subfields = item
            datafield = etree.SubElement(element, f"{{{MARC}}}datafield", tag=tag, ind1=ind1, ind2=ind2)
            for code, value in subfields:
                etree.SubElement(datafield, f"{{{MARC}}}subfield", code=code).text = _text(value)
    return element


METADATA_BUILDERS = {"oai_dc": _oai_dc, "marcxml": _marcxml}


def full_record(parent, record, prefix):
    element = _sub(parent, "record")
    header(element, record)
    if not record.deleted_at:
        _sub(element, "metadata").append(METADATA_BUILDERS[prefix](record))
    return element


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
    record = exposed_records().for_export().filter(pk=pk).first() if pk is not None else None
    if record is None:
        raise OaiError("idDoesNotExist", f"identifiant inconnu « {request.args['identifier']} »")
    full_record(_sub(root, "GetRecord"), record, prefix)


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
    if state["after"]:
        moment, pk = datetime.datetime.fromisoformat(state["after"][0]), state["after"][1]
        records = records.filter(Q(updated_at__gt=moment) | Q(updated_at=moment, pk__gt=pk))
    size = page_size()
    # Two steps: the page's keys by the cursor (one indexed, narrow query), then those rows with
    # their prefetches; prefetching on the cursor query itself made the engine sort wide rows.
    keys = list(records.values_list("pk", flat=True)[: size + 1])
    wanted = exposed_records().filter(pk__in=keys)
    if verb == "ListRecords":
        wanted = wanted.for_export()
    else:
        wanted = wanted.only("pk", "updated_at", "deleted_at", "record_type", "themes", "shared_with_reci")
    by_pk = {r.pk: r for r in wanted}
    page = [by_pk[pk] for pk in keys if pk in by_pk]
    if not page:
        raise OaiError("noRecordsMatch", "aucune notice ne répond à la demande")
    more, page = len(page) > size, page[:size]
    container = _sub(root, verb)
    for record in page:
        if verb == "ListRecords":
            full_record(container, record, state["prefix"])
        else:
            header(container, record)
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
