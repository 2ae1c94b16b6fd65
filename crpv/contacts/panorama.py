"""The panorama des professionnels (programme I.5): who, how many, how positioned.

Counts come from the positions in force on a date (the 31 December of the
chosen year, or today for the current year); a person is counted once per
value of a dimension, even with several positions there. Anonymised people
count: erasure keeps their structure, role and territories for this page.
Arrivals are positions started in the year, departures positions ended in it.

Each count is one aggregate query (or one query per path for territories,
merged as distinct (value, person) pairs): the number of queries does not
depend on the number of people. Charts are drawn by matplotlib as SVG for
the page and the PDF, and as PNG for the one-page infographic.
"""

import base64
import datetime
import io
import textwrap
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Min, Q
from django.db.models.functions import ExtractMonth
from django.utils import timezone

from crpv.territories.models import ContratDeVille, Departement, Epci

from .models import OrganisationKind, Position, Role

MONTHS = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."]
CHART_LIMIT = 12  # bars in a chart; the table lists every value

# "Positionnement dans l'organisation": the level of the role in its structure.
# The base has no field for the hierarchical level, so it is read from the role.
LEVELS = {
    "decision": "élu·e ou direction",
    "pilotage": "pilotage et coordination",
    "mission": "chargé·e de mission, référent·e, agent",
    "habitant": "habitant·e, conseil citoyen",
    "autre": "non précisé",
}
LEVEL_BY_ROLE = {
    Role.ELECTED: "decision",
    Role.DIRECTION: "decision",
    Role.PILOT: "pilotage",
    Role.PROJECT_LEAD: "pilotage",
    Role.CPO: "pilotage",
    Role.CLSPD_COORDINATOR: "pilotage",
    Role.PREFECT_DELEGATE: "mission",
    Role.RADICALISATION_REFERENT: "mission",
    Role.VRL_TRAINER: "mission",
    Role.GUSP_TFPB: "mission",
    Role.DEVELOPMENT_AGENT: "mission",
    Role.CITIZEN: "habitant",
    Role.OTHER: "autre",
}

# Territories of a position: its structure's, its structure's commune's, and
# the person's own areas of intervention.
TERRITORY_PATHS = {
    "departement": (
        Departement,
        ["organisation__commune__departement", "organisation__departements", "person__departements"],
    ),
    "epci": (Epci, ["organisation__commune__epci", "organisation__epcis", "person__epcis"]),
    "contrat": (ContratDeVille, ["organisation__contrats_de_ville", "person__contrats_de_ville"]),
}


@dataclass
class Dimension:
    key: str
    title: str
    heading: str  # the first column of the table
    rows: list = field(default_factory=list)  # [(label, count)], largest first

    @property
    def total(self):
        return sum(n for _, n in self.rows)


@dataclass
class Panorama:
    year: int
    on: datetime.date
    people: int
    positions: int
    structures: int
    dimensions: list
    arrivals: int
    departures: int
    movements: list  # [(month label, arrivals, departures)]

    def dimension(self, key):
        return next(d for d in self.dimensions if d.key == key)


def available_years(today=None):
    """From the first year a position started (or the current year) to now."""
    today = today or timezone.localdate()
    first = Position.objects.aggregate(first=Min("start_date"))["first"]
    start = min(first.year, today.year) if first else today.year
    return list(range(today.year, max(start, today.year - 30) - 1, -1))


def _sorted(counter, labels):
    rows = [(labels.get(value, str(value)), n) for value, n in counter.items() if n]
    return sorted(rows, key=lambda r: (-r[1], r[0]))


def _single(current, path, labels):
    counter = Counter(
        {row[path]: row["n"] for row in current.values(path).annotate(n=Count("person", distinct=True)).order_by()}
    )
    return _sorted(counter, labels)


def _territory(current, model, paths):
    pairs = set()
    for path in paths:
        pairs.update(current.filter(**{f"{path}__isnull": False}).values_list(path, "person_id").distinct().order_by())
    counter = Counter(value for value, _ in pairs)
    names = {
        pk: f"{name} ({code})"
        for pk, code, name in model.objects.filter(pk__in=counter).values_list("pk", "code", "name")
    }
    return _sorted(counter, names)


def build(year=None, *, today=None):
    today = today or timezone.localdate()
    year = year or today.year
    on = min(today, datetime.date(year, 12, 31))
    current = Position.objects.current(on)
    totals = current.aggregate(
        people=Count("person", distinct=True),
        positions=Count("pk"),
        structures=Count("organisation", distinct=True),
    )
    roles = _single(current, "role", dict(Role.choices))
    level_counter = Counter()
    for row in current.values("role", "person").distinct().order_by():
        level_counter[(LEVEL_BY_ROLE.get(row["role"], "autre"), row["person"])] += 1
    levels = Counter(level for level, _ in level_counter)
    dimensions = [
        Dimension("role", "Rôle dans la politique de la ville", "rôle", roles),
        Dimension(
            "kind",
            "Type de structure employeuse",
            "type de structure",
            _single(current, "organisation__kind", dict(OrganisationKind.choices)),
        ),
        Dimension("level", "Positionnement dans l'organisation", "positionnement", _sorted(levels, LEVELS)),
    ]
    for key, title, heading in (
        ("departement", "Département", "département"),
        ("epci", "EPCI", "EPCI"),
        ("contrat", "Contrat de ville", "contrat de ville"),
    ):
        model, paths = TERRITORY_PATHS[key]
        dimensions.append(Dimension(key, title, heading, _territory(current, model, paths)))
    in_year = Q(start_date__year=year)
    out_year = Q(end_date__year=year)
    moves = Position.objects.aggregate(
        arrivals=Count("person", distinct=True, filter=in_year),
        departures=Count("person", distinct=True, filter=out_year),
    )
    by_month = {m: [0, 0] for m in range(1, 13)}
    for row in (
        Position.objects.filter(in_year)
        .annotate(m=ExtractMonth("start_date"))
        .values("m")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        by_month[row["m"]][0] = row["n"]
    for row in (
        Position.objects.filter(out_year)
        .annotate(m=ExtractMonth("end_date"))
        .values("m")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        by_month[row["m"]][1] = row["n"]
    return Panorama(
        year=year,
        on=on,
        people=totals["people"],
        positions=totals["positions"],
        structures=totals["structures"],
        dimensions=dimensions,
        arrivals=moves["arrivals"],
        departures=moves["departures"],
        movements=[(MONTHS[m - 1], a, d) for m, (a, d) in by_month.items()],
    )


# --- charts -------------------------------------------------------------------------------


def _colours():
    centre = settings.CRPV_CENTRE
    return centre.get("primary_color", "#00565f"), centre.get("accent_color", "#a3195b")


def _chart_rows(dimension):
    rows = dimension.rows[:CHART_LIMIT]
    rest = sum(n for _, n in dimension.rows[CHART_LIMIT:])
    if rest:
        rows = [*rows, ("autres", rest)]
    return rows


def draw_bars(ax, dimension, *, label_width=38, title_width=80):
    primary, _ = _colours()
    rows = list(reversed(_chart_rows(dimension)))
    labels = [label if len(label) <= label_width else label[: label_width - 1] + "…" for label, _ in rows]
    values = [n for _, n in rows]
    bars = ax.barh(range(len(rows)), values, color=primary)
    ax.set_yticks(range(len(rows)), labels)
    ax.bar_label(bars, padding=3, fontsize=8)
    ax.set_title(textwrap.fill(dimension.title, title_width), loc="left", fontsize=10, fontweight="bold")
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=8)
    ax.set_xlim(0, max(values or [1]) * 1.15 or 1)
    if not rows:
        ax.text(0.5, 0.5, "aucune donnée", ha="center", va="center", transform=ax.transAxes)


def draw_movements(ax, panorama):
    primary, accent = _colours()
    x = range(12)
    arrivals = [a for _, a, _ in panorama.movements]
    departures = [d for _, _, d in panorama.movements]
    ax.bar([i - 0.2 for i in x], arrivals, width=0.4, color=primary, label="arrivées")
    ax.bar([i + 0.2 for i in x], departures, width=0.4, color=accent, label="départs")
    ax.set_xticks(list(x), [m for m, _, _ in panorama.movements])
    ax.set_title(f"Arrivées et départs en {panorama.year}", loc="left", fontsize=10, fontweight="bold")
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=8)
    ax.legend(fontsize=8, frameon=False)
    ax.yaxis.get_major_locator().set_params(integer=True)


def _svg(figure):
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    return buffer.getvalue()


def _data_uri(svg):
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def chart_uris(panorama):
    """{dimension key or "movements": SVG data URI} for <img> in the page and the PDF."""
    matplotlib, Figure = _matplotlib()
    with matplotlib.rc_context({"svg.hashsalt": "crpv", "font.family": "DejaVu Sans"}):
        uris = {}
        for dimension in panorama.dimensions:
            height = 0.6 + 0.28 * max(1, len(_chart_rows(dimension)))
            figure = Figure(figsize=(6.5, height))
            draw_bars(figure.subplots(), dimension)
            uris[dimension.key] = _data_uri(_svg(figure))
        figure = Figure(figsize=(6.5, 2.6))
        draw_movements(figure.subplots(), panorama)
        uris["movements"] = _data_uri(_svg(figure))
    return uris


def infographic_png(panorama, *, dpi=150):
    """The one-page A4 infographic as PNG, drawn by matplotlib.

    Drawn directly rather than rasterised from the PDF: that needs poppler
    (`pdftoppm`), a system package a SQLite-only install does not have.
    """
    primary, _ = _colours()
    centre = settings.CRPV_CENTRE
    matplotlib, Figure = _matplotlib()
    with matplotlib.rc_context({"font.family": "DejaVu Sans"}):
        figure = Figure(figsize=(8.27, 11.69), dpi=dpi)
        grid = figure.add_gridspec(4, 2, top=0.80, bottom=0.05, left=0.3, right=0.97, hspace=0.55, wspace=1.35)
        figure.text(
            0.04,
            0.965,
            f"Panorama des professionnels de la politique de la ville — {panorama.year}",
            fontsize=14,
            fontweight="bold",
            color=primary,
        )
        figure.text(
            0.04, 0.945, f"{centre['name']}, {centre['long_name']} · situation au {panorama.on:%d/%m/%Y}", fontsize=9
        )
        figures = [
            (panorama.people, "professionnels en poste"),
            (panorama.structures, "structures"),
            (panorama.arrivals, f"arrivées en {panorama.year}"),
            (panorama.departures, f"départs en {panorama.year}"),
        ]
        for i, (value, label) in enumerate(figures):
            figure.text(0.04 + i * 0.24, 0.885, f"{value}", fontsize=22, fontweight="bold", color=primary)
            figure.text(0.04 + i * 0.24, 0.865, label, fontsize=9)
        for i, key in enumerate(["role", "kind", "level", "departement", "epci", "contrat"]):
            ax = figure.add_subplot(grid[i // 2, i % 2])
            draw_bars(ax, panorama.dimension(key), label_width=26, title_width=24)
        draw_movements(figure.add_subplot(grid[3, :]), panorama)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


def _matplotlib():
    """matplotlib, imported when a chart is drawn (half a second at import: not at start-up)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    return matplotlib, Figure
