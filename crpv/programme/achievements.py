"""How much of each programme target has been achieved.

The programme does not know what counts as an achievement: later apps do.
An app registers a *provider*, a function that takes a list of `Target`
objects and returns ``{target_id: achieved}`` for the targets it knows
about, counting with a constant number of queries (one grouped query, not
one per target). Register it once, in the app's `AppConfig.ready()`::

    from crpv.programme import achievements

    def count_sessions(targets):
        rows = (
            Session.objects.filter(event__target__in=targets, held=True)
            .values("event__target").annotate(n=Count("pk"))
        )
        return {row["event__target"]: row["n"] for row in rows}

    achievements.register("events", count_sessions)

The achieved count of a target is the sum over providers; with no provider
registered, it is 0. `progress()` turns it into a percentage of the target's
quantity (the low end of a range), which may exceed 100.
"""

from collections.abc import Callable, Iterable

Provider = Callable[[list], dict[int, int]]

_providers: dict[str, Provider] = {}


def register(name: str, provider: Provider) -> None:
    """Register (or replace) the provider called `name`."""
    _providers[name] = provider


def unregister(name: str) -> None:
    _providers.pop(name, None)


def providers() -> dict[str, Provider]:
    return dict(_providers)


def achieved_for(targets: Iterable) -> dict[int, int]:
    """{target id: achieved count} for every target given (0 when unknown)."""
    targets = list(targets)
    totals = {target.pk: 0 for target in targets}
    if not targets:
        return totals
    for provider in _providers.values():
        for target_id, count in (provider(targets) or {}).items():
            if target_id in totals:
                totals[target_id] += int(count or 0)
    return totals


def percentage(achieved: int, goal: int) -> int:
    """Whole percentage of `goal` reached; 0 when the goal is 0."""
    if not goal:
        return 0
    return round(100 * achieved / goal)


def progress(targets: Iterable) -> dict[int, tuple[int, int]]:
    """{target id: (achieved, percentage)}."""
    targets = list(targets)
    achieved = achieved_for(targets)
    return {t.pk: (achieved[t.pk], percentage(achieved[t.pk], t.goal)) for t in targets}
