"""Pages of the programme staff: programmes, cohorts, bulk invitations and their progress,
the invitation links for WhatsApp, live sessions and attendance.

`permissions.py` decides who reaches what: an object the user may not see is a 404, so URLs of
other organisations' programmes and cohorts cannot be probed; one they see but may not change
is a 403. Partner staff see, inside the programmes they are partners of, only their
organisation's member firms, on every page and in every export.
"""

from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rutapyme.core.countries import ALADI_COUNTRIES
from rutapyme.core.exports import tabular_response
from rutapyme.firms.permissions import firms_visible_to, get_firm_for_view
from rutapyme.firms.taxids import check_tax_id

from . import permissions, selectors, services
from .eligibility import firm_eligibility, rules_summary
from .forms import (
    CohortForm,
    DropForm,
    EligibilityCheckForm,
    InviteFilterForm,
    ProgrammeForm,
    SessionForm,
    add_service_errors,
)
from .models import (
    JOINED_STATES,
    LEAVING_STATES,
    STATE_DATE_FIELDS,
    Cohort,
    Enrolment,
    InvitationBatch,
    LiveSession,
)

PAGE_SIZE = 50
PREVIEW_SIZE = 20
BATCHES_SHOWN = 10
EXPORT_CHUNK = 2000


# --- Helpers ----------------------------------------------------------------------------------


def _time_zone(programme) -> str:
    return ALADI_COUNTRIES[programme.country].time_zone


def _require_manager(user, programme) -> None:
    """They see it (the caller fetched it through permissions) but may not run it: 403."""
    if not permissions.can_manage_programme(user, programme):
        raise PermissionDenied


def _cohort_to_manage(user, public_id) -> Cohort:
    cohort = permissions.get_cohort_for_view(user, public_id)
    _require_manager(user, cohort.programme)
    return cohort


def _cohort_to_invite(user, public_id) -> Cohort:
    cohort = permissions.get_cohort_for_view(user, public_id)
    if not permissions.can_invite(user, cohort):
        raise PermissionDenied
    return cohort


def _session_to_manage(user, public_id) -> LiveSession:
    sessions = LiveSession.objects.filter(
        cohort_id__in=permissions.cohorts_visible_to(user).values("pk")
    ).select_related("cohort__programme")
    try:
        session = sessions.get(public_id=public_id)
    except (LiveSession.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc
    _require_manager(user, session.cohort.programme)
    return session


def _batch_for_view(user, public_id, batch_id) -> InvitationBatch:
    """The batch if its cohort is theirs to invite to and, for partner staff, their
    organisation created it; 404 otherwise."""
    cohort = permissions.get_cohort_for_view(user, public_id)
    if not permissions.can_invite(user, cohort):
        raise Http404
    batches = InvitationBatch.objects.filter(cohort=cohort).select_related("created_by")
    if permissions.is_partner_view(user):
        batches = batches.filter(organisation_id=user.organisation_id)
    try:
        batch = batches.get(public_id=batch_id)
    except (InvitationBatch.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc
    batch.cohort = cohort
    return batch


def _dashboard_url(user, programme) -> str:
    """The programme's dashboard, once that page exists."""
    if not permissions.can_view_dashboard(user):
        return ""
    try:
        url = reverse("programmes:dashboard")
    except NoReverseMatch:
        return ""
    return f"{url}?{urlencode({'programa': programme.public_id})}"


def _partial(request) -> bool:
    """An HTMX request for a fragment (not htmx restoring a page from its history)."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def _query_without(request, *names) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


# --- Programmes -------------------------------------------------------------------------------


@login_required
@require_GET
def programme_list(request):
    # The people who run or follow programmes (the dashboard's audience); firms and
    # consultants have their own pages.
    if not permissions.can_view_dashboard(request.user):
        raise PermissionDenied
    return render(
        request,
        "programmes/staff/programme_list.html",
        {
            "programmes": selectors.programme_list(user=request.user),
            "can_create": permissions.can_create_programme(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def programme_create(request):
    if not permissions.can_create_programme(request.user):
        raise PermissionDenied
    form = ProgrammeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        fields = form.service_fields()
        fields.setdefault("organisation", request.user.organisation)
        try:
            programme = services.programme_create(**fields)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Programa creado."))
            return redirect("programmes:programme_detail", public_id=programme.public_id)
    return render(request, "programmes/staff/programme_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def programme_edit(request, public_id):
    programme = permissions.get_programme_for_view(request.user, public_id)
    _require_manager(request.user, programme)
    form = ProgrammeForm(request.POST or None, user=request.user, programme=programme)
    if request.method == "POST" and form.is_valid():
        try:
            services.programme_update(
                programme=permissions.get_programme_for_view(request.user, public_id),
                **form.service_fields(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Datos del programa guardados."))
            return redirect("programmes:programme_detail", public_id=programme.public_id)
    return render(
        request, "programmes/staff/programme_form.html", {"form": form, "programme": programme}
    )


def _eligibility_check(request, programme) -> tuple[EligibilityCheckForm, dict | None]:
    """The "is this firm eligible?" box: a firm the user sees, by its tax ID."""
    form = EligibilityCheckForm(
        request.GET if "ruc" in request.GET else None, country=programme.country
    )
    if not form.is_bound or not form.is_valid():
        return form, None
    check = check_tax_id(programme.country, form.cleaned_data["ruc"])
    if not check.ok:
        form.add_error("ruc", check.error)
        return form, None
    firm = (
        firms_visible_to(request.user).filter(country=programme.country, tax_id=check.value).first()
    )
    if firm is None:
        form.add_error(
            "ruc",
            _("No encontramos una empresa de %(country)s con ese %(label)s entre las que usted ve.")
            % {
                "country": ALADI_COUNTRIES[programme.country].name,
                "label": programme.tax_id_label,
            },
        )
        return form, None
    return form, {"firm": firm, "verdict": firm_eligibility(programme, firm)}


@login_required
@require_GET
def programme_detail(request, public_id):
    programme = permissions.get_programme_for_view(request.user, public_id)
    check_form, check = _eligibility_check(request, programme)
    context = {
        "programme": programme,
        "check_form": check_form,
        "check": check,
    }
    if _partial(request) and "ruc" in request.GET:
        return render(request, "programmes/staff/partials/eligibility_check.html", context)
    context.update(
        {
            "rules": rules_summary(programme),
            "partners": programme.partners.order_by("name"),
            "cohorts": selectors.cohort_list(user=request.user, programme=programme),
            "can_manage": permissions.can_manage_programme(request.user, programme),
            "dashboard_url": _dashboard_url(request.user, programme),
        }
    )
    return render(request, "programmes/staff/programme_detail.html", context)


# --- Cohorts ----------------------------------------------------------------------------------


def _cohort_fields(form: CohortForm) -> dict:
    data = form.cleaned_data
    return {
        "name": data["name"],
        "starts_on": data["starts_on"],
        "ends_on": data["ends_on"],
        "capacity": data["capacity"],
        "courses": list(data["courses"]),
    }


@login_required
@require_http_methods(["GET", "POST"])
def cohort_create(request, public_id):
    programme = permissions.get_programme_for_view(request.user, public_id)
    _require_manager(request.user, programme)
    form = CohortForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cohort = services.cohort_create(
                programme=programme, by=request.user, **_cohort_fields(form)
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Promoción creada. Ahora puede invitar empresas."))
            return redirect("programmes:cohort_detail", public_id=cohort.public_id)
    return render(
        request, "programmes/staff/cohort_form.html", {"form": form, "programme": programme}
    )


@login_required
@require_http_methods(["GET", "POST"])
def cohort_edit(request, public_id):
    cohort = _cohort_to_manage(request.user, public_id)
    form = CohortForm(request.POST or None, cohort=cohort)
    if request.method == "POST" and form.is_valid():
        try:
            # A copy: a refused change must not show on this page's title.
            services.cohort_update(cohort=Cohort.objects.get(pk=cohort.pk), **_cohort_fields(form))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Datos de la promoción guardados."))
            return redirect("programmes:cohort_detail", public_id=cohort.public_id)
    return render(
        request,
        "programmes/staff/cohort_form.html",
        {"form": form, "programme": cohort.programme, "cohort": cohort},
    )


def _state_dates(enrolment: Enrolment) -> list[tuple[str, object]]:
    labels = dict(Enrolment.State.choices)
    return [
        (labels[state], getattr(enrolment, field))
        for state, field in STATE_DATE_FIELDS.items()
        if getattr(enrolment, field) is not None
    ]


def _enrolment_table(request, cohort: Cohort, *, can_manage: bool) -> dict:
    """The cohort's enrolments this user may see, one page, with the state filter."""
    visible = permissions.enrolments_visible_to(
        request.user, Enrolment.objects.filter(cohort=cohort)
    )
    counts = dict(
        visible.order_by().values_list("state").annotate(n=Count("pk")).values_list("state", "n")
    )
    state = request.GET.get("estado", "")
    if state not in Enrolment.State.values:
        state = ""
    rows = visible.select_related("firm").order_by("firm__legal_name", "pk")
    if state:
        rows = rows.filter(state=state)
    rows = rows.only(
        "public_id", "state", "email", "email_sent_at", "state_note", "cohort_id",
        *STATE_DATE_FIELDS.values(),
        "firm__public_id", "firm__legal_name", "firm__trade_name", "firm__tax_id",
        "firm__province",
    )  # fmt: skip
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    states = [(value, label, counts.get(value, 0)) for value, label in Enrolment.State.choices]
    return {
        "cohort": cohort,
        "page": page,
        "rows": [(e, _state_dates(e), e.state in LEAVING_STATES) for e in page],
        "states": states,
        "state": state,
        "total": sum(counts.values()),
        "query": _query_without(request, "page"),
        "state_query": _query_without(request, "page", "estado"),
        "can_manage": can_manage,
        "time_zone": _time_zone(cohort.programme),
        "tax_id_label": cohort.programme.tax_id_label,
    }


@login_required
@require_GET
def cohort_detail(request, public_id):
    user = request.user
    cohort = permissions.get_cohort_for_view(user, public_id)
    programme = cohort.programme
    can_manage = permissions.can_manage_programme(user, programme)
    table = _enrolment_table(request, cohort, can_manage=can_manage)
    if _partial(request):
        return render(request, "programmes/staff/partials/enrolment_table.html", table)
    can_invite = permissions.can_invite(user, cohort)
    zone = ZoneInfo(_time_zone(programme))
    sessions = list(cohort.sessions.select_related("teacher_user").order_by("starts_at"))
    attendance_ids = set()
    if sessions:
        attendance_ids = set(
            permissions.sessions_for_attendance(user)
            .filter(pk__in=[s.pk for s in sessions])
            .values_list("pk", flat=True)
        )
    for session in sessions:
        session.local_start = timezone.localtime(session.starts_at, zone)
        session.may_take_attendance = session.pk in attendance_ids
    batches = []
    if can_invite:
        batches = InvitationBatch.objects.filter(cohort=cohort).select_related("created_by")
        if permissions.is_partner_view(user):
            batches = batches.filter(organisation_id=user.organisation_id)
        batches = list(batches.order_by("-created_at")[:BATCHES_SHOWN])
    return render(
        request,
        "programmes/staff/cohort_detail.html",
        {
            **table,
            "programme": programme,
            "places_taken": selectors.places_taken(cohort),
            "courses": cohort.courses.select_related("published").order_by("position", "slug"),
            "sessions": sessions,
            "batches": batches,
            "can_invite": can_invite,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def enrolment_drop(request, public_id):
    enrolment = permissions.get_enrolment_for_view(request.user, public_id)
    cohort = enrolment.cohort
    _require_manager(request.user, cohort.programme)
    if enrolment.state not in LEAVING_STATES:
        messages.info(request, _("La empresa ya no está en la promoción."))
        return redirect("programmes:cohort_detail", public_id=cohort.public_id)
    form = DropForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.enrolment_drop(enrolment=enrolment, reason=form.cleaned_data["reason"].strip())
        except ValidationError as error:
            messages.info(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("%(firm)s quedó marcada como retirada de la promoción.")
                % {"firm": enrolment.firm.display_name},
            )
        return redirect("programmes:cohort_detail", public_id=cohort.public_id)
    return render(
        request,
        "programmes/staff/enrolment_drop.html",
        {"form": form, "enrolment": enrolment, "cohort": cohort},
    )


# --- Invitations ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def cohort_invite(request, public_id):
    """The base filtered live (count and first firms), then one batch for all of them."""
    user = request.user
    cohort = _cohort_to_invite(user, public_id)
    programme = cohort.programme
    data = request.POST if request.method == "POST" else (request.GET or None)
    form = InviteFilterForm(data, programme=programme, user=user)
    count, firms = None, []
    if not form.is_bound or form.is_valid():
        filters = form.filters() if form.is_bound else selectors.InviteFilters()
        selection = selectors.invitable_firms(user=user, cohort=cohort, filters=filters)
        count = selection.count()
        if request.method == "POST":
            if count:
                batch = services.invitation_batch_create(cohort=cohort, by=user, filters=filters)
                messages.success(
                    request,
                    ngettext(
                        "Invitaciones en marcha: %(n)s empresa.",
                        "Invitaciones en marcha: %(n)s empresas.",
                        batch.total,
                    )
                    % {"n": batch.total},
                )
                return redirect(
                    "programmes:batch_detail", public_id=cohort.public_id, batch_id=batch.public_id
                )
            form.add_error(
                None,
                _(
                    "Ninguna empresa coincide con estos filtros: no hay a quién invitar. "
                    "Cambie los filtros e inténtelo de nuevo."
                ),
            )
        elif count:
            firms = list(
                selection.order_by("legal_name", "pk").only(
                    "public_id", "legal_name", "trade_name", "tax_id", "province", "sector",
                    "size_band", "email",
                )[:PREVIEW_SIZE]
            )  # fmt: skip
    context = {
        "cohort": cohort,
        "programme": programme,
        "form": form,
        "count": count,
        "firms": firms,
        "rules": rules_summary(programme),
        "partner_view": permissions.is_partner_view(user),
        "tax_id_label": programme.tax_id_label,
    }
    if _partial(request) and request.method == "GET":
        return render(request, "programmes/staff/partials/invite_preview.html", context)
    return render(request, "programmes/staff/cohort_invite.html", context)


def _batch_context(batch: InvitationBatch) -> dict:
    active = batch.status in (InvitationBatch.Status.PENDING, InvitationBatch.Status.RUNNING)
    return {
        "batch": batch,
        "cohort": batch.cohort,
        "active": active,
        "resumable": services.invitation_batch_resumable(batch),
    }


@login_required
@require_GET
def batch_detail(request, public_id, batch_id):
    batch = _batch_for_view(request.user, public_id, batch_id)
    return render(request, "programmes/staff/batch_detail.html", _batch_context(batch))


@login_required
@require_GET
def batch_progress(request, public_id, batch_id):
    """The status card alone, polled by HTMX every 2 s while the batch runs."""
    batch = _batch_for_view(request.user, public_id, batch_id)
    return render(request, "programmes/staff/partials/batch_progress.html", _batch_context(batch))


@login_required
@require_POST
def batch_resume(request, public_id, batch_id):
    batch = _batch_for_view(request.user, public_id, batch_id)
    if services.invitation_batch_resumable(batch) and batch.status == InvitationBatch.Status.DONE:
        services.invitation_batch_resume(batch=batch)
        messages.success(request, _("Los correos que quedaron sin enviar salen ahora."))
    elif services.invitation_batch_resumable(batch):
        services.invitation_batch_resume(batch=batch)
        messages.success(
            request,
            ngettext(
                "El envío se reanuda después de %(n)s empresa.",
                "El envío se reanuda después de %(n)s empresas.",
                batch.firms_done,
            )
            % {"n": batch.firms_done},
        )
    else:
        messages.info(request, _("Este envío no necesita reanudarse."))
    return redirect("programmes:batch_detail", public_id=public_id, batch_id=batch.public_id)


LINKS_HEADER = ["EMPRESA", "TELEFONO", "CORREO", "ESTADO", "ENLACE", "WHATSAPP"]


def whatsapp_url(phone: str, message: str) -> str:
    """A wa.me link that opens WhatsApp with `message` typed, or "" without a phone."""
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    if not digits:
        return ""
    return f"https://wa.me/{digits}?text={quote(message, safe='')}"


def _link_rows(cohort: Cohort, enrolments, *, message: str, labels: dict[str, str]):
    names = {"cohort": cohort.name, "programme": cohort.programme.name}
    for enrolment in enrolments.iterator(chunk_size=EXPORT_CHUNK):
        firm = enrolment.firm
        link = services.invitation_link(enrolment)
        text = message % {**names, "firm": firm.display_name, "link": link}
        yield (
            firm.tax_id,
            firm.display_name,
            firm.phone,
            enrolment.email or firm.email,
            labels.get(enrolment.state, enrolment.state),
            link,
            whatsapp_url(firm.phone, text),
        )


@login_required
@require_GET
def invitation_links(request, public_id, fmt: str):
    """The personal links of the firms still invited, for sending them by WhatsApp."""
    cohort = _cohort_to_invite(request.user, public_id)
    enrolments = (
        permissions.enrolments_visible_to(
            request.user,
            Enrolment.objects.filter(cohort=cohort, state=Enrolment.State.INVITED),
        )
        .select_related("firm")
        .only(
            "token",
            "state",
            "email",
            "cohort_id",
            "firm__tax_id",
            "firm__legal_name",
            "firm__trade_name",
            "firm__phone",
            "firm__email",
        )
        .order_by("firm__legal_name", "pk")
    )
    # Translated now: the rows are written after the view returns.
    message = _(
        "Hola, %(firm)s: le invitamos a la promoción «%(cohort)s» de %(programme)s. "
        "Para unirse, abra su enlace personal: %(link)s"
    )
    labels = {value: str(label) for value, label in Enrolment.State.choices}
    filename = f"enlaces-{slugify(cohort.name) or 'promocion'}"
    rows = _link_rows(cohort, enrolments, message=message, labels=labels)
    header = [cohort.programme.tax_id_label, *LINKS_HEADER]
    return tabular_response(fmt, filename, header, rows)


# --- Live sessions and attendance -------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def session_create(request, public_id):
    cohort = _cohort_to_manage(request.user, public_id)
    time_zone = _time_zone(cohort.programme)
    form = SessionForm(request.POST or None, time_zone=time_zone)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_create(cohort=cohort, **form.service_fields())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Sesión en vivo creada."))
            return redirect("programmes:cohort_detail", public_id=cohort.public_id)
    return render(
        request,
        "programmes/staff/session_form.html",
        {"form": form, "cohort": cohort, "time_zone": time_zone},
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_edit(request, public_id):
    session = _session_to_manage(request.user, public_id)
    cohort = session.cohort
    time_zone = _time_zone(cohort.programme)
    form = SessionForm(request.POST or None, time_zone=time_zone, session=session)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_update(
                session=LiveSession.objects.get(pk=session.pk), **form.service_fields()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Sesión en vivo guardada."))
            return redirect("programmes:cohort_detail", public_id=cohort.public_id)
    return render(
        request,
        "programmes/staff/session_form.html",
        {"form": form, "cohort": cohort, "session": session, "time_zone": time_zone},
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_attendance(request, public_id):
    session = permissions.get_session_for_attendance(request.user, public_id)
    cohort = session.cohort
    joined = list(
        Enrolment.objects.filter(cohort_id=cohort.pk, state__in=JOINED_STATES)
        .select_related("firm")
        .only("public_id", "firm__legal_name", "firm__trade_name", "firm__tax_id", "cohort_id")
        .order_by("firm__legal_name", "pk")
    )
    if request.method == "POST":
        by_public_id = {str(e.public_id): e.pk for e in joined}
        present = {
            by_public_id[value]
            for value in request.POST.getlist("asistio")
            if value in by_public_id
        }
        n = services.attendance_record(session=session, present_ids=present, by=request.user)
        messages.success(
            request,
            ngettext(
                "Asistencia guardada: %(n)s de %(total)s empresa.",
                "Asistencia guardada: %(n)s de %(total)s empresas.",
                len(joined),
            )
            % {"n": n, "total": len(joined)},
        )
        return redirect("programmes:session_attendance", public_id=session.public_id)
    present = set(session.attendance.filter(present=True).values_list("enrolment_id", flat=True))
    time_zone = _time_zone(cohort.programme)
    return render(
        request,
        "programmes/staff/session_attendance.html",
        {
            "session": session,
            "cohort": cohort,
            "local_start": timezone.localtime(session.starts_at, ZoneInfo(time_zone)),
            "time_zone": time_zone,
            "tax_id_label": cohort.programme.tax_id_label,
            "rows": [(e, e.pk in present) for e in joined],
            "present_count": sum(1 for e in joined if e.pk in present),
            "can_see_cohort": permissions.cohorts_visible_to(request.user)
            .filter(pk=cohort.pk)
            .exists(),
        },
    )


@login_required
@require_POST
def firm_invite(request, public_id):
    """From the firm's page: invite this one firm to an open cohort (its e-mail goes out)."""
    firm = get_firm_for_view(request.user, public_id)
    try:
        cohort = permissions.cohorts_visible_to(request.user).get(
            public_id=request.POST.get("cohort", "")
        )
    except (Cohort.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404 from exc
    allowed = {
        fit.programme.pk for fit in selectors.firm_programme_fits(firm=firm, user=request.user)
    }
    if cohort.programme_id not in allowed or not permissions.can_invite(request.user, cohort):
        raise PermissionDenied
    try:
        services.invite_firm(cohort=cohort, firm=firm, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("%(firm)s quedó invitada a %(cohort)s.")
            % {"firm": firm.display_name, "cohort": cohort.name},
        )
    return redirect("firms:detail", public_id=firm.public_id)
