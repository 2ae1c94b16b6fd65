"""The catalogue in the Django admin, in French."""

from django import forms
from django.contrib import admin
from django.db import models

from .models import Agent, Attachment, Authorship, Concept, ConceptScheme, Copy, ImportBatch, Link, Record
from .models.desk import ConsultationRequest, Loan
from .models.harvest import HarvestSource
from .models.weeding import CopyUse, WeedingRule
from .search import index_records


class LinesField(forms.CharField):
    """A list of strings edited one per line."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return [line.strip() for line in (value or "").splitlines() if line.strip()]


class ConceptForm(forms.ModelForm):
    alt_labels = LinesField(label="termes non préférentiels", required=False, help_text="Un terme par ligne.")


@admin.register(ConceptScheme)
class ConceptSchemeAdmin(admin.ModelAdmin):
    list_display = ("title", "uri")
    search_fields = ("title", "uri")


@admin.register(Concept)
class ConceptAdmin(admin.ModelAdmin):
    form = ConceptForm
    list_display = ("pref_label", "scheme", "deprecated")
    list_filter = ("scheme", "deprecated")
    search_fields = ("pref_label", "label_key", "uri")
    autocomplete_fields = ("broader", "related", "replaced_by")

    def get_search_results(self, request, queryset, search_term):
        if search_term:
            return queryset.filter(pk__in=Concept.objects.matching(search_term).values("pk")), False
        return super().get_search_results(request, queryset, search_term)


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ("__str__", "is_organisation", "dates", "idref")
    list_filter = ("is_organisation",)
    search_fields = ("name", "forename", "key")


class AuthorshipInline(admin.TabularInline):
    model = Authorship
    extra = 1
    autocomplete_fields = ("agent",)


class CopyInline(admin.TabularInline):
    model = Copy
    extra = 0


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    readonly_fields = ("size", "sha256")


class LinkInline(admin.TabularInline):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    model = Link
    extra = 0


class RecordForm(forms.ModelForm):
    keywords = LinesField(label="mots-clés libres", required=False, help_text="Un mot-clé par ligne.")
    themes = LinesField(label="thèmes du programme", required=False, help_text="Un thème par ligne.")


class DeletedFilter(admin.SimpleListFilter):
    title = "état"
    parameter_name = "etat"

    def lookups(self, request, model_admin):
        return [("vivantes", "au catalogue"), ("supprimees", "supprimées")]

    def queryset(self, request, queryset):
        if self.value() == "vivantes":
            return queryset.alive()
        if self.value() == "supprimees":
            return queryset.deleted()
        return queryset


@admin.register(Record)
class RecordAdmin(admin.ModelAdmin):
    form = RecordForm
    list_display = ("title", "record_type", "publication_year", "visibility", "is_centre_production", "updated_at")
    list_filter = (DeletedFilter, "record_type", "visibility", "is_centre_production", "origin")
    search_fields = ("title_key", "title", "isbn", "issn", "source_identifier")
    autocomplete_fields = ("subjects", "parent", "qpvs", "contrats_de_ville", "epcis", "communes", "departements")
    inlines = (AuthorshipInline, CopyInline, AttachmentInline, LinkInline)
    readonly_fields = ("origin", "source_name", "source_identifier", "import_batch", "deleted_at", "updated_at")

    def save_related(self, request, form, formsets, change):
        """Authors and subjects are saved here, after the record: index it once they are."""
        super().save_related(request, form, formsets, change)
        index_records([form.instance.pk])

    def delete_model(self, request, obj):
        pk = obj.pk
        super().delete_model(request, obj)
        index_records([pk])

    fieldsets = (
        (None, {"fields": ("record_type", "title", "title_nonsort", "subtitle", "part", "responsibility")}),
        (
            "publication",
            {
                "fields": (
                    "parent",
                    "host_title",
                    "edition",
                    "publisher",
                    "place",
                    "publication_year",
                    "date_text",
                    "extent",
                    "series",
                    "series_number",
                    "isbn",
                    "issn",
                    "language",
                )
            },
        ),
        ("contenu", {"fields": ("abstract", "contents", "notes")}),
        ("indexation", {"fields": ("subjects", "keywords", "themes")}),
        ("territoires", {"fields": ("qpvs", "contrats_de_ville", "epcis", "communes", "departements")}),
        ("diffusion", {"fields": ("is_centre_production", "visibility", "shared_with_reci")}),
        (
            "provenance",
            {"fields": ("origin", "source_name", "source_identifier", "import_batch", "deleted_at", "updated_at")},
        ),
    )


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ("__str__", "file_format", "created_count", "duplicate_count", "error_count", "created_by")
    readonly_fields = [f.name for f in ImportBatch._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(WeedingRule)
class WeedingRuleAdmin(admin.ModelAdmin):
    list_display = ("name", "record_type", "max_age_years", "min_years_unused", "max_copies", "is_active")
    list_filter = ("is_active", "record_type")


@admin.register(CopyUse)
class CopyUseAdmin(admin.ModelAdmin):
    """Loans and on-site consultations: the « last use » weeding rules count from."""

    list_display = ("copy", "kind", "used_on")
    list_filter = ("kind",)
    date_hierarchy = "used_on"
    raw_id_fields = ("copy",)


@admin.register(HarvestSource)
class HarvestSourceAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("name", "base_url", "set_spec", "metadata_prefix", "last_harvested_at")
    readonly_fields = ("last_harvested_at", "last_report")


@admin.register(ConsultationRequest)
class ConsultationRequestAdmin(admin.ModelAdmin):
    """Requests are handled on the Espace doc staff pages; the admin shows and corrects them."""

    list_display = ("created_at", "name", "record", "status")
    list_filter = ("status",)
    search_fields = ("name", "email", "organisation_name", "record__title")
    raw_id_fields = ("record",)
    filter_horizontal = ("copies",)


@admin.register(Loan)
class LoanAdmin(admin.ModelAdmin):
    list_display = ("copy", "borrower_name", "lent_on", "due_on", "returned_on", "reminders_sent")
    list_filter = ("returned_on",)
    search_fields = ("borrower_name", "borrower_email", "copy__barcode", "copy__call_number")
    raw_id_fields = ("copy", "person")
    readonly_fields = ("reminders_sent", "last_reminder_at")
