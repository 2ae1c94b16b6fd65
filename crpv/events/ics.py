"""iCalendar (.ics) for a registration: one VEVENT per session."""

from crpv.core.ics import CalendarEntry, calendar_bytes, uid_domain


def calendar_for(event, sessions, *, with_visio, site_url):
    domain = uid_domain(site_url)
    entries = []
    for index, session in enumerate(sessions, start=1):
        if session.cancelled:
            continue
        title = event.title if len(sessions) == 1 else f"{event.title} — séance {index}"
        if session.title:
            title = f"{title} : {session.title}"
        place = ", ".join(p for p in (session.effective_place, session.effective_address) if p)
        visio = session.effective_visio_url if with_visio else ""
        description = [event.summary] if event.summary else []
        if visio:
            description.append(f"Lien de connexion : {visio}")
        description.append(f"{site_url}{event.get_absolute_url()}")
        entries.append(
            CalendarEntry(
                uid=f"session-{session.pk}@{domain}",
                summary=title,
                starts_at=session.starts_at,
                ends_at=session.ends_at,
                location=place or visio,
                description="\n".join(description),
                url=f"{site_url}{event.get_absolute_url()}",
            )
        )
    return calendar_bytes(entries)
