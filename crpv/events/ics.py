"""iCalendar (.ics) for a registration: one VEVENT per session."""

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar
from icalendar import Event as VEvent


def calendar_for(event, sessions, *, with_visio, site_url):
    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.CRPV_CENTRE['name']}//crpv//FR")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    domain = site_url.split("://", 1)[-1].split("/", 1)[0] or "crpv"
    for index, session in enumerate(sessions, start=1):
        if session.cancelled:
            continue
        item = VEvent()
        item.add("uid", f"session-{session.pk}@{domain}")
        title = event.title if len(sessions) == 1 else f"{event.title} — séance {index}"
        if session.title:
            title = f"{title} : {session.title}"
        item.add("summary", title)
        item.add("dtstart", session.starts_at)
        item.add("dtend", session.ends_at)
        item.add("dtstamp", timezone.now())
        place = ", ".join(p for p in (session.effective_place, session.effective_address) if p)
        visio = session.effective_visio_url if with_visio else ""
        if place:
            item.add("location", place)
        elif visio:
            item.add("location", visio)
        description = [event.summary] if event.summary else []
        if visio:
            description.append(f"Lien de connexion : {visio}")
        description.append(f"{site_url}{event.get_absolute_url()}")
        item.add("description", "\n".join(description))
        item.add("url", f"{site_url}{event.get_absolute_url()}")
        calendar.add_component(item)
    return calendar.to_ical()
