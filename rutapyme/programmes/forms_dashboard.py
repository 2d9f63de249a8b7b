"""The dashboard's filters, read from the query string (a GET form), so a selection is a link
that can be shared, bookmarked or downloaded, and the pages work without JavaScript.

The choices are built from what the view already read (the programmes the user sees, the
programme's cohorts and partners), so validating and drawing the form costs no query. A value
outside the choices (another programme's cohort, an organisation that is not a partner) is a
form error: the page says what to correct and shows no figures, never someone else's data.
Partner staff have no `aliado` field: their figures are always their own members'.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.utils.translation import gettext_lazy as _

from rutapyme.core.countries import subdivision_choices
from rutapyme.firms.models import Sector, SizeBand

from . import dashboard
from .dashboard import Filters

DATE_FORMAT = "%Y-%m-%d"  # what <input type="date"> sends and shows, whatever the language


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=DATE_FORMAT)


class DashboardForm(forms.Form):
    programa = forms.ChoiceField(label=_("Programa"))
    promocion = forms.ChoiceField(label=_("Promoción"), required=False)
    provincia = forms.ChoiceField(label=_("Provincia"), required=False)
    sector = forms.ChoiceField(
        label=_("Sector"), required=False, choices=[("", _("Todos")), *Sector.choices]
    )
    tamano = forms.ChoiceField(
        label=_("Tamaño"), required=False, choices=[("", _("Todos")), *SizeBand.choices]
    )
    aliado = forms.ChoiceField(label=_("Organización aliada"), required=False)
    desde = forms.DateField(
        label=_("Invitadas desde"),
        required=False,
        widget=DateInput,
        input_formats=[DATE_FORMAT, "%d/%m/%Y"],
        help_text=_("Fecha de la invitación."),
    )
    hasta = forms.DateField(
        label=_("Invitadas hasta"),
        required=False,
        widget=DateInput,
        input_formats=[DATE_FORMAT, "%d/%m/%Y"],
        help_text=_("Fecha de la invitación, incluida."),
    )

    def __init__(self, data, *, programmes, programme, cohorts, partners, partner_view: bool):
        super().__init__(data)
        self.programme = programme
        self.fields["programa"].choices = [(str(p.public_id), p.name) for p in programmes]
        self._cohorts = {str(c.public_id): c for c in cohorts}
        self.fields["promocion"].choices = [
            ("", _("Todas")),
            *((str(c.public_id), c.name) for c in cohorts),
        ]
        provinces = subdivision_choices(programme.country)
        if provinces:
            self.fields["provincia"].choices = [("", _("Todas")), *provinces]
        else:
            del self.fields["provincia"]
        if partner_view:
            del self.fields["aliado"]
        else:
            self.fields["aliado"].choices = [
                ("", _("Todas")),
                *((str(o.pk), o.name) for o in partners),
            ]

    def clean(self):
        data = super().clean()
        start, end = data.get("desde"), data.get("hasta")
        if start and end and end < start:
            self.add_error(
                "hasta", _("La fecha «hasta» es anterior a la fecha «desde». Corríjala.")
            )
        return data

    def filters(self) -> Filters:
        """The filters asked for (call after `is_valid`)."""
        data = self.cleaned_data
        cohort = self._cohorts.get(data.get("promocion") or "")
        organisation = data.get("aliado")
        return Filters(
            cohort_id=cohort.pk if cohort else None,
            province=data.get("provincia") or "",
            sector=data.get("sector") or "",
            size_band=data.get("tamano") or "",
            organisation_id=int(organisation) if organisation else None,
            date_from=data.get("desde"),
            date_to=data.get("hasta"),
        )

    def describe(self) -> list[tuple[str, str]]:
        """(label, value) of each filter in use, for the page heading and the print."""
        described = []
        for name, field in self.fields.items():
            if name in ("programa", "etapa", "mes"):
                continue
            value = self.cleaned_data.get(name)
            if value in (None, ""):
                continue
            if isinstance(field, forms.ChoiceField):
                value = dict(field.choices).get(value, value)
            described.append((str(field.label), str(value)))
        return described

    def query(self, *, without: tuple[str, ...] = ()) -> str:
        """The selection as a query string: the fields the form knows, as they were typed."""
        return urlencode(
            [
                (name, self.data[name])
                for name in self.fields
                if name not in without and self.data.get(name)
            ]
        )


class FirmListForm(DashboardForm):
    etapa = forms.ChoiceField(
        label=_("Etapa"),
        required=False,
        choices=[(key, dashboard.STAGES[key].label) for key in dashboard.STAGES],
    )
    field_order = ["etapa"]

    def stage(self) -> dashboard.Stage:
        return dashboard.STAGES[self.cleaned_data.get("etapa") or dashboard.DEFAULT_STAGE]


class SummaryForm(DashboardForm):
    """The monthly summary: the month instead of the date range. An unreadable month is an
    error on its field only; the page then shows the current month."""

    mes = forms.CharField(
        label=_("Mes"),
        required=False,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "AAAA-MM"}),
        help_text=_("Año y mes, por ejemplo 2026-11."),
    )
    field_order = ["programa", "mes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["desde"]
        del self.fields["hasta"]

    def clean_mes(self):
        text = self.cleaned_data.get("mes", "").strip()
        if not text:
            return None
        month = dashboard.parse_month(text)
        if month is None:
            raise forms.ValidationError(
                _("Escriba el mes como AAAA-MM, por ejemplo 2026-11. Se muestra el mes en curso.")
            )
        return month

    @property
    def filters_valid(self) -> bool:
        """Every filter but the month is valid (a bad month falls back to the current one)."""
        self.is_valid()
        return not (set(self.errors) - {"mes"})
