"""iCalendar (.ics) files: one VCALENDAR of VEVENTs, for any app (events' sessions, the desk's appointments)."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar
from icalendar import Event as VEvent


@dataclass
class CalendarEntry:
    uid: str
    summary: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    location: str = ""
    description: str = ""
    url: str = ""
    sequence: int | None = None
    cancelled: bool = False


def uid_domain(site_url):
    """The host of the site, to make UIDs unique across centres."""
    return site_url.split("://", 1)[-1].split("/", 1)[0] or "crpv"


def calendar_bytes(entries, *, method="PUBLISH"):
    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.CRPV_CENTRE['name']}//crpv//FR")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    for entry in entries:
        item = VEvent()
        item.add("uid", entry.uid)
        item.add("summary", entry.summary)
        item.add("dtstart", entry.starts_at)
        item.add("dtend", entry.ends_at)
        item.add("dtstamp", timezone.now())
        if entry.sequence is not None:
            item.add("sequence", entry.sequence)
        if entry.cancelled:
            item.add("status", "CANCELLED")
        if entry.location:
            item.add("location", entry.location)
        if entry.description:
            item.add("description", entry.description)
        if entry.url:
            item.add("url", entry.url)
        calendar.add_component(item)
    return calendar.to_ical()
