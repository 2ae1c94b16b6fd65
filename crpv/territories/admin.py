"""Back office for the territories, in French.

Staff complete the partial lists (NPNRU projects, cités éducatives) and settle
the QPV flagged « à vérifier » (QPV spanning two EPCI): choosing the contract
in the form, or with the action on the list, records a staff decision that
`load_referentiel` never overwrites.
"""

from django.contrib import admin, messages
from django.db import models

from crpv.core.models import AuditEntry
from crpv.territories.models import (
    CiteEducative,
    Commune,
    ContratDeVille,
    DataSource,
    Departement,
    Epci,
    ProjetRenouvellement,
    Qpv,
    Region,
)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "cog_year")
    search_fields = ("name", "code")


@admin.register(Departement)
class DepartementAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "region", "cog_year")
    search_fields = ("name", "code", "search_key")
    list_filter = ("region",)


@admin.register(Epci)
class EpciAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "population", "cog_year")
    search_fields = ("name", "code", "search_key")
    list_filter = ("kind", "departements")
    autocomplete_fields = ("departements",)


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "departement", "epci", "population")
    search_fields = ("name", "code", "search_key")
    list_filter = ("departement",)
    list_select_related = ("departement", "epci")
    autocomplete_fields = ("departement", "epci")


@admin.register(ContratDeVille)
class ContratDeVilleAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "departement", "carrier_epci", "carrier_commune", "declared_qpv_count")
    search_fields = ("name", "code", "search_key")
    list_filter = ("departement",)
    list_select_related = ("departement", "carrier_epci", "carrier_commune")
    autocomplete_fields = ("carrier_epci", "carrier_commune")


class NeedsReviewFilter(admin.SimpleListFilter):
    title = "à vérifier"
    parameter_name = "a_verifier"

    def lookups(self, request, model_admin):
        return [("1", "à vérifier"), ("0", "contrat tranché")]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(needs_review=True)
        if self.value() == "0":
            return queryset.filter(needs_review=False)
        return queryset


@admin.register(Qpv)
class QpvAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "departement", "contrat_de_ville", "needs_review", "contrat_source")
    search_fields = ("name", "code", "search_key")
    list_filter = (NeedsReviewFilter, "departement", "contrat_source", "contrat_de_ville")
    list_select_related = ("departement", "contrat_de_ville")
    autocomplete_fields = ("communes", "epcis", "contrat_de_ville", "candidate_contrats")
    readonly_fields = ("contrat_source",)
    actions = ["settle_with_only_candidate", "mark_to_review"]
    fieldsets = (
        (None, {"fields": ("code", "name", "departement", "geography_year")}),
        ("Géographie", {"fields": ("communes", "epcis")}),
        (
            "Contrat de ville",
            {
                "fields": ("contrat_de_ville", "candidate_contrats", "needs_review", "review_note", "contrat_source"),
                "description": (
                    "Pour trancher un QPV à vérifier : choisissez le contrat de ville et décochez « à vérifier ». "
                    "Votre décision est conservée lors des rechargements du référentiel."
                ),
            },
        ),
    )

    def save_model(self, request, obj, form, change):
        decided = {"contrat_de_ville", "needs_review"} & set(form.changed_data)
        if change and decided:
            obj.contrat_source = Qpv.ContratSource.STAFF
        super().save_model(request, obj, form, change)
        if change and decided:
            AuditEntry.record(
                request.user,
                "territories.qpv_contrat_decided",
                obj,
                contrat=obj.contrat_de_ville.code if obj.contrat_de_ville else None,
                needs_review=obj.needs_review,
            )

    @admin.action(
        description="Trancher : rattacher au contrat de ville proposé (QPV à vérifier dont le contrat est choisi)"
    )
    def settle_with_only_candidate(self, request, queryset):
        settled, skipped = 0, 0
        for qpv in queryset.filter(needs_review=True).select_related("contrat_de_ville"):
            if qpv.contrat_de_ville is None:
                skipped += 1
                continue
            qpv.needs_review = False
            qpv.contrat_source = Qpv.ContratSource.STAFF
            qpv.save(update_fields=["needs_review", "contrat_source", "updated_at"])
            AuditEntry.record(request.user, "territories.qpv_contrat_decided", qpv, contrat=qpv.contrat_de_ville.code)
            settled += 1
        if settled:
            self.message_user(request, f"{settled} QPV tranché(s).", messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"{skipped} QPV sans contrat de ville choisi : ouvrez-les pour choisir parmi les candidats.",
                messages.WARNING,
            )

    @admin.action(description="Marquer « à vérifier »")
    def mark_to_review(self, request, queryset):
        count = queryset.update(needs_review=True)
        self.message_user(request, f"{count} QPV marqué(s) à vérifier.", messages.SUCCESS)


@admin.register(ProjetRenouvellement)
class ProjetRenouvellementAdmin(admin.ModelAdmin):
    list_display = ("name", "interest", "departement", "territory_label")
    search_fields = ("name", "territory_label", "search_key")
    list_filter = ("interest", "departement")
    list_select_related = ("departement",)
    autocomplete_fields = ("communes", "qpvs")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(CiteEducative)
class CiteEducativeAdmin(admin.ModelAdmin):
    list_display = ("name", "label_year", "departement", "anct_id")
    search_fields = ("name", "anct_id", "search_key")
    list_filter = ("label_year", "departement")
    list_select_related = ("departement",)
    autocomplete_fields = ("communes", "qpvs")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(DataSource)
class DataSourceAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("name", "producer", "vintage", "licence", "row_count", "loaded_at")
    search_fields = ("name", "producer")
    readonly_fields = ("loaded_at", "row_count", "checksum")
