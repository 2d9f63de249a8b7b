"""The programme's report: the page, its HTMX partial and the downloads.

The selection travels in the query string (a GET form), so the page works without JavaScript,
a selection is a link, and each download link carries the same selection as the page it is
on. Only `permissions.can_view_report` users get in (403 for anyone else signed in); what
they see is `report.report_diagnoses`, so a partner's tables, n and downloads hold its
members and nothing else.
"""

from __future__ import annotations

import io
import re
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from rutapyme.core.exports import XLSX_CONTENT_TYPE, neutralise, tabular_response

from .forms_report import ReportSelectionForm
from .permissions import can_view_report
from .report import Report, Table, build_report

FORMATS = ("csv", "xlsx")


def _selection_form(request) -> ReportSelectionForm:
    if not can_view_report(request.user):
        raise PermissionDenied
    return ReportSelectionForm(request.GET or None, user=request.user)


def _query(form: ReportSelectionForm) -> str:
    """The selection as a query string (only the fields the form knows)."""
    if not form.is_bound:
        return ""
    return urlencode([(name, form.data[name]) for name in form.fields if form.data.get(name)])


@login_required
@require_GET
def report(request):
    form = _selection_form(request)
    valid = not form.is_bound or form.is_valid()
    context = {
        "form": form,
        "report": build_report(user=request.user, selection=form.selection()) if valid else None,
        "query": _query(form),
        "filters": form.describe(),
    }
    template = "diagnosis/partials/report_tables.html" if request.htmx else "diagnosis/report.html"
    return render(request, template, context)


def _filename(name: str) -> str:
    return f"informe-autodiagnostico-{name}-{timezone.localdate():%Y-%m-%d}"


def _built(request) -> tuple[ReportSelectionForm, Report | None]:
    form = _selection_form(request)
    if form.is_bound and not form.is_valid():
        return form, None
    return form, build_report(user=request.user, selection=form.selection())


@login_required
@require_GET
def download(request, code: str, fmt: str):
    """One table as CSV or XLSX."""
    if fmt not in FORMATS:
        raise Http404
    form, report = _built(request)
    if report is None:  # the page shows what is wrong with the selection
        return redirect(f"{reverse('diagnosis:report')}?{request.GET.urlencode()}")
    try:
        table = report.table(code)
    except KeyError as exc:
        raise Http404 from exc
    return tabular_response(fmt, _filename(table.code), table.export_header, table.export_rows())


SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _sheet_title(index: int, table: Table) -> str:
    return SHEET_FORBIDDEN.sub(" ", f"{index:02d} {table.title}")[:31].strip()


def _append(sheet, values) -> None:
    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet, value=neutralise(value))
        if isinstance(cell.value, str):
            cell.data_type = "s"  # never let openpyxl read "=..." as a formula
        cells.append(cell)
    sheet.append(cells)


def workbook_bytes(report: Report, filters: list[tuple[str, str]]) -> bytes:
    """Every table on its own sheet, after an index sheet with the selection and each n."""
    workbook = Workbook(write_only=True)
    index = workbook.create_sheet(title=_("Informe"))
    _append(index, [_("Informe del autodiagnóstico")])
    _append(index, [_("Fecha"), timezone.localdate()])
    _append(index, [_("Empresas (último autodiagnóstico de cada una)"), report.firms])
    _append(index, [_("Cuestionario"), ", ".join(report.versions)])
    for label, value in filters or [(_("Selección"), _("Todo lo que puede ver"))]:
        _append(index, [label, value])
    _append(index, [])
    _append(index, [_("Hoja"), _("Tabla"), _("CEPAL"), "n"])
    for number, table in enumerate(report.tables, start=1):
        _append(index, [_sheet_title(number, table), table.title, table.cepal, table.base])
    for number, table in enumerate(report.tables, start=1):
        sheet = workbook.create_sheet(title=_sheet_title(number, table))
        _append(sheet, table.export_header)
        for row in table.export_rows():
            _append(sheet, row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@login_required
@require_GET
def workbook(request):
    """All the tables in one XLSX file, one sheet per table."""
    form, report = _built(request)
    if report is None:
        return redirect(f"{reverse('diagnosis:report')}?{request.GET.urlencode()}")
    response = HttpResponse(workbook_bytes(report, form.describe()), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{_filename("todo")}.xlsx"'
    return response
