"""Merging two records of the same person, and finding probable duplicates.

`merge_people` moves every row that points at the merged person to the kept
one. It finds those rows from the model metadata (every foreign key and
one-to-one field to `Person`, including the hidden ones of many-to-many
through tables), so a relation added by another app later — the events
app's registrations and invitations today — follows without a change here.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db import models, transaction
from django.db.models import Count
from rapidfuzz import fuzz

from crpv.core.models import AuditEntry

from .models import ConsentEvent, Person, Position

# Fields copied from the merged person when the kept one leaves them blank.
FILLABLE_FIELDS = ("first_name", "email", "phone", "mobile_phone", "function_title")
SIMILARITY_THRESHOLD = 88


class MergeError(Exception):
    """The two records cannot be merged (the message is French)."""


def person_relations():
    """Every (model, foreign key field) pointing at Person, hidden ones included.

    `Person._meta.related_objects` leaves out the through tables of
    many-to-many fields (their relations are hidden); the through rows must
    move too, so this reads `get_fields(include_hidden=True)`.
    """
    relations = []
    for rel in Person._meta.get_fields(include_hidden=True):
        if rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one):
            relations.append((rel.related_model, rel.field))
    return relations


def _unique_sets(model):
    """Each set of field names that must be unique together, with its condition."""
    meta = model._meta
    sets = [((f.name,), None) for f in meta.concrete_fields if f.unique and not f.primary_key]
    sets += [(tuple(names), None) for names in meta.unique_together]
    for constraint in meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and constraint.fields:
            sets.append((tuple(constraint.fields), constraint.condition))
    return sets


def _conflict(model, field, row, kept, unique_sets):
    """The kept person's row that `row` would duplicate once moved, if any."""
    for names, condition in unique_sets:
        if field.name not in names:
            continue
        lookup = {field.name: kept}
        for name in names:
            if name != field.name:
                lookup[model._meta.get_field(name).attname] = getattr(row, model._meta.get_field(name).attname)
        candidates = model._base_manager.filter(**lookup)
        if condition is not None:
            if not model._base_manager.filter(condition, pk=row.pk).exists():
                continue
            candidates = candidates.filter(condition)
        existing = candidates.first()
        if existing is not None:
            return existing
    return None


def repoint_consent_history(*, from_person, to_person):
    """Move a person's consent register to another record of the same person.

    The register is append-only: its queryset refuses `update()` so that no
    ordinary code rewrites the proof of consent. A merge is the one case where
    the rows must change owner (the human is the same; deleting the merged
    record would otherwise lose the proof). This goes through the model's
    plain base manager, changes only `person`, and the caller records the
    move in the audit log with the ids of the moved events.
    """
    ids = list(ConsentEvent._base_manager.filter(person=from_person).values_list("pk", flat=True))
    ConsentEvent._base_manager.filter(pk__in=ids).update(person=to_person)
    return ids


@dataclass
class MergeResult:
    kept: Person
    moved: dict
    dropped: list
    filled: dict
    consent_events: list


@transaction.atomic
def merge_people(*, kept, merged, acting_user):
    """Move everything of `merged` to `kept`, record it, delete `merged`.

    - Blank fields of `kept` are filled from `merged` (e-mail included).
    - Every row pointing at `merged` moves to `kept`. When moving a row would
      break a unique constraint (one registration per event, the same theme
      twice…), the kept person's row stays and the merged person's row is
      deleted; the audit entry lists it.
    - The consent register moves as a whole (`repoint_consent_history`).
    """
    if kept.pk == merged.pk:
        raise MergeError("Choisissez deux fiches différentes.")
    kept = Person.objects.select_for_update().get(pk=kept.pk)
    merged = Person.objects.select_for_update().get(pk=merged.pk)
    if kept.is_anonymised or merged.is_anonymised:
        raise MergeError("Une fiche anonymisée ne se fusionne pas.")

    filled = {}
    for name in FILLABLE_FIELDS:
        if not getattr(kept, name) and getattr(merged, name):
            filled[name] = getattr(merged, name)
    if merged.notes:
        kept.notes = "\n\n".join(filter(None, [kept.notes, merged.notes]))
    for name in ("last_own_action_at",):
        theirs = getattr(merged, name)
        if theirs and (getattr(kept, name) is None or theirs > getattr(kept, name)):
            setattr(kept, name, theirs)
    if "email" in filled:
        # The address is unique: free it before giving it to the kept record.
        Person.objects.filter(pk=merged.pk).update(email="")

    consent_ids = repoint_consent_history(from_person=merged, to_person=kept)
    moved, dropped = defaultdict(int), []
    for model, field in person_relations():
        if model is ConsentEvent:
            continue
        label = model._meta.label_lower
        unique_sets = _unique_sets(model)
        for row in model._base_manager.filter(**{field.name: merged}).order_by("pk"):
            existing = _conflict(model, field, row, kept, unique_sets) if unique_sets else None
            if existing is not None:
                dropped.append({"model": label, "id": row.pk, "repr": str(row)[:200], "kept_id": existing.pk})
                row.delete()
                continue
            model._base_manager.filter(pk=row.pk).update(**{field.name: kept})
            moved[f"{label}.{field.name}"] += 1

    for name, value in filled.items():
        setattr(kept, name, value)
    kept.save()
    merged_repr, merged_pk = str(merged), merged.pk
    merged.delete()
    AuditEntry.record(
        acting_user,
        "contacts.people_merged",
        kept,
        merged_id=merged_pk,
        merged=merged_repr,
        moved=dict(moved),
        dropped=dropped,
        filled=sorted(filled),
        consent_events=consent_ids,
    )
    return MergeResult(kept=kept, moved=dict(moved), dropped=dropped, filled=filled, consent_events=consent_ids)


@dataclass(frozen=True)
class DuplicatePair:
    first_id: int
    second_id: int
    reason: str
    score: int = 100


def probable_duplicates(limit=200):
    """Pairs of people that are probably the same person, most certain first.

    Same name and first name anywhere in the base; close names among the
    people of one structure (RapidFuzz, token order ignored); the same
    e-mail address before the @ with close names.
    """
    active = Person.objects.active()
    pairs = {}

    def add(a, b, reason, score):
        key = (min(a, b), max(a, b))
        if key not in pairs or pairs[key].score < score:
            pairs[key] = DuplicatePair(key[0], key[1], reason, score)

    same_names = (
        active.exclude(folded_name="").values("folded_name").annotate(n=Count("pk")).filter(n__gt=1).order_by()
    )
    ids_by_name = defaultdict(list)
    for pk, folded in active.filter(folded_name__in=same_names.values("folded_name")).values_list("pk", "folded_name"):
        ids_by_name[folded].append(pk)
    for ids in ids_by_name.values():
        ids.sort()
        for other in ids[1:]:
            add(ids[0], other, "même nom et prénom", 100)

    people_by_org = defaultdict(dict)
    for org_id, pk, folded in Position.objects.filter(person__is_anonymised=False).values_list(
        "organisation_id", "person_id", "person__folded_name"
    ):
        people_by_org[org_id][pk] = folded
    for members in people_by_org.values():
        items = sorted(members.items())
        for i, (a, name_a) in enumerate(items):
            for b, name_b in items[i + 1 :]:
                score = fuzz.token_sort_ratio(name_a, name_b)
                if score >= SIMILARITY_THRESHOLD and name_a != name_b:
                    add(a, b, "nom proche dans la même structure", round(score))

    ids_by_local = defaultdict(list)
    for pk, email, folded in active.exclude(email="").values_list("pk", "email", "folded_name"):
        ids_by_local[email.split("@", 1)[0]].append((pk, folded))
    for group in ids_by_local.values():
        for i, (a, name_a) in enumerate(group):
            for b, name_b in group[i + 1 :]:
                score = fuzz.token_sort_ratio(name_a, name_b)
                if score >= SIMILARITY_THRESHOLD:
                    add(a, b, "même adresse avant l'@, nom proche", round(score))

    return sorted(pairs.values(), key=lambda p: (-p.score, p.first_id, p.second_id))[:limit]
