from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from crpv.core.exports import Sheet, xlsx_response
from crpv.programme import achievements
from crpv.programme.forms import ImportForm
from crpv.programme.models import Action, Axis, Programme, ProgrammeImport
from crpv.programme.operations import KINDS, import_programme
from crpv.programme.parsing import ParsedProgramme


def _programme_for(request):
    """The programme of `?annee=` (default: the latest) and every year available."""
    years = list(Programme.objects.order_by("-year").values_list("year", flat=True))
    if not years:
        return None, years
    year = request.GET.get("annee")
    if year is None:
        year = years[0]
    elif not year.isdigit() or int(year) not in years:
        raise Http404("Aucun programme pour cette année.")
    return int(year), years


def _tree(year):
    """The programme with axes, actions and targets, in a constant number of queries.

    Each target gets `achieved` and `percent` from the achievements registry.
    """
    actions = Action.objects.select_related("owner").prefetch_related(
        "partners", "calendar", "deliverables", "targets"
    )
    programme = Programme.objects.prefetch_related(
        Prefetch("axes", queryset=Axis.objects.prefetch_related(Prefetch("actions", queryset=actions)))
    ).get(year=year)
    targets = [t for axis in programme.axes.all() for a in axis.actions.all() for t in a.targets.all()]
    progress = achievements.progress(targets)
    for target in targets:
        target.achieved, target.percent = progress[target.pk]
        target.bar_value = min(target.achieved, target.goal)
    return programme


@staff_member_required
@permission_required("programme.view_programme", raise_exception=True)
def dashboard(request):
    year, years = _programme_for(request)
    programme = _tree(year) if year else None
    return render(
        request,
        "programme/dashboard.html",
        {
            "programme": programme,
            "years": years,
            "can_import": request.user.has_perm("programme.add_programmeimport"),
        },
    )


@staff_member_required
@permission_required("programme.view_programme", raise_exception=True)
def export_xlsx(request):
    year, _ = _programme_for(request)
    if year is None:
        raise Http404("Aucun programme.")
    programme = _tree(year)
    headers = [
        "axe",
        "action",
        "titre de l'action",
        "responsable",
        "partenaires",
        "calendrier",
        "quantité",
        "quantité maximale",
        "environ",
        "unité",
        "période",
        "format",
        "réalisé",
        "pourcentage",
        "phrase du programme",
    ]
    rows = []
    for axis in programme.axes.all():
        for action in axis.actions.all():
            common = [
                f"{axis.roman}. {axis.title}",
                action.code,
                action.title,
                str(action.owner) if action.owner else "",
                ", ".join(str(p) for p in action.partners.all()),
                ", ".join(w.label for w in action.calendar.all()),
            ]
            targets = list(action.targets.all())
            if not targets:
                rows.append(common + [""] * (len(headers) - len(common)))
            for t in targets:
                rows.append(
                    common
                    + [
                        t.quantity,
                        t.quantity_max,
                        "oui" if t.approximate else "",
                        t.unit_display,
                        t.get_period_display(),
                        t.get_format_display(),
                        t.achieved,
                        t.percent / 100,
                        t.source,
                    ]
                )
    return xlsx_response(f"programme-{year}.xlsx", [Sheet(f"Programme {year}", headers, rows)])


@staff_member_required
@permission_required("programme.add_programmeimport", raise_exception=True)
def import_upload(request):
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            pending = ProgrammeImport.objects.create(
                created_by=request.user,
                year=form.cleaned_data["year"],
                filename=form.cleaned_data["file"].name[:255],
                sha256=form.cleaned_data["sha256"],
                parsed=form.cleaned_data["parsed"].to_dict(),
            )
            return redirect("programme:import_review", pk=pending.pk)
    else:
        form = ImportForm()
    return render(request, "programme/import_upload.html", {"form": form})


def _pending(request, pk):
    return get_object_or_404(ProgrammeImport, pk=pk, status=ProgrammeImport.Status.DRAFT, created_by=request.user)


@staff_member_required
@permission_required("programme.add_programmeimport", raise_exception=True)
def import_review(request, pk):
    pending = _pending(request, pk)
    parsed = ParsedProgramme.from_dict(pending.parsed)
    report = import_programme(parsed=parsed, year=pending.year, acting_user=request.user, dry_run=True)
    counts = [(label, report.counts[kind]) for kind, label in KINDS.items() if any(report.counts[kind].values())]
    return render(
        request,
        "programme/import_review.html",
        {"pending": pending, "parsed": parsed, "report": report, "counts": counts},
    )


@require_POST
@staff_member_required
@permission_required("programme.add_programmeimport", raise_exception=True)
def import_confirm(request, pk):
    pending = _pending(request, pk)
    parsed = ParsedProgramme.from_dict(pending.parsed)
    report = import_programme(parsed=parsed, year=pending.year, acting_user=request.user)
    pending.status = ProgrammeImport.Status.APPLIED
    pending.applied_at = timezone.now()
    pending.report = report.as_dict()
    pending.save(update_fields=["status", "applied_at", "report"])
    if report.has_changes:
        messages.success(request, f"Programme {pending.year} enregistré : " + " ; ".join(report.summary_lines()))
    else:
        messages.success(request, f"Programme {pending.year} : aucun changement.")
    return redirect(f"{reverse('programme:dashboard')}?annee={pending.year}")
