"""The selection of the programme report: which firms' latest diagnoses it covers."""

from django import forms
from django.utils.translation import gettext_lazy as _

from rutapyme.accounts.models import Organisation
from rutapyme.core.countries import ALADI_COUNTRIES
from rutapyme.firms.models import Sector, SizeBand

from .report import ReportSelection, selectable_countries, selectable_organisations

DATE_FORMAT = "%Y-%m-%d"  # what <input type="date"> sends and shows, whatever the language


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=DATE_FORMAT)


class ReportSelectionForm(forms.Form):
    """Read from the query string, so a selection is a link that can be shared or bookmarked.

    Partner staff have no organisation field: their report is always their own members'.
    """

    organisation = forms.ModelChoiceField(
        label=_("Organización aliada"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("Todas"),
    )
    country = forms.ChoiceField(label=_("País"), required=False)
    sector = forms.ChoiceField(
        label=_("Sector"), required=False, choices=[("", _("Todos")), *Sector.choices]
    )
    size_band = forms.ChoiceField(
        label=_("Tamaño"), required=False, choices=[("", _("Todos")), *SizeBand.choices]
    )
    date_from = forms.DateField(
        label=_("Respondido desde"),
        required=False,
        widget=DateInput,
        input_formats=[DATE_FORMAT, "%d/%m/%Y"],
    )
    date_to = forms.DateField(
        label=_("Respondido hasta"),
        required=False,
        widget=DateInput,
        input_formats=[DATE_FORMAT, "%d/%m/%Y"],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user.is_partner_staff and not user.is_platform_admin:
            del self.fields["organisation"]
        else:
            self.fields["organisation"].queryset = selectable_organisations(user)
        countries = selectable_countries(user)
        self.fields["country"].choices = [("", _("Todos"))] + [
            (code, ALADI_COUNTRIES[code].name) for code in countries
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error(
                "date_to", _("La fecha «hasta» es anterior a la fecha «desde». Corríjala.")
            )
        return data

    def selection(self) -> ReportSelection:
        """The selection asked for; everything the user may see when nothing was asked."""
        if not self.is_bound:
            return ReportSelection()
        data = self.cleaned_data
        organisation = data.get("organisation")
        return ReportSelection(
            organisation_id=organisation.pk if organisation else None,
            country=data.get("country") or "",
            sector=data.get("sector") or "",
            size_band=data.get("size_band") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )

    def describe(self) -> list[tuple[str, str]]:
        """(label, value) of each filter in use, for the downloads and the page heading."""
        if not self.is_bound or not self.is_valid():
            return []
        described = []
        for name, field in self.fields.items():
            value = self.cleaned_data.get(name)
            if value in (None, ""):
                continue
            if isinstance(field, forms.ChoiceField) and not isinstance(
                field, forms.ModelChoiceField
            ):
                value = dict(field.choices).get(value, value)
            described.append((str(field.label), str(value)))
        return described
