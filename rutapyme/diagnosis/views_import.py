"""Pages of the answer import: template, upload, progress, problems, downloads, history.

Only those who manage the firm base reach them (`permissions.can_import_diagnoses`, else 403);
an import of another organisation is a 404, so URLs cannot be probed.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rutapyme.core.exports import XLSX_CONTENT_TYPE, tabular_response
from rutapyme.core.tasks import enqueue_on_commit

from . import importing, tasks
from .forms_import import DiagnosisImportForm
from .models import DiagnosisImport, DiagnosisImportIssue, Questionnaire
from .permissions import can_import_diagnoses

LIST_PAGE_SIZE = 25
ISSUES_PAGE_SIZE = 50
SEVERITY_FILTERS = {
    "errores": DiagnosisImportIssue.Severity.ERROR,
    "avisos": DiagnosisImportIssue.Severity.WARNING,
}


def _require_importer(user) -> None:
    if not can_import_diagnoses(user):
        raise PermissionDenied


def _get_import(user, public_id) -> DiagnosisImport:
    _require_importer(user)
    return get_object_or_404(importing.diagnosis_import_list(user=user), public_id=public_id)


def _status_context(diagnosis_import: DiagnosisImport) -> dict:
    return {
        "diagnosis_import": diagnosis_import,
        "summary": importing.ImportSummary.of(diagnosis_import),
        "active": diagnosis_import.status
        in (DiagnosisImport.Status.PENDING, DiagnosisImport.Status.RUNNING),
        "resumable": importing.diagnosis_import_is_resumable(diagnosis_import),
    }


def _issues_context(request, diagnosis_import: DiagnosisImport) -> dict:
    severity = request.GET.get("gravedad", "")
    if severity not in SEVERITY_FILTERS:
        severity = ""
    # Everything but the stored row (raw), which the page does not show.
    issues = diagnosis_import.issues.order_by("line", "id").defer("raw")
    if severity:
        issues = issues.filter(severity=SEVERITY_FILTERS[severity])
    page = Paginator(issues, ISSUES_PAGE_SIZE).get_page(request.GET.get("page"))
    return {"diagnosis_import": diagnosis_import, "page": page, "severity": severity}


@login_required
@require_GET
def import_template(request, fmt: str):
    """The empty answer file of the current version (XLSX), or its header and two examples."""
    _require_importer(request.user)
    questionnaire = get_object_or_404(Questionnaire, code="cepal-ecommerce", is_current=True)
    spec = questionnaire.spec
    filename = f"respuestas-{spec.code}-v{spec.version}"
    if fmt == "csv":
        return tabular_response(
            "csv", filename, importing.template_header(spec), importing.template_csv_rows(spec)
        )
    response = HttpResponse(importing.template_xlsx(spec), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


@login_required
@require_GET
def import_list(request):
    _require_importer(request.user)
    imports = importing.diagnosis_import_list(user=request.user)
    page = Paginator(imports, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(di, importing.ImportSummary.of(di)) for di in page]
    return render(request, "diagnosis/import_list.html", {"page": page, "rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def import_new(request):
    _require_importer(request.user)
    form = DiagnosisImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            diagnosis_import = importing.diagnosis_import_create(
                file=data["file"],
                original_name=data["file"].name,
                questionnaire=data["questionnaire"],
                created_by=request.user,
            )
            enqueue_on_commit(tasks.diagnosis_import_run, diagnosis_import.pk)
        messages.success(request, _("Archivo recibido: la importación está en marcha."))
        return redirect("diagnosis:import_detail", public_id=diagnosis_import.public_id)
    return render(
        request,
        "diagnosis/import_new.html",
        {"form": form, "max_size": settings.IMPORT_MAX_UPLOAD_BYTES},
    )


@login_required
@require_GET
def import_detail(request, public_id):
    diagnosis_import = _get_import(request.user, public_id)
    context = _status_context(diagnosis_import) | _issues_context(request, diagnosis_import)
    return render(request, "diagnosis/import_detail.html", context)


@login_required
@require_GET
def import_progress(request, public_id):
    """The status card alone, polled by HTMX every 2 s while the import runs."""
    diagnosis_import = _get_import(request.user, public_id)
    context = _status_context(diagnosis_import)
    response = render(request, "diagnosis/partials/import_status.html", context)
    if request.htmx and not context["active"]:
        response["HX-Refresh"] = "true"  # finished while polled: reload to show the problems
    return response


@login_required
@require_GET
def import_issues(request, public_id):
    """One page of the problem list (HTMX); without HTMX, the detail page at that page."""
    diagnosis_import = _get_import(request.user, public_id)
    if not request.htmx:
        url = reverse("diagnosis:import_detail", args=[diagnosis_import.public_id])
        query = request.GET.urlencode()
        return redirect(f"{url}?{query}#problemas" if query else url)
    return render(
        request,
        "diagnosis/partials/import_issues.html",
        _issues_context(request, diagnosis_import),
    )


@login_required
@require_POST
def import_resume(request, public_id):
    diagnosis_import = _get_import(request.user, public_id)
    if importing.diagnosis_import_is_resumable(diagnosis_import):
        enqueue_on_commit(tasks.diagnosis_import_run, diagnosis_import.pk)
        messages.success(
            request,
            _("La importación se reanuda después de la fila %(n)s.")
            % {"n": diagnosis_import.rows_done},
        )
    else:
        messages.info(request, _("Esta importación no necesita reanudarse."))
    return redirect("diagnosis:import_detail", public_id=diagnosis_import.public_id)


@login_required
@require_GET
def import_issues_export(request, public_id, fmt: str):
    """Every problem, one line each (docs/diagnosis-import-format.md, the error report)."""
    diagnosis_import = _get_import(request.user, public_id)
    filename = f"problemas-respuestas-{diagnosis_import.created_at:%Y%m%d-%H%M}"
    return tabular_response(
        fmt, filename, importing.PROBLEM_HEADER, importing.problem_rows(diagnosis_import)
    )


@login_required
@require_GET
def import_rejected_export(request, public_id, fmt: str):
    """The rejected rows as they were, after LINEA, TIPO and MOTIVO: fix and upload again."""
    diagnosis_import = _get_import(request.user, public_id)
    header = importing.rejected_header(diagnosis_import)
    rows = importing.rejected_rows(diagnosis_import, len(header) - len(importing.REPORT_COLUMNS))
    filename = f"filas-rechazadas-{diagnosis_import.created_at:%Y%m%d-%H%M}"
    return tabular_response(fmt, filename, header, rows)
