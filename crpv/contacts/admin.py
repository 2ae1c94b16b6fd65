from django.contrib import admin
from django.db import models

from .models import (
    ConsentEvent,
    Membership,
    Network,
    Organisation,
    Person,
    Position,
    SuppressionEntry,
    Theme,
)


class PositionInline(admin.TabularInline):
    model = Position
    extra = 0
    autocomplete_fields = ["person", "organisation"]
    fields = ["person", "organisation", "role", "start_date", "end_date"]


class PersonPositionInline(PositionInline):
    fields = ["organisation", "role", "start_date", "end_date"]
    verbose_name_plural = "postes occupés"


class OrganisationPositionInline(PositionInline):
    fields = ["person", "role", "start_date", "end_date"]
    verbose_name_plural = "personnes de la structure"


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["person", "network"]


class PersonMembershipInline(MembershipInline):
    fields = ["network", "start_date", "end_date", "note"]


class NetworkMembershipInline(MembershipInline):
    fields = ["person", "start_date", "end_date", "note"]


class ConsentEventInline(admin.TabularInline):
    model = ConsentEvent
    extra = 0
    can_delete = False
    fields = ["at", "kind", "purpose", "channel", "text_version", "actor"]
    readonly_fields = fields
    verbose_name_plural = "registre des consentements (lecture seule)"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "siret", "postcode", "commune"]
    list_filter = ["kind", "commune__departement", "epcis"]
    search_fields = ["name", "folded_name", "siren", "siret", "postcode"]
    raw_id_fields = ["commune"]
    filter_horizontal = ["epcis", "communes", "departements", "contrats_de_ville"]
    inlines = [OrganisationPositionInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_select_related = ["commune"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "email", "function_title", "legal_basis", "is_anonymised"]
    list_filter = ["legal_basis", "is_anonymised", "networks", "positions__role", "themes", "departements"]
    search_fields = ["last_name", "first_name", "folded_name", "email", "positions__organisation__name"]
    filter_horizontal = ["themes", "contrats_de_ville", "epcis", "qpvs", "departements"]
    readonly_fields = ["is_anonymised", "anonymised_at", "created_at", "updated_at"]
    inlines = [PersonPositionInline, PersonMembershipInline, ConsentEventInline]
    fieldsets = [
        (None, {"fields": ["first_name", "last_name", "email", "phone", "mobile_phone", "function_title"]}),
        ("interventions", {"fields": ["themes", "contrats_de_ville", "epcis", "qpvs", "departements"]}),
        ("RGPD", {"fields": ["legal_basis", "source", "is_anonymised", "anonymised_at", "created_at", "updated_at"]}),
        ("remarques", {"fields": ["notes"]}),
    ]


@admin.register(Position)
class PositionAdmin(admin.ModelAdmin):
    list_display = ["person", "organisation", "role", "start_date", "end_date"]
    list_filter = ["role", "organisation__kind"]
    search_fields = ["person__folded_name", "person__email", "organisation__name"]
    autocomplete_fields = ["person", "organisation"]
    list_select_related = ["person", "organisation"]


@admin.register(Network)
class NetworkAdmin(admin.ModelAdmin):
    list_display = ["name", "kind"]
    list_filter = ["kind"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [NetworkMembershipInline]


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]


@admin.register(ConsentEvent)
class ConsentEventAdmin(admin.ModelAdmin):
    """The register is append-only: staff read it; entries come from operations."""

    list_display = ["at", "person", "kind", "purpose", "channel", "text_version", "actor"]
    list_filter = ["kind", "channel", "purpose"]
    search_fields = ["person__folded_name", "person__email"]
    list_select_related = ["person", "actor"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SuppressionEntry)
class SuppressionEntryAdmin(admin.ModelAdmin):
    """Entries are added by the erasure and opt-out operations, never edited."""

    list_display = ["email_sha256", "reason", "at"]
    list_filter = ["reason"]
    search_fields = ["email_sha256"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
