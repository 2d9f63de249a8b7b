"""The Django admin, protected like the rest of the platform.

`settings.INSTALLED_APPS` lists `admin_apps.AdminConfig` instead of `django.contrib.admin`, so
`admin.site` (and every `@admin.register` in the apps) is a `RutaPymeAdminSite`:

- there is no second login form: /admin/login/ sends people to `accounts:login`, which is
  throttled and asks for the two-factor token of those who turned it on;
- a staff user with a confirmed OTP device enters only with an OTP-verified session (a
  session opened before they turned two-factor on, or in another way, is sent to the token
  step first);
- with `settings.ADMIN_REQUIRE_TWO_FACTOR` (on by default on servers) every staff user must
  have turned two-factor on, in "Mi cuenta", before entering.

We do not use django-otp's `OTPAdminSite` as the default site: it refuses every staff user
without a device, which would lock out a fresh install, and it brings its own login form.
"""

from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import permissions


class RutaPymeAdminSite(admin.AdminSite):
    site_header = gettext_lazy("Ruta Pyme · administración")
    site_title = gettext_lazy("Ruta Pyme")

    def has_permission(self, request) -> bool:
        return super().has_permission(request) and permissions.can_enter_admin(request.user)

    def login(self, request, extra_context=None):
        next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
        if not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            next_url = ""
        next_url = next_url or reverse("admin:index", current_app=self.name)
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(next_url, login_url=reverse("accounts:login"))
        if not (user.is_active and user.is_staff):
            raise PermissionDenied
        if permissions.needs_two_factor_token(user):
            return redirect_to_login(next_url, login_url=reverse("accounts:login_token"))
        if not permissions.can_enter_admin(user):
            messages.warning(
                request,
                _("Para entrar en la administración, active antes la verificación en dos pasos."),
            )
            return redirect("accounts:two_factor")
        return redirect(next_url)
