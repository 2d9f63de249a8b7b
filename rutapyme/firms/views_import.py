"""Pages of the bulk import: upload, progress, report of rejected rows, history.

Only programme staff and platform admins reach them (`permissions.can_manage_firms`);
programme staff import into, and see the imports of, their organisation's country only.
"""

from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rutapyme.accounts.forms import check_organisation_country
from rutapyme.accounts.models import Organisation
from rutapyme.core.countries import ALADI_COUNTRIES
from rutapyme.core.exports import tabular_response
from rutapyme.core.tasks import enqueue_on_commit

from . import importing, permissions, tasks
from .models import FirmImport, FirmImportIssue
from .permissions import can_manage_firms

LIST_PAGE_SIZE = 25
ISSUES_PAGE_SIZE = 50
ALLOWED_EXTENSIONS = (".csv", ".txt", ".xlsx")
KIND_FILTERS = {
    "rechazadas": FirmImportIssue.Kind.REJECTED,
    "repetidas": FirmImportIssue.Kind.DUPLICATE,
}


class FirmImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Archivo (CSV o Excel .xlsx)"),
        help_text=gettext_lazy(
            "Columnas: RUC, RAZON_SOCIAL, NOMBRE_COMERCIAL, PROVINCIA, CANTON, SECTOR, "
            "TIPO_OFERTA, NUM_EMPLEADOS, REPRESENTANTE_LEGAL, EMAIL, TELEFONO, VENDE_EN_LINEA."
        ),
        error_messages={
            "required": gettext_lazy("Elija el archivo a importar."),
            "empty": gettext_lazy("El archivo está vacío."),
        },
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".csv,.txt,.xlsx,text/csv,application/vnd.ms-excel,"
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )
    country = forms.ChoiceField(label=gettext_lazy("País de las empresas"))
    organisation = forms.ModelChoiceField(
        label=gettext_lazy("Afiliar las empresas a una organización aliada (opcional)"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=gettext_lazy("Ninguna"),
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Solo revisar el archivo (simulación): no guardar empresas"),
        required=False,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        countries = permissions.import_countries_for(user)
        field = self.fields["country"]
        field.choices = [(code, ALADI_COUNTRIES[code].name) for code in countries]
        if settings.DEFAULT_COUNTRY in countries:
            field.initial = settings.DEFAULT_COUNTRY
        elif countries:
            field.initial = countries[0]
        allowed = ", ".join(ALADI_COUNTRIES[code].name for code in countries) or "—"
        field.error_messages["invalid_choice"] = _(
            "No puede importar empresas de ese país. Su cuenta puede importar en: %(allowed)s."
        ) % {"allowed": allowed}
        field.error_messages["required"] = _("Elija el país de las empresas.")
        self.fields["organisation"].queryset = importing.partner_organisations_for(user).order_by(
            "name"
        )
        self.fields["organisation"].error_messages["invalid_choice"] = _(
            "Elija una organización de la lista."
        )
        self.layout: importing.Layout | None = None

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = Path(upload.name).name
        extension = Path(name).suffix.lower()
        if extension == ".xls":
            raise forms.ValidationError(
                _(
                    "«%(name)s» es un Excel antiguo (.xls). Ábralo en Excel y guárdelo como "
                    "«Libro de Excel (.xlsx)» o como CSV."
                )
                % {"name": name}
            )
        if extension not in ALLOWED_EXTENSIONS:
            raise forms.ValidationError(
                _("«%(name)s» no es un archivo CSV ni Excel: suba un archivo .csv o .xlsx.")
                % {"name": name}
            )
        if upload.size > settings.IMPORT_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("«%(name)s» pesa %(size)s; el máximo es %(max)s. Divídalo en partes.")
                % {
                    "name": name,
                    "size": filesizeformat(upload.size),
                    "max": filesizeformat(settings.IMPORT_MAX_UPLOAD_BYTES),
                }
            )
        try:
            self.layout = importing.read_layout(upload, name)
        except importing.ImportFileError as exc:
            raise forms.ValidationError(exc.message) from exc
        return upload

    def clean(self):
        cleaned = super().clean()
        check_organisation_country(self, cleaned)
        return cleaned


def _require_manager(user) -> None:
    if not can_manage_firms(user):
        raise PermissionDenied


def _get_import(user, public_id) -> FirmImport:
    """The import if this user may see it; 404 otherwise (no probing of other countries)."""
    _require_manager(user)
    return get_object_or_404(
        permissions.firm_imports_visible_to(user).select_related("created_by", "organisation"),
        public_id=public_id,
    )


def _status_context(firm_import: FirmImport) -> dict:
    active = firm_import.status in (FirmImport.Status.PENDING, FirmImport.Status.RUNNING)
    return {
        "firm_import": firm_import,
        "summary": importing.firm_import_summary(firm_import),
        "active": active,
        "resumable": importing.firm_import_is_resumable(firm_import),
    }


@login_required
@require_GET
def import_list(request):
    _require_manager(request.user)
    imports = importing.firm_import_list(user=request.user)
    page = Paginator(imports, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(fi, importing.firm_import_summary(fi)) for fi in page]
    return render(request, "firms/import_list.html", {"page": page, "rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def import_new(request):
    _require_manager(request.user)
    form = FirmImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            firm_import = importing.firm_import_create(
                file=data["file"],
                original_name=data["file"].name,
                country=data["country"],
                dry_run=data["dry_run"],
                created_by=request.user,
                organisation=data["organisation"],
            )
            enqueue_on_commit(tasks.firm_import_run, firm_import.pk)
        messages.success(request, _("Archivo recibido: la importación está en marcha."))
        return redirect("firms:import_detail", public_id=firm_import.public_id)
    return render(
        request,
        "firms/import_new.html",
        {"form": form, "max_size": settings.IMPORT_MAX_UPLOAD_BYTES},
    )


@login_required
@require_GET
def import_detail(request, public_id):
    firm_import = _get_import(request.user, public_id)
    return render(request, "firms/import_detail.html", _status_context(firm_import))


@login_required
@require_GET
def import_progress(request, public_id):
    """The status card alone, polled by HTMX every 2 s while the import runs."""
    firm_import = _get_import(request.user, public_id)
    return render(request, "firms/partials/import_status.html", _status_context(firm_import))


@login_required
@require_POST
def import_resume(request, public_id):
    firm_import = _get_import(request.user, public_id)
    if importing.firm_import_is_resumable(firm_import):
        enqueue_on_commit(tasks.firm_import_run, firm_import.pk)
        messages.success(
            request,
            _("La importación se reanuda después de la fila %(n)s.") % {"n": firm_import.rows_done},
        )
    else:
        messages.info(request, _("Esta importación no necesita reanudarse."))
    return redirect("firms:import_detail", public_id=firm_import.public_id)


def _issues(firm_import: FirmImport, kind_filter: str):
    issues = firm_import.issues.order_by("line")
    kind = KIND_FILTERS.get(kind_filter)
    return issues.filter(kind=kind) if kind else issues


@login_required
@require_GET
def import_issues(request, public_id):
    firm_import = _get_import(request.user, public_id)
    kind_filter = request.GET.get("tipo", "")
    page = Paginator(_issues(firm_import, kind_filter), ISSUES_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [(issue, importing.issue_cells(issue)) for issue in page]
    return render(
        request,
        "firms/import_issues.html",
        {
            "firm_import": firm_import,
            "page": page,
            "rows": rows,
            "kind_filter": kind_filter if kind_filter in KIND_FILTERS else "",
        },
    )


@login_required
@require_GET
def import_issues_export(request, public_id, fmt: str):
    firm_import = _get_import(request.user, public_id)
    filename = f"filas-no-importadas-{firm_import.created_at:%Y%m%d-%H%M}"
    return tabular_response(
        fmt, filename, importing.REPORT_HEADER, importing.issue_report_rows(firm_import)
    )
