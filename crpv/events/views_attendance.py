"""Staff pages of attendance: per-session lists, check-in, émargement, visio
import, the completion table and bulk attestations."""

from django import forms
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.core.files.storage import default_storage
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from crpv.contacts.models import Position
from crpv.core.text import fold

from . import attendance as ops
from .attestations import NoAttendance, attestation_for, request_attestations
from .models import (
    Attendance,
    AttendanceRules,
    AttendanceSource,
    AttestationRun,
    Event,
    Registration,
    RegistrationStatus,
    Session,
)
from .pdf import render_pdf

SHEET_ROWS_PER_PAGE = 25
CHECK_IN_RESULTS = 20


def staff_view(permission, methods=("GET",)):
    def decorate(view):
        view = require_http_methods(list(methods))(view)
        view = permission_required(permission, raise_exception=True)(view)
        return staff_member_required(view)

    return decorate


class RulesForm(forms.ModelForm):
    class Meta:
        model = AttendanceRules
        fields = ["completion_ratio", "min_presence_ratio"]


class BulkMarkForm(forms.Form):
    ACTIONS = (("present", "présent·e"), ("absent", "absent·e"), ("clear", "effacer le pointage"))
    action = forms.ChoiceField(label="marquer comme", choices=ACTIONS)
    registrations = forms.ModelMultipleChoiceField(
        label="personnes", queryset=Registration.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, session, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["registrations"].queryset = Registration.objects.filter(
            event_id=session.event_id, status=RegistrationStatus.CONFIRMED
        )


class VisioImportForm(forms.Form):
    file = forms.FileField(
        label="rapport de présence (CSV ou XLSX)",
        help_text="export de Zoom, Teams, Livestorm… avec le nom, l'adresse électronique et les heures "
        "d'arrivée et de départ ou la durée",
    )


class ManualMatchForm(forms.Form):
    registration = forms.ModelChoiceField(label="inscription", queryset=Registration.objects.none())
    minutes = forms.IntegerField(label="minutes de présence", min_value=0, max_value=24 * 60)

    def __init__(self, *args, session, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["registration"].queryset = Registration.objects.filter(
            event_id=session.event_id, status=RegistrationStatus.CONFIRMED
        )


def _session(pk):
    return get_object_or_404(Session.objects.select_related("event"), pk=pk)


# --- overview ---------------------------------------------------------------


@staff_view("events.view_attendance", methods=("GET", "POST"))
def overview(request, pk):
    event = get_object_or_404(Event, pk=pk)
    rules = AttendanceRules.for_event(event)
    form = RulesForm(request.POST or None, instance=rules)
    if request.method == "POST":
        if not request.user.has_perm("events.change_attendance"):
            raise Http404
        if form.is_valid():
            ops.save_rules(rules=form.save(commit=False), acting_user=request.user)
            messages.success(request, "Règles de présence enregistrées.")
            return redirect("events_staff:attendance", pk=event.pk)
    sessions = list(event.sessions.order_by("starts_at", "pk"))
    summary = ops.summarise(event)
    counts = dict(
        Attendance.objects.counted()
        .filter(session__event=event)
        .values_list("session_id")
        .annotate(n=Count("pk"))
        .values_list("session_id", "n")
    )
    return render(
        request,
        "events/attendance/overview.html",
        {
            "event": event,
            "form": form,
            "rules": rules,
            "sessions": [(s, counts.get(s.pk, 0)) for s in sessions],
            "summary": summary,
            "completed": sum(1 for p in summary if p.completed),
            "runs": list(AttestationRun.objects.filter(event=event)[:5]),
            "can_change": request.user.has_perm("events.change_attendance"),
            "can_generate": request.user.has_perm("events.add_attestationrun"),
        },
    )


# --- one session: list and bulk marking -------------------------------------


def _rows(session):
    """(registration, attendance or None, structure) for the session's expected people."""
    registrations = list(
        ops.confirmed_registrations(session.event).prefetch_related(
            Prefetch("attendances", queryset=Attendance.objects.filter(session=session), to_attr="marks")
        )
    )
    return [(r, r.marks[0] if r.marks else None, ops.structure_of(r)) for r in registrations]


@staff_view("events.view_attendance", methods=("GET", "POST"))
def session_list(request, pk):
    session = _session(pk)
    form = BulkMarkForm(request.POST or None, session=session)
    if request.method == "POST":
        if not request.user.has_perm("events.change_attendance"):
            raise Http404
        if form.is_valid():
            chosen = list(form.cleaned_data["registrations"])
            action = form.cleaned_data["action"]
            if action == "clear":
                for registration in chosen:
                    ops.unmark_attendance(session=session, registration=registration, acting_user=request.user)
            else:
                ops.mark_many(
                    session=session, registrations=chosen, present=action == "present", acting_user=request.user
                )
            messages.success(request, f"{len(chosen)} personne(s) mise(s) à jour.")
            return redirect("events_staff:attendance_session", pk=session.pk)
    rows = _rows(session)
    return render(
        request,
        "events/attendance/session.html",
        {
            "session": session,
            "event": session.event,
            "rows": rows,
            "present": sum(1 for _, a, _ in rows if a and a.present),
            "form": form,
            "can_change": request.user.has_perm("events.change_attendance"),
        },
    )


# --- check-in at the door ---------------------------------------------------


def _search(session, text, *, pk=None):
    folded = fold(text)
    registrations = Registration.objects.filter(event_id=session.event_id, status=RegistrationStatus.CONFIRMED)
    if pk is not None:
        registrations = registrations.filter(pk=pk)
    if folded:
        registrations = registrations.filter(
            Q(person__folded_name__contains=folded) | Q(person__email__istartswith=text.strip())
        )
    registrations = (
        registrations.select_related("person")
        .prefetch_related(
            Prefetch("attendances", queryset=Attendance.objects.filter(session=session), to_attr="marks"),
            Prefetch(
                "person__positions",
                queryset=Position.objects.current().select_related("organisation").order_by("-start_date", "pk"),
                to_attr="current_positions",
            ),
        )
        .order_by("person__last_name", "person__first_name", "pk")[:CHECK_IN_RESULTS]
    )
    return [(r, r.marks[0] if r.marks else None, ops.structure_of(r)) for r in registrations]


@staff_view("events.change_attendance")
def check_in(request, pk):
    session = _session(pk)
    q = request.GET.get("q", "")[:100]
    return render(
        request,
        "events/attendance/check_in.html",
        {"session": session, "event": session.event, "q": q, "rows": _search(session, q)},
    )


@staff_view("events.change_attendance")
def check_in_search(request, pk):
    session = _session(pk)
    q = request.GET.get("q", "")[:100]
    if not request.htmx:
        return redirect(reverse("events_staff:attendance_check_in", args=[session.pk]) + f"?q={q}")
    return render(
        request, "events/attendance/_check_in_results.html", {"session": session, "q": q, "rows": _search(session, q)}
    )


@staff_view("events.change_attendance", methods=("POST",))
def check_in_mark(request, pk, registration_pk):
    session = _session(pk)
    registration = get_object_or_404(
        Registration.objects.select_related("person"),
        pk=registration_pk,
        event_id=session.event_id,
        status=RegistrationStatus.CONFIRMED,
    )
    if request.POST.get("action") == "undo":
        ops.unmark_attendance(session=session, registration=registration, acting_user=request.user)
        mark = None
    else:
        mark = ops.mark_attendance(
            session=session, registration=registration, source=AttendanceSource.CHECK_IN, acting_user=request.user
        )
    if not request.htmx:
        q = request.POST.get("q", "")[:100]
        return redirect(reverse("events_staff:attendance_check_in", args=[session.pk]) + f"?q={q}")
    row = _search(session, "", pk=registration.pk)[0]
    return render(
        request,
        "events/attendance/_check_in_row.html",
        {"session": session, "registration": row[0], "mark": mark, "structure": row[2], "announce": True},
    )


# --- émargement sheet -------------------------------------------------------


@staff_view("events.view_attendance")
def emargement_pdf(request, pk):
    session = _session(pk)
    rows = [(r, s) for r, _, s in _rows(session)]
    pages = [rows[i : i + SHEET_ROWS_PER_PAGE] for i in range(0, len(rows), SHEET_ROWS_PER_PAGE)] or [[]]
    pdf = render_pdf(
        "events/pdf/emargement.html",
        {"session": session, "event": session.event, "pages": pages, "total": len(rows)},
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="emargement-{session.event.slug}-{session.pk}.pdf"'
    return response


# --- visio report -----------------------------------------------------------


@staff_view("events.change_attendance", methods=("GET", "POST"))
def visio_import(request, pk):
    session = _session(pk)
    form = VisioImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        result = ops.import_visio_report(
            session=session, source=upload, filename=upload.name[:200], acting_user=request.user
        )
        if result.report.written:
            messages.success(
                request,
                f"{len(result.matched)} personne(s) reconnue(s), dont "
                f"{sum(1 for p in result.matched if p.present)} présente(s) ; "
                f"{len(result.unmatched)} à rapprocher à la main.",
            )
    unmarked = []
    if result is not None and result.unmatched:
        unmarked = [r for r, a, _ in _rows(session) if a is None]
    return render(
        request,
        "events/attendance/visio_import.html",
        {"session": session, "event": session.event, "form": form, "result": result, "unmarked": unmarked},
        status=400 if result is not None and not result.report.ok else 200,
    )


@staff_view("events.change_attendance", methods=("POST",))
def visio_match(request, pk):
    session = _session(pk)
    form = ManualMatchForm(request.POST, session=session)
    if not form.is_valid():
        messages.error(request, "Rapprochement impossible : choisissez une inscription.")
        return redirect("events_staff:attendance_session", pk=session.pk)
    registration, minutes = form.cleaned_data["registration"], form.cleaned_data["minutes"]
    ops.mark_attendance(
        session=session,
        registration=registration,
        present=ops.presence_from_minutes(session, minutes),
        minutes=minutes,
        source=AttendanceSource.VISIO,
        acting_user=request.user,
    )
    messages.success(request, f"{registration.person.full_name} : {minutes} min de présence notées.")
    return redirect("events_staff:attendance_session", pk=session.pk)


# --- attestations -----------------------------------------------------------


@staff_view("events.add_attestationrun", methods=("POST",))
def attestations_start(request, pk):
    event = get_object_or_404(Event, pk=pk)
    run = request_attestations(event=event, acting_user=request.user)
    return redirect("events_staff:attestation_run", pk=run.pk)


def _run(pk):
    return get_object_or_404(AttestationRun.objects.select_related("event"), pk=pk)


@staff_view("events.view_attestationrun")
def attestation_run(request, pk):
    return render(request, "events/attendance/attestation_run.html", {"run": _run(pk)})


@staff_view("events.view_attestationrun")
def attestation_progress(request, pk):
    return render(request, "events/attendance/_attestation_progress.html", {"run": _run(pk)})


@staff_view("events.view_attestationrun")
@require_GET
def attestation_zip(request, pk):
    run = _run(pk)
    if not run.archive or not default_storage.exists(run.archive):
        raise Http404("archive absente")
    return FileResponse(
        default_storage.open(run.archive, "rb"),
        as_attachment=True,
        filename=f"attestations-{run.event.slug}.zip",
        content_type="application/zip",
    )


@staff_view("events.view_attendance")
def attestation_pdf(request, pk):
    registration = get_object_or_404(Registration.objects.select_related("event", "person"), pk=pk)
    try:
        filename, pdf = attestation_for(registration)
    except NoAttendance:
        messages.error(request, f"{registration.person.full_name} n'a assisté à aucune séance : pas d'attestation.")
        return redirect("events_staff:attendance", pk=registration.event_id)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
