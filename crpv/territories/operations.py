"""Write the territorial reference data: idempotent upserts keyed on official codes.

`load_referentiel` takes what `referentiel.read_referentiel` validated, loads
the existing rows into memory, diffs them and writes only the differences with
`bulk_create` / `bulk_update` (a few dozen queries for the whole region). Rows
absent from the files are never deleted: staff may have created them.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.db import connection, models, transaction
from django.utils import timezone

from crpv.core.models import AuditEntry
from crpv.core.search import build_search_key
from crpv.territories.models import (
    CiteEducative,
    Commune,
    ContratDeVille,
    DataSource,
    Departement,
    Epci,
    ProjetRenouvellement,
    Qpv,
    Region,
)

BATCH_SIZE = 500


def insert_rows(model, rows, now):
    """INSERT new rows (dicts of attname → value) with one `executemany`; returns nothing.

    This is `bulk_create` without its per-value work: for the 4 870 rows of a
    region, Django prepared ~47 000 values one field at a time and spent 80 % of
    the load doing so (7× a raw insert on SQLite). Here each column's conversion
    is decided once: timestamps are the same for every row, JSON goes through the
    engine's adapter, and the other columns (text, integers, booleans, foreign
    keys) are passed as they are — `referentiel.py` validated them. The folded
    `search_key` comes from the model's own `search_terms()`, as in `save()`.
    """
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    searchable = hasattr(model, "compute_search_key")
    columns, getters = [], []
    for f in fields:
        columns.append(connection.ops.quote_name(f.column))
        if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add):
            constant = f.get_db_prep_save(now, connection)
            getters.append(lambda row, value=constant: value)
        elif f.attname == "search_key" and searchable:
            getters.append(lambda row: build_search_key(*model.search_terms(SimpleNamespace(**row))))
        elif isinstance(f, models.JSONField):
            default = f.get_default
            getters.append(
                lambda row, name=f.attname, encoder=f.encoder, default=default: connection.ops.adapt_json_value(
                    row[name] if name in row else default(), encoder
                )
            )
        else:
            default = f.get_db_prep_save(f.get_default(), connection)
            getters.append(lambda row, name=f.attname, default=default: row.get(name, default))
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 (identifiers from the model's own metadata)
        connection.ops.quote_name(model._meta.db_table), ", ".join(columns), ", ".join(["%s"] * len(columns))
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, [tuple(get(row) for get in getters) for row in rows])


@dataclass
class KindCounts:
    label: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def changed(self):
        return self.created + self.updated


@dataclass
class LoadReport:
    dry_run: bool
    kinds: list = field(default_factory=list)

    @property
    def changed(self):
        return any(k.changed for k in self.kinds)

    def as_dict(self):
        return {k.label: {"créés": k.created, "mis à jour": k.updated, "inchangés": k.unchanged} for k in self.kinds}

    def lines(self):
        width = max(len(k.label) for k in self.kinds)
        return [
            f"{k.label:<{width}}  créés : {k.created:>5}   mis à jour : {k.updated:>5}   inchangés : {k.unchanged:>5}"
            for k in self.kinds
        ]


class _Upsert:
    """Diff `rows` (dicts of field values, FK as `<name>_id`) against the table, keyed on `key`."""

    def __init__(self, model, key, label, now):
        self.model = model
        self.key = key
        self.counts = KindCounts(label)
        self.now = now
        self.ids = {}  # key -> pk
        self.touched = set()  # keys of rows created or updated

    def run(self, rows, *, protect=None):
        """`protect(instance)` returns field names a row must not overwrite (staff decisions)."""
        existing = {getattr(o, self.key): o for o in self.model.objects.all()}
        searchable = hasattr(self.model, "compute_search_key")
        to_create, to_update, update_fields = [], [], set()
        for row in rows:
            obj = existing.get(row[self.key])
            if obj is None:
                to_create.append(row)
                self.touched.add(row[self.key])
                continue
            kept = protect(obj) if protect else ()
            changed = [f for f, v in row.items() if f not in kept and getattr(obj, f) != v]
            for f in changed:
                setattr(obj, f, row[f])
            if searchable:
                search_key = obj.compute_search_key()
                if search_key != obj.search_key:
                    obj.search_key = search_key
                    changed.append("search_key")
            if changed:
                to_update.append(obj)
                update_fields.update(changed)
                self.touched.add(row[self.key])
        self.counts.created = len(to_create)
        if to_create:
            insert_rows(self.model, to_create, self.now)
        if to_update:
            if hasattr(self.model, "updated_at"):
                for obj in to_update:
                    obj.updated_at = self.now
                update_fields.add("updated_at")
            self.model.objects.bulk_update(to_update, sorted(update_fields), batch_size=BATCH_SIZE)
        self.counts.updated = len(self.touched) - self.counts.created
        if to_create:
            self.ids = dict(self.model.objects.values_list(self.key, "pk"))
        else:
            self.ids = {k: o.pk for k, o in existing.items()}
        return self

    def sync_m2m(self, field_name, desired, *, add_only=False):
        """Make the links of each row in `desired` ({key: set of target pks}) exact (or add missing ones)."""
        m2m = self.model._meta.get_field(field_name)
        through = m2m.remote_field.through
        src, tgt = f"{m2m.m2m_field_name()}_id", f"{m2m.m2m_reverse_field_name()}_id"
        owners = {self.ids[k]: k for k in desired}
        current = defaultdict(set)
        for a, b in through.objects.filter(**{f"{src}__in": list(owners)}).values_list(src, tgt):
            current[a].add(b)
        new_links, stale = [], defaultdict(set)
        changed = set()
        for key, targets in desired.items():
            pk = self.ids[key]
            have = current.get(pk, set())
            for target in sorted(targets - have):
                new_links.append({src: pk, tgt: target})
                changed.add(key)
            if not add_only and have - targets:
                stale[pk] = have - targets
                changed.add(key)
        if new_links:
            insert_rows(through, new_links, self.now)
        for pk, targets in stale.items():
            through.objects.filter(**{src: pk, f"{tgt}__in": targets}).delete()
        newly = changed - self.touched
        if newly:
            if hasattr(self.model, "updated_at"):
                self.model.objects.filter(pk__in=[self.ids[k] for k in newly]).update(updated_at=self.now)
            self.touched |= newly
            self.counts.updated += len(newly)
        return self

    def finish(self, total):
        self.counts.unchanged = total - self.counts.created - self.counts.updated
        return self.counts


def _protect_staff_decision(qpv):
    """A contract chosen by staff in the back office survives every reload."""
    if qpv.contrat_source == Qpv.ContratSource.STAFF:
        return {"contrat_de_ville_id", "needs_review", "review_note", "contrat_source"}
    return ()


def _keep_filled(*fields):
    """Partial lists (NPNRU, cités éducatives): the files fill blanks, staff values stay."""

    def protect(obj):
        return {f for f in fields if getattr(obj, f) not in (None, "")}

    return protect


@transaction.atomic
def load_referentiel(*, data, dry_run=False, acting_user=None):
    """Upsert region, départements, EPCI, communes, contrats de ville, QPV, NPNRU, cités éducatives and sources.

    `data` is a validated `referentiel.ReferentielData`. With `dry_run`, every
    write happens (so the counts are real) and is rolled back.
    """
    now = timezone.now()
    report = LoadReport(dry_run=dry_run)

    region = _Upsert(Region, "code", "région", now).run([data.region])
    report.kinds.append(region.finish(1))
    region_id = region.ids[data.region["code"]]

    deps = _Upsert(Departement, "code", "départements", now).run(
        [
            {"code": d["code"], "name": d["name"], "cog_year": d["cog_year"], "region_id": region_id}
            for d in data.departements
        ]
    )
    report.kinds.append(deps.finish(len(data.departements)))
    dep_ids = deps.ids

    epcis = _Upsert(Epci, "code", "EPCI", now).run(
        [{k: e[k] for k in ("code", "name", "kind", "population", "cog_year")} for e in data.epcis]
    )
    epcis.sync_m2m("departements", {e["code"]: {dep_ids[d] for d in e["departements"]} for e in data.epcis})
    report.kinds.append(epcis.finish(len(data.epcis)))
    epci_ids = epcis.ids

    communes = _Upsert(Commune, "code", "communes", now).run(
        [
            {
                "code": c["code"],
                "name": c["name"],
                "departement_id": dep_ids[c["departement"]],
                "epci_id": epci_ids.get(c["epci"]),
                "postal_codes": c["postal_codes"],
                "former_codes": c["former_codes"],
                "population": c["population"],
                "cog_year": c["cog_year"],
            }
            for c in data.communes
        ]
    )
    report.kinds.append(communes.finish(len(data.communes)))
    commune_ids = communes.ids

    contrats = _Upsert(ContratDeVille, "code", "contrats de ville", now).run(
        [
            {
                "code": c["code"],
                "name": c["name"],
                "departement_id": dep_ids[c["departement"]],
                "carrier_epci_id": epci_ids[c["carrier_epci"]] if c["carrier_epci"] else None,
                "carrier_commune_id": commune_ids[c["carrier_commune"]] if c["carrier_commune"] else None,
                "declared_qpv_count": c["declared_qpv_count"],
            }
            for c in data.contrats
        ]
    )
    report.kinds.append(contrats.finish(len(data.contrats)))
    contrat_ids = contrats.ids

    qpvs = _Upsert(Qpv, "code", "QPV", now).run(
        [
            {
                "code": q["code"],
                "name": q["name"],
                "departement_id": dep_ids[q["departement"]],
                "contrat_de_ville_id": contrat_ids[q["contrat_de_ville"]] if q["contrat_de_ville"] else None,
                "contrat_source": q["contrat_source"],
                "needs_review": q["needs_review"],
                "review_note": q["review_note"],
            }
            for q in data.qpvs
        ],
        protect=_protect_staff_decision,
    )
    qpvs.sync_m2m("communes", {q["code"]: {commune_ids[c] for c in q["communes"]} for q in data.qpvs})
    qpvs.sync_m2m("epcis", {q["code"]: {epci_ids[e] for e in q["epcis"]} for q in data.qpvs})
    qpvs.sync_m2m(
        "candidate_contrats", {q["code"]: {contrat_ids[c] for c in q["candidate_contrats"]} for q in data.qpvs}
    )
    report.kinds.append(qpvs.finish(len(data.qpvs)))

    # Partial lists completed by staff: never remove a link they added.
    projets = _Upsert(ProjetRenouvellement, "slug", "projets de renouvellement urbain", now).run(
        [
            {
                "slug": p["slug"],
                "name": p["name"],
                "interest": p["interest"],
                "territory_label": p["territory_label"],
                "departement_id": dep_ids[p["departement"]] if p["departement"] else None,
                "source": p["source"],
            }
            for p in data.projets
        ],
        protect=_keep_filled("territory_label", "departement_id"),
    )
    projets.sync_m2m(
        "communes", {p["slug"]: {commune_ids[c] for c in p["communes"]} for p in data.projets}, add_only=True
    )
    report.kinds.append(projets.finish(len(data.projets)))

    cites = _Upsert(CiteEducative, "name", "cités éducatives", now).run(
        [
            {
                "name": c["name"],
                "slug": c["slug"],
                "anct_id": c["anct_id"],
                "label_year": c["label_year"],
                "departement_id": dep_ids[c["departement"]],
                "source": c["source"],
            }
            for c in data.cites
        ],
        protect=_keep_filled("slug", "anct_id", "label_year", "departement_id"),
    )
    cites.sync_m2m("communes", {c["name"]: {commune_ids[x] for x in c["communes"]} for c in data.cites}, add_only=True)
    report.kinds.append(cites.finish(len(data.cites)))

    sources = _Upsert(DataSource, "key", "sources de données", now)
    sources.run(
        [
            {
                "key": s.key,
                "name": s.name,
                "producer": s.producer,
                "vintage": s.vintage,
                "licence": s.licence,
                "url": s.url,
                "notes": s.notes,
                "row_count": s.row_count,
                "checksum": s.checksum,
            }
            for s in data.sources
        ]
    )
    if sources.touched:
        DataSource.objects.filter(key__in=sources.touched).update(loaded_at=now)
    report.kinds.append(sources.finish(len(data.sources)))

    if report.changed:
        AuditEntry.record(
            acting_user, "territories.referentiel_loaded", None, counts=report.as_dict(), dry_run=dry_run
        )
    if dry_run:
        transaction.set_rollback(True)
    return report
