"""Use-cases that write the catalogue: imports, deletions, thesaurus loading.

Each function takes keyword-only arguments with `acting_user`, runs in one
transaction and writes its `AuditEntry` in that transaction.
"""

import contextlib
import datetime
import json
import operator
import re
import unicodedata
from dataclasses import dataclass, field

from django.db import connection, models, transaction
from django.utils import timezone

from crpv.core.imports.bulk import insert_rows
from crpv.core.models import AuditEntry
from crpv.core.text import fold
from crpv.territories.models import Commune, Departement, Epci

from .formats.base import RECORD_TYPES
from .models import (
    Agent,
    Authorship,
    Concept,
    ConceptScheme,
    Copy,
    ImportBatch,
    Link,
    Record,
    title_key,
)
from .models.records import _LEADING_ARTICLE, TITLE_KEY_MAX_LENGTH
from .tasks import index_after_commit

ALL_OR_NOTHING = "all_or_nothing"
VALID_ONLY = "valid_only"
MODES = (ALL_OR_NOTHING, VALID_ONLY)
CHUNK = 500
ANALYZE_AFTER = 1000  # records written at once, after which PostgreSQL's statistics are refreshed


@dataclass
class ImportReport:
    """What an import found and did. Positions are record numbers in the file."""

    file_format: str
    mode: str
    dry_run: bool
    total: int = 0
    created: list = field(default_factory=list)  # (position, title)
    duplicates: list = field(default_factory=list)  # (position, French reason)
    errors: list = field(default_factory=list)  # ParseError
    warnings: list = field(default_factory=list)  # (position, French text)
    refused: bool = False
    written: bool = False
    batch_id: int | None = None

    @property
    def summary(self):
        verb = "seraient créées" if not self.written else "créées"
        if self.refused:
            return (
                f"lot refusé : {len(self.errors)} notice(s) en erreur sur {self.total}, rien n'a été importé "
                "(corrigez le fichier ou choisissez d'importer les notices valides)"
            )
        return (
            f"{len(self.created)} notice(s) {verb}, {len(self.duplicates)} doublon(s) écarté(s), "
            f"{len(self.errors)} notice(s) en erreur sur {self.total}"
        )

    def as_dict(self, limit=200):
        return {
            "total": self.total,
            "created": len(self.created),
            "duplicates": [list(d) for d in self.duplicates[:limit]],
            "errors": [[e.position, e.reason] for e in self.errors[:limit]],
            "warnings": [list(w) for w in self.warnings[:limit]],
            "refused": self.refused,
        }


def _chunks(values, size=CHUNK):
    values = list(values)
    for i in range(0, len(values), size):
        yield values[i : i + size]


def _fit(instance):
    """Cut text to each column's length: PostgreSQL refuses longer values, which would abort the batch."""
    limits = _LIMITS.get(type(instance))
    if limits is None:
        limits = _LIMITS[type(instance)] = [
            (f.attname, f.max_length)
            for f in instance._meta.concrete_fields
            if isinstance(f, models.CharField) and f.max_length
        ]
    values = instance.__dict__
    for attname, max_length in limits:
        value = values[attname]
        if isinstance(value, str) and len(value) > max_length:
            values[attname] = value[:max_length]
    return instance


_LIMITS = {}


def find_duplicates(records):
    """{position: French reason} for records already in the catalogue or earlier in the same file.

    Matched by ISBN, then ISSN (serials only), then folded title + year.
    Only the keys present in the file are read from the database.
    """
    isbns = {p.isbn for p in records if p.isbn}
    issns = {p.issn for p in records if p.issn and p.record_type == "revue"}
    for p in records:
        if not hasattr(p, "_title_key"):
            p._title_key = _title_key(p.title, p.title_nonsort)
    keys = {p._title_key for p in records}
    by_isbn = dict(_alive_matching("isbn", isbns, ("isbn", "id")))
    by_issn = dict(_alive_matching("issn", issns, ("issn", "id"), record_type="revue"))
    by_title = {}
    for key, year, pk, isbn in _alive_matching("title_key", keys, ("title_key", "publication_year", "id", "isbn")):
        by_title.setdefault((key, year), (pk, isbn))
    duplicates = {}
    seen_isbn, seen_issn, seen_title = {}, {}, {}
    for p in records:
        key = (p._title_key, p.year)
        if p.isbn and p.isbn in by_isbn:
            duplicates[p.position] = f"ISBN {p.isbn} déjà au catalogue (notice n° {by_isbn[p.isbn]})"
        elif p.isbn and p.isbn in seen_isbn:
            duplicates[p.position] = f"ISBN {p.isbn} déjà lu à la notice {seen_isbn[p.isbn]} du fichier"
        elif p.issn and p.record_type == "revue" and p.issn in by_issn:
            duplicates[p.position] = f"ISSN {p.issn} déjà au catalogue (notice n° {by_issn[p.issn]})"
        elif p.issn and p.record_type == "revue" and p.issn in seen_issn:
            duplicates[p.position] = f"ISSN {p.issn} déjà lu à la notice {seen_issn[p.issn]} du fichier"
        elif key in by_title and not (p.isbn and by_title[key][1] and by_title[key][1] != p.isbn):
            # Two editions with the same title and year but different ISBNs are not duplicates.
            duplicates[p.position] = f"même titre et même année qu'une notice du catalogue (n° {by_title[key][0]})"
        elif key in seen_title and not (p.isbn and seen_title[key][1] and seen_title[key][1] != p.isbn):
            duplicates[p.position] = f"même titre et même année que la notice {seen_title[key][0]} du fichier"
        if p.position in duplicates:
            continue
        if p.isbn:
            seen_isbn[p.isbn] = p.position
        if p.issn and p.record_type == "revue":
            seen_issn[p.issn] = p.position
        seen_title.setdefault(key, (p.position, p.isbn))
    return duplicates


def _alive_matching(column, values, select, **equal):
    """Rows (tuples of `select`) of alive records whose `column` is in `values`, by (title_key, id).

    One query whatever the number of values: an array parameter on PostgreSQL,
    a JSON array read by `json_each` on SQLite (the ORM's `IN` would need a
    query per few hundred values and prepare each value on its own).
    """
    if not values:
        return []
    if connection.vendor not in ("postgresql", "sqlite"):
        rows = []
        for chunk in _chunks(values):
            query = Record.objects.alive().filter(**{f"{column}__in": chunk}, **equal).order_by("title_key", "pk")
            rows += query.values_list(*("pk" if name == "id" else name for name in select))
        return rows
    quote = connection.ops.quote_name
    table = quote(Record._meta.db_table)
    where = "".join(f" AND {quote(name)} = %s" for name in equal)
    if connection.vendor == "postgresql":
        match, values = f"{quote(column)} = ANY(%s)", list(values)
    else:
        match = f"{quote(column)} IN (SELECT value FROM json_each(%s))"  # noqa: S608
        values = json.dumps(list(values))
    sql = (
        f"SELECT {', '.join(quote(name) for name in select)} FROM {table} "  # noqa: S608
        f"WHERE deleted_at IS NULL AND {match}{where} ORDER BY title_key, id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [values, *equal.values()])
        return cursor.fetchall()


_STATUS = {fold(label): code for code, label in Copy.Status.choices} | {fold(c): c for c in Copy.Status.values}


def _record_from(p, *, batch, origin, source_name):
    record = Record(
        record_type=p.record_type if p.record_type in RECORD_TYPES else "ouvrage",
        title=p.title,
        title_nonsort=min(p.title_nonsort, len(p.title)),
        subtitle=p.subtitle,
        part=p.part,
        responsibility=p.responsibility,
        host_title=p.host_title,
        edition=p.edition,
        publisher=p.publisher,
        place=p.place,
        publication_year=p.year if p.year and 0 < p.year < 32767 else None,
        date_text=p.date_text,
        extent=p.extent,
        series=p.series,
        series_number=p.series_number,
        isbn=p.isbn,
        issn=p.issn,
        language=p.language or "",
        abstract=p.abstract,
        contents=p.contents,
        notes=p.notes,
        keywords=list(p.keywords),
        origin=origin,
        source_name=source_name,
        source_identifier=p.source_id,
        import_batch=batch,
    )
    record.title_key = getattr(p, "_title_key", None) or title_key(record.title, record.title_nonsort)
    return _fit(record)


def _date(text):
    try:
        return datetime.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def import_records(
    *,
    parsed,
    acting_user,
    mode=ALL_OR_NOTHING,
    dry_run=False,
    filename="",
    source_name="",
    origin=Record.Origin.IMPORT,
):
    """Import a `ParseResult` into the catalogue.

    - `all_or_nothing` (default): one bad record refuses the whole batch.
    - `valid_only`: the good records are imported, the bad ones reported.
    Duplicates (ISBN, ISSN, title + year) are never created and never block.
    `dry_run` computes the same report (the preview) and writes nothing.
    """
    if mode not in MODES:
        raise ValueError(f"mode inconnu : {mode}")
    report = ImportReport(file_format=parsed.format, mode=mode, dry_run=dry_run)
    report.total = parsed.count or (len(parsed.records) + len(parsed.errors))
    report.errors = sorted(parsed.errors, key=lambda e: e.position)
    for p in parsed.records:
        report.warnings.extend((p.position, w) for w in p.warnings)
    duplicates = find_duplicates(parsed.records)
    report.duplicates = sorted(duplicates.items())
    to_create = [p for p in parsed.records if p.position not in duplicates]
    report.created = [(p.position, p.title) for p in to_create]
    if report.errors and mode == ALL_OR_NOTHING:
        report.refused = True
        report.created = []
        return report
    if dry_run:
        return report
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            created_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
            file_format=parsed.format,
            filename=filename[:255],
            source_name=source_name[:200],
            mode=mode,
        )
        _write(to_create, batch=batch, origin=origin, source_name=source_name or filename, report=report)
        batch.created_count = len(to_create)
        batch.duplicate_count = len(report.duplicates)
        batch.error_count = len(report.errors)
        batch.report = report.as_dict()
        batch.save()
        AuditEntry.record(
            acting_user,
            "catalogue.import",
            batch,
            format=parsed.format,
            mode=mode,
            created=len(to_create),
            duplicates=len(report.duplicates),
            errors=len(report.errors),
        )
        index_after_commit(batch_id=batch.pk)
    report.written = True
    report.batch_id = batch.pk
    return report


def _write(parsed_records, *, batch, origin, source_name, report):
    """Every row of the import, without model instances: plain tuples through `insert_rows`.

    Ids are reserved first (the sequence on PostgreSQL, the AUTOINCREMENT
    counter on SQLite), so records, their authorships, subjects, copies and
    links are all known before anything is written; PostgreSQL gets `COPY`.
    """
    now = timezone.now()
    concepts = Concept.objects.by_label()
    # Authors: reuse those already known, create the others once.
    wanted = {}
    key_of = {}
    for p in parsed_records:
        keys = p._agent_keys = []
        for a in p.authors:
            identity = (a.name, a.forename, a.is_organisation)
            key = key_of.get(identity)
            if key is None:
                key = key_of[identity] = _agent_key(*identity)
            keys.append(key)
        for a, key in zip(p.authors, p._agent_keys, strict=True):
            wanted.setdefault(key, a)
    agents = {}
    for chunk in _chunks(wanted):
        for key, pk in Agent.objects.filter(key__in=chunk).values_list("key", "pk"):
            agents.setdefault(key, pk)
    missing = [(key, a) for key, a in wanted.items() if key not in agents]
    if missing:
        table = _Table(Agent, ("name", "forename", "is_organisation", "dates", "key"), now)
        ids = insert_rows(
            Agent,
            table.names,
            [table.row((a.name, a.forename, a.is_organisation, a.dates, key)) for key, a in missing],
            with_ids=True,
        )
        agents.update((key, pk) for (key, _), pk in zip(missing, ids, strict=True))

    records = _Table(
        Record,
        (
            "record_type",
            "title",
            "title_nonsort",
            "subtitle",
            "part",
            "responsibility",
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
            "origin",
            "source_name",
            "source_identifier",
            "import_batch",
            "title_key",
        ),
        now,
    )
    keywords_field = Record._meta.get_field("keywords")
    fold_cache, json_of = {}, {}
    rows = []
    subject_ids_of = []
    places_of = []
    gazetteer = _Gazetteer() if any(p.places for p in parsed_records) else None
    for p in parsed_records:
        keywords = list(p.keywords)
        subject_ids = []
        for label in p.subjects:
            key = fold_cache.get(label)
            if key is None:
                key = fold_cache[label] = fold(label)
            pk = concepts.get(key)
            if pk is None:
                keywords.append(label)
                report.warnings.append((p.position, f"descripteur « {label} » absent du thésaurus : gardé en mot-clé"))
            elif pk not in subject_ids:
                subject_ids.append(pk)
        territories = []
        for label in p.places:
            territory, ambiguity = gazetteer.match(label)
            if territory is not None:
                if territory not in territories:
                    territories.append(territory)
                continue
            # Not a territory: a subject if the thesaurus has it, else a keyword, as for subjects.
            key = fold_cache.get(label)
            if key is None:
                key = fold_cache[label] = fold(label)
            pk = concepts.get(key)
            if pk is not None:
                if pk not in subject_ids:
                    subject_ids.append(pk)
                continue
            if label not in keywords:
                keywords.append(label)
            reason = f"non relié ({ambiguity})" if ambiguity else "absent des territoires et du thésaurus"
            report.warnings.append((p.position, f"lieu « {label} » {reason} : gardé en mot-clé"))
        subject_ids_of.append(subject_ids)
        places_of.append(territories)
        title = p.title
        nonsort = min(p.title_nonsort, len(title))
        rows.append(
            records.row(
                (
                    p.record_type if p.record_type in RECORD_TYPES else "ouvrage",
                    title,
                    nonsort,
                    p.subtitle,
                    p.part,
                    p.responsibility,
                    p.host_title,
                    p.edition,
                    p.publisher,
                    p.place,
                    p.year if p.year and 0 < p.year < 32767 else None,
                    p.date_text,
                    p.extent,
                    p.series,
                    p.series_number,
                    p.isbn,
                    p.issn,
                    p.language or "",
                    p.abstract,
                    p.contents,
                    p.notes,
                    json_of.get(tuple(keywords)) or _json(keywords_field, keywords, json_of),
                    origin,
                    source_name,
                    p.source_id,
                    batch.pk,
                    getattr(p, "_title_key", None) or _title_key(title, nonsort),
                )
            )
        )
    record_ids = insert_rows(Record, records.names, rows, with_ids=True)

    authorships, subjects, copies, links = [], [], [], []
    territory_rows = {kind: [] for kind in _Gazetteer.KINDS}
    acquired = Copy._meta.get_field("acquired_on")
    link_kind = Link.Kind.ONLINE
    for p, record_id, subject_ids, territories in zip(
        parsed_records, record_ids, subject_ids_of, places_of, strict=True
    ):
        for i, (a, key) in enumerate(zip(p.authors, p._agent_keys, strict=True)):
            authorships.append((record_id, agents[key], a.role, i))
        for pk in subject_ids:
            subjects.append((record_id, pk))
        for kind, pk in territories:
            territory_rows[kind].append((record_id, pk))
        for c in p.copies:
            status = _STATUS_CACHE.get(c.status)
            if status is None:
                status = _STATUS_CACHE[c.status] = _STATUS.get(fold(c.status), Copy.Status.AVAILABLE)
            day = _date(c.acquired_on)
            copies.append(
                [
                    record_id,
                    c.barcode[:50],
                    c.call_number[:100],
                    c.location[:100],
                    status,
                    acquired.get_db_prep_save(day, connection) if day else None,
                    c.note[:255],
                ]
            )
        for link in p.links:
            links.append((record_id, link.url[:1000], link.label[:255], link_kind))
    insert_rows(Authorship, ("record", "agent", "role", "position"), authorships)
    insert_rows(Record.subjects.through, ("record", "concept"), subjects)
    for kind, (through, column) in _Gazetteer.THROUGH.items():
        insert_rows(through, ("record", column), territory_rows[kind])
    _create_copies(copies, report)
    insert_rows(Link, ("record", "url", "label", "kind"), links)
    if connection.vendor == "postgresql" and len(parsed_records) >= ANALYZE_AFTER:
        # Fresh statistics for the planner: until autovacuum's next pass, PostgreSQL planned the
        # OAI-PMH pages of a just-imported batch as if it did not exist (tens of ms per query).
        with connection.cursor() as cursor:
            for model in (
                Record,
                Agent,
                Authorship,
                Record.subjects.through,
                Copy,
                Link,
                *(through for through, _column in _Gazetteer.THROUGH.values()),
            ):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


_STATUS_CACHE = {}

# "Roubaix (Nord)", "Nord (France)": a name, then a qualifier in parentheses.
_QUALIFIED = re.compile(r"^(.*?\S)\s*\(([^()]*)\)\s*$")


class _Gazetteer:
    """The names of the départements, EPCI and communes, read once per import, to link places to territories.

    `match(place)` gives ((kind, pk), "") for the one territory a place names,
    trying départements, then EPCI, then communes, on the folded whole name,
    then on the name without a trailing qualifier in parentheses; a qualifier
    naming a département (by name or code) picks among communes of the same
    name. A name shared by several territories of one kind is not linked:
    (None, French reason). Unknown: (None, "").
    """

    KINDS = ("departement", "epci", "commune")
    THROUGH = {
        "departement": (Record.departements.through, "departement"),
        "epci": (Record.epcis.through, "epci"),
        "commune": (Record.communes.through, "commune"),
    }

    def __init__(self):
        self.departements, self.departement_of, self.epcis, self.communes = {}, {}, {}, {}
        for pk, code, name in Departement.objects.values_list("pk", "code", "name"):
            self.departements.setdefault(_fold(name), []).append(pk)
            self.departement_of[_fold(name)] = pk
            self.departement_of[_fold(code)] = pk
        for pk, name in Epci.objects.values_list("pk", "name"):
            self.epcis.setdefault(_fold(name), []).append(pk)
        for pk, name, departement_id in Commune.objects.values_list("pk", "name", "departement_id"):
            self.communes.setdefault(_fold(name), []).append((pk, departement_id))
        self.cache = {}

    def match(self, place):
        found = self.cache.get(place)
        if found is None:
            found = self.cache[place] = self._match(place)
        return found

    def _match(self, place):
        found = self._lookup(_fold(place))
        qualified = _QUALIFIED.match(place) if found[0] is None else None
        if qualified:
            name, qualifier = qualified.groups()
            found = self._lookup(_fold(name), self.departement_of.get(_fold(qualifier))) if _fold(name) else found
        return found

    def _lookup(self, key, departement=None):
        if not key:
            return None, ""
        for kind, index, plural in (
            ("departement", self.departements, "plusieurs départements"),
            ("epci", self.epcis, "plusieurs EPCI"),
        ):
            pks = index.get(key)
            if pks:
                return ((kind, pks[0]), "") if len(pks) == 1 else (None, f"{plural} portent ce nom")
        communes = self.communes.get(key, ())
        if departement is not None and communes:
            communes = [c for c in communes if c[1] == departement]
            if not communes:
                return None, "aucune commune de ce nom dans ce département"
        if len(communes) == 1:
            return ("commune", communes[0][0]), ""
        if communes:
            return None, "plusieurs communes portent ce nom"
        return None, ""


def _json(field, value, cache):
    prepared = cache[tuple(value)] = field.get_db_prep_save(value, connection)
    return prepared


COPY_FIELDS = ("record", "barcode", "call_number", "location", "status", "acquired_on", "note")


def _create_copies(copies, report):
    """Barcodes are unique: a copy whose barcode is taken keeps its call number without the barcode.

    `copies`: lists in the order of `COPY_FIELDS`.
    """
    barcodes = [c[1] for c in copies if c[1]]
    taken = set()
    for chunk in _chunks(barcodes):
        taken.update(Copy.objects.filter(barcode__in=chunk).values_list("barcode", flat=True))
    seen = set()
    for copy in copies:
        barcode = copy[1]
        if barcode and (barcode in taken or barcode in seen):
            copy[6] = (f"code-barres {barcode} déjà utilisé. " + copy[6])[:255]
            copy[1] = ""
        elif barcode:
            seen.add(barcode)
    table = _Table(Copy, COPY_FIELDS, None)
    insert_rows(Copy, table.names, [table.row(c) for c in copies])


class _Table:
    """The columns of a bulk insert: those the caller gives, then every other one at its default.

    A column added to the model later (with a default) is filled without
    touching the import. Text the caller gives is cut to the column's length
    (PostgreSQL refuses longer values, which would abort the batch); `auto_now`
    and `auto_now_add` columns get `now`.
    """

    def __init__(self, model, given, now):
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        by_name = {f.name: f for f in fields}
        rest = [f for f in fields if f.name not in given]
        self.names = (*given, *(f.name for f in rest))
        self.limits = [
            (i, by_name[name].max_length)
            for i, name in enumerate(given)
            if isinstance(by_name[name], models.CharField) and by_name[name].max_length
        ]
        defaults = []
        for f in rest:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value = now or timezone.now()
            else:
                value = f.get_default()
            defaults.append(f.get_db_prep_save(value, connection))
        self.defaults = tuple(defaults)
        indexes = [i for i, _ in self.limits]
        if len(indexes) == 1:
            self._texts = lambda values: (values[indexes[0]],)
        elif indexes:
            self._texts = operator.itemgetter(*indexes)
        self._maxima = [limit for _, limit in self.limits]

    def row(self, values):
        if self.limits:
            try:  # one pass in C for the usual case: every text fits
                over = any(map(operator.gt, map(len, self._texts(values)), self._maxima))
            except TypeError:  # a None among them
                over = True
            if over:
                values = list(values)
                for i, limit in self.limits:
                    value = values[i]
                    if value.__class__ is str and len(value) > limit:
                        values[i] = value[:limit]
        return (*values, *self.defaults)


@contextlib.contextmanager
def _bulk_cursor():
    """A cursor for bulk INSERTs in the current transaction.

    On PostgreSQL, Django's psycopg 3 cursors bind parameters on the client
    (one literal per value, no pipelining), which made an import of 20 000
    records take ten times longer than the same statements with server-side
    binding; the raw psycopg cursor on the same connection binds on the server
    and pipelines `executemany`.
    """
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        import psycopg

        with psycopg.Cursor(connection.connection) as cursor:
            yield cursor
    else:
        with connection.cursor() as cursor:
            yield cursor


_PLAIN = (models.CharField, models.TextField, models.IntegerField, models.BooleanField, models.ForeignKey)


def _prepared_rows(model, instances):
    """Columns and prepared values, the way `bulk_create` would, without its per-value compilation.

    Text, numbers, booleans and foreign keys go as they are; dates, datetimes
    and JSON go through the field's own preparation; `auto_now` fields are set.
    """
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    stamped = [f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    prepare = [None if isinstance(f, _PLAIN) else f for f in fields]
    rows = []
    for instance in instances:
        for f in stamped:
            setattr(instance, f.attname, now)
        rows.append(
            [
                value if f is None else f.get_db_prep_save(value, connection)
                for f, value in zip(prepare, (getattr(instance, g.attname) for g in fields), strict=True)
            ]
        )
    return fields, rows


def _insert(model, instances, returning=False):
    """Multi-row INSERT of prepared values; with `returning`, set each instance's id.

    Imports no longer go through here (see `_write`); kept for model instances
    built elsewhere (the search benchmark's corpus).

    `bulk_create` compiles every value through the ORM, which costs more than
    the write itself for an import of thousands of records. Both engines
    return the ids of a multi-row INSERT … RETURNING in insertion order (as
    `bulk_create` relies on too).
    """
    if not instances:
        return
    fields, rows = _prepared_rows(model, instances)
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    pk = connection.ops.quote_name(model._meta.pk.column)
    size = max(1, min(CHUNK, 30000 // len(fields)))
    with _bulk_cursor() as cursor:
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            if returning and connection.vendor == "postgresql":
                # One pipelined, prepared single-row INSERT per record: fast with psycopg 3.
                cursor.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES {row_sql} RETURNING {pk}",  # noqa: S608
                    chunk,
                    returning=True,
                )
                ids = []
                while True:
                    ids.append(cursor.fetchone()[0])
                    if not cursor.nextset():
                        break
                for instance, new_id in zip(instances[start : start + size], ids, strict=True):
                    instance.pk = new_id
                    instance._state.adding = False
            elif returning:
                sql = f"INSERT INTO {table} ({columns}) VALUES {', '.join([row_sql] * len(chunk))} RETURNING {pk}"  # noqa: S608
                cursor.execute(sql, [value for row in chunk for value in row])
                for instance, (new_id,) in zip(instances[start : start + size], cursor.fetchall(), strict=True):
                    instance.pk = new_id
                    instance._state.adding = False
            else:
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES {row_sql}", chunk)  # noqa: S608


# --- Folding, as `crpv.core.text.fold` does, with its per-character loop only for non-ASCII text ---

_NON_WORD = re.compile(r"[^0-9a-z]+")


class _CombiningMarks(dict):
    """A `str.translate` table dropping combining marks, filled as characters are met."""

    def __missing__(self, code):
        value = self[code] = None if unicodedata.combining(chr(code)) else code
        return value


_COMBINING = _CombiningMarks()


def _fold(value):
    """`crpv.core.text.fold(value)`, the same result (checked by the tests), several times faster."""
    if not value:
        return ""
    if value.isascii():
        return _NON_WORD.sub(" ", value.lower()).strip()
    value = value.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    value = unicodedata.normalize("NFKD", value).translate(_COMBINING)
    return _NON_WORD.sub(" ", value.lower()).strip()


def _title_key(title, nonsort=0):
    """`models.title_key`, with the fast fold."""
    key = _fold((title or "")[nonsort or 0 :])
    return _LEADING_ARTICLE.sub("", key, count=1)[:TITLE_KEY_MAX_LENGTH]


def _agent_key(name, forename="", is_organisation=False):
    """`models.agent_key`, with the fast fold."""
    return f"{'o' if is_organisation else 'p'}:{_fold(name)}:{_fold(forename)}"[:300]


@transaction.atomic
def delete_record(*, record, acting_user):
    """Tombstone a record: it leaves the catalogue but stays for OAI-PMH deletions."""
    record.mark_deleted()
    AuditEntry.record(acting_user, "catalogue.record.deleted", record)
    index_after_commit(record_ids=[record.pk])
    return record


@transaction.atomic
def restore_record(*, record, acting_user):
    record.deleted_at = None
    record.save(update_fields=["deleted_at", "updated_at"])
    AuditEntry.record(acting_user, "catalogue.record.restored", record)
    index_after_commit(record_ids=[record.pk])
    return record


# --- Thesaurus ------------------------------------------------------------------


@dataclass
class ThesaurusReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list = field(default_factory=list)
    written: bool = False

    @property
    def summary(self):
        verb = "" if self.written else " (simulation : rien n'est écrit)"
        return f"{self.created} concept(s) créé(s), {self.updated} modifié(s), {self.unchanged} inchangé(s){verb}"


def load_thesaurus(*, parsed, acting_user, dry_run=False):
    """Create or update a scheme and its concepts from a `skos.ParsedThesaurus`, keyed on URIs.

    Running it twice changes nothing the second time. Hierarchy and related
    links are replaced by those of the file for the concepts it holds.
    """
    report = ThesaurusReport(errors=list(parsed.errors))
    if parsed.errors and not parsed.concepts:
        return report
    existing = {c.uri: c for c in Concept.objects.filter(uri__in=[c.uri for c in parsed.concepts])}
    for item in parsed.concepts:
        concept = existing.get(item.uri)
        if concept is None:
            report.created += 1
        elif _concept_values(concept) != _parsed_values(item) or _links_changed(concept, item):
            report.updated += 1
        else:
            report.unchanged += 1
    if dry_run:
        return report
    with transaction.atomic():
        scheme, _ = ConceptScheme.objects.update_or_create(
            uri=parsed.scheme_uri, defaults={"title": parsed.title[:255], "description": parsed.description}
        )
        by_uri = {}
        for item in parsed.concepts:
            concept = existing.get(item.uri) or Concept(uri=item.uri)
            concept.scheme = scheme
            (
                concept.pref_label,
                concept.alt_labels,
                concept.scope_note,
                concept.definition,
                concept.notation,
                concept.deprecated,
            ) = _parsed_values(item)
            concept.pref_label = concept.pref_label[:255]
            concept.save()
            by_uri[item.uri] = concept
        known = dict(
            Concept.objects.filter(uri__in={u for c in parsed.concepts for u in [*c.broader, *c.related]}).values_list(
                "uri", "pk"
            )
        )
        known.update({uri: c.pk for uri, c in by_uri.items()})
        for item in parsed.concepts:
            concept = by_uri[item.uri]
            concept.broader.set([known[u] for u in item.broader if u in known and u != item.uri])
            concept.related.set([known[u] for u in item.related if u in known and u != item.uri])
            replaced = known.get(item.replaced_by) if item.replaced_by else None
            if concept.replaced_by_id != replaced:
                concept.replaced_by_id = replaced
                concept.save(update_fields=["replaced_by"])
        AuditEntry.record(
            acting_user,
            "catalogue.thesaurus.loaded",
            scheme,
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
        )
    report.written = True
    return report


def _parsed_values(item):
    return (item.pref_label, list(item.alt_labels), item.scope_note, item.definition, item.notation, item.deprecated)


def _concept_values(concept):
    return (
        concept.pref_label,
        list(concept.alt_labels or []),
        concept.scope_note,
        concept.definition,
        concept.notation,
        concept.deprecated,
    )


def _links_changed(concept, item):
    broader = set(concept.broader.values_list("uri", flat=True))
    related = set(concept.related.values_list("uri", flat=True))
    return broader != set(item.broader) - {item.uri} or related != set(item.related) - {item.uri}


def touch(records):
    """Bump `updated_at` of records (e.g. after a change of their concepts), for OAI-PMH datestamps."""
    Record.objects.filter(pk__in=[r.pk for r in records]).update(updated_at=timezone.now())
