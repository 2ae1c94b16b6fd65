"""Staff pages: registrations per event, approval, invitations, documents, counts."""

import datetime

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from crpv.contacts.models import Membership, Person
from crpv.core.exports import csv_response, xlsx_response

from . import operations, stats
from .forms import EventDocumentForm, InviteForm, StatsPeriodForm
from .models import SEAT_STATUSES, Event, EventDocument, Invitation, Registration, RegistrationStatus
from .tokens import make_token


@staff_member_required
@permission_required("events.view_registration", raise_exception=True)
def event_list(request):
    events = (
        Event.objects.with_dates()
        .annotate(
            n_confirmed=Count("registrations", filter=Q(registrations__status=RegistrationStatus.CONFIRMED)),
            n_pending=Count("registrations", filter=Q(registrations__status=RegistrationStatus.PENDING)),
            n_waiting=Count("registrations", filter=Q(registrations__status=RegistrationStatus.WAITLISTED)),
        )
        .order_by("-first_start", "-pk")
    )
    return render(request, "events/staff/list.html", {"events": events})


@staff_member_required
@permission_required("events.view_registration", raise_exception=True)
def registrations(request, pk):
    event = get_object_or_404(Event.objects.prefetch_related("sessions", "teams__lead"), pk=pk)
    rows = list(Registration.objects.filter(event=event).select_related("person", "team").order_by("created_at", "pk"))
    invitations = list(Invitation.objects.filter(event=event).select_related("person", "registration"))
    return render(
        request,
        "events/staff/registrations.html",
        {
            "event": event,
            "holding": [r for r in rows if r.status in SEAT_STATUSES],
            "pending": [r for r in rows if r.status == RegistrationStatus.PENDING],
            "waiting": sorted(
                (r for r in rows if r.status == RegistrationStatus.WAITLISTED), key=lambda r: (r.waitlisted_at, r.pk)
            ),
            "closed_rows": [r for r in rows if not r.is_active],
            "invitations": invitations,
            "unanswered": sum(1 for i in invitations if not i.response and not i.registration_id),
            "teams": [(t, make_token("team", t.key)) for t in event.teams.all()],
            "can_change": request.user.has_perm("events.change_registration"),
            "can_invite": request.user.has_perm("events.add_invitation"),
        },
    )


def _decide(request, pk, operation, done):
    registration = get_object_or_404(Registration, pk=pk)
    try:
        operation(registration=registration, acting_user=request.user)
    except operations.RegistrationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done.format(person=registration.person))
    return redirect("events_staff:registrations", pk=registration.event_id)


@staff_member_required
@permission_required("events.change_registration", raise_exception=True)
@require_POST
def approve(request, pk):
    return _decide(request, pk, operations.approve_registration, "Inscription de {person} validée.")


@staff_member_required
@permission_required("events.change_registration", raise_exception=True)
@require_POST
def refuse(request, pk):
    return _decide(request, pk, operations.refuse_registration, "Inscription de {person} refusée.")


@staff_member_required
@permission_required("events.change_registration", raise_exception=True)
@require_POST
def cancel(request, pk):
    return _decide(request, pk, operations.cancel_registration, "Inscription de {person} annulée.")


@staff_member_required
@permission_required("events.add_invitation", raise_exception=True)
@require_http_methods(["GET", "POST"])
def invite(request, pk):
    event = get_object_or_404(Event, pk=pk)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        emails = form.cleaned_data["emails"]
        people = list(Person.objects.active().filter(email__in=emails)) if emails else []
        unknown = sorted(set(emails) - {p.email for p in people})
        network = form.cleaned_data["network"]
        if network is not None:
            member_ids = Membership.objects.current().filter(network=network).values("person_id")
            people += list(Person.objects.active().filter(pk__in=member_ids).exclude(pk__in=[p.pk for p in people]))
        try:
            created, skipped = operations.invite_people(event=event, people=people, acting_user=request.user)
        except operations.RegistrationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                f"{len(created)} invitation(s) envoyée(s) ; "
                f"{len(skipped)} personne(s) déjà invitée(s) ou sans adresse.",
            )
            if unknown:
                messages.warning(request, f"Adresses absentes de la base Acteurs : {', '.join(unknown[:20])}.")
            return redirect("events_staff:registrations", pk=event.pk)
    return render(request, "events/staff/invite.html", {"event": event, "form": form})


@staff_member_required
@permission_required("events.add_invitation", raise_exception=True)
@require_POST
def remind(request, pk):
    event = get_object_or_404(Event, pk=pk)
    reminded = operations.remind_invitations(event=event, acting_user=request.user)
    messages.success(request, f"{len(reminded)} relance(s) envoyée(s) aux personnes sans réponse.")
    return redirect("events_staff:registrations", pk=event.pk)


# --- documents after the event ---------------------------------------------------------------


@staff_member_required
@permission_required("events.add_eventdocument", raise_exception=True)
@require_http_methods(["GET", "POST"])
def documents(request, pk):
    event = get_object_or_404(Event, pk=pk)
    form = EventDocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        operations.add_event_document(
            event=event,
            title=data["title"],
            kind=data["kind"],
            file=data["file"],
            url=data["url"],
            record=data["record"],
            public=data["public"],
            acting_user=request.user,
        )
        messages.success(request, f"Document « {form.cleaned_data['title']} » ajouté.")
        return redirect("events_staff:documents", pk=event.pk)
    return render(
        request,
        "events/staff/documents.html",
        {
            "event": event,
            "form": form,
            "documents": EventDocument.objects.filter(event=event)
            .select_related("record")
            .order_by("kind", "title", "pk"),
            "can_delete": request.user.has_perm("events.delete_eventdocument"),
        },
        status=400 if form.errors else 200,
    )


@staff_member_required
@permission_required("events.delete_eventdocument", raise_exception=True)
@require_POST
def remove_document(request, pk):
    document = get_object_or_404(EventDocument, pk=pk)
    operations.remove_event_document(document=document, acting_user=request.user)
    messages.success(request, f"Document « {document.title} » retiré.")
    return redirect("events_staff:documents", pk=document.event_id)


# --- counts ------------------------------------------------------------------------------------------


def _period(request):
    today = datetime.date.today()
    default = {"debut": datetime.date(today.year, 1, 1), "fin": datetime.date(today.year, 12, 31)}
    form = StatsPeriodForm(request.GET if "debut" in request.GET else None, initial=default)
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data["debut"], form.cleaned_data["fin"]
    return form, default["debut"], default["fin"]


@staff_member_required
@permission_required("events.view_registration", raise_exception=True)
def period_stats(request):
    """Counts over a period (the current year by default), and the ANCT return in demi-journées."""
    form, start, end = _period(request)
    report = stats.period_report(start=start, end=end)
    export = request.GET.get("export")
    if export in ("csv", "xlsx"):
        sheets = stats.export_sheets(report)
        filename = f"evenements-{start:%Y%m%d}-{end:%Y%m%d}"
        if export == "xlsx":
            return xlsx_response(f"{filename}.xlsx", sheets)
        rows = [(sheet.title, *row) for sheet in sheets for row in sheet.rows]
        width = max(len(r) for r in rows)
        headers = ["tableau", "libellé", *(f"valeur {n}" for n in range(1, width - 1))]
        return csv_response(f"{filename}.csv", headers, [(*r, *[""] * (width - len(r))) for r in rows])
    query = request.GET.copy()
    query.pop("export", None)
    return render(
        request,
        "events/staff/stats.html",
        {"form": form, "report": report, "query": query.urlencode()},
        status=400 if form.errors else 200,
    )


@staff_member_required
@permission_required("events.view_registration", raise_exception=True)
def event_stats(request, pk):
    event = get_object_or_404(Event.objects.with_dates(), pk=pk)
    counts = stats.event_counts(event)
    people = stats.counted_registrations().filter(event=event).values_list("person_id", flat=True)
    return render(
        request,
        "events/staff/event_stats.html",
        {"event": event, "counts": counts, "breakdowns": stats.participants_breakdowns(people)},
    )
