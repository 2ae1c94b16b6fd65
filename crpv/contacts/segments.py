"""Segments: dynamic filters over the base Acteurs.

`people_matching(criteria)` turns a criteria dict (as `SegmentForm` cleans
it, and as `Segment.criteria` stores it) into a Person queryset. Every
criterion is a subquery (`pk IN (SELECT person_id …)`), so the query never
joins to a many-valued relation: no duplicated rows, no `distinct`, and a
count costs one SQL statement whatever the size of the base.

Criteria keys (all optional; lists of codes combine with OR inside a key,
keys combine with AND):

- ``roles``, ``kinds``: role held, type of the structure (on the same position;
  a territory of a structure counts only on such a position);
- ``positions``: ``"current"``, ``"past"`` or ``""`` (any) — which positions count;
- ``departements`` (INSEE codes), ``epcis`` (SIREN), ``contrats`` (CN… codes),
  ``qpvs`` (QN… codes): the person works there (declared on the person) or
  holds a position in a structure located there;
- ``networks``, ``themes``: slugs; network membership in force today;
- ``legal_bases``: `LegalBasis` values;
- ``subscription``: ``"subscribed"``, ``"unsubscribed"`` or ``"never"``,
  from the person's latest subscription-related consent event;
- ``q``: name, e-mail or structure, accent-insensitive.
"""

from django.db import connections
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

from crpv.core.text import fold

from .models import ConsentEvent, ConsentKind, Membership, Network, Organisation, Person, Position

CRITERIA_KEYS = (
    "q",
    "roles",
    "kinds",
    "positions",
    "departements",
    "epcis",
    "contrats",
    "qpvs",
    "networks",
    "themes",
    "legal_bases",
    "subscription",
)
POSITION_SCOPES = {"": "tous les postes", "current": "postes actuels", "past": "postes passés"}
SUBSCRIPTION_STATES = {
    "subscribed": "abonné·e",
    "unsubscribed": "désabonné·e ou opposé·e",
    "never": "jamais abonné·e",
}
SUBSCRIPTION_KINDS = (
    ConsentKind.SUBSCRIPTION,
    ConsentKind.RECONFIRMATION,
    ConsentKind.WITHDRAWAL,
    ConsentKind.OBJECTION,
)


def _person_m2m(field_name, lookup, values):
    """Through-table rows of the person's own many-to-many field that match."""
    field = Person._meta.get_field(field_name)
    target = field.related_model._meta.model_name
    return field.remote_field.through.objects.filter(**{f"{target}__{lookup}__in": values})


def _scoped_positions(criteria, today):
    positions = Position.objects.all()
    scope = criteria.get("positions") or ""
    if scope == "current":
        positions = positions.filter(
            Q(start_date__isnull=True) | Q(start_date__lte=today), Q(end_date__isnull=True) | Q(end_date__gte=today)
        )
    elif scope == "past":
        positions = positions.filter(end_date__lt=today)
    if criteria.get("roles"):
        positions = positions.filter(role__in=criteria["roles"])
    if criteria.get("kinds"):
        positions = positions.filter(organisation__kind__in=criteria["kinds"])
    return positions


TERRITORIES = (
    # (criteria key, the person's own field, structure lookups)
    (
        "departements",
        "departements",
        ("organisation__commune__departement__code__in", "organisation__departements__code__in"),
    ),
    ("epcis", "epcis", ("organisation__commune__epci__code__in", "organisation__epcis__code__in")),
    ("contrats", "contrats_de_ville", ("organisation__contrats_de_ville__code__in",)),
    ("qpvs", "qpvs", ("organisation__commune__qpvs__code__in",)),
)


def _in_territory(org_lookups, values):
    """Ids of the structures located in the territory (a small, non-correlated subquery)."""
    condition = Q()
    for org_lookup in org_lookups:
        condition |= Q(**{org_lookup.removeprefix("organisation__"): values})
    return Organisation.objects.filter(condition).values("pk")


def people_matching(criteria, *, today=None):
    """The active (not anonymised) people selected by `criteria`.

    Each criterion is a non-correlated `pk IN (SELECT person_id …)` read from a
    covering index (see the indexes of Position and Membership): the database
    computes it once, as a semi-join, and drives the count from the smallest
    list instead of probing every person. Territories resolve to structure ids
    first (a few thousand rows at most), and "declared by the person OR held
    in a structure there" is one `UNION ALL` list rather than an `OR` of two
    subqueries (which PostgreSQL cannot turn into a semi-join).
    """
    criteria = criteria or {}
    today = today or timezone.localdate()
    people = Person.objects.active()
    positions = _scoped_positions(criteria, today)
    if criteria.get("roles") or criteria.get("kinds") or criteria.get("positions"):
        people = people.filter(pk__in=positions.values("person_id"))
    for key, field_name, org_lookups in TERRITORIES:
        values = criteria.get(key)
        if not values:
            continue
        declared = _person_m2m(field_name, "code", values).order_by().values("person_id")
        in_structure = positions.filter(organisation_id__in=_in_territory(org_lookups, values))
        in_structure = in_structure.order_by().values("person_id")
        people = people.filter(pk__in=declared.union(in_structure, all=True))
    if criteria.get("networks"):
        networks = Network.objects.filter(slug__in=criteria["networks"]).values("pk")
        memberships = Membership.objects.current(today).filter(network_id__in=networks)
        people = people.filter(pk__in=memberships.values("person_id"))
    if criteria.get("themes"):
        people = people.filter(pk__in=_person_m2m("themes", "slug", criteria["themes"]).values("person_id"))
    if criteria.get("legal_bases"):
        people = people.filter(legal_basis__in=criteria["legal_bases"])
    if criteria.get("subscription"):
        people = with_subscription_state(people, criteria["subscription"])
    if criteria.get("q"):
        people = people.filter(search_condition(criteria["q"]))
    return people


def count_active_people():
    """The exact number of active people, as `people_matching({}).count()` gives it.

    All the rows minus the anonymised ones (a partial index): SQLite counts a
    whole table from its smallest index without reading a row, where
    ``WHERE NOT is_anonymised`` reads every row.
    """
    connection = connections[Person.objects.db]
    table = connection.ops.quote_name(Person._meta.db_table)
    column = connection.ops.quote_name(Person._meta.get_field("is_anonymised").column)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT (SELECT COUNT(*) FROM {table}) - (SELECT COUNT(*) FROM {table} WHERE {column})")  # noqa: S608
        return cursor.fetchone()[0]


def latest_subscription_kind():
    """Subquery: the kind of the person's latest subscription-related consent event."""
    return Subquery(
        ConsentEvent.objects.filter(person_id=OuterRef("pk"), kind__in=SUBSCRIPTION_KINDS)
        .order_by("-at", "-pk")
        .values("kind")[:1]
    )


def with_subscription_state(people, state):
    if state == "never":
        return people.exclude(
            Exists(ConsentEvent.objects.filter(person_id=OuterRef("pk"), kind__in=SUBSCRIPTION_KINDS))
        )
    if state == "subscribed":
        kinds = (ConsentKind.SUBSCRIPTION, ConsentKind.RECONFIRMATION)
    else:
        kinds = (ConsentKind.WITHDRAWAL, ConsentKind.OBJECTION)
    return people.alias(last_subscription=latest_subscription_kind()).filter(last_subscription__in=kinds)


def search_condition(text):
    """Name, e-mail or structure name containing `text` (case and accents ignored)."""
    folded = fold(text)
    condition = Q(email__icontains=text.strip()) if text.strip() else Q()
    if folded:
        condition |= Q(folded_name__contains=folded)
        condition |= Q(pk__in=Position.objects.filter(organisation__folded_name__contains=folded).values("person_id"))
    return condition


def describe(criteria, labels):
    """French one-line summary of `criteria` for lists and exports.

    `labels` maps each key to {value: label} (the form's choices).
    """
    parts = []
    for key in CRITERIA_KEYS:
        value = criteria.get(key)
        if not value:
            continue
        names = labels.get(key, {})
        if isinstance(value, list):
            shown = ", ".join(str(names.get(v, v)) for v in value)
        else:
            shown = str(names.get(value, value))
        parts.append(f"{labels.get('_titles', {}).get(key, key)} : {shown}")
    return " ; ".join(parts) or "toute la base"
