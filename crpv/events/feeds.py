"""What the agenda publishes for other machines: iCalendar feeds and schema.org data.

Public feeds and structured data never carry the visio link: it goes only to
registered people (in their confirmation e-mail and its .ics, see `ics.py`).

iCalendar (RFC 5545): one VEVENT per session, times in UTC, the UID
`session-<id>@<host>` (the same as in a registration's .ics, so a calendar
that has both merges them), DTSTAMP and LAST-MODIFIED = the last change of
the event or the session (stable output: a feed read twice is identical when
nothing changed). A cancelled session or event stays in the feed with
STATUS:CANCELLED, so subscribed calendars remove it. Sessions that started
more than `FEED_HISTORY` ago are left out.
"""

import datetime
import json
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone
from icalendar import Calendar
from icalendar import Event as VEvent

from .models import Event, EventMode, EventStatus, Session

FEED_HISTORY = datetime.timedelta(days=365)

SCHEMA_MODES = {
    EventMode.IN_PERSON: "https://schema.org/OfflineEventAttendanceMode",
    EventMode.REMOTE: "https://schema.org/OnlineEventAttendanceMode",
    EventMode.HYBRID: "https://schema.org/MixedEventAttendanceMode",
}


def feed_sessions(*, theme=None, now=None):
    """Sessions of the published (or cancelled) events, from `FEED_HISTORY` ago on."""
    now = now or timezone.now()
    events = Event.objects.filter(status__in=[EventStatus.PUBLISHED, EventStatus.CANCELLED])
    if theme is not None:
        events = events.filter(themes=theme)
    return (
        Session.objects.filter(event__in=events, starts_at__gte=now - FEED_HISTORY)
        .select_related("event")
        .prefetch_related(Prefetch("event__themes"))
        .order_by("starts_at", "pk")
    )


def _location(session):
    mode = session.effective_mode
    place = ", ".join(p for p in (session.effective_place, session.effective_address) if p)
    if mode == EventMode.REMOTE:
        return "En ligne (lien envoyé aux personnes inscrites)"
    if mode == EventMode.HYBRID:
        return f"{place} et en ligne" if place else "En ligne et sur place"
    return place


def agenda_calendar(sessions, *, name, base_url):
    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.CRPV_CENTRE['name']}//crpv agenda//FR")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/Paris")
    host = urlsplit(base_url).hostname or "crpv"
    counts = {}
    for session in sessions:
        counts[session.event_id] = counts.get(session.event_id, 0) + 1
    seen = {}
    for session in sessions:
        event = session.event
        seen[event.pk] = seen.get(event.pk, 0) + 1
        item = VEvent()
        item.add("uid", f"session-{session.pk}@{host}")
        title = event.title
        if counts[event.pk] > 1:
            title = f"{title} — séance {seen[event.pk]}"
        if session.title:
            title = f"{title} : {session.title}"
        item.add("summary", title)
        item.add("dtstart", session.starts_at)
        item.add("dtend", session.ends_at)
        changed = max(event.updated_at, session.updated_at)
        item.add("dtstamp", changed)
        item.add("last-modified", changed)
        cancelled = session.cancelled or event.status == EventStatus.CANCELLED
        item.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        location = _location(session)
        if location:
            item.add("location", location)
        url = f"{base_url}{event.get_absolute_url()}"
        item.add("description", "\n".join(p for p in (event.summary, f"Présentation et inscription : {url}") if p))
        item.add("url", url)
        item.add("categories", [event.get_format_display(), *(t.name for t in event.themes.all())])
        calendar.add_component(item)
    return calendar.to_ical()


# --- schema.org Event (JSON-LD) -------------------------------------------------------

# As django.utils.html.json_script: the JSON cannot close the <script> element.
_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def _iso(value):
    return timezone.localtime(value).isoformat() if value else None


def _place(event, sessions):
    session = sessions[0] if sessions else None
    name = (session.effective_place if session else "") or event.place_name
    street = (session.effective_address if session else "") or event.address
    address = {"@type": "PostalAddress", "streetAddress": street, "addressCountry": "FR"}
    if event.commune_id:
        address["addressLocality"] = event.commune.name
    return {"@type": "Place", "name": name or street or "Lieu communiqué aux personnes inscrites", "address": address}


def _availability(event, now):
    if event.registration_closed_reason(now) or event.invitation_only or event.team_registration:
        return None
    if event.capacity is None or event.seats_left > 0:
        few = event.capacity is not None and event.seats_left <= max(1, event.capacity // 10)
        return "https://schema.org/LimitedAvailability" if few else "https://schema.org/InStock"
    return "https://schema.org/SoldOut"


def event_structured_data(event, *, base_url, now=None):
    """The event as a schema.org `Event` (a dict, see `as_json_ld`). No visio link."""
    now = now or timezone.now()
    sessions = [s for s in event.sessions.all() if not s.cancelled] or list(event.sessions.all())
    url = f"{base_url}{event.get_absolute_url()}"
    centre = settings.CRPV_CENTRE
    data = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": event.title,
        "url": url,
        "eventStatus": "https://schema.org/EventCancelled"
        if event.status == EventStatus.CANCELLED
        else "https://schema.org/EventScheduled",
        "eventAttendanceMode": SCHEMA_MODES.get(event.mode, SCHEMA_MODES[EventMode.IN_PERSON]),
        "organizer": {
            "@type": "Organization",
            "name": centre["name"],
            "alternateName": centre["long_name"],
            "email": centre["email"],
            "url": base_url + "/",
        },
        "inLanguage": "fr",
        "isAccessibleForFree": True,
    }
    if event.summary:
        data["description"] = event.summary
    if sessions:
        data["startDate"] = _iso(min(s.starts_at for s in sessions))
        data["endDate"] = _iso(max(s.ends_at for s in sessions))
    virtual = {"@type": "VirtualLocation", "name": "En ligne : le lien est envoyé aux personnes inscrites"}
    if event.mode == EventMode.REMOTE:
        data["location"] = virtual
    elif event.mode == EventMode.HYBRID:
        data["location"] = [_place(event, sessions), virtual]
    else:
        data["location"] = _place(event, sessions)
    availability = _availability(event, now)
    if availability:
        offer = {
            "@type": "Offer",
            "url": url,
            "price": "0",
            "priceCurrency": "EUR",
            "availability": availability,
        }
        if event.registration_opens_at:
            offer["validFrom"] = _iso(event.registration_opens_at)
        if event.registration_closes_at:
            offer["validThrough"] = _iso(event.registration_closes_at)
        data["offers"] = offer
    if len(sessions) > 1:
        data["subEvent"] = [
            {
                "@type": "Event",
                "name": f"{event.title} — séance {n}" + (f" : {s.title}" if s.title else ""),
                "startDate": _iso(s.starts_at),
                "endDate": _iso(s.ends_at),
                "eventAttendanceMode": SCHEMA_MODES.get(s.effective_mode, data["eventAttendanceMode"]),
            }
            for n, s in enumerate(sessions, start=1)
        ]
    return data


def as_json_ld(data):
    """JSON text safe inside <script type="application/ld+json"> (a data block, never run)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_JSON_ESCAPES)
