"""Staff screens of the base Acteurs: people, structures, segments, duplicates, imports."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.cache import caches
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from crpv.core.exports import Sheet, csv_response, xlsx_response
from crpv.core.imports import ImportRefused
from crpv.core.models import AuditEntry

from . import editing, tasks
from .forms import (
    CriteriaForm,
    ImportOptionsForm,
    ImportUploadForm,
    MappingForm,
    MembershipForm,
    MergeForm,
    OrganisationForm,
    PersonForm,
    PositionForm,
    SegmentForm,
    criteria_as_data,
)
from .merging import MergeError, merge_people, probable_duplicates
from .models import ConsentEvent, ContactImport, Membership, Organisation, Person, Position, Segment
from .segments import count_active_people, describe, people_matching

PAGE_SIZE = 50
EXPORT_HEADERS = [
    "nom",
    "prénom",
    "courriel",
    "téléphone",
    "portable",
    "fonction",
    "structures actuelles",
    "base légale",
]


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _with_current_positions(people):
    current = Position.objects.current().select_related("organisation").order_by("organisation__name")
    return people.prefetch_related(Prefetch("positions", queryset=current, to_attr="current_positions"))


def _querystring(request):
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


# --- People -------------------------------------------------------------------


@permission_required("contacts.view_person", raise_exception=True)
@require_GET
def person_list(request):
    form = CriteriaForm(request.GET or None)
    criteria = form.criteria() if form.is_bound and form.is_valid() else {}
    paginator = Paginator(_with_current_positions(people_matching(criteria)), PAGE_SIZE)
    if not criteria:
        paginator.count = count_active_people()  # the cheapest exact count of the whole base
    page = paginator.get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "querystring": _querystring(request)}
    template = "contacts/_person_results.html" if request.htmx else "contacts/person_list.html"
    return render(request, template, context)


@permission_required("contacts.view_person", raise_exception=True)
@require_GET
def person_detail(request, pk):
    person = get_object_or_404(
        Person.objects.active().prefetch_related("themes", "departements", "epcis", "contrats_de_ville", "qpvs"),
        pk=pk,
    )
    editing.record_person_view(person=person, acting_user=request.user)
    today = timezone.localdate()
    positions = list(person.positions.select_related("organisation").order_by("-start_date", "pk"))
    for position in positions:
        position.current = position.is_current(today)
    context = {
        "person": person,
        "positions": positions,
        "memberships": person.memberships.select_related("network").order_by("network__name", "start_date"),
        "consents": ConsentEvent.objects.for_person(person).select_related("actor"),
        "views": AuditEntry.objects.filter(
            action="person.viewed", object_type="contacts.person", object_id=str(person.pk)
        ).select_related("actor")[:20],
        "can_change": request.user.has_perm("contacts.change_person"),
    }
    return render(request, "contacts/person_detail.html", context)


def _person_form_page(request, form, person=None):
    if request.method == "POST" and form.is_valid():
        saved = editing.save_person(form=form, acting_user=request.user)
        messages.success(request, f"Fiche de {saved} enregistrée.")
        return redirect("contacts:person_detail", pk=saved.pk)
    return render(request, "contacts/person_form.html", {"form": form, "person": person})


@permission_required("contacts.add_person", raise_exception=True)
@require_http_methods(["GET", "POST"])
def person_create(request):
    return _person_form_page(request, PersonForm(request.POST or None))


@permission_required("contacts.change_person", raise_exception=True)
@require_http_methods(["GET", "POST"])
def person_edit(request, pk):
    person = get_object_or_404(Person.objects.active(), pk=pk)
    return _person_form_page(request, PersonForm(request.POST or None, instance=person), person)


@permission_required("contacts.add_position", raise_exception=True)
@require_http_methods(["GET", "POST"])
def position_create(request, pk):
    person = get_object_or_404(Person.objects.active(), pk=pk)
    return _position_page(request, person, PositionForm(request.POST or None))


@permission_required("contacts.change_position", raise_exception=True)
@require_http_methods(["GET", "POST"])
def position_edit(request, pk):
    position = get_object_or_404(Position.objects.select_related("person"), pk=pk, person__is_anonymised=False)
    return _position_page(request, position.person, PositionForm(request.POST or None, instance=position))


def _position_page(request, person, form):
    if request.method == "POST" and form.is_valid():
        editing.save_position(form=form, person=person, acting_user=request.user)
        messages.success(request, "Poste enregistré.")
        return redirect("contacts:person_detail", pk=person.pk)
    title = "Modifier un poste" if form.instance.pk else "Ajouter un poste"
    return render(request, "contacts/related_form.html", {"form": form, "person": person, "title": title})


@permission_required("contacts.add_membership", raise_exception=True)
@require_http_methods(["GET", "POST"])
def membership_create(request, pk):
    person = get_object_or_404(Person.objects.active(), pk=pk)
    return _membership_page(request, person, MembershipForm(request.POST or None))


@permission_required("contacts.change_membership", raise_exception=True)
@require_http_methods(["GET", "POST"])
def membership_edit(request, pk):
    membership = get_object_or_404(Membership.objects.select_related("person"), pk=pk, person__is_anonymised=False)
    return _membership_page(request, membership.person, MembershipForm(request.POST or None, instance=membership))


def _membership_page(request, person, form):
    if request.method == "POST" and form.is_valid():
        editing.save_membership(form=form, person=person, acting_user=request.user)
        messages.success(request, "Appartenance au réseau enregistrée.")
        return redirect("contacts:person_detail", pk=person.pk)
    title = "Modifier une appartenance" if form.instance.pk else "Ajouter à un réseau"
    return render(request, "contacts/related_form.html", {"form": form, "person": person, "title": title})


# --- Structures -----------------------------------------------------------------


@permission_required("contacts.view_organisation", raise_exception=True)
@require_GET
def organisation_list(request):
    organisations = Organisation.objects.select_related("commune")
    q = request.GET.get("q", "").strip()[:100]
    if q:
        organisations = organisations.search(q)
    context = {"page": _page(request, organisations), "q": q, "querystring": _querystring(request)}
    template = "contacts/_organisation_results.html" if request.htmx else "contacts/organisation_list.html"
    return render(request, template, context)


@permission_required("contacts.view_organisation", raise_exception=True)
@require_GET
def organisation_detail(request, pk):
    organisation = get_object_or_404(
        Organisation.objects.select_related("commune").prefetch_related(
            "epcis", "communes", "departements", "contrats_de_ville"
        ),
        pk=pk,
    )
    positions = (
        organisation.positions.filter(person__is_anonymised=False)
        .select_related("person")
        .order_by("person__last_name", "person__first_name", "-start_date")
    )
    today = timezone.localdate()
    rows = list(positions)
    for position in rows:
        position.current = position.is_current(today)
    return render(
        request,
        "contacts/organisation_detail.html",
        {
            "organisation": organisation,
            "positions": rows,
            "can_change": request.user.has_perm("contacts.change_organisation"),
        },
    )


def _organisation_form_page(request, form, organisation=None):
    if request.method == "POST" and form.is_valid():
        saved = editing.save_organisation(form=form, acting_user=request.user)
        messages.success(request, f"Structure « {saved} » enregistrée.")
        return redirect("contacts:organisation_detail", pk=saved.pk)
    return render(request, "contacts/organisation_form.html", {"form": form, "organisation": organisation})


@permission_required("contacts.add_organisation", raise_exception=True)
@require_http_methods(["GET", "POST"])
def organisation_create(request):
    return _organisation_form_page(request, OrganisationForm(request.POST or None))


@permission_required("contacts.change_organisation", raise_exception=True)
@require_http_methods(["GET", "POST"])
def organisation_edit(request, pk):
    organisation = get_object_or_404(Organisation, pk=pk)
    return _organisation_form_page(
        request, OrganisationForm(request.POST or None, instance=organisation), organisation
    )


# --- Segments -------------------------------------------------------------------


@permission_required("contacts.view_segment", raise_exception=True)
@require_GET
def segment_list(request):
    segments = Segment.objects.select_related("owner")
    return render(request, "contacts/segment_list.html", {"segments": segments})


@permission_required("contacts.view_segment", raise_exception=True)
@require_GET
def segment_count(request):
    """The live count of the segment builder (htmx fragment)."""
    form = CriteriaForm(request.GET)
    count = people_matching(form.criteria()).count() if form.is_valid() else None
    return render(request, "contacts/_segment_count.html", {"count": count})


def _segment_form_page(request, segment):
    data = request.POST if request.method == "POST" else None
    if data is None and segment.pk:
        form = SegmentForm(initial={"name": segment.name, "description": segment.description, **segment.criteria})
    else:
        form = SegmentForm(data)
    if request.method == "POST" and form.is_valid():
        saved = editing.save_segment(
            segment=segment,
            criteria=form.criteria(),
            acting_user=request.user,
            name=form.cleaned_data["name"],
            description=form.cleaned_data["description"],
        )
        messages.success(request, f"Segment « {saved} » enregistré.")
        return redirect("contacts:segment_detail", pk=saved.pk)
    criteria = form.criteria() if form.is_bound and form.is_valid() else segment.criteria
    count = people_matching(criteria).count()
    return render(request, "contacts/segment_form.html", {"form": form, "segment": segment, "count": count})


@permission_required("contacts.add_segment", raise_exception=True)
@require_http_methods(["GET", "POST"])
def segment_create(request):
    return _segment_form_page(request, Segment())


@permission_required("contacts.change_segment", raise_exception=True)
@require_http_methods(["GET", "POST"])
def segment_edit(request, pk):
    return _segment_form_page(request, get_object_or_404(Segment, pk=pk))


@permission_required("contacts.view_segment", raise_exception=True)
@require_GET
def segment_detail(request, pk):
    segment = get_object_or_404(Segment.objects.select_related("owner"), pk=pk)
    form = CriteriaForm(criteria_as_data(segment.criteria))
    people = segment.people()
    page = _page(request, _with_current_positions(people))
    return render(
        request,
        "contacts/segment_detail.html",
        {
            "segment": segment,
            "summary": describe(segment.criteria, form.labels()),
            "page": page,
            "querystring": "",
            "can_change": request.user.has_perm("contacts.change_segment"),
        },
    )


def _export_rows(people):
    for person in _with_current_positions(people).iterator(chunk_size=2000):
        yield [
            person.last_name,
            person.first_name,
            person.email,
            person.phone,
            person.mobile_phone,
            person.function_title,
            " ; ".join(str(p.organisation) for p in person.current_positions),
            person.get_legal_basis_display(),
        ]


@permission_required("contacts.view_segment", raise_exception=True)
@permission_required("contacts.view_person", raise_exception=True)
@require_GET
def segment_export(request, pk, file_format):
    segment = get_object_or_404(Segment, pk=pk)
    rows = list(_export_rows(segment.people()))
    editing.record_export(segment=segment, acting_user=request.user, file_format=file_format, rows=len(rows))
    filename = f"segment-{segment.pk}-{timezone.localdate():%Y-%m-%d}"
    if file_format == "xlsx":
        return xlsx_response(f"{filename}.xlsx", [Sheet(segment.name, EXPORT_HEADERS, rows)])
    return csv_response(f"{filename}.csv", EXPORT_HEADERS, rows)


# --- Duplicates and merge -------------------------------------------------------


@permission_required("contacts.view_person", raise_exception=True)
@require_GET
def duplicates(request):
    pairs = probable_duplicates()
    ids = {pk for pair in pairs for pk in (pair.first_id, pair.second_id)}
    people = Person.objects.in_bulk(ids)
    rows = [(pair, people[pair.first_id], people[pair.second_id]) for pair in pairs]
    return render(
        request,
        "contacts/duplicates.html",
        {"rows": rows, "can_merge": request.user.has_perm("contacts.delete_person")},
    )


@permission_required("contacts.change_person", raise_exception=True)
@permission_required("contacts.delete_person", raise_exception=True)
@require_http_methods(["GET", "POST"])
def merge(request, kept, merged):
    people = Person.objects.active().prefetch_related("positions__organisation", "memberships__network")
    kept_person = get_object_or_404(people, pk=kept)
    merged_person = get_object_or_404(people, pk=merged)
    if kept_person.pk == merged_person.pk:
        raise Http404("Deux fiches différentes sont nécessaires.")
    form = MergeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = merge_people(kept=kept_person, merged=merged_person, acting_user=request.user)
        except MergeError as error:
            form.add_error(None, str(error))
        else:
            moved = sum(result.moved.values()) + len(result.consent_events)
            messages.success(
                request,
                f"Fiches fusionnées : {moved} élément(s) rattaché(s) à {result.kept}, "
                f"{len(result.dropped)} doublon(s) écarté(s).",
            )
            return redirect("contacts:person_detail", pk=result.kept.pk)
    return render(request, "contacts/merge.html", {"form": form, "kept": kept_person, "merged": merged_person})


# --- Imports ----------------------------------------------------------------------


def _is_administrator(user):
    return user.is_superuser or user.groups.filter(name="administrateur").exists()


def _own_import(request, pk):
    """An import of the current user (administrators see every import)."""
    imports = ContactImport.objects.select_related("created_by")
    if not _is_administrator(request.user):
        imports = imports.filter(created_by=request.user)
    return get_object_or_404(imports, pk=pk)


@permission_required("contacts.add_contactimport", raise_exception=True)
@require_http_methods(["GET", "POST"])
def import_upload(request):
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        contact_import = editing.create_contact_import(
            upload=form.cleaned_data["file"], acting_user=request.user, extension=form.extension
        )
        return redirect("contacts:import_mapping", pk=contact_import.pk)
    imports = ContactImport.objects.select_related("created_by")
    if not _is_administrator(request.user):
        imports = imports.filter(created_by=request.user)
    return render(request, "contacts/import_upload.html", {"form": form, "imports": imports[:20]})


@permission_required("contacts.add_contactimport", raise_exception=True)
@require_http_methods(["GET", "POST"])
def import_mapping(request, pk):
    contact_import = _own_import(request, pk)
    if contact_import.status not in (ContactImport.Status.UPLOADED, ContactImport.Status.PREVIEWED):
        return redirect("contacts:import_detail", pk=contact_import.pk)
    try:
        headers = tasks.file_headers(tasks.read_stored(contact_import))
    except ImportRefused as refusal:
        return render(request, "contacts/import_refused.html", {"contact_import": contact_import, "refusal": refusal})
    recognised, rest = tasks.automatic_mapping(headers)
    form = MappingForm(request.POST or None, headers=rest, taken=set(recognised.values()))
    if request.method == "POST" and form.is_valid():
        editing.check_contact_import(contact_import=contact_import, mapping=form.mapping(), acting_user=request.user)
        return redirect("contacts:import_preview", pk=contact_import.pk)
    return render(
        request,
        "contacts/import_mapping.html",
        {"contact_import": contact_import, "form": form, "recognised": recognised},
    )


@permission_required("contacts.add_contactimport", raise_exception=True)
@require_http_methods(["GET", "POST"])
def import_preview(request, pk):
    contact_import = _own_import(request, pk)
    if contact_import.status != ContactImport.Status.PREVIEWED:
        return redirect(
            "contacts:import_mapping"
            if contact_import.status == ContactImport.Status.UPLOADED
            else "contacts:import_detail",
            pk=contact_import.pk,
        )
    form = ImportOptionsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        editing.queue_contact_import(
            contact_import=contact_import,
            mode=form.cleaned_data["mode"],
            existing=form.cleaned_data["existing"],
            acting_user=request.user,
        )
        return redirect("contacts:import_detail", pk=contact_import.pk)
    return render(
        request,
        "contacts/import_preview.html",
        {"contact_import": contact_import, "preview": contact_import.preview, "form": form},
    )


def _progress_context(contact_import):
    done, total = caches["shared"].get(tasks.progress_key(contact_import.pk)) or (0, 0)
    if contact_import.is_finished:
        done = total = max(contact_import.rows_total, 1)
    percent = round(100 * done / total) if total else 0
    return {"contact_import": contact_import, "done": done, "total": total, "percent": percent}


@permission_required("contacts.add_contactimport", raise_exception=True)
@require_GET
def import_detail(request, pk):
    contact_import = _own_import(request, pk)
    return render(request, "contacts/import_detail.html", _progress_context(contact_import))


@permission_required("contacts.add_contactimport", raise_exception=True)
@require_GET
def import_progress(request, pk):
    """The progress bar, polled by htmx every second until the import is over."""
    contact_import = _own_import(request, pk)
    response = render(request, "contacts/_import_progress.html", _progress_context(contact_import))
    if contact_import.is_finished and request.htmx:
        response["HX-Refresh"] = "true"  # show the full result page
    return response


@permission_required("contacts.add_contactimport", raise_exception=True)
@require_GET
def import_errors(request, pk):
    contact_import = _own_import(request, pk)
    if not contact_import.error_file:
        raise Http404("Cet import n'a pas de fichier d'erreurs.")
    response = HttpResponse(tasks.read_error_file(contact_import), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{contact_import.pk}-erreurs.csv"'
    return response
