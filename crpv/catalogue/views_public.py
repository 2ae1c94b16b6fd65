"""Public pages of the catalogue (OPAC): search, record, citations, boîte à outils, alerts."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from crpv.core.files import serve_owned_file
from crpv.core.views import public_page

from .exporting import export_records
from .formats.base import RECORD_TYPES
from .models import Attachment, Record, SavedSearch
from .search import search_records
from .search.alerts import create_saved_search, delete_saved_search, search_query_string
from .search.forms import SavedSearchForm, SearchForm

SCHEMA_TYPES = {
    "ouvrage": "Book",
    "chapitre": "Chapter",
    "article": "ScholarlyArticle",
    "revue": "Periodical",
    "numero": "PublicationIssue",
    "rapport": "Report",
    "litterature_grise": "Report",
    "these": "Thesis",
    "fiche": "LearningResource",
    "kit": "LearningResource",
    "rex": "CreativeWork",
    "infographie": "ImageObject",
    "video": "VideoObject",
    "podcast": "PodcastEpisode",
    "site_web": "WebSite",
}
CITATION_FORMATS = {"ris": ("application/x-research-info-systems", "ris"), "bibtex": ("application/x-bibtex", "bib")}


def json_ld(record, request):
    """schema.org description of a record (JSON-LD), for search engines and reference managers."""
    data = {
        "@context": "https://schema.org",
        "@type": SCHEMA_TYPES.get(record.record_type, "CreativeWork"),
        "@id": request.build_absolute_uri(reverse("catalogue:record", args=[record.pk])),
        "url": request.build_absolute_uri(reverse("catalogue:record", args=[record.pk])),
        "name": record.title,
    }
    if record.subtitle:
        data["alternativeHeadline"] = record.subtitle
    authors = [
        {"@type": "Organization" if a.agent.is_organisation else "Person", "name": str(a.agent)}
        for a in record.authorships.all()
    ]
    if authors:
        data["author"] = authors
    if record.publisher:
        data["publisher"] = {"@type": "Organization", "name": record.publisher}
    if record.publication_year:
        data["datePublished"] = str(record.publication_year)
    if record.isbn and data["@type"] == "Book":
        data["isbn"] = record.isbn
    if record.issn:
        data["issn"] = record.issn
    if record.abstract:
        data["abstract"] = record.abstract
    if record.language:
        data["inLanguage"] = {"fre": "fr", "eng": "en"}.get(record.language, record.language)
    subjects = [c.pref_label for c in record.subjects.all()]
    if subjects:
        data["about"] = [{"@type": "DefinedTerm", "name": label} for label in subjects]
    keywords = [*subjects, *(str(k) for k in record.keywords or [])]
    if keywords:
        data["keywords"] = ", ".join(keywords)
    places = [t.name for t in [*record.departements.all(), *record.communes.all(), *record.qpvs.all()]]
    if places:
        data["spatialCoverage"] = [{"@type": "Place", "name": name} for name in places]
    return data


def visible_records(request):
    """Staff with `catalogue.view_record` also see staff-only records."""
    if request.user.has_perm("catalogue.view_record"):
        return Record.objects.alive()
    return Record.objects.public()


def render_search(request, scope, *, template, staff=False):
    """The search page over the public records (`scope` "public") or every alive one ("alive")."""
    base = Record.objects.public() if scope == "public" else Record.objects.alive()
    form = SearchForm(request.GET)
    arguments = form.search_arguments()
    results = search_records(base, scope=scope, **arguments)
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "form": form,
        "results": results,
        "staff": staff,
        "filters_query": params.urlencode(),
        "alert_form": SavedSearchForm(query_string=search_query_string(request.GET)),
        "can_save": bool(search_query_string(request.GET)),
        "subject": arguments["filters"].subject,
    }
    if request.htmx:
        template = "catalogue/_results.html"
    return render(request, template, context)


@login_not_required
@require_GET
def search(request):
    return render_search(request, "public", template="catalogue/search.html")


@public_page
def record_detail(request, pk):
    record = get_object_or_404(
        visible_records(request)
        .for_display()
        .select_related("parent")
        .prefetch_related("copies", "links", "qpvs", "contrats_de_ville", "epcis", "communes", "departements"),
        pk=pk,
    )
    attachments = record.attachments.filter(access="public")
    data = json.dumps(json_ld(record, request), ensure_ascii=False)
    # Escaped as Django's json_script does: the data block cannot close its <script>.
    data = data.replace("<", "\\u003C").replace(">", "\\u003E").replace("&", "\\u0026")
    return render(
        request,
        "catalogue/record_detail.html",
        {
            "record": record,
            "type_label": RECORD_TYPES.get(record.record_type, record.record_type),
            "attachments": attachments,
            "json_ld": data,
            "available": any(c.status == "disponible" for c in record.copies.all()) or attachments.exists(),
        },
    )


@public_page
def record_citation(request, pk, fmt):
    if fmt not in CITATION_FORMATS:
        raise Http404("Format inconnu.")
    record = get_object_or_404(visible_records(request), pk=pk)
    content_type, extension = CITATION_FORMATS[fmt]
    response = HttpResponse(export_records(Record.objects.filter(pk=record.pk), fmt), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="notice-{record.pk}.{extension}"'
    return response


TOOLBOX_TYPES = ("fiche", "kit", "rex", "infographie", "video", "podcast", "rapport", "litterature_grise")


@public_page
def toolbox(request):
    """The boîte à outils: the centre's own public productions, by theme."""
    chosen = request.GET.get("type", "")
    records = Record.objects.toolbox().for_display().order_by("-publication_year", "title_key")
    if chosen in RECORD_TYPES:
        records = records.filter(record_type=chosen)
    by_theme = {}
    for record in records:
        record.type_label = RECORD_TYPES.get(record.record_type, record.record_type)
        for theme in record.themes or ["autres ressources"]:
            by_theme.setdefault(str(theme), []).append(record)
    types = [
        (code, RECORD_TYPES[code])
        for code in Record.objects.toolbox().values_list("record_type", flat=True).distinct().order_by()
        if code in RECORD_TYPES
    ]
    return render(
        request,
        "catalogue/toolbox.html",
        {"themes": sorted(by_theme.items()), "types": sorted(types), "chosen": chosen},
    )


@login_not_required
@require_POST
def saved_search_create(request):
    query_string = request.POST.get("recherche", "")[:2000]
    search_params = QueryDict(query_string)
    form = SavedSearchForm(request.POST, query_string=search_query_string(search_params))
    if not form.is_valid():
        return render(request, "catalogue/saved_search_form.html", {"form": form, "query_string": query_string})
    saved = create_saved_search(
        email=form.cleaned_data["email"],
        label=form.cleaned_data["label"],
        params=search_params,
        acting_user=request.user,
    )
    messages.success(
        request, "Votre alerte est enregistrée. Gardez l'adresse de cette page : elle seule permet de la supprimer."
    )
    return redirect(saved.get_manage_url())


@login_not_required
def saved_search(request, token):
    saved = SavedSearch.objects.from_token(token)
    if saved is None:
        raise Http404("Alerte inconnue ou supprimée.")
    if request.method == "POST":
        delete_saved_search(saved_search=saved, acting_user=request.user)
        messages.success(request, "L'alerte est supprimée : son flux ne donne plus rien.")
        return redirect("catalogue:search")
    feed_url = request.build_absolute_uri(saved.get_feed_url())
    search_url = reverse("catalogue:search") + "?" + saved.query_string
    return render(
        request, "catalogue/saved_search.html", {"saved": saved, "feed_url": feed_url, "search_url": search_url}
    )


@login_not_required
@require_GET
def attachment_file(request, pk, name):
    """A record's attached file: anyone when the file and its record are public, else catalogue staff."""
    attachment = get_object_or_404(Attachment.objects.select_related("record"), pk=pk)
    record = attachment.record  # read with the attachment: no second query
    public = (
        attachment.access == Attachment.Access.PUBLIC
        and record.deleted_at is None
        and record.visibility == Record.Visibility.PUBLIC
    )
    return serve_owned_file(request, attachment.file, name, public=public, permission="catalogue.view_record")
