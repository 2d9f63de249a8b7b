"""Signing in (the password, then the two-factor token for those who turned it on), the
account page, password changes and resets, and turning two-factor authentication on and off.

Signing in with two-factor: the password step keeps only the pending person's id in the
session and sends them to the token step; nobody is signed in until the token verifies. Then
`auth.login` (which renews the session key) and `django_otp.login` (which marks the session as
verified by that device). Both steps count failures in `throttle`.
"""

import base64
import time
from dataclasses import dataclass

import django_otp
import segno
from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.forms import NON_FIELD_ERRORS
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp.plugins.otp_static.models import StaticDevice

from . import permissions, selectors, services, throttle
from .forms import (
    AccountPasswordResetForm,
    EmailAuthenticationForm,
    LanguageForm,
    TokenForm,
    TOTPTokenForm,
)
from .models import User

PENDING_LOGIN_KEY = "accounts_pending_login"
PENDING_LOGIN_MAX_AGE = 10 * 60  # seconds the token step waits after the password step

WRONG_TOKEN = gettext_lazy(
    "El código no es correcto. Escriba el que muestra ahora la aplicación (revise que la hora "
    "del teléfono esté al día) o un código de respaldo."
)


def _remember_language(response, user):
    """The language the person chose in Mi cuenta becomes the language cookie, as the footer's
    selector (set_language) does. Without a choice, the programme's language applies."""
    if user.language in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            user.language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response


def _no_store(response):
    """Pages that show a secret (QR, backup codes) must not stay in any cache."""
    add_never_cache_headers(response)
    return response


def _safe_next(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


# --- Signing in -------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def _typed_email(self) -> str:
        return throttle.normalise_email(self.request.POST.get("username"))

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.request.method == "POST":
            minutes = throttle.login_wait_minutes(
                email=self._typed_email(), ip=throttle.client_ip(self.request)
            )
            if minutes:
                # Refused before the password is even checked.
                kwargs["refused_message"] = throttle.login_refused_message(minutes)
        return kwargs

    def form_invalid(self, form):
        if form.has_error(NON_FIELD_ERRORS, "invalid_login"):
            throttle.login_failed(email=self._typed_email(), ip=throttle.client_ip(self.request))
        return super().form_invalid(form)

    def form_valid(self, form):
        user = form.get_user()
        if selectors.two_factor_enabled(user=user):
            self.request.session[PENDING_LOGIN_KEY] = {
                "user_id": user.pk,
                "backend": user.backend,
                "next": self.get_success_url(),
                "started": int(time.time()),
            }
            return redirect("accounts:login_token")
        throttle.login_succeeded(email=user.email)
        return _remember_language(super().form_valid(form), user)


@dataclass(frozen=True)
class PendingLogin:
    user: User
    backend: str
    next_url: str


def _pending_login(request) -> PendingLogin | None:
    data = request.session.get(PENDING_LOGIN_KEY)
    if not isinstance(data, dict):
        return None
    fresh = time.time() - data.get("started", 0) <= PENDING_LOGIN_MAX_AGE
    user = User.objects.filter(pk=data.get("user_id"), is_active=True).first() if fresh else None
    if user is None:
        del request.session[PENDING_LOGIN_KEY]
        return None
    return PendingLogin(user=user, backend=data["backend"], next_url=data["next"])


@require_http_methods(["GET", "POST"])
def login_token(request):
    """The second step: a token from the authenticator app or a backup code.

    Also asks signed-in people whose session was opened without a token (for example before
    they turned two-factor on) before they enter the admin.
    """
    pending = None
    if request.user.is_authenticated:
        next_url = _safe_next(request) or resolve_url(settings.LOGIN_REDIRECT_URL)
        if not permissions.needs_two_factor_token(request.user):
            return redirect(next_url)
        user = request.user
    else:
        pending = _pending_login(request)
        if pending is None:
            messages.info(request, _("Ingrese con su correo y contraseña."))
            return redirect("accounts:login")
        user, next_url = pending.user, pending.next_url

    ip = throttle.client_ip(request)
    form = TokenForm(request.POST if request.method == "POST" else None)
    form.fields["token"].widget.attrs["autofocus"] = True
    if request.method == "POST":
        minutes = throttle.login_wait_minutes(email=user.email, ip=ip)
        if minutes:
            form.refused_message = throttle.login_refused_message(minutes)
    if form.is_bound and form.is_valid():
        device = services.two_factor_verify(user=user, token=form.cleaned_data["token"])
        if device is None:
            throttle.login_failed(email=user.email, ip=ip)
            form.add_error("token", WRONG_TOKEN)
        else:
            throttle.login_succeeded(email=user.email)
            if pending is not None:
                del request.session[PENDING_LOGIN_KEY]
                auth.login(request, user, backend=pending.backend)
            django_otp.login(request, device)
            if isinstance(device, StaticDevice):
                left = device.token_set.count()
                messages.warning(
                    request,
                    ngettext(
                        "Usó un código de respaldo. Le queda %(n)d.",
                        "Usó un código de respaldo. Le quedan %(n)d.",
                        left,
                    )
                    % {"n": left},
                )
            response = redirect(next_url)
            return _remember_language(response, user) if pending else response
    step_up = pending is None
    return render(
        request,
        "accounts/login_token.html",
        {"form": form, "next": next_url if step_up else "", "step_up": step_up},
    )


# --- Mi cuenta --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    user = request.user
    form = LanguageForm(
        request.POST if request.method == "POST" else None,
        initial={"language": user.language or translation.get_language()},
    )
    if form.is_bound and form.is_valid():
        services.user_set_language(user=user, language=form.cleaned_data["language"])
        messages.success(request, _("Idioma guardado."))
        return _remember_language(redirect("accounts:profile"), user)
    two_factor = (
        selectors.two_factor_status(user=user) if permissions.can_use_two_factor(user) else None
    )
    return render(
        request, "accounts/profile.html", {"language_form": form, "two_factor": two_factor}
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Contraseña cambiada."))
        return response


class PasswordResetView(auth_views.PasswordResetView):
    form_class = AccountPasswordResetForm
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        email, ip = form.cleaned_data["email"], throttle.client_ip(self.request)
        minutes = throttle.password_reset_wait_minutes(email=email, ip=ip)
        if minutes:
            form.add_error("email", throttle.password_reset_refused_message(minutes))
            return self.form_invalid(form)
        throttle.password_reset_requested(email=email, ip=ip)
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        # Whoever reads the mailbox may sign in again at once, even after failed attempts.
        throttle.login_succeeded(email=form.user.email)
        return response


# --- Two-factor authentication ----------------------------------------------------------------


def _two_factor_user(request) -> User:
    if not permissions.can_use_two_factor(request.user):
        raise PermissionDenied
    return request.user


def _two_factor_page(request, *, disable_form=None, codes_form=None):
    status = selectors.two_factor_status(user=request.user)
    return render(
        request,
        "accounts/two_factor.html",
        {
            "status": status,
            "disable_form": disable_form or TokenForm(prefix="disable"),
            "codes_form": codes_form or TOTPTokenForm(prefix="codes"),
        },
    )


def _backup_codes_page(request, codes):
    return _no_store(render(request, "accounts/two_factor_backup_codes.html", {"codes": codes}))


@login_required
@require_GET
def two_factor(request):
    _two_factor_user(request)
    return _two_factor_page(request)


@login_required
@require_POST
def two_factor_start(request):
    user = _two_factor_user(request)
    try:
        services.two_factor_start(user=user)
    except ValidationError as error:
        messages.info(request, error.messages[0])
        return redirect("accounts:two_factor")
    return redirect("accounts:two_factor_confirm")


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_confirm(request):
    user = _two_factor_user(request)
    device = selectors.pending_totp_device(user=user)
    if device is None:
        return redirect("accounts:two_factor")
    form = TOTPTokenForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        codes = services.two_factor_confirm(device=device, token=form.cleaned_data["token"])
        if codes is None:
            form.add_error("token", WRONG_TOKEN)
        else:
            django_otp.login(request, device)  # this session has just proven the device
            messages.success(request, _("La verificación en dos pasos quedó activada."))
            return _backup_codes_page(request, codes)
    qr = segno.make(device.config_url, error="m")
    secret = base64.b32encode(device.bin_key).decode()
    return _no_store(
        render(
            request,
            "accounts/two_factor_confirm.html",
            {
                "form": form,
                "qr_data_uri": qr.svg_data_uri(scale=5, border=2, dark="#1d2330"),
                "qr_size": qr.symbol_size(scale=5, border=2)[0],
                "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            },
        )
    )


@login_required
@require_POST
def two_factor_disable(request):
    user = _two_factor_user(request)
    form = TokenForm(request.POST, prefix="disable")
    if form.is_valid():
        if services.two_factor_verify(user=user, token=form.cleaned_data["token"]) is not None:
            services.two_factor_disable(user=user)
            messages.success(request, _("La verificación en dos pasos quedó desactivada."))
            return redirect("accounts:two_factor")
        form.add_error("token", WRONG_TOKEN)
    return _two_factor_page(request, disable_form=form)


@login_required
@require_POST
def two_factor_backup_codes(request):
    user = _two_factor_user(request)
    form = TOTPTokenForm(request.POST, prefix="codes")
    if form.is_valid():
        if services.two_factor_verify(user=user, token=form.cleaned_data["token"]) is not None:
            return _backup_codes_page(request, services.backup_codes_replace(user=user))
        form.add_error("token", WRONG_TOKEN)
    return _two_factor_page(request, codes_form=form)
