from django.contrib import admin

from crpv.core.models import AuditEntry, OutboxMessage


class ReadOnlyAdmin(admin.ModelAdmin):
    """Append-only records: nobody adds, edits or deletes them by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "action", "object_repr")
    list_filter = ("action",)
    search_fields = ("object_repr", "action", "object_id")
    date_hierarchy = "at"
    list_select_related = ("actor",)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "subject", "to")
    search_fields = ("subject", "to")
    fields = ("created_at", "from_email", "to", "subject", "body", "raw")
    readonly_fields = fields
