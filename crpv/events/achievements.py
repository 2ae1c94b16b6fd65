"""Achieved counts of programme targets, from events (see crpv/programme/achievements.py).

What counts: published events (not drafts, not cancelled) linked to the
target's action, with their sessions already started and not cancelled.
If the target names a format (présentiel, distanciel, hybride), only events
(or sessions) of that mode count. By the target's unit:

- session: sessions held;
- demi_journee: the sum of the sessions' demi-journées (rule in
  `crpv.events.models.events.count_half_days`);
- journee: demi-journées ÷ 2, rounded down;
- participant: distinct people with a confirmed registration;
- territoire: distinct territory teams with at least one confirmed member;
- evenement: events held (at least one session started);
- webinaire, visite, conference, seminaire, atelier, formation, module,
  cycle, rencontre, reunion: events held of the matching format.

A constant number of grouped queries, whatever the number of targets.
"""

from collections import defaultdict

from django.db.models import Count, Sum
from django.utils import timezone

from crpv.programme import achievements

from .models import Event, EventFormat, EventStatus, Registration, RegistrationStatus, Session

FORMATS_BY_UNIT = {
    "webinaire": [EventFormat.WEBINAR],
    "visite": [EventFormat.SITE_VISIT],
    "conference": [EventFormat.CONFERENCE],
    "seminaire": [EventFormat.SEMINAR],
    "atelier": [EventFormat.CODEV],
    "formation": [EventFormat.TRAINING, EventFormat.VRL_PROFESSIONALS, EventFormat.VRL_RESIDENTS],
    "module": [EventFormat.MODULE],
    "cycle": [EventFormat.CYCLE],
    "rencontre": [EventFormat.NETWORK_MEETING],
    "reunion": [EventFormat.NETWORK_MEETING],
    "evenement": None,
}


def count_for_targets(targets, now=None):
    now = now or timezone.now()
    action_ids = {t.action_id for t in targets}
    held_sessions = Session.objects.filter(
        event__actions__in=action_ids,
        event__status=EventStatus.PUBLISHED,
        cancelled=False,
        starts_at__lte=now,
    )
    # (action, mode) → figures, each from one grouped query.
    sessions = defaultdict(lambda: {"n": 0, "half_days": 0})
    # Always the same three queries (not chosen by the targets' units), so the
    # dashboard's query count does not depend on which units the programme uses.
    for row in held_sessions.values("event__actions", "event__mode").annotate(
        n=Count("pk", distinct=True), half_days=Sum("half_days")
    ):
        key = (row["event__actions"], row["event__mode"])
        sessions[key]["n"] += row["n"]
        sessions[key]["half_days"] += row["half_days"] or 0
    events = defaultdict(int)
    held_events = Event.objects.filter(pk__in=held_sessions.values("event_id"), actions__in=action_ids)
    for row in held_events.values("actions", "mode", "format").annotate(n=Count("pk", distinct=True)):
        events[(row["actions"], row["mode"], row["format"])] += row["n"]
    people = defaultdict(set)
    teams = defaultdict(set)
    confirmed = Registration.objects.filter(
        status=RegistrationStatus.CONFIRMED,
        event__actions__in=action_ids,
        event__status=EventStatus.PUBLISHED,
    )
    for action_id, mode, person_id, team_id in confirmed.values_list(
        "event__actions", "event__mode", "person_id", "team_id"
    ):
        people[(action_id, mode)].add(person_id)
        if team_id:
            teams[(action_id, mode)].add(team_id)

    def modes(target):
        return None if target.format in ("", "unspecified") else {target.format}

    result = {}
    for target in targets:
        wanted = modes(target)

        def matches(key, action_id=target.action_id, wanted=wanted):
            return key[0] == action_id and (wanted is None or key[1] in wanted)

        if target.unit == "session":
            value = sum(v["n"] for k, v in sessions.items() if matches(k))
        elif target.unit == "demi_journee":
            value = sum(v["half_days"] for k, v in sessions.items() if matches(k))
        elif target.unit == "journee":
            value = sum(v["half_days"] for k, v in sessions.items() if matches(k)) // 2
        elif target.unit == "participant":
            value = len(set().union(*[v for k, v in people.items() if matches(k)]))
        elif target.unit == "territoire":
            value = len(set().union(*[v for k, v in teams.items() if matches(k)]))
        elif target.unit in FORMATS_BY_UNIT:
            formats = FORMATS_BY_UNIT[target.unit]
            value = sum(n for k, n in events.items() if matches(k) and (formats is None or k[2] in formats))
        else:
            continue
        result[target.pk] = value
    return result


def register_provider():
    achievements.register("events", count_for_targets)
