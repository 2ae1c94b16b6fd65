"""Weeding candidates: the copies (and records without copies) that an active rule designates.

A rule reads « X / Y / facteurs » (IOUPI, MUSTIE): a copy is a candidate when
its record was published more than X years ago *and* it has not been used
(loan, consultation; its acquisition date if never used) for Y years — or
when a factor alone designates it: a worn condition listed by the rule, a
newer edition of the same title in the catalogue, copies beyond the number to
keep. « Available elsewhere » (a partner's harvested record of the same title)
never designates alone; it is shown to help the decision.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Max
from django.utils import timezone

from ..models import Copy, Record, WeedingDecision, WeedingRule

CRITERIA_LABELS = {
    "age": "ancienneté",
    "unused": "sans usage",
    "worn": "état (usé, abîmé)",
    "superseded": "édition remplacée",
    "duplicate": "exemplaire en surnombre",
    "elsewhere": "disponible ailleurs",
}
_CONDITION_RANK = {Copy.Condition.GOOD: 0, Copy.Condition.WORN: 1, Copy.Condition.DAMAGED: 2}


@dataclass
class Candidate:
    record: Record
    rule: WeedingRule
    copy: Copy | None = None
    criteria: list = field(default_factory=list)
    last_use: datetime.date | None = None
    status: str = ""  # the latest decision, if any

    @property
    def key(self):
        return f"copy:{self.copy.pk}" if self.copy else f"record:{self.record.pk}"

    @property
    def criteria_labels(self):
        return [CRITERIA_LABELS[c] for c in self.criteria]

    @property
    def status_label(self):
        return dict(WeedingDecision.Decision.choices).get(self.status, "à examiner")


def _years_ago(today, years):
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def _rules():
    rules = {r.record_type: r for r in WeedingRule.objects.filter(is_active=True)}
    return rules, rules.get("")


def find_candidates(*, today=None, record_type="", criterion="", include_reviewed=False):
    """Candidates, oldest publication first. Copies already withdrawn and deleted records are left out;
    so are those with a « keep » decision, unless `include_reviewed`."""
    today = today or timezone.localdate()
    rules, default = _rules()
    if not rules:
        return []
    copies = (
        Copy.objects.filter(record__deleted_at__isnull=True)
        .exclude(status=Copy.Status.WITHDRAWN)
        .select_related("record")
        .annotate(last_use=Max("uses__used_on"))
        .order_by("record_id", "pk")
    )
    bare = Record.objects.alive().filter(copies__isnull=True)
    if record_type:
        copies = copies.filter(record__record_type=record_type)
        bare = bare.filter(record_type=record_type)
    copies, bare = list(copies), list(bare)
    records = {c.record_id: c.record for c in copies} | {r.pk: r for r in bare}
    keys = {r.title_key for r in records.values()}
    newest = dict(
        Record.objects.alive()
        .exclude(origin=Record.Origin.HARVEST)
        .filter(title_key__in=keys)
        .values_list("title_key")
        .annotate(m=Max("publication_year"))
    )
    elsewhere = set(
        Record.objects.alive()
        .filter(origin=Record.Origin.HARVEST, title_key__in=keys)
        .values_list("title_key", flat=True)
    )
    latest = {
        (d.copy_id, d.record_id if d.copy_id is None else None): d.decision
        for d in WeedingDecision.objects.latest_per_target().filter(record_id__in=list(records))
    }
    by_record = {}
    for c in copies:
        by_record.setdefault(c.record_id, []).append(c)
    extra = set()
    for record_copies in by_record.values():
        rule = rules.get(record_copies[0].record.record_type) or default
        if rule and rule.max_copies is not None and len(record_copies) > rule.max_copies:
            ranked = sorted(record_copies, key=lambda c: (_CONDITION_RANK.get(c.condition, 0), c.pk))
            extra.update(c.pk for c in ranked[rule.max_copies :])

    def common(record, rule):
        met = []
        year = record.publication_year
        if rule.max_age_years is not None and year and year <= today.year - rule.max_age_years:
            met.append("age")
        if rule.check_superseded and year and (newest.get(record.title_key) or 0) > year:
            met.append("superseded")
        if record.title_key in elsewhere:
            met.append("elsewhere")
        return met

    found = []
    for c in copies:
        rule = rules.get(c.record.record_type) or default
        if rule is None:
            continue
        met = common(c.record, rule)
        # Never used: counted from its acquisition, or from the record's creation if unknown.
        last = c.last_use or c.acquired_on or timezone.localdate(c.record.created_at)
        if rule.min_years_unused is not None and last <= _years_ago(today, rule.min_years_unused):
            met.append("unused")
        if c.condition in (rule.conditions or []):
            met.append("worn")
        if c.pk in extra:
            met.append("duplicate")
        formula = [
            x for x, limit in (("age", rule.max_age_years), ("unused", rule.min_years_unused)) if limit is not None
        ]
        designated = (formula and all(x in met for x in formula)) or {"worn", "superseded", "duplicate"} & set(met)
        if designated:
            status = latest.get((c.pk, None), "")
            found.append(Candidate(c.record, rule, c, _ordered(met), c.last_use, status))
    for record in bare:
        rule = rules.get(record.record_type) or default
        if rule is None:
            continue
        met = common(record, rule)
        if {"age", "superseded"} & set(met):
            found.append(Candidate(record, rule, None, _ordered(met), None, latest.get((None, record.pk), "")))
    if not include_reviewed:
        found = [f for f in found if f.status != WeedingDecision.Decision.KEEP]
    if criterion:
        found = [f for f in found if criterion in f.criteria]
    found.sort(key=lambda f: (f.record.publication_year or 0, f.record.title_key, f.key))
    return found


def _ordered(met):
    return [c for c in CRITERIA_LABELS if c in met]


def copies_per_record(record_ids):
    return dict(
        Copy.objects.filter(record_id__in=record_ids)
        .exclude(status=Copy.Status.WITHDRAWN)
        .values_list("record_id")
        .annotate(n=Count("pk"))
    )
