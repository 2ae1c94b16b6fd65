"""The e-mails of events, built with Django's `EmailMessage` only.

Headers never come from raw strings: `EmailMessage` refuses CR/LF in them
(`BadHeaderError`), and names are put in the body, never in a header.
Called by the tasks in `tasks.py`, after commit.
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse

from crpv.core.links import site_url

from .tokens import make_token

SUBJECTS = {
    "confirmation": "Inscription confirmée : {title}",
    "pending": "Inscription reçue, en attente de validation : {title}",
    "waitlisted": "Liste d'attente : {title}",
    "offer": "Une place se libère : {title}",
    "offer_expired": "Place non confirmée à temps : {title}",
    "cancelled": "Inscription annulée : {title}",
    "refused": "Inscription non retenue : {title}",
    "replaced": "Votre place a été transmise : {title}",
    "reminder": "Rappel : {title}",
    "invitation": "Invitation : {title}",
    "invitation_reminder": "Relance : invitation à {title}",
}
WITH_ICS = {"confirmation", "reminder"}


def _subject(kind, event):
    # One line, bounded: titles are staff input, a newline would be refused.
    title = " ".join(event.title.split())[:150]
    return SUBJECTS[kind].format(title=title)


def registration_message(registration, kind):
    from .ics import calendar_for

    event = registration.event
    sessions = list(event.sessions.all())
    base = site_url()
    context = {
        "kind": kind,
        "registration": registration,
        "event": event,
        "person": registration.person,
        "sessions": sessions,
        "site_url": base,
        "centre": settings.CRPV_CENTRE,
        "show_visio": kind in ("confirmation", "reminder"),
        "event_url": f"{base}{event.get_absolute_url()}",
        "cancel_url": base + reverse("events:cancel", args=[make_token("cancel", registration.key)]),
        "offer_url": base + reverse("events:offer", args=[make_token("offer", registration.key)]),
    }
    body = render_to_string("events/emails/registration.txt", context)
    message = EmailMessage(
        subject=_subject(kind, event),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[registration.person.email],
    )
    if kind in WITH_ICS and sessions:
        message.attach(
            f"{event.slug}.ics",
            calendar_for(event, sessions, with_visio=True, site_url=base),
            "text/calendar; charset=utf-8; method=PUBLISH",
        )
    return message


def invitation_message(invitation, kind):
    event = invitation.event
    base = site_url()
    context = {
        "kind": kind,
        "invitation": invitation,
        "event": event,
        "person": invitation.person,
        "sessions": list(event.sessions.all()),
        "centre": settings.CRPV_CENTRE,
        "invitation_url": base + reverse("events:invitation", args=[make_token("invitation", invitation.key)]),
    }
    body = render_to_string("events/emails/invitation.txt", context)
    subject_kind = "invitation" if kind == "invitation" else "invitation_reminder"
    return EmailMessage(
        subject=_subject(subject_kind, event),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[invitation.person.email],
    )
