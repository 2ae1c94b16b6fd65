"""Public pages: agenda, iCal feeds, event, registration, signed links (cancel, offer, invitation, team)."""

import datetime

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db.models import F, OuterRef, Prefetch, Subquery
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from crpv.contacts.models import Theme
from crpv.core.files import serve_owned_file
from crpv.core.links import site_url
from crpv.core.views import public_page

from . import operations
from .feeds import agenda_calendar, as_json_ld, event_structured_data, feed_sessions
from .forms import AgendaFilterForm, RegistrationForm, ReplacementForm, TeamMemberForm
from .models import (
    DocumentKind,
    Event,
    EventDocument,
    EventFormat,
    EventMode,
    EventQuestion,
    EventStatus,
    Invitation,
    Registration,
    RegistrationSource,
    RegistrationStatus,
    Session,
    Team,
)
from .tokens import BadToken, make_token, read_token

AGENDA_PAGE_SIZE = 20

# Headings of the public page's groups of documents, in this order.
DOCUMENT_GROUPS = [
    (DocumentKind.REPLAY, "Replays"),
    (DocumentKind.PRESENTATION, "Présentations"),
    (DocumentKind.SYNTHESIS, "Synthèses"),
    (DocumentKind.OTHER, "Autres documents"),
]


def documents_by_kind(documents):
    """[(heading, [documents])] in a fixed order, empty groups left out.

    Each document gets `link` (its file, its replay link or its record's
    page; "" when there is none) and `external` (a link leaving the site),
    so the template calls no method per row.
    """
    groups = {kind: [] for kind, _ in DOCUMENT_GROUPS}
    for document in documents:
        if not document.is_shown:
            continue
        document.link = document.href
        document.external = bool(document.url) and not document.file
        groups.get(document.kind, groups[DocumentKind.OTHER]).append(document)
    return [(heading, groups[kind]) for kind, heading in DOCUMENT_GROUPS if groups[kind]]


# --- agenda --------------------------------------------------------------------------------


# Fields of an agenda card: the page reads only these.
AGENDA_FIELDS = ["pk", "title", "slug", "format", "mode", "capacity", "seats_taken", "place_name", "summary"]
FORMAT_LABELS = dict(EventFormat.choices)
MODE_LABELS = dict(EventMode.choices)


def _local(value, fmt):
    return dateformat.format(timezone.localtime(value), fmt)


def _grouped(rows):
    """{key: [rest of the row, ...]} from (key, ...) rows, in their order."""
    out = {}
    for key, *rest in rows:
        out.setdefault(key, []).append(rest[0] if len(rest) == 1 else rest)
    return out


def agenda_cards(ids, *, past):
    """The page's events as plain rows for the template, in the order of `ids`.

    Everything shown is computed here, once per row (URL, dates, labels,
    themes), so the template only prints strings: per-row method calls,
    `{% url %}` and `date` filters made most of the page's CPU time. The
    rows are read with `values_list()` (no model instances, no prefetch
    machinery): 3 queries, 4 on the past events' page (their documents).
    """
    if not ids:
        return []
    last_end = Session.objects.filter(event=OuterRef("pk")).order_by("-ends_at").values("ends_at")[:1]
    events = {
        row["pk"]: row
        for row in Event.objects.filter(pk__in=ids)
        .annotate(last_end=Subquery(last_end), commune_name=F("commune__name"))
        .values(*AGENDA_FIELDS, "last_end", "commune_name")
    }
    sessions = _grouped(
        Session.objects.filter(event_id__in=ids, cancelled=False)
        .order_by("event_id", "starts_at", "pk")
        .values_list("event_id", "starts_at", "ends_at")
    )
    themes = _grouped(
        Event.themes.through.objects.filter(event_id__in=ids)
        .order_by("event_id", "theme__name")
        .values_list("event_id", "theme__name")
    )
    documents = {}
    if past:
        for document in (
            EventDocument.objects.filter(event_id__in=ids, public=True)
            .select_related("record")
            .order_by("title", "pk")
        ):
            documents.setdefault(document.event_id, []).append(document)
    # One reverse() for the page, not one per event (slugs need no quoting).
    prefix = reverse("events:detail", kwargs={"slug": "-"})[:-2]
    cards = []
    for pk in ids:
        event = events.get(pk)
        if event is None:
            continue
        times = sessions.get(pk, [])
        when = suffix = ""
        if times:
            when = _local(times[0][0], "l j F Y, H:i")
            if len(times) > 1:
                until = _local(event["last_end"], "j F Y") if event["last_end"] else ""
                suffix = f" — {len(times)} séances, jusqu'au {until}"
            else:
                suffix = f" – {_local(times[0][1], 'H:i')}"
        capacity = event["capacity"]
        cards.append(
            {
                "title": event["title"],
                "url": f"{prefix}{event['slug']}/",
                "when": when,
                "when_suffix": suffix,
                "format": FORMAT_LABELS.get(event["format"], event["format"]),
                "mode": MODE_LABELS.get(event["mode"], event["mode"]),
                "full": not past and capacity is not None and event["seats_taken"] >= capacity,
                "place": event["place_name"],
                "commune": event["commune_name"] or "",
                "summary": event["summary"],
                "themes": ", ".join(themes.get(pk, [])),
                "document_groups": documents_by_kind(documents.get(pk, [])) if past else [],
            }
        )
    return cards


def _agenda(request, *, past):
    """Upcoming (or past) published events, filtered, 20 a page, in a constant number of queries.

    The list is not served from the page cache (ADR 0003): it shows whether
    an event is full, which changes by the minute. Only the filters' choices
    (themes, départements) are cached, for a minute (`AgendaFilterForm.selects`).
    """
    form = AgendaFilterForm(request.GET or None)
    events = Event.objects.published()
    events = form.filter(events) if form.is_bound else events
    events = events.past() if past else events.upcoming()
    # Page through the ids only (the count and the page use the session
    # index through EXISTS / correlated subqueries), then read the page's
    # 20 events with only the fields a card shows.
    page = Paginator(events.values_list("pk", flat=True), AGENDA_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = agenda_cards(list(page.object_list), past=past)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "selects": [] if request.htmx else form.selects(),
        "page": page,
        "past": past,
        "query": query.urlencode(),
        "cards": page.object_list,
    }
    template = "events/_agenda_results.html" if request.htmx else "events/agenda.html"
    return render(request, template, context)


@login_not_required
@require_GET
@vary_on_headers("HX-Request")
def agenda(request):
    return _agenda(request, past=False)


@login_not_required
@require_GET
@vary_on_headers("HX-Request")
def past(request):
    return _agenda(request, past=True)


def _ical_response(sessions, name, request, filename):
    body = agenda_calendar(list(sessions), name=name, base_url=site_url(request))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@public_page
def ical(request):
    """Every published event's sessions (iCalendar feed, no visio link)."""
    return _ical_response(feed_sessions(), f"Agenda — {settings.CRPV_CENTRE['name']}", request, "agenda.ics")


@public_page
def theme_ical(request, slug):
    theme = get_object_or_404(Theme, slug=slug)
    name = f"Agenda — {settings.CRPV_CENTRE['name']} — {theme.name}"
    return _ical_response(feed_sessions(theme=theme), name, request, f"agenda-{theme.slug}.ics")


# --- event page ------------------------------------------------------------------------------


def _bad_link(request, error, status=400):
    return render(request, "events/bad_link.html", {"message": error.message, "expired": error.expired}, status=status)


def _from_token(request, purpose, token, queryset):
    """(object, None) for a valid token, or (None, error response)."""
    try:
        key = read_token(purpose, token)
    except BadToken as error:
        return None, _bad_link(request, error)
    obj = queryset.filter(key=key).first()
    if obj is None:
        return None, _bad_link(request, BadToken("Ce lien n'est plus valable."), status=404)
    return obj, None


def _event_queryset():
    return (
        Event.objects.exclude(status=EventStatus.DRAFT)
        .with_dates()
        .select_related("commune")
        .prefetch_related(
            Prefetch("sessions", queryset=Session.objects.order_by("starts_at", "pk")),
            Prefetch(
                "documents",
                queryset=EventDocument.objects.filter(public=True).select_related("record").order_by("title", "pk"),
            ),
            "actions__axis",
            "partners",
            "themes",
            "questions",
            "target_networks",
            "target_departements",
            "target_epcis",
        )
    )


@login_not_required
@require_GET
def document_file(request, pk, name):
    """An event's uploaded document: anyone when shown on a public page, else staff who may see events."""
    document = get_object_or_404(EventDocument.objects.select_related("event"), pk=pk)
    public = document.public and document.event.status != EventStatus.DRAFT
    return serve_owned_file(request, document.file, name, public=public, permission="events.view_event")


def _status_redirect(registration, status=302):
    url = reverse("events:registration_status", kwargs={"token": make_token("status", registration.key)})
    return HttpResponseRedirect(url, status=status)


def _closed_reason(event):
    """Why the public form is not shown, or "" (`event` annotated by `with_dates()`)."""
    closed = event.registration_closed_reason()
    if not closed and event.last_end is not None and event.last_end < timezone.now():
        closed = "Cet événement a eu lieu : les inscriptions sont closes."
    if not closed and event.invitation_only:
        closed = "Cet événement est sur invitation : l'inscription se fait par le lien personnel reçu par courriel."
    if not closed and event.team_registration:
        closed = "Les inscriptions se font par équipe de territoire, par le lien envoyé à chaque référent·e."
    return closed


def _render_detail(request, event, form, closed, status=200):
    """The event page; `event` comes from `_event_queryset()` (everything it shows, prefetched)."""
    documents = list(event.documents.all())
    past = event.last_end is not None and event.last_end < timezone.now()
    context = {
        "event": event,
        "closed": closed,
        "form": form,
        "past": past,
        "document_groups": documents_by_kind(documents),
        "json_ld": as_json_ld(event_structured_data(event, base_url=site_url(request))),
    }
    return render(request, "events/detail.html", context, status=status)


@login_not_required
@require_http_methods(["GET", "POST"])
def detail(request, slug):
    """The event page and its registration form.

    A POST reads only what registering needs (the event and its questions);
    the page's display data is loaded only to show the form again with its
    errors. Success redirects (PRG) to the light status page.
    """
    if request.method == "POST":
        return _register(request, slug)
    event = get_object_or_404(_event_queryset(), slug=slug)
    closed = _closed_reason(event)
    form = None if closed else RegistrationForm(event=event)
    return _render_detail(request, event, form, closed)


# The registration POST reads the event, its last session's end and whether it
# has questions in one statement. Raw SQL: compiling the ORM's aggregate
# (`with_dates()`) plus a prefetch cost ~1.8 ms of CPU per POST, against
# 0.15 ms for this query (about a third of the POST's CPU under a burst).
_REGISTRATION_EVENT_SQL = (
    "SELECT e.*, "
    "(SELECT MAX(s.ends_at) FROM {session} s WHERE s.event_id = e.id) AS last_end, "
    "(SELECT COUNT(*) FROM {question} q WHERE q.event_id = e.id) AS n_questions "
    "FROM {event} e WHERE e.slug = %s AND e.status <> %s"
)


def _aware(value):
    """A datetime read by raw SQL (SQLite returns text, PostgreSQL an aware datetime)."""
    if value is None or isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return value
    if isinstance(value, str):
        value = parse_datetime(value)
    return timezone.make_aware(value, datetime.UTC) if timezone.is_naive(value) else value


def _event_for_registration(slug):
    """(event with `last_end`, its questions): what a registration POST needs, in 1 or 2 queries."""
    sql = _REGISTRATION_EVENT_SQL.format(
        event=Event._meta.db_table, session=Session._meta.db_table, question=EventQuestion._meta.db_table
    )
    rows = list(Event.objects.raw(sql, [slug, EventStatus.DRAFT]))
    if not rows:
        raise Http404("Aucun événement ne correspond.")
    event = rows[0]
    event.last_end = _aware(event.last_end)
    questions = (
        list(EventQuestion.objects.filter(event_id=event.pk).order_by("position", "pk")) if event.n_questions else []
    )
    return event, questions


def _register(request, slug):
    event, questions = _event_for_registration(slug)
    closed = _closed_reason(event)
    if closed:
        return _render_detail(request, get_object_or_404(_event_queryset(), pk=event.pk), None, closed, status=409)
    form = RegistrationForm(request.POST, event=event, questions=questions)
    if form.is_valid() and not form.is_robot:
        try:
            registration = operations.register_participant(
                event=event,
                person_data=form.person_data(),
                answers=form.answers(),
                acting_user=request.user,
                questions=questions,
            )
        except operations.RegistrationError as error:
            form.add_error(None, error.message)
        else:
            # 303: the browser GETs the status page; nothing is rendered in the POST.
            return _status_redirect(registration, status=303)
    elif form.is_robot:
        form.add_error(None, "Votre envoi n'a pas pu être traité. Réessayez sans remplir le champ caché.")
    full = get_object_or_404(_event_queryset(), pk=event.pk)
    return _render_detail(request, full, form, "")


@login_not_required
def registration_status(request, token):
    registration, error = _from_token(request, "status", token, Registration.objects.select_related("event", "person"))
    if error:
        return error
    return render(
        request,
        "events/registration_status.html",
        {
            "registration": registration,
            "event": registration.event,
            "cancel_token": make_token("cancel", registration.key) if registration.is_active else "",
            "attestation_token": (
                make_token("attestation", registration.key)
                if registration.attendances.filter(present=True).exists()
                else ""
            ),
        },
    )


@login_not_required
@require_http_methods(["GET", "POST"])
def cancel(request, token):
    registration, error = _from_token(request, "cancel", token, Registration.objects.select_related("event", "person"))
    if error:
        return error
    message = ""
    if request.method == "POST":
        try:
            registration = operations.cancel_registration(registration=registration, acting_user=request.user)
        except operations.RegistrationError as exc:
            message = exc.message
        else:
            return render(request, "events/cancel.html", {"registration": registration, "done": True})
    return render(request, "events/cancel.html", {"registration": registration, "done": False, "message": message})


@login_not_required
@require_http_methods(["GET", "POST"])
def offer(request, token):
    registration, error = _from_token(request, "offer", token, Registration.objects.select_related("event", "person"))
    if error:
        return error
    message = ""
    if request.method == "POST":
        try:
            registration = operations.confirm_offer(registration=registration, acting_user=request.user)
        except operations.RegistrationError as exc:
            message = exc.message
        else:
            return _status_redirect(registration)
    expired = registration.status == RegistrationStatus.OFFER_EXPIRED
    return render(
        request,
        "events/offer.html",
        {
            "registration": registration,
            "event": registration.event,
            "message": message,
            "expired": expired,
            "cancel_token": make_token("cancel", registration.key),
        },
    )


@login_not_required
@require_http_methods(["GET", "POST"])
def invitation(request, token):
    invite, error = _from_token(
        request, "invitation", token, Invitation.objects.select_related("event", "person", "registration")
    )
    if error:
        return error
    if invite.registration_id and invite.registration.is_active:
        return _status_redirect(invite.registration)
    event = invite.event
    person = invite.person
    closed = event.registration_closed_reason()
    initial = {"first_name": person.first_name, "last_name": person.last_name, "function_title": person.function_title}
    form = (
        None
        if closed
        else RegistrationForm(request.POST or None, event=event, locked_email=person.email, initial=initial)
    )
    if request.method == "POST" and request.POST.get("reponse") == "decliner":
        try:
            operations.decline_invitation(invitation=invite, acting_user=request.user)
        except operations.RegistrationError:
            return _status_redirect(invite.registration)
        return render(request, "events/invitation_declined.html", {"event": event})
    elif request.method == "POST" and form is not None and form.is_valid() and not form.is_robot:
        try:
            registration = operations.register_participant(
                event=event,
                person_data=form.person_data(),
                answers=form.answers(),
                acting_user=request.user,
                source=RegistrationSource.INVITATION,
                invitation=invite,
            )
        except operations.RegistrationError as exc:
            form.add_error(None, exc.message)
        else:
            return _status_redirect(registration)
    return render(
        request, "events/invitation.html", {"invitation": invite, "event": event, "closed": closed, "form": form}
    )


@login_not_required
@require_http_methods(["GET", "POST"])
def team(request, token):
    team_obj, error = _from_token(request, "team", token, Team.objects.select_related("event", "lead"))
    if error:
        return error
    event = team_obj.event
    add_form = TeamMemberForm(request.POST if request.POST.get("action") == "ajouter" else None, prefix="ajout")
    replace_form = ReplacementForm(
        request.POST if request.POST.get("action") == "remplacer" else None, prefix="remplacement"
    )
    members = list(Registration.objects.filter(team=team_obj).select_related("person").order_by("created_at", "pk"))
    message = ""
    if request.method == "POST":
        try:
            if request.POST.get("action") == "ajouter" and add_form.is_valid():
                operations.register_team_member(
                    team=team_obj, person_data=add_form.person_data(), acting_user=request.user
                )
                return redirect(request.path)
            if request.POST.get("action") == "remplacer" and replace_form.is_valid():
                current = next((m for m in members if m.key == request.POST.get("membre") and m.is_active), None)
                if current is None:
                    replace_form.add_error(None, "Choisissez la personne à remplacer dans la liste.")
                else:
                    operations.replace_participant(
                        registration=current,
                        person_data=replace_form.person_data(),
                        acting_user=request.user,
                        registered_by=team_obj.lead,
                    )
                    return redirect(request.path)
        except operations.RegistrationError as exc:
            message = exc.message
    team_obj.refresh_from_db(fields=["seats_taken"])
    return render(
        request,
        "events/team.html",
        {
            "team": team_obj,
            "event": event,
            "members": members,
            "active_members": [m for m in members if m.is_active],
            "add_form": add_form,
            "replace_form": replace_form,
            "message": message,
            "closed": event.registration_closed_reason(),
        },
    )
