from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from crpv.users.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "first_name", "last_name", "email", "is_staff", "is_active")
    fieldsets = (*BaseUserAdmin.fieldsets, ("Fonction", {"fields": ("job_title",)}))
