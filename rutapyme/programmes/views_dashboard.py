"""The ministry's dashboard: the page, the lists of firms at each stage, the downloads, the
monthly summary for authorities and the "update now" button.

Who gets in: `permissions.can_view_dashboard` (admins, programme staff, partner staff; anyone
else signed in gets a 403). The programme is one of `permissions.programmes_visible_to` (the
first when none is asked for; one they cannot see is a 404). The figures are computed by
`dashboard.py` over `dashboard.population`, so a partner's page, lists and downloads hold its
organisation's members and nothing else. The selection travels in the query string: the pages
work without JavaScript, and HTMX, when present, swaps only the panel (filters and results).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from rutapyme.core.exports import tabular_response

from . import dashboard, permissions
from .forms_dashboard import DashboardForm, FirmListForm, SummaryForm
from .models import Cohort, Enrolment, Programme

FORMATS = ("csv", "xlsx")
TABLES = {"funnel": "embudo", "weekly": "semanas", "maturity": "madurez", "cohorts": "promociones"}
PAGE_SIZE = 50
EXPORT_CHUNK = 2000


@dataclass
class Scope:
    """What the request asks for and may see. `population` is None when nothing is to be
    shown: no programme to see, or a selection to correct."""

    programmes: list[Programme]
    programme: Programme | None = None
    cohorts: list[Cohort] = field(default_factory=list)
    form: DashboardForm | None = None
    valid: bool = False
    filters: dashboard.Filters | None = None
    in_scope: list[Cohort] = field(default_factory=list)
    population: QuerySet[Enrolment] | None = None
    tz: object = None

    def query(self, **kwargs) -> str:
        return self.form.query(**kwargs) if self.form is not None else ""


def _programme(programmes: list[Programme], value: str | None) -> Programme | None:
    if not value:
        return programmes[0] if programmes else None
    try:
        wanted = uuid.UUID(value.strip())
    except ValueError as exc:
        raise Http404 from exc
    for programme in programmes:
        if programme.public_id == wanted:
            return programme
    raise Http404


def _scope(request, form_class=DashboardForm, *, invited_before_end_of_month=False) -> Scope:
    user = request.user
    if not permissions.can_view_dashboard(user):
        raise PermissionDenied
    programmes = list(permissions.programmes_visible_to(user).order_by("-is_active", "name"))
    programme = _programme(programmes, request.GET.get("programa"))
    if programme is None:
        return Scope(programmes=programmes)
    partner_view = permissions.is_partner_view(user)
    cohorts = list(Cohort.objects.filter(programme=programme).order_by("-starts_on", "name"))
    partners = [] if partner_view else list(programme.partners.order_by("name"))
    data = request.GET.copy()
    data["programa"] = str(programme.public_id)
    form = form_class(
        data,
        programmes=programmes,
        programme=programme,
        cohorts=cohorts,
        partners=partners,
        partner_view=partner_view,
    )
    scope = Scope(
        programmes=programmes,
        programme=programme,
        cohorts=cohorts,
        form=form,
        tz=dashboard.time_zone(programme),
    )
    scope.valid = form.filters_valid if isinstance(form, SummaryForm) else form.is_valid()
    if scope.valid:
        scope.filters = form.filters()
        scope.in_scope = dashboard.scope_cohorts(cohorts, scope.filters)
        if not invited_before_end_of_month:
            scope.population = dashboard.population(
                user=user, cohorts=scope.in_scope, filters=scope.filters, tz=scope.tz
            )
    return scope


def _page_context(request, scope: Scope) -> dict:
    """What every dashboard page shows around its figures; sends stale cohorts to refresh."""
    context = {
        "scope": scope,
        "programme": scope.programme,
        "form": scope.form,
        "tz": scope.tz,
        "query": scope.query(),
        "can_manage": bool(
            scope.programme and permissions.can_manage_programme(request.user, scope.programme)
        ),
        "partner_organisation": (
            request.user.organisation if permissions.is_partner_view(request.user) else None
        ),
    }
    if scope.valid:
        context["filters"] = scope.form.describe()
        context["stages_status"] = dashboard.stages_refresh_if_stale(scope.in_scope)
    return context


def _render(request, scope: Scope, context: dict, page: str, partial: str):
    """The panel alone for HTMX; the whole page otherwise (and when HTMX restores history)."""
    swap = request.htmx and not request.htmx.history_restore_request
    template = partial if (swap and scope.programme is not None) else page
    return render(request, template, context)


def _figures(scope: Scope) -> dict:
    counts = dashboard.tallies(scope.population)
    filters = scope.filters
    first, last = dashboard.week_window(
        date_from=filters.date_from,
        date_to=filters.date_to,
        today=timezone.localdate(None, scope.tz),
    )
    weeks = dashboard.weekly(scope.population, tz=scope.tz, first=first, last=last)
    return {
        "counts": counts.stages,
        "funnel": dashboard.funnel(counts),
        "maturity": dashboard.maturity(counts),
        "weeks": weeks,
        "week_chart": dashboard.week_chart(weeks),
        "series": [label for _name, _field, label in dashboard.SERIES],
        "cohort_rows": dashboard.cohort_rows(scope.population, scope.in_scope, counts=counts),
        "lists": [(dashboard.STAGES[key], counts.stages[key]) for key in dashboard.LISTS],
        "funnel_lists": [dashboard.STAGES[key] for key in dashboard.FUNNEL],
    }


# --- The dashboard ----------------------------------------------------------------------------


@login_required
@require_GET
def dashboard_page(request):
    scope = _scope(request)
    context = _page_context(request, scope)
    if scope.population is not None:
        context.update(_figures(scope))
        context["summary_query"] = scope.query(without=("desde", "hasta"))
    return _render(
        request,
        scope,
        context,
        "programmes/dashboard/index.html",
        "programmes/dashboard/partials/panel.html",
    )


def _filename(name: str) -> str:
    return f"tablero-{name}-{timezone.localdate():%Y-%m-%d}"


def _back_to(url_name: str, scope: Scope):
    return redirect(f"{reverse(url_name)}?{scope.query()}")


@login_required
@require_GET
def dashboard_export(request, table: str, fmt: str):
    """One table of the dashboard as CSV or XLSX, with the page's selection."""
    scope = _scope(request)
    if fmt not in FORMATS or table not in TABLES or scope.programme is None:
        raise Http404
    if scope.population is None:  # the page says what to correct
        return _back_to("programmes:dashboard", scope)
    population = scope.population
    if table == "weekly":
        first, last = dashboard.week_window(
            date_from=scope.filters.date_from,
            date_to=scope.filters.date_to,
            today=timezone.localdate(None, scope.tz),
        )
        header, rows = dashboard.weekly_table(
            dashboard.weekly(population, tz=scope.tz, first=first, last=last)
        )
    elif table == "cohorts":
        header, rows = dashboard.cohorts_table(dashboard.cohort_rows(population, scope.in_scope))
    else:
        counts = dashboard.tallies(population)
        if table == "funnel":
            header, rows = dashboard.funnel_table(dashboard.funnel(counts))
        else:
            header, rows = dashboard.maturity_table(dashboard.maturity(counts))
    return tabular_response(fmt, _filename(TABLES[table]), header, rows)


@login_required
@require_POST
def dashboard_refresh(request):
    """Update the stages of the cohorts in scope now (the programme's managers)."""
    scope = _scope(request)
    if scope.programme is None:
        raise Http404
    if not permissions.can_manage_programme(request.user, scope.programme):
        raise PermissionDenied
    cohorts = scope.in_scope if scope.valid else scope.cohorts
    enqueued = dashboard.stages_refresh_request([c.pk for c in cohorts], force=True)
    messages.success(
        request,
        ngettext(
            "Se pidió actualizar las etapas de %(n)d promoción. "
            "Las cifras nuevas aparecen en unos minutos.",
            "Se pidió actualizar las etapas de %(n)d promociones. "
            "Las cifras nuevas aparecen en unos minutos.",
            len(enqueued),
        )
        % {"n": len(enqueued)},
    )
    return _back_to("programmes:dashboard", scope)


# --- Lists of firms ---------------------------------------------------------------------------


def _firm_rows(scope: Scope, enrolments, stage):
    names = {c.pk: c.name for c in scope.cohorts}
    return dashboard.firm_rows(enrolments, stage=stage, cohort_names=names, tz=scope.tz)


@login_required
@require_GET
def dashboard_firms(request):
    scope = _scope(request, FirmListForm)
    context = _page_context(request, scope)
    if scope.population is not None:
        stage = scope.form.stage()
        enrolments = dashboard.stage_enrolments(scope.population, stage)
        page = Paginator(enrolments, PAGE_SIZE).get_page(request.GET.get("page"))
        context.update(
            {
                "stage": stage,
                "page": page,
                "rows": list(_firm_rows(scope, page.object_list, stage)),
                "tax_id_label": scope.programme.tax_id_label,
                "dashboard_query": scope.query(without=("etapa",)),
            }
        )
    return _render(
        request,
        scope,
        context,
        "programmes/dashboard/firms.html",
        "programmes/dashboard/partials/firms_panel.html",
    )


@login_required
@require_GET
def dashboard_firms_export(request, fmt: str):
    scope = _scope(request, FirmListForm)
    if fmt not in FORMATS or scope.programme is None:
        raise Http404
    if scope.population is None:
        return _back_to("programmes:dashboard_firms", scope)
    stage = scope.form.stage()
    enrolments = dashboard.stage_enrolments(scope.population, stage).iterator(
        chunk_size=EXPORT_CHUNK
    )
    header, rows = dashboard.firms_table(
        _firm_rows(scope, enrolments, stage),
        stage=stage,
        tax_id_label=scope.programme.tax_id_label,
    )
    return tabular_response(fmt, _filename(f"empresas-{stage.key}"), header, rows)


# --- The monthly summary ----------------------------------------------------------------------


@login_required
@require_GET
def dashboard_summary(request):
    """A printable summary of one month for authorities (works without JavaScript)."""
    scope = _scope(request, SummaryForm, invited_before_end_of_month=True)
    context = _page_context(request, scope)
    if scope.valid:
        today = timezone.localdate(None, scope.tz)
        month = scope.form.cleaned_data.get("mes") or today.replace(day=1)
        start, end = dashboard.month_bounds(month, scope.tz)
        scope.population = dashboard.population(
            user=request.user,
            cohorts=scope.in_scope,
            filters=scope.filters,
            tz=scope.tz,
            invited_before=end,
        )
        counts = dashboard.tallies(scope.population, as_of=end)
        context.update(
            {
                "month": month,
                "month_value": f"{month:%Y-%m}",
                "month_end": end,
                "funnel": dashboard.funnel(counts),
                "activity": dashboard.month_activity(scope.population, start=start, end=end),
                "maturity": dashboard.maturity(counts),
                "cohort_rows": dashboard.cohort_rows(
                    scope.population, scope.in_scope, as_of=end, counts=counts
                ),
                "outcomes": dashboard.month_outcomes(scope.population, start=start, end=end),
                "generated_at": timezone.now(),
                "dashboard_query": scope.query(without=("mes",)),
            }
        )
    return render(request, "programmes/dashboard/summary.html", context)
