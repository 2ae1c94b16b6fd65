from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from crpv.programme.models import (
    Action,
    Axis,
    CalendarWindow,
    Deliverable,
    Partner,
    Programme,
    ProgrammeImport,
    Target,
)


class AxisInline(admin.TabularInline):
    model = Axis
    fields = ("number", "roman", "title", "position")
    extra = 0
    show_change_link = True


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ("year", "title", "dashboard_link")
    search_fields = ("title",)
    inlines = [AxisInline]

    @admin.display(description="tableau de bord")
    def dashboard_link(self, obj):
        return format_html(
            '<a href="{}?annee={}">Voir le tableau de bord</a>', reverse("programme:dashboard"), obj.year
        )


class ActionInline(admin.TabularInline):
    model = Action
    fields = ("position", "number", "title", "owner")
    autocomplete_fields = ("owner",)
    extra = 0
    show_change_link = True


@admin.register(Axis)
class AxisAdmin(admin.ModelAdmin):
    list_display = ("__str__", "programme", "number")
    list_filter = ("programme",)
    search_fields = ("title",)
    inlines = [ActionInline]


class TargetInline(admin.TabularInline):
    model = Target
    fields = ("position", "quantity", "quantity_max", "approximate", "unit", "period", "format", "source")
    extra = 0


class CalendarWindowInline(admin.TabularInline):
    model = CalendarWindow
    fields = ("position", "label", "start_month", "end_month", "start_year", "end_year")
    extra = 0


class DeliverableInline(admin.TabularInline):
    model = Deliverable
    fields = ("position", "kind", "label")
    extra = 0


@admin.register(Action)
class ActionAdmin(admin.ModelAdmin):
    list_display = ("code", "title", "owner", "axis")
    list_filter = ("axis__programme", "axis", "owner")
    list_select_related = ("axis", "owner")
    search_fields = ("title", "description")
    autocomplete_fields = ("partners", "owner")
    inlines = [TargetInline, CalendarWindowInline, DeliverableInline]
    fieldsets = (
        (None, {"fields": ("axis", "position", "number", "title", "owner")}),
        ("Contenu", {"fields": ("description", "objectives", "publics", "partners")}),
    )

    @admin.display(description="code", ordering="position")
    def code(self, obj):
        return obj.code


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ("__str__", "action", "period", "format")
    list_filter = ("unit", "period", "format", "action__axis__programme")
    list_select_related = ("action__axis",)
    search_fields = ("source", "action__title")
    autocomplete_fields = ("action",)


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ("name", "short_name")
    search_fields = ("name", "short_name")


@admin.register(ProgrammeImport)
class ProgrammeImportAdmin(admin.ModelAdmin):
    list_display = ("filename", "year", "status", "created_by", "created_at", "applied_at")
    list_filter = ("status", "year")
    readonly_fields = ("filename", "year", "sha256", "status", "created_by", "created_at", "applied_at", "report")
    exclude = ("parsed",)

    def has_add_permission(self, request):
        return False
