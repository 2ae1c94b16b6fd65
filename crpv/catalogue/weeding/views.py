"""Staff pages of weeding: candidates and decisions, history, statistics, digital scans and bordereaux."""

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.db.models import Count
from django.db.models.functions import ExtractYear
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_POST

from crpv.core.exports import Sheet, xlsx_response

from ..formats.base import RECORD_TYPES
from ..models import Copy, DigitalScan, Record, WeedingDecision, WeedingRule
from . import operations
from .candidates import find_candidates
from .forms import CandidateFilterForm, DecisionForm

VIEW = "catalogue.view_weedingdecision"
DECIDE = "catalogue.add_weedingdecision"


def _staff(perm):
    def wrap(view):
        return staff_member_required(permission_required(perm, raise_exception=True)(view))

    return wrap


@_staff(VIEW)
def candidates(request, form=None):
    filters = CandidateFilterForm(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    found = find_candidates(
        record_type=data.get("record_type", ""),
        criterion=data.get("criterion", ""),
        include_reviewed=data.get("include_reviewed", False),
    )
    return render(
        request,
        "catalogue/weeding/candidates.html",
        {
            "filters": filters,
            "candidates": found,
            "form": form or DecisionForm(),
            "rules": WeedingRule.objects.filter(is_active=True),
            "can_decide": request.user.has_perm(DECIDE),
        },
    )


@_staff(DECIDE)
@require_POST
def decide(request):
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            targets = operations.resolve_targets(form.cleaned_data["targets"])
            written = operations.decide(
                targets=targets,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
                partner=form.cleaned_data["partner"],
                acting_user=request.user,
            )
        except operations.WeedingError as error:
            form.add_error(None, str(error))
        else:
            label = dict(WeedingDecision.Decision.choices)[form.cleaned_data["decision"]]
            messages.success(request, f"Décision « {label} » enregistrée pour {len(written)} document(s).")
            return redirect("weeding:candidates")
    response = candidates(request, form=form)
    response.status_code = 400
    return response


@_staff(VIEW)
def copy_history(request, pk):
    copy = get_object_or_404(Copy.objects.select_related("record"), pk=pk)
    decisions = copy.weeding.select_related("decided_by", "rule")
    return render(
        request,
        "catalogue/weeding/history.html",
        {"copy": copy, "record": copy.record, "decisions": decisions, "uses": copy.uses.all()[:50]},
    )


@_staff(VIEW)
def record_history(request, pk):
    record = get_object_or_404(Record, pk=pk)
    decisions = record.weeding.select_related("decided_by", "rule", "copy")
    return render(request, "catalogue/weeding/history.html", {"record": record, "decisions": decisions})


@_staff(VIEW)
def statistics(request):
    decided = WeedingDecision.objects.exclude(decision=WeedingDecision.Decision.PROPOSED)
    rows = (
        decided.annotate(year=ExtractYear("decided_at"))
        .values("year", "record__record_type", "decision")
        .annotate(n=Count("pk"))
        .order_by("-year", "record__record_type", "decision")
    )
    labels = dict(WeedingDecision.Decision.choices)
    table = [
        {
            "year": r["year"],
            "type": RECORD_TYPES.get(r["record__record_type"], r["record__record_type"]),
            "decision": labels.get(r["decision"], r["decision"]),
            "n": r["n"],
        }
        for r in rows
    ]
    totals = [
        {"decision": labels.get(r["decision"], r["decision"]), "n": r["n"]}
        for r in decided.values("decision").annotate(n=Count("pk")).order_by("decision")
    ]
    return render(
        request,
        "catalogue/weeding/statistics.html",
        {"rows": table, "totals": totals, "withdrawn": Copy.objects.filter(status=Copy.Status.WITHDRAWN).count()},
    )


@_staff(VIEW)
def scans(request):
    return render(request, "catalogue/weeding/scans.html", {"scans": DigitalScan.objects.all()[:50]})


@_staff(VIEW)
def scan_report(request, pk):
    scan = get_object_or_404(DigitalScan, pk=pk)
    findings = list(scan.findings.all())
    return render(
        request,
        "catalogue/weeding/scan.html",
        {"scan": scan, "findings": findings, "proposed": [f for f in findings if f.proposed_for_elimination]},
    )


def _bordereau_rows(scan):
    return list(scan.findings.filter(proposed_for_elimination=True).order_by("path"))


@_staff(VIEW)
def bordereau_pdf(request, pk):
    from weasyprint import HTML

    scan = get_object_or_404(DigitalScan, pk=pk)
    html = render_to_string(
        "catalogue/weeding/bordereau_pdf.html",
        {"scan": scan, "rows": _bordereau_rows(scan), "today": timezone.localdate(), "user": request.user},
        request=request,
    )
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="bordereau-elimination-{scan.pk}.pdf"'
    return response


@_staff(VIEW)
def bordereau_xlsx(request, pk):
    scan = get_object_or_404(DigitalScan, pk=pk)
    headers = ["chemin", "taille (octets)", "modifié le", "empreinte SHA-256", "constats"]
    rows = [
        [f.path, f.size, timezone.localtime(f.modified_at).replace(tzinfo=None), f.sha256, ", ".join(f.kind_labels())]
        for f in _bordereau_rows(scan)
    ]
    return xlsx_response(f"bordereau-elimination-{scan.pk}.xlsx", [Sheet("Bordereau d'élimination", headers, rows)])
