"""Weeding decisions: append-only, each with its audit entry, in one transaction."""

from django.db import transaction
from django.utils import timezone

from crpv.core.models import AuditEntry

from ..models import Copy, Record, WeedingDecision
from ..tasks import index_after_commit


class WeedingError(ValueError):
    pass


def resolve_targets(keys):
    """["copy:12", "record:3"] → [(copy or None, record)]; WeedingError (French) on an unknown key."""
    copy_ids, record_ids = [], []
    for key in keys:
        kind, _, pk = key.partition(":")
        if not pk.isdigit() or kind not in ("copy", "record"):
            raise WeedingError(f"élément inconnu « {key} »")
        (copy_ids if kind == "copy" else record_ids).append(int(pk))
    copies = {c.pk: c for c in Copy.objects.filter(pk__in=copy_ids).select_related("record")}
    records = {r.pk: r for r in Record.objects.filter(pk__in=record_ids)}
    if len(copies) != len(set(copy_ids)) or len(records) != len(set(record_ids)):
        raise WeedingError("un des éléments choisis n'existe plus")
    return [(c, c.record) for c in copies.values()] + [(None, r) for r in records.values()]


@transaction.atomic
def decide(*, targets, decision, reason, acting_user, partner="", criteria=None, rule=None):
    """Write one decision per (copy or None, record). Discarding, transferring or offering a copy
    withdraws it (status « retiré »); for a record without copies, it tombstones the record
    (an OAI-PMH deletion for the network). The records' datestamps move, so harvesters see it."""
    if decision not in WeedingDecision.Decision.values:
        raise WeedingError(f"décision inconnue « {decision} »")
    if not reason.strip():
        raise WeedingError("le motif est obligatoire")
    criteria = criteria or {}
    now = timezone.now()
    written = []
    tombstoned = []
    for copy, record in targets:
        key = f"copy:{copy.pk}" if copy else f"record:{record.pk}"
        entry = WeedingDecision.objects.create(
            copy=copy,
            record=record,
            decision=decision,
            reason=reason.strip(),
            partner=partner.strip()[:200],
            criteria=list(criteria.get(key, [])),
            rule=rule.get(key) if isinstance(rule, dict) else rule,
            decided_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
        )
        written.append(entry)
        if decision in WeedingDecision.WITHDRAWING:
            if copy is not None:
                Copy.objects.filter(pk=copy.pk).update(status=Copy.Status.WITHDRAWN)
            else:
                Record.objects.filter(pk=record.pk, deleted_at__isnull=True).update(deleted_at=now)
                tombstoned.append(record.pk)
            Record.objects.filter(pk=record.pk).update(updated_at=now)
        AuditEntry.record(
            acting_user, f"catalogue.weeding.{decision}", copy or record, reason=entry.reason, partner=entry.partner
        )
    index_after_commit(record_ids=tombstoned)  # out of the search index
    return written


def propose(*, candidates, acting_user):
    """Record « proposed » for the candidates that have no decision yet (the candidate list, kept)."""
    fresh = [c for c in candidates if not c.status]
    for candidate in fresh:
        decide(
            targets=[(candidate.copy, candidate.record)],
            decision=WeedingDecision.Decision.PROPOSED,
            reason=(
                f"règle « {candidate.rule.name} » ({candidate.rule.formula}) : " + ", ".join(candidate.criteria_labels)
            ),
            acting_user=acting_user,
            criteria={candidate.key: candidate.criteria},
            rule=candidate.rule,
        )
    return fresh
