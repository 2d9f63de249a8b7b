import unicodedata

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils.translation import gettext_lazy as _

from rutapyme.core.countries import ALADI_COUNTRIES

from .services import normalise_token


class RefusableFormMixin:
    """A form the view can refuse before checking anything (the sign-in throttle)."""

    def __init__(self, *args, refused_message: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.refused_message = refused_message

    def clean(self):
        if self.refused_message:
            raise forms.ValidationError(self.refused_message, code="throttled")
        return super().clean()


def check_organisation_country(form: forms.Form, cleaned: dict) -> None:
    """The chosen `organisation` must be of the chosen `country` (or of none, a regional
    body): the error goes next to the organisation field. For forms with both fields."""
    organisation, country = cleaned.get("organisation"), cleaned.get("country")
    if organisation and country and organisation.country not in ("", country):
        form.add_error(
            "organisation",
            _("%(org)s es de otro país; elija una organización de %(country)s.")
            % {"org": organisation, "country": ALADI_COUNTRIES[country].name},
        )


class EmailAuthenticationForm(RefusableFormMixin, AuthenticationForm):
    username = forms.EmailField(
        label=_("Correo electrónico"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {
        "invalid_login": _("Correo o contraseña incorrectos. Revise e intente de nuevo."),
        "inactive": _("Esta cuenta está desactivada."),
    }


class TokenForm(RefusableFormMixin, forms.Form):
    """The second step of signing in, and turning two-factor off."""

    token = forms.CharField(
        label=_("Código"),
        max_length=20,
        help_text=_("Los 6 números de su aplicación de autenticación, o un código de respaldo."),
        error_messages={"required": _("Escriba el código.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "none"}),
    )


class TOTPTokenForm(forms.Form):
    """A token from the authenticator app only (confirming it, replacing backup codes)."""

    token = forms.CharField(
        label=_("Código de 6 números"),
        max_length=12,
        error_messages={"required": _("Escriba el código de 6 números que muestra la aplicación.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )

    def clean_token(self):
        token = normalise_token(self.cleaned_data["token"])
        if not (token.isdigit() and len(token) == 6):
            raise forms.ValidationError(
                _("El código tiene 6 números; escríbalo tal como aparece en la aplicación.")
            )
        return token


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Idioma de la plataforma"), choices=settings.LANGUAGES)


class AccountPasswordResetForm(PasswordResetForm):
    """Also sends the link to accounts created without a password (create_staff_user).

    Choosing a password through the emailed link is how such a person first signs in; there
    is no other sign-in method that an unusable password would protect.
    """

    def get_users(self, email):
        users = get_user_model()._default_manager.filter(email__iexact=email, is_active=True)
        folded = _fold(email)
        return (user for user in users if _fold(user.email) == folded)


def _fold(text: str) -> str:
    """Unicode case-insensitive form (UTR 36), as Django's own PasswordResetForm compares."""
    return unicodedata.normalize("NFKC", text).casefold()
