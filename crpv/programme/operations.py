"""Use-cases that write the programme.

`import_programme` loads a parsed programme (see `parsing.py`) into the
database, updating in place. Identity of each row, so that a re-import
updates instead of duplicating:

* the programme by its year;
* an axis by its number (from the roman numeral);
* an action by (axis number, position within the axis) — the position is the
  order in the file, not the printed number, which may repeat ("1." twice in
  axis II of the 2025 seed);
* a target, a calendar window, a deliverable by (action, position).

The file is the source of truth for what it contains: titles, texts,
objectives, publics, partners, targets, calendar windows and deliverables
are overwritten from the file, and **rows that vanished from the file are
deleted** (targets, windows, deliverables, actions, axes), so the database
mirrors the document; the review screen lists every deletion before the
staff member confirms. The import never touches what the file does not
carry: the action owner, and partners' details once created. A target that
moved in the text keeps the identity of its position: inserting a target in
the middle of an action reports the following ones as updated.

Every run returns a `ChangeReport` (created / updated with field diffs /
deleted / unchanged) and, unless `dry_run`, writes an audit entry in the same
transaction. A dry run does the same work and rolls it back.
"""

from dataclasses import dataclass, field

from django.db import transaction

from crpv.core.models import AuditEntry
from crpv.programme.models import Action, Axis, CalendarWindow, Deliverable, Partner, Programme, Target
from crpv.programme.parsing import UNITS, ParsedProgramme

OPERATIONS = ("created", "updated", "deleted", "unchanged")
KINDS = {
    "programme": "programme",
    "axis": "axes",
    "action": "actions",
    "target": "objectifs chiffrés",
    "window": "périodes du calendrier",
    "deliverable": "livrables",
    "partner": "partenaires",
}


@dataclass
class ChangeReport:
    year: int
    dry_run: bool = False
    changes: list = field(default_factory=list)  # created, updated and deleted rows only
    counts: dict = field(default_factory=lambda: {kind: dict.fromkeys(OPERATIONS, 0) for kind in KINDS})

    def add(self, kind, operation, label, diff=None):
        self.counts[kind][operation] += 1
        if operation != "unchanged":
            self.changes.append({"kind": kind, "operation": operation, "label": label, "diff": diff or {}})

    @property
    def has_changes(self):
        return bool(self.changes)

    def as_dict(self):
        return {"year": self.year, "dry_run": self.dry_run, "counts": self.counts, "changes": self.changes}

    def summary_lines(self):
        """French lines for the command line and messages."""
        lines = []
        for kind, label in KINDS.items():
            counts = self.counts[kind]
            if any(counts.values()):
                lines.append(
                    f"{label} : {counts['created']} créé(s), {counts['updated']} modifié(s), "
                    f"{counts['deleted']} supprimé(s), {counts['unchanged']} inchangé(s)"
                )
        return lines


def _diff(obj, values):
    """Set `values` on `obj`; return {verbose name: [old, new]} of what changed."""
    diff = {}
    for name, new in values.items():
        old = getattr(obj, name)
        if old != new:
            diff[str(obj._meta.get_field(name).verbose_name)] = [old, new]
            setattr(obj, name, new)
    return diff


def _sync_children(report, kind, model, action, existing, wanted, label):
    """Upsert `wanted` (list of field dicts, in order) keyed by position; delete the rest."""
    by_position = {obj.position: obj for obj in existing}
    for position, values in enumerate(wanted, start=1):
        obj = by_position.pop(position, None)
        text = f"{action.code} n° {position} : {label(values)}"
        if obj is None:
            model.objects.create(action=action, position=position, **values)
            report.add(kind, "created", text)
            continue
        diff = _diff(obj, values)
        if diff:
            obj.save(update_fields=list(values))
            report.add(kind, "updated", text, diff)
        else:
            report.add(kind, "unchanged", text)
    for obj in by_position.values():
        report.add(kind, "deleted", f"{action.code} n° {obj.position} : {obj}")
        obj.delete()


def _partners(report, parsed_partners, cache):
    out = []
    for parsed in parsed_partners:
        partner = cache.get(parsed.name)
        if partner is None:
            partner, created = Partner.objects.get_or_create(
                name=parsed.name, defaults={"short_name": parsed.short_name}
            )
            cache[parsed.name] = partner
            if created:
                report.add("partner", "created", str(partner))
        out.append(partner)
    return out


def _target_label(values):
    quantity = values["quantity"]
    singular, plural = UNITS.get(values["unit"], (values["unit"], values["unit"]))
    unit = plural if (values["quantity_max"] or quantity) > 1 else singular
    if values["quantity_max"]:
        quantity = f"{quantity} à {values['quantity_max']}"
    return f"{quantity} {unit}"


def import_programme(*, parsed: ParsedProgramme, year: int, acting_user, dry_run=False) -> ChangeReport:
    """Create or update the programme of `year` from `parsed`. See the module docstring."""
    report = ChangeReport(year=year, dry_run=dry_run)
    with transaction.atomic():
        programme = Programme.objects.filter(year=year).first()
        values = {"title": parsed.title[:255], "intro": parsed.intro}
        if programme is None:
            programme = Programme.objects.create(year=year, **values)
            report.add("programme", "created", str(programme))
        else:
            diff = _diff(programme, values)
            if diff:
                programme.save()
                report.add("programme", "updated", str(programme), diff)
            else:
                report.add("programme", "unchanged", str(programme))

        axes = {axis.number: axis for axis in programme.axes.all()}
        actions = {
            (action.axis.number, action.position): action
            for action in Action.objects.filter(axis__programme=programme)
            .select_related("axis")
            .prefetch_related("partners", "targets", "calendar", "deliverables")
        }
        partner_cache = {p.name: p for p in Partner.objects.all()}

        for axis_position, parsed_axis in enumerate(parsed.axes, start=1):
            values = {
                "roman": parsed_axis.roman,
                "title": parsed_axis.title[:500],
                "description": parsed_axis.description,
                "objectives": "\n".join(parsed_axis.objectives),
                "position": axis_position,
            }
            axis = axes.pop(parsed_axis.number, None)
            label = f"{parsed_axis.roman}. {parsed_axis.title}"
            if axis is None:
                axis = Axis.objects.create(programme=programme, number=parsed_axis.number, **values)
                report.add("axis", "created", label)
            else:
                diff = _diff(axis, values)
                if diff:
                    axis.save()
                    report.add("axis", "updated", label, diff)
                else:
                    report.add("axis", "unchanged", label)

            for parsed_action in parsed_axis.actions:
                key = (axis.number, parsed_action.position)
                values = {
                    "number": parsed_action.number,
                    "title": parsed_action.title[:500],
                    "description": parsed_action.description,
                    "objectives": "\n".join(parsed_action.objectives),
                    "publics": "\n".join(parsed_action.publics),
                }
                action = actions.pop(key, None)
                created = action is None
                if created:
                    action = Action.objects.create(axis=axis, position=parsed_action.position, **values)
                    diff = {}
                    old_partners = []
                else:
                    action.axis = axis
                    diff = _diff(action, values)
                    if diff:
                        action.save()
                    old_partners = sorted(str(p) for p in action.partners.all())
                partners = _partners(report, parsed_action.partners, partner_cache)
                new_partners = sorted(str(p) for p in partners)
                if old_partners != new_partners:
                    action.partners.set(partners)
                    if not created:
                        diff["partenaires"] = [old_partners, new_partners]
                label = f"{action.code} {action.title}"
                report.add("action", "created" if created else ("updated" if diff else "unchanged"), label, diff)

                _sync_children(
                    report,
                    "target",
                    Target,
                    action,
                    [] if created else list(action.targets.all()),
                    [
                        {
                            "quantity": t.quantity,
                            "quantity_max": t.quantity_max,
                            "approximate": t.approximate,
                            "unit": t.unit,
                            "period": t.period,
                            "format": t.format,
                            "source": t.source,
                        }
                        for t in parsed_action.targets
                    ],
                    _target_label,
                )
                _sync_children(
                    report,
                    "window",
                    CalendarWindow,
                    action,
                    [] if created else list(action.calendar.all()),
                    [
                        {
                            "label": w.label[:255],
                            "start_month": w.start_month,
                            "end_month": w.end_month,
                            "start_year": w.start_year,
                            "end_year": w.end_year,
                        }
                        for w in parsed_action.calendar
                    ],
                    lambda v: v["label"],
                )
                _sync_children(
                    report,
                    "deliverable",
                    Deliverable,
                    action,
                    [] if created else list(action.deliverables.all()),
                    [{"kind": d.kind, "label": d.label[:255]} for d in parsed_action.deliverables],
                    lambda v: v["label"],
                )

        for action in actions.values():
            if action.axis.number not in axes:  # its axis stays: report the action itself
                report.add("action", "deleted", f"{action.code} {action.title}")
                action.delete()
        for axis in axes.values():
            report.add("axis", "deleted", str(axis))
            axis.delete()

        if dry_run:
            transaction.set_rollback(True)
        else:
            AuditEntry.record(acting_user, "programme.imported", programme, **report.as_dict())
    return report
