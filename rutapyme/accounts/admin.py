from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from .models import Organisation, User

PARTNER_NEEDS_ORGANISATION = _("El equipo de una organización aliada necesita su organización.")


class RoleCheckMixin:
    """Says next to the field what the database constraint would only say in its own words."""

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("role") == User.Role.PARTNER_STAFF and not cleaned.get("organisation"):
            self.add_error("organisation", PARTNER_NEEDS_ORGANISATION)
        return cleaned


class UserCreationAdminForm(RoleCheckMixin, AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ["email"]


class UserChangeAdminForm(RoleCheckMixin, UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "country"]
    list_filter = ["kind", "country"]
    search_fields = ["name", "short_name"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    ordering = ["email"]
    list_display = ["email", "full_name", "role", "organisation", "is_active"]
    list_filter = ["role", "is_active", "organisation"]
    search_fields = ["email", "full_name"]
    autocomplete_fields = ["organisation"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Persona", {"fields": ["full_name", "phone", "language"]}),
        ("Rol", {"fields": ["role", "organisation", "is_active", "is_staff", "is_superuser"]}),
        ("Fechas", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {"fields": ["email", "full_name", "role", "organisation", "password1", "password2"]},
        ),
    ]
