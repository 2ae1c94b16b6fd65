from django.contrib import admin, messages
from django.db import models, transaction

from . import operations
from .models import (
    AttendanceRules,
    AttestationRun,
    Event,
    EventDocument,
    EventQuestion,
    Invitation,
    QuestionTemplate,
    Registration,
    RegistrationStatus,
    Session,
    Survey,
    SurveyQuestion,
    Team,
)


class SessionInline(admin.TabularInline):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    model = Session
    extra = 1
    fields = ["title", "starts_at", "ends_at", "mode", "place_name", "address", "visio_url", "half_days", "cancelled"]
    readonly_fields = ["half_days"]


class QuestionInline(admin.TabularInline):
    model = EventQuestion
    extra = 0
    fields = ["position", "template", "label", "kind", "choices", "required", "person_field"]
    autocomplete_fields = ["template"]


class DocumentInline(admin.TabularInline):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    model = EventDocument
    extra = 0
    fields = ["title", "kind", "file", "url", "record", "public"]
    raw_id_fields = ["record"]


class TeamInline(admin.TabularInline):
    model = Team
    extra = 0
    fields = ["name", "epci", "lead", "capacity", "seats_taken"]
    readonly_fields = ["seats_taken"]
    raw_id_fields = ["lead"]


class AttendanceRulesInline(admin.StackedInline):
    model = AttendanceRules
    extra = 0
    max_num = 1
    can_delete = False


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["title", "format", "mode", "status", "seats_taken", "capacity"]
    list_filter = ["status", "format", "mode"]
    search_fields = ["title", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["seats_taken"]
    filter_horizontal = ["actions", "themes", "partners", "target_networks", "target_departements"]
    raw_id_fields = ["speakers", "target_epcis", "commune"]
    inlines = [SessionInline, QuestionInline, DocumentInline, TeamInline, AttendanceRulesInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "format", "mode", "status", "summary", "description"]}),
        ("lieu", {"fields": ["place_name", "address", "commune", "visio_url"]}),
        (
            "programme et publics",
            {
                "fields": [
                    "actions",
                    "themes",
                    "partners",
                    "speakers",
                    "speakers_text",
                    "target_roles",
                    "target_networks",
                    "target_departements",
                    "target_epcis",
                    "publics_text",
                ]
            },
        ),
        (
            "inscriptions",
            {
                "fields": [
                    "registration_enabled",
                    "registration_opens_at",
                    "registration_closes_at",
                    "capacity",
                    "seats_taken",
                    "approval_required",
                    "invitation_only",
                    "waiting_list_enabled",
                    "offer_hours",
                    "team_registration",
                    "legal_basis",
                ]
            },
        ),
    ]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        if change and "capacity" in form.changed_data:
            # More seats: offer them to the waiting list, after this save commits.
            transaction.on_commit(lambda: operations.promote_from_waiting_list(event=obj, acting_user=request.user))


@admin.register(QuestionTemplate)
class QuestionTemplateAdmin(admin.ModelAdmin):
    list_display = ["label", "kind", "required", "person_field"]
    search_fields = ["label"]


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    """Read-only: statuses change through the operations (seats stay counted)."""

    list_display = ["person", "event", "status", "source", "created_at"]
    list_filter = ["status", "source", "event"]
    search_fields = ["person__last_name", "person__email", "event__title"]
    list_select_related = ["person", "event"]
    actions = ["approve", "refuse"]
    readonly_fields = [f.name for f in Registration._meta.concrete_fields if f.name != "id"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _apply(self, request, queryset, operation, label):
        done = 0
        for registration in queryset.filter(status=RegistrationStatus.PENDING):
            try:
                operation(registration=registration, acting_user=request.user)
                done += 1
            except operations.RegistrationError as error:
                self.message_user(request, f"{registration} : {error.message}", messages.ERROR)
        self.message_user(request, f"{done} inscription(s) {label}.")

    @admin.action(description="Valider les inscriptions en attente", permissions=["change"])
    def approve(self, request, queryset):
        self._apply(request, queryset, operations.approve_registration, "validée(s)")

    @admin.action(description="Refuser les inscriptions en attente", permissions=["change"])
    def refuse(self, request, queryset):
        self._apply(request, queryset, operations.refuse_registration, "refusée(s)")


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["person", "event", "sent_at", "reminders", "response"]
    list_filter = ["response", "event"]
    search_fields = ["person__last_name", "person__email"]
    list_select_related = ["person", "event"]
    readonly_fields = [f.name for f in Invitation._meta.concrete_fields if f.name != "id"]

    def has_add_permission(self, request):
        return False


class SurveyQuestionInline(admin.TabularInline):
    model = SurveyQuestion
    extra = 0


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    """Surveys are built on the staff page; the admin shows and corrects them."""

    list_display = ["title", "event", "anonymous", "sent_at"]
    list_filter = ["anonymous"]
    search_fields = ["title", "event__title"]
    raw_id_fields = ["event"]
    inlines = [SurveyQuestionInline]


@admin.register(AttestationRun)
class AttestationRunAdmin(admin.ModelAdmin):
    list_display = ["event", "status", "done", "total", "created_at", "finished_at"]
    list_filter = ["status"]
    readonly_fields = ["event", "requested_by", "status", "total", "done", "archive", "error", "finished_at"]

    def has_add_permission(self, request):
        return False
