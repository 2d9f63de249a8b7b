"""Forms of the firm side of a programme: the two steps of the invitation link, the "no me
interesa" answer, and the milestones (hitos) a firm reports about itself."""

from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.contrib.auth import password_validation
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from rutapyme.accounts.models import User
from rutapyme.core.countries import ALADI_COUNTRIES, world_country_choices
from rutapyme.core.money import MINOR_UNITS
from rutapyme.firms.forms import FirmEditForm
from rutapyme.firms.models import OfferType
from rutapyme.learning.grading import parse_number

from .models import Outcome

# What Outcome.amount holds: 12 digits, 2 of them decimals.
MAX_AMOUNT = Decimal("9999999999.99")


class JoinFirmForm(FirmEditForm):
    """Step 1: the firm confirms its data, with the rules of the firm edit form. The legal name
    (tied to the tax ID) is shown, not edited."""

    class Meta(FirmEditForm.Meta):
        fields = [
            "trade_name",
            "province",
            "canton",
            "sector",
            "offer_type",
            "employees",
            "phone",
            "email",
        ]
        labels = {
            "trade_name": _("Nombre comercial"),
            "canton": _("Cantón o ciudad"),
            "sector": _("Sector"),
            "offer_type": _("¿Qué vende?"),
            "employees": _("¿Cuántas personas trabajan en la empresa?"),
            "phone": _("Celular o teléfono"),
            "email": _("Correo de contacto de la empresa"),
        }
        help_texts = {
            "phone": _("Por ejemplo: 099 123 4567"),
        }
        widgets = {
            "offer_type": forms.RadioSelect(choices=OfferType.choices),
            "employees": forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["offer_type"].choices = OfferType.choices  # no empty choice for radios
        if "province" in self.fields:
            self.fields["province"].label = _("Provincia")


class JoinAccountForm(forms.Form):
    """Step 2 for someone without an account: their name, e-mail and password, and consent."""

    full_name = forms.CharField(
        label=_("Su nombre y apellido"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Correo electrónico"),
        max_length=254,
        help_text=_("Con este correo ingresará a Ruta Pyme."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(
        label=_("Contraseña"),
        widget=forms.PasswordInput(render_value=True, attrs={"autocomplete": "new-password"}),
        help_text=_("Al menos 8 caracteres, no solo números."),
    )
    password2 = forms.CharField(
        label=_("Repita la contraseña"),
        widget=forms.PasswordInput(render_value=True, attrs={"autocomplete": "new-password"}),
    )
    consent = forms.BooleanField(
        label=_("Acepto el tratamiento de mis datos según el aviso de privacidad."),
        error_messages={"required": _("Debe aceptar el tratamiento de datos para unirse.")},
    )

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean(self):
        cleaned = super().clean()
        password, again = cleaned.get("password"), cleaned.get("password2")
        if password:
            candidate = User(email=cleaned.get("email", ""), full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(password, candidate)
            except forms.ValidationError as error:
                self.add_error("password", error)
            if again and again != password:
                self.add_error("password2", _("Las dos contraseñas no coinciden."))
        return cleaned


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("¿Nos cuenta por qué? (opcional)"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def currency_choices() -> list[tuple[str, str]]:
    return [(code, code) for code in sorted(MINOR_UNITS)]


def amount_display(amount: Decimal | None) -> str:
    """An amount as the form shows it again, in the active language ("1 234,50")."""
    if amount is None:
        return ""
    return formats.number_format(amount, 2, use_l10n=True)


class OutcomeForm(forms.Form):
    """A milestone: the rules between fields (no future date, an export goes abroad…) are
    the service's; this form reads what the person typed."""

    kind = forms.ChoiceField(label=_("¿Qué logró?"), choices=Outcome.Kind.choices)
    occurred_on = forms.DateField(
        label=_("¿Cuándo?"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Escriba una fecha válida, por ejemplo 15/03/2026.")},
    )
    channel = forms.ChoiceField(
        label=_("¿Por dónde vendió?"), choices=Outcome.Channel.choices, widget=forms.RadioSelect
    )
    channel_detail = forms.CharField(
        label=_("¿Cuál?"),
        max_length=120,
        required=False,
        help_text=_("Por ejemplo: Mercado Libre, Instagram, su página."),
    )
    destination_country = forms.ChoiceField(
        label=_("País de destino"),
        required=False,
        help_text=_("Solo para exportaciones: adónde envió el pedido."),
    )
    amount = forms.CharField(
        label=_("Monto aproximado (opcional)"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text=_("Por ejemplo: 1.234,50"),
    )
    currency = forms.ChoiceField(label=_("Moneda"), required=False)

    def __init__(self, *args, country: str = "EC", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["destination_country"].choices = [
            ("", _("Elija el país")),
            *world_country_choices(),
        ]
        self.fields["currency"].choices = currency_choices()
        home = ALADI_COUNTRIES.get(country)
        self.fields["currency"].initial = home.currency if home else "USD"

    def clean_amount(self) -> Decimal | None:
        raw = (self.cleaned_data.get("amount") or "").strip()
        if not raw:
            return None
        try:
            amount = parse_number(raw)
        except (ValueError, ArithmeticError):
            raise forms.ValidationError(
                _("Escriba el monto con números, por ejemplo 1.234,50."), code="invalid"
            ) from None
        if not amount.is_finite():
            raise forms.ValidationError(
                _("Escriba el monto con números, por ejemplo 1.234,50."), code="invalid"
            )
        amount = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if abs(amount) > MAX_AMOUNT:
            raise forms.ValidationError(
                _("El monto es demasiado grande: revise los ceros."), code="too_big"
            )
        return amount

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "occurred_on": data["occurred_on"],
            "channel": data["channel"],
            "channel_detail": data.get("channel_detail") or "",
            "destination_country": data.get("destination_country") or "",
            "amount": data.get("amount"),
            "currency": data.get("currency") or "",
        }

    @classmethod
    def initial_from(cls, outcome: Outcome) -> dict:
        """The form's values for an outcome already reported, to correct it."""
        initial = {
            "kind": outcome.kind,
            "occurred_on": outcome.occurred_on,
            "channel": outcome.channel,
            "channel_detail": outcome.channel_detail,
            "destination_country": outcome.destination_country,
            "amount": amount_display(outcome.amount),
        }
        if outcome.currency:
            initial["currency"] = outcome.currency
        return initial
