"""Forms of the programme staff's pages: programmes, cohorts, invitations, live sessions.

Forms only parse what people type; the rules that cross rows (a cohort name taken, dates in
order, a session without link or place) are the services', whose `ValidationError`s the views
put next to these fields (`add_service_errors`).
"""

import datetime
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rutapyme.accounts.forms import check_organisation_country
from rutapyme.accounts.models import Organisation, User
from rutapyme.core.countries import ALADI_COUNTRIES, subdivision_choices
from rutapyme.firms.models import OfferType, Sector, SizeBand
from rutapyme.learning.models import Course

from . import permissions
from .models import Programme
from .selectors import NO_DIAGNOSIS, InviteFilters

CHECKBOXES = {"class": "radios"}  # site.css: one option a line, normal weight


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """A service's ValidationError next to the form's fields (the rest above the form)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _multiple(label, choices=(), help_text=""):
    return forms.MultipleChoiceField(
        label=label,
        choices=choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs=CHECKBOXES),
        help_text=help_text,
    )


class ProgrammeForm(forms.Form):
    """A programme and its eligibility rules. Programme staff create programmes of their
    organisation, in its country; platform admins choose the organisation and the country."""

    name = forms.CharField(label=_("Nombre del programa"), max_length=200)
    organisation = forms.ModelChoiceField(
        label=_("Organización responsable"),
        queryset=Organisation.objects.none(),
        empty_label=_("Elija la organización"),
    )
    country = forms.ChoiceField(label=_("País"))
    description = forms.CharField(
        label=_("Descripción"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    partners = forms.ModelMultipleChoiceField(
        label=_("Organizaciones aliadas"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs=CHECKBOXES),
        help_text=_("Su equipo verá e invitará solo a las empresas socias de su organización."),
    )
    offer_types = _multiple(
        _("Tipos de oferta admitidos"),
        OfferType.choices,
        _("Sin marcar ninguno: todos."),
    )
    sectors = _multiple(_("Sectores admitidos"), Sector.choices, _("Sin marcar ninguno: todos."))
    priority_sectors = _multiple(
        _("Sectores prioritarios"),
        Sector.choices,
        _("Se admiten siempre y se listan primero."),
    )
    provinces = _multiple(_("Provincias admitidas"), help_text=_("Sin marcar ninguna: todas."))
    size_bands = _multiple(
        _("Tamaños admitidos"), SizeBand.choices, _("Sin marcar ninguno: todos.")
    )

    RULES = ["offer_types", "sectors", "priority_sectors", "provinces", "size_bands"]

    def __init__(self, *args, user, programme: Programme | None = None, **kwargs):
        if programme is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": programme.name,
                    "organisation": programme.organisation_id,
                    "country": programme.country,
                    "description": programme.description,
                    "partners": [p.pk for p in programme.partners.all()],
                    **{rule: getattr(programme, rule) for rule in self.RULES},
                },
            )
        super().__init__(*args, **kwargs)
        self.user = user
        countries = self.countries_for(user)
        if programme is not None and programme.country not in countries:
            countries.append(programme.country)
        self.fields["country"].choices = [(code, ALADI_COUNTRIES[code].name) for code in countries]
        self.fields["country"].error_messages["invalid_choice"] = _("Elija un país de la lista.")
        if countries:
            default = settings.DEFAULT_COUNTRY
            self.fields["country"].initial = default if default in countries else countries[0]
        country = self._country(countries)
        current = Q(pk__in=[]) if programme is None else Q(pk=programme.organisation_id)
        if user.is_platform_admin:
            self.fields["organisation"].queryset = Organisation.objects.filter(
                Q(kind=Organisation.Kind.GOVERNMENT) | current
            ).order_by("name")
            self.fields["organisation"].error_messages["invalid_choice"] = _(
                "Elija una organización de la lista."
            )
        else:
            del self.fields["organisation"]  # their own organisation
        # Partners of the programme's country (or of none, e.g. a regional marketplace), and
        # those it already has.
        partners = self.initial.get("partners") or []
        self.fields["partners"].queryset = Organisation.objects.filter(
            (~Q(kind=Organisation.Kind.GOVERNMENT) & (Q(country="") | Q(country=country)))
            | Q(pk__in=partners)
        ).order_by("name")
        self.fields["partners"].error_messages["invalid_choice"] = _(
            "Elija organizaciones aliadas de la lista (las de %(country)s o sin país)."
        ) % {"country": ALADI_COUNTRIES[country].name if country else "—"}
        provinces = subdivision_choices(country) if country else []
        self.fields["provinces"].choices = provinces
        if not provinces:
            self.fields["provinces"].help_text = _(
                "Aún no hay provincias cargadas para este país: se admiten todas."
            )

    @staticmethod
    def countries_for(user) -> list[str]:
        """Admins: any ALADI country; programme staff: their organisation's country only."""
        if user.is_platform_admin:
            return list(ALADI_COUNTRIES)
        organisation = user.organisation if user.organisation_id else None
        if organisation is not None and organisation.country:
            return [organisation.country]
        return []

    def _country(self, countries: list[str]) -> str:
        typed = self.data.get(self.add_prefix("country")) if self.is_bound else None
        if typed in countries:
            return typed
        initial = self.initial.get("country") or self.fields["country"].initial
        return initial if initial in countries else ""

    def clean(self):
        cleaned = super().clean()
        check_organisation_country(self, cleaned)
        return cleaned

    def service_fields(self) -> dict:
        data = self.cleaned_data
        fields = {
            "name": data["name"],
            "country": data["country"],
            "description": data["description"].strip(),
            "partners": list(data["partners"]),
            **{rule: list(data[rule]) for rule in self.RULES},
        }
        if "organisation" in self.fields:
            fields["organisation"] = data["organisation"]
        return fields


class CourseChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.published.title if obj.published_id else obj.slug


def _date_field(label):
    return forms.DateField(
        label=label,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class CohortForm(forms.Form):
    name = forms.CharField(label=_("Nombre de la promoción"), max_length=120)
    starts_on = _date_field(_("Inicio"))
    ends_on = _date_field(_("Fin"))
    capacity = forms.IntegerField(
        label=_("Cupos"),
        min_value=1,
        max_value=1_000_000,
        help_text=_("Empresas que pueden unirse; las demás quedan en lista de espera."),
        error_messages={"min_value": _("Indique al menos un cupo.")},
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    courses = CourseChoiceField(
        label=_("Cursos incluidos"),
        queryset=Course.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs=CHECKBOXES),
        help_text=_("Solo cursos publicados. La promoción se completa al certificarlos todos."),
    )

    def __init__(self, *args, cohort=None, **kwargs):
        if cohort is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": cohort.name,
                    "starts_on": cohort.starts_on,
                    "ends_on": cohort.ends_on,
                    "capacity": cohort.capacity,
                    "courses": [c.pk for c in cohort.courses.all()],
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["courses"].queryset = (
            Course.objects.filter(published__isnull=False)
            .select_related("published")
            .order_by("position", "slug")
        )
        self.fields["courses"].error_messages["invalid_choice"] = _(
            "Elija cursos publicados de la lista."
        )


class InviteFilterForm(forms.Form):
    """Which firms of the base to invite; every field empty means "every eligible firm"."""

    province = forms.ChoiceField(label=_("Provincia"), required=False)
    sector = forms.ChoiceField(label=_("Sector"), required=False)
    size_band = forms.ChoiceField(label=_("Tamaño"), required=False)
    partner = forms.ChoiceField(label=_("Socias de"), required=False)
    level = forms.ChoiceField(label=_("Nivel del autodiagnóstico"), required=False)
    not_invited = forms.BooleanField(
        label=_("Solo empresas nunca invitadas a este programa"), required=False
    )

    def __init__(self, *args, programme: Programme, user, **kwargs):
        super().__init__(*args, **kwargs)
        everyone = [("", _("Todas"))]
        provinces = subdivision_choices(programme.country)
        if programme.provinces:
            provinces = [(code, name) for code, name in provinces if code in programme.provinces]
        self.fields["province"].choices = everyone + provinces
        sectors = Sector.choices
        if programme.sectors:
            allowed = set(programme.sectors) | set(programme.priority_sectors)
            sectors = [(code, name) for code, name in sectors if code in allowed]
        self.fields["sector"].choices = [("", _("Todos"))] + sectors
        sizes = SizeBand.choices
        if programme.size_bands:
            sizes = [(code, name) for code, name in sizes if code in programme.size_bands]
        self.fields["size_band"].choices = [("", _("Todos"))] + sizes
        if permissions.is_partner_view(user):
            del self.fields["partner"]  # they only ever see their own members
        else:
            self.fields["partner"].choices = everyone + [
                (str(org.pk), str(org)) for org in programme.partners.order_by("name")
            ]
        self.fields["level"].choices = (
            [("", _("Todos"))]
            + [(str(n), _("Nivel %(n)s") % {"n": n}) for n in range(6)]
            + [(NO_DIAGNOSIS, _("Sin autodiagnóstico"))]
        )
        for field in self.fields.values():
            field.error_messages["invalid_choice"] = _("Elija una opción de la lista.")

    def filters(self) -> InviteFilters:
        data = self.cleaned_data
        partner = data.get("partner")
        return InviteFilters(
            province=data["province"],
            sector=data["sector"],
            size_band=data["size_band"],
            partner=int(partner) if partner else None,
            level=data["level"],
            not_invited=data["not_invited"],
        )


class EligibilityCheckForm(forms.Form):
    ruc = forms.CharField(
        label=_("RUC de la empresa"),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={"required": _("Escriba el RUC de la empresa.")},
    )

    def __init__(self, *args, country: str, **kwargs):
        super().__init__(*args, **kwargs)
        label = ALADI_COUNTRIES[country].tax_id_label
        self.fields["ruc"].label = _("%(label)s de la empresa") % {"label": label}


class DropForm(forms.Form):
    reason = forms.CharField(
        label=_("Motivo"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Por ejemplo: «La empresa cerró» o «No puede asistir en estas fechas»."),
        error_messages={"required": _("Indique el motivo del retiro.")},
    )


class ConsultantChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.full_name} ({obj.email})" if obj.full_name else obj.email


class SessionForm(forms.Form):
    """A live session; the date and time are typed in the programme country's time zone."""

    title = forms.CharField(label=_("Título"), max_length=200)
    date = _date_field(_("Fecha"))
    time = forms.TimeField(
        label=_("Hora"),
        input_formats=["%H:%M", "%H:%M:%S"],
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    duration_minutes = forms.IntegerField(
        label=_("Duración (minutos)"),
        min_value=10,
        max_value=600,
        initial=60,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    online_url = forms.URLField(
        label=_("Enlace de la sesión en línea"),
        required=False,
        assume_scheme="https",
        help_text=_("Indique el enlace, el lugar, o ambos."),
    )
    place = forms.CharField(label=_("Lugar"), max_length=250, required=False)
    teacher = forms.CharField(label=_("Docente"), max_length=150)
    teacher_user = ConsultantChoiceField(
        label=_("Consultor/a a cargo"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Ninguno"),
        help_text=_("Si se indica, esta persona puede tomar la asistencia."),
    )

    def __init__(self, *args, time_zone: str, session=None, **kwargs):
        self.zone = ZoneInfo(time_zone)
        if session is not None:
            local = timezone.localtime(session.starts_at, self.zone)
            kwargs.setdefault(
                "initial",
                {
                    "title": session.title,
                    "date": local.date(),
                    "time": local.time().replace(second=0, microsecond=0),
                    "duration_minutes": session.duration_minutes,
                    "online_url": session.online_url,
                    "place": session.place,
                    "teacher": session.teacher,
                    "teacher_user": session.teacher_user_id,
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["teacher_user"].queryset = User.objects.filter(
            role=User.Role.CONSULTANT, is_active=True
        ).order_by("full_name", "email")
        self.fields["teacher_user"].error_messages["invalid_choice"] = _(
            "Elija una persona de la lista."
        )

    def service_fields(self) -> dict:
        data = self.cleaned_data
        naive = datetime.datetime.combine(data["date"], data["time"])
        return {
            "title": data["title"].strip(),
            "starts_at": timezone.make_aware(naive, self.zone),
            "duration_minutes": data["duration_minutes"],
            "online_url": data["online_url"],
            "place": data["place"].strip(),
            "teacher": data["teacher"].strip(),
            "teacher_user": data["teacher_user"],
        }
