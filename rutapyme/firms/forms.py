from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from rutapyme.accounts.models import User
from rutapyme.core.countries import COUNTRY_CHOICES, subdivision_choices

from . import normalise
from .models import Firm, OfferType, Sector, SizeBand
from .taxids import check_tax_id


class FirmFieldsMixin:
    """Cleans the fields a person types about their firm, with the rules of the import."""

    def clean_phone(self):
        value, error = normalise.parse_phone(self._country(), self.cleaned_data.get("phone"))
        if error:
            raise forms.ValidationError(error)
        return value

    def clean_canton(self):
        return normalise.parse_canton(self.cleaned_data.get("canton"))[0]

    def _country(self) -> str:
        return (
            self.data.get(self.add_prefix("country"))
            or getattr(getattr(self, "instance", None), "country", "")
            or "EC"
        )


class FirmRegistrationForm(FirmFieldsMixin, forms.Form):
    full_name = forms.CharField(label=_("Su nombre y apellido"), max_length=150)
    email = forms.EmailField(label=_("Correo electrónico"))
    password = forms.CharField(
        label=_("Contraseña"),
        widget=forms.PasswordInput(render_value=True, attrs={"autocomplete": "new-password"}),
        help_text=_("Al menos 8 caracteres, no solo números."),
    )
    country = forms.ChoiceField(label=_("País"), choices=COUNTRY_CHOICES, initial="EC")
    tax_id = forms.CharField(
        label=_("RUC o identificación tributaria"),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    legal_name = forms.CharField(label=_("Razón social"), max_length=250)
    trade_name = forms.CharField(label=_("Nombre comercial"), max_length=250, required=False)
    province = forms.ChoiceField(label=_("Provincia"), required=False)
    canton = forms.CharField(label=_("Cantón o ciudad"), max_length=120, required=False)
    sector = forms.ChoiceField(label=_("Sector"), choices=Sector.choices)
    offer_type = forms.ChoiceField(
        label=_("¿Qué vende?"), choices=OfferType.choices, widget=forms.RadioSelect
    )
    employees = forms.IntegerField(
        label=_("¿Cuántas personas trabajan en la empresa?"),
        min_value=0,
        max_value=100000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    phone = forms.CharField(
        label=_("Celular o teléfono"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    consent = forms.BooleanField(
        label=_("Acepto el tratamiento de mis datos según el aviso de privacidad."),
        error_messages={"required": _("Debe aceptar el tratamiento de datos para registrarse.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        country = self._country()
        provinces = subdivision_choices(country)
        self.fields["province"].choices = [("", _("Elija la provincia"))] + provinces
        self.fields["province"].required = bool(provinces)
        if not provinces:
            self.fields["province"] = forms.CharField(
                label=_("Provincia, estado o departamento"), max_length=10, required=False
            )
        self.tax_id_status = ""

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                _("Ya existe una cuenta con este correo. Inicie sesión o recupere su contraseña.")
            )
        return email

    def clean_tax_id(self):
        result = check_tax_id(self._country(), self.cleaned_data.get("tax_id"))
        if not result.ok:
            raise forms.ValidationError(result.error)
        if Firm.objects.filter(country=self._country(), tax_id=result.value).exists():
            raise forms.ValidationError(
                _(
                    "Esta empresa ya está registrada. Si es suya, use el enlace de su invitación "
                    "o pida acceso al equipo del programa."
                )
            )
        self.tax_id_status = result.status
        return result.value

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password")
        if password:
            candidate = User(email=cleaned.get("email", ""), full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(password, candidate)
            except forms.ValidationError as error:
                self.add_error("password", error)
        employees = cleaned.get("employees")
        if employees is not None:
            cleaned["size_band"] = str(SizeBand.for_employees(employees))
        return cleaned


class FirmEditForm(FirmFieldsMixin, forms.ModelForm):
    class Meta:
        model = Firm
        fields = [
            "legal_name",
            "trade_name",
            "province",
            "canton",
            "sector",
            "offer_type",
            "employees",
            "legal_representative",
            "email",
            "phone",
            "website",
            "sells_online",
        ]
        widgets = {
            "sells_online": forms.Select(
                choices=[("", _("Sin dato")), ("true", _("Sí")), ("false", _("No"))]
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        provinces = subdivision_choices(self.instance.country)
        if provinces:
            self.fields["province"] = forms.ChoiceField(
                label=_("Provincia"), choices=[("", "—")] + provinces, required=False
            )
        self.fields["employees"].required = True

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("employees") is not None:
            cleaned["size_band"] = str(SizeBand.for_employees(cleaned["employees"]))
        return cleaned


class FirmFilterForm(forms.Form):
    q = forms.CharField(label=_("Buscar"), required=False)
    province = forms.ChoiceField(label=_("Provincia"), required=False)
    sector = forms.ChoiceField(
        label=_("Sector"), required=False, choices=[("", _("Todos"))] + Sector.choices
    )
    size_band = forms.ChoiceField(
        label=_("Tamaño"), required=False, choices=[("", _("Todos"))] + SizeBand.choices
    )
    tax_id_status = forms.ChoiceField(
        label=_("Identificación"),
        required=False,
        choices=[("", _("Todas")), ("valid", _("Verificada")), ("to_verify", _("Por verificar"))],
    )

    def __init__(self, *args, country: str = "EC", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].choices = [("", _("Todas"))] + subdivision_choices(country)
