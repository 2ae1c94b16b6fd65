"""Catalogue search: full text, filters, facets with counts, sorting and pagination.

With words to look for, the engine's FTS-only query gives at most
`CANDIDATE_CAP` candidates with their score (backends.py); the filters
(visibility, facets) then run on the records table restricted to those ids,
and the page is sorted in Python from the scores. Without words, the same
filters run on the whole catalogue and the database sorts.

The index holds the alive records and whether each is public. So when the
caller says its base is one of those two sets (`scope`), the FTS query keeps
only the records of that set; with no filter, no facet and an order by
relevance or recency, the candidates are then the results, and the records
table is read only for the page shown (through `base`, so a record whose index
entry lags behind a change is never shown).
"""

import json
from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Prefetch, Q

from ..formats.base import RECORD_TYPES
from ..models import Attachment, Authorship, Copy, Record
from .backends import get_backend
from .highlight import excerpt, highlight
from .query import compile_query, positive_terms

CANDIDATE_CAP = 5000
PER_PAGE = 20
AUTHOR_FACET_SIZE = 10

SORTS = {"pertinence": "pertinence", "date": "date de publication", "titre": "titre", "recent": "ajout au catalogue"}

YEAR_RANGES = {
    "avant-2000": ("avant 2000", None, 1999),
    "2000-2009": ("2000 à 2009", 2000, 2009),
    "2010-2014": ("2010 à 2014", 2010, 2014),
    "2015-2019": ("2015 à 2019", 2015, 2019),
    "depuis-2020": ("depuis 2020", 2020, None),
}


def _year_q(key):
    _, low, high = YEAR_RANGES[key]
    q = Q(publication_year__isnull=False)
    if low is not None:
        q &= Q(publication_year__gte=low)
    if high is not None:
        q &= Q(publication_year__lte=high)
    return q


def available_q():
    """An available copy, or a public attachment."""
    return Q(
        Exists(Copy.objects.filter(record=OuterRef("pk"), status=Copy.Status.AVAILABLE))
        | Exists(Attachment.objects.filter(record=OuterRef("pk"), access=Attachment.Access.PUBLIC))
    )


@dataclass
class Filters:
    types: list = field(default_factory=list)
    themes: list = field(default_factory=list)
    years: list = field(default_factory=list)
    territories: list = field(default_factory=list)  # "dep-59", "cv-CN05902M"
    authors: list = field(default_factory=list)  # agent ids
    available: bool = False
    subject: object = None  # a Concept

    def is_empty(self):
        """No filter set."""
        return not (
            self.types
            or self.themes
            or self.years
            or self.territories
            or self.authors
            or self.available
            or self.subject is not None
        )

    def apply(self, queryset):
        if self.types:
            queryset = queryset.filter(record_type__in=self.types)
        if self.themes:
            queryset = queryset.filter(get_backend().theme_filter(self.themes))
        if self.years:
            year_q = Q()
            for key in self.years:
                year_q |= _year_q(key)
            queryset = queryset.filter(year_q)
        if self.territories:
            territory_q = Q()
            for value in self.territories:
                kind, _, code = value.partition("-")
                if kind == "dep":
                    territory_q |= Q(departements__code=code)
                elif kind == "cv":
                    territory_q |= Q(contrats_de_ville__code=code)
            queryset = queryset.filter(pk__in=Record.objects.filter(territory_q).values("pk"))
        if self.authors:
            queryset = queryset.filter(pk__in=Authorship.objects.filter(agent_id__in=self.authors).values("record_id"))
        if self.available:
            queryset = queryset.filter(available_q())
        if self.subject is not None:
            queryset = queryset.filter(pk__in=Record.objects.with_subject(self.subject).values("pk"))
        return queryset


@dataclass
class Option:
    value: str
    label: str
    count: int
    checked: bool


@dataclass
class Facet:
    name: str  # form field
    legend: str
    options: list


@dataclass
class SearchResults:
    query: str
    sort: str
    total: int
    capped: bool
    page: object  # django Page of record ids
    records: list  # Record instances of the page, with .title_html and .excerpt
    facets: list
    invalid: bool = False  # words given, nothing left to look for

    @property
    def has_query(self):
        return bool(self.query)


def _order_rows(rows, scores, sort):
    """rows: (pk, year, title_key) → sorted ids."""
    if sort == "date":
        rows.sort(key=lambda r: (r[1] is None, -(r[1] or 0), -r[0]))
    elif sort == "titre":
        rows.sort(key=lambda r: (r[2], r[0]))
    else:
        # Most recent first, then (relevance) a stable sort on the score: (score, -id) without a Python key
        # function per row (5 000 lambda calls and tuples took ~4 ms).
        ids = [r[0] for r in rows]
        ids.sort(reverse=True)
        if sort != "recent":
            ids.sort(key=scores.__getitem__)
        return ids
    return [r[0] for r in rows]


_DB_ORDER = {
    "date": ["-publication_year", "-pk"],
    "titre": ["title_key", "pk"],
    "recent": ["-pk"],
    "pertinence": ["-pk"],
}


def search_records(
    base,
    query="",
    filters=None,
    *,
    sort="pertinence",
    page=1,
    per_page=PER_PAGE,
    with_facets=True,
    cap=CANDIDATE_CAP,
    scope=None,
):
    """Search `base`, a Record queryset; see the module docstring.

    `scope`: "public" when `base` is `Record.objects.public()`, "alive" when it is `Record.objects.alive()`,
    None for any other queryset (the candidates are then always checked against `base` in the database).
    """
    if scope not in (None, "public", "alive"):
        raise ValueError(f"scope: {scope!r}")
    filters = filters or Filters()
    query = (query or "").strip()
    sort = sort if sort in SORTS else "pertinence"
    tree = compile_query(query) if query else None
    queryset = filters.apply(base)
    capped = invalid = False
    backend = get_backend()
    if query and tree is None:
        invalid = True
        matching = queryset.none()
        ids = []
        rows = []
    elif tree is not None:
        candidates = backend.candidates(tree, cap, public_only=scope == "public")
        capped = len(candidates) >= cap
        scores = dict(candidates)
        matching = queryset.filter(backend.in_ids("pk", scores))
        if scope and filters.is_empty() and not with_facets and sort in ("pertinence", "recent"):
            rows = [(pk,) for pk in scores]  # the candidates are the results: nothing to read or filter
        else:
            # The facets and the date and title orders need the rows' other columns; relevance needs only the ids.
            rows = candidate_rows(matching, full=with_facets or sort in ("date", "titre"))
        ids = _order_rows(list(rows), scores, sort)
    else:
        rows = None
        if sort == "pertinence":
            sort = "recent"
        matching = queryset
        ids = matching.order_by(*_DB_ORDER[sort]).values_list("pk", flat=True)
    paginator = Paginator(ids, per_page)
    page_obj = paginator.get_page(page)
    page_ids = list(page_obj.object_list)
    # to_attr: no per-record queryset for the prefetch (the page's largest Python cost otherwise).
    by_id = (
        base.filter(pk__in=page_ids)
        .prefetch_related(
            Prefetch("authorships", queryset=Authorship.objects.select_related("agent"), to_attr="page_authorships")
        )
        .in_bulk()
    )
    records = [by_id[pk] for pk in page_ids if pk in by_id]
    stems, prefixes = positive_terms(tree)
    for record in records:
        record.title_html = highlight(record.title, stems, prefixes)
        record.excerpt = excerpt(record.abstract or record.contents or record.notes, stems, prefixes)
    facets = compute_facets(matching, filters, rows=rows) if with_facets and not invalid else []
    return SearchResults(
        query=query,
        sort=sort,
        total=paginator.count,
        capped=capped,
        page=page_obj,
        records=records,
        facets=facets,
        invalid=invalid,
    )


_ROW_COLUMNS = ("pk", "publication_year", "title_key", "record_type", "themes")


def candidate_rows(matching, full=True):
    """(pk, year, title key, type, themes as the database gives them) of the matching records, in one query.

    `full=False`: only (pk,), for the relevance and recency orders without facets.

    Read once per search, for the ordering and for the type, year and theme facets (counted in Python):
    the filters and the records' rows are not read again for each facet. Raw cursor: the themes are
    only counted, so they are parsed once per distinct value (`_theme_counts_from_rows`), not per row.
    """
    try:
        sql, params = matching.order_by().values_list(*(_ROW_COLUMNS if full else ("pk",))).query.sql_with_params()
    except EmptyResultSet:  # `pk__in=[]`: no candidates
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _theme_counts_from_rows(rows):
    raw_counts = Counter()
    for row in rows:
        value = row[4]
        if value:
            raw_counts[value if isinstance(value, str) else json.dumps(value)] += 1
    counts = Counter()
    for raw, n in raw_counts.items():
        try:
            themes = json.loads(raw)
        except ValueError:
            continue
        if isinstance(themes, list):
            for theme in themes:
                counts[theme if isinstance(theme, str) else json.dumps(theme)] += n
    return counts


def _year_counts_from_rows(rows):
    by_year = Counter(row[1] for row in rows if row[1] is not None)
    counts = {}
    for key, (_, low, high) in YEAR_RANGES.items():
        counts[key] = sum(
            n for year, n in by_year.items() if (low is None or year >= low) and (high is None or year <= high)
        )
    return counts


def compute_facets(matching, filters, rows=None):
    """Facets with their counts over the matching records (filters applied).

    With `rows` (`candidate_rows(matching)`: a search's capped candidates), the type, year and theme counts
    come from those rows and the other facets are one grouped query each on that list of ids. Without
    (browsing the whole catalogue), every count is a grouped query on `matching`.
    """
    from crpv.territories.models import ContratDeVille, Departement

    matching = matching.order_by()
    if rows is not None:
        row_ids = [row[0] for row in rows]

        def of_matching(field):
            return get_backend().in_ids(field, row_ids)

    else:

        def of_matching(field):
            return Q(**{f"{field}__in": matching.values("pk")})

    facets = []

    if rows is not None:
        counts = Counter(row[3] for row in rows)
    else:
        counts = dict(matching.values_list("record_type").annotate(n=Count("pk")).values_list("record_type", "n"))
    options = [
        Option(code, label, counts.get(code, 0), code in filters.types)
        for code, label in RECORD_TYPES.items()
        if counts.get(code) or code in filters.types
    ]
    facets.append(Facet("type", "type de document", options))

    theme_counts = _theme_counts_from_rows(rows) if rows is not None else dict(_theme_counts(matching))
    themes = sorted(set(theme_counts) | set(filters.themes), key=lambda t: (-theme_counts.get(t, 0), t))
    facets.append(Facet("theme", "thème", [Option(t, t, theme_counts.get(t, 0), t in filters.themes) for t in themes]))

    if rows is not None:
        years = {key.replace("-", "_"): n for key, n in _year_counts_from_rows(rows).items()}
    else:
        years = matching.aggregate(**{key.replace("-", "_"): Count("pk", filter=_year_q(key)) for key in YEAR_RANGES})
    options = [
        Option(key, label, years[key.replace("-", "_")], key in filters.years)
        for key, (label, _, _) in YEAR_RANGES.items()
        if years[key.replace("-", "_")] or key in filters.years
    ]
    facets.append(Facet("annee", "année de publication", options))

    options = []
    dep_through = Record.departements.through
    for code, name, n in (
        dep_through.objects.filter(of_matching("record_id"))
        .values_list("departement__code", "departement__name")
        .annotate(n=Count("record_id"))
        .order_by("departement__code")
    ):
        options.append(Option(f"dep-{code}", f"{name} ({code})", n, f"dep-{code}" in filters.territories))
    cv_through = Record.contrats_de_ville.through
    for code, name, n in (
        cv_through.objects.filter(of_matching("record_id"))
        .values_list("contratdeville__code", "contratdeville__name")
        .annotate(n=Count("record_id"))
        .order_by("-n", "contratdeville__name")[:15]
    ):
        options.append(Option(f"cv-{code}", f"contrat de ville {name}", n, f"cv-{code}" in filters.territories))
    shown = {o.value for o in options}
    for value in filters.territories:
        if value not in shown:
            kind, _, code = value.partition("-")
            model = Departement if kind == "dep" else ContratDeVille
            name = model.objects.filter(code=code).values_list("name", flat=True).first()
            if name:
                options.append(Option(value, name, 0, True))
    facets.append(Facet("territoire", "territoire", options))

    options = []
    for agent_id, name, forename, n in (
        Authorship.objects.filter(of_matching("record_id"))
        .values_list("agent_id", "agent__name", "agent__forename")
        .annotate(n=Count("record_id", distinct=True))
        .order_by("-n", "agent__key")[:AUTHOR_FACET_SIZE]
    ):
        label = f"{forename} {name}" if forename else name
        options.append(Option(str(agent_id), label, n, str(agent_id) in filters.authors))
    facets.append(Facet("auteur", "auteur", options))

    if rows is not None:
        available = len(
            set(
                Copy.objects.filter(of_matching("record_id"), status=Copy.Status.AVAILABLE).values_list(
                    "record_id", flat=True
                )
            )
            | set(
                Attachment.objects.filter(of_matching("record_id"), access=Attachment.Access.PUBLIC)
                .order_by()
                .values_list("record_id", flat=True)
            )
        )
    else:
        available = matching.filter(available_q()).count()
    facets.append(
        Facet("disponible", "disponibilité", [Option("1", "disponible ou en ligne", available, filters.available)])
    )
    return [f for f in facets if f.options]


def _theme_counts(matching):
    sql, params = matching.values("pk").query.sql_with_params()
    return get_backend().theme_counts(sql, params)
