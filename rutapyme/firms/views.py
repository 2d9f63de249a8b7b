from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from rutapyme.core.exports import tabular_response

from . import permissions, selectors, services
from .forms import FirmEditForm, FirmFilterForm, FirmRegistrationForm
from .models import Firm

PAGE_SIZE = 25


def _client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


@require_http_methods(["GET", "POST"])
def register(request):
    """A person creates an account and their firm in one short form."""
    if request.user.is_authenticated:
        return redirect("firms:dashboard")
    form = FirmRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            registration = services.firm_register(
                email=data["email"],
                password=data["password"],
                full_name=data["full_name"],
                country=data["country"],
                tax_id=data["tax_id"],
                tax_id_status=form.tax_id_status,
                ip_address=_client_ip(request),
                legal_name=data["legal_name"],
                trade_name=data["trade_name"],
                province=data.get("province") or "",
                canton=data.get("canton") or "",
                sector=data["sector"],
                offer_type=data["offer_type"],
                employees=data["employees"],
                size_band=data["size_band"],
                phone=data.get("phone") or "",
            )
        except services.FirmAlreadyRegistered:
            form.add_error("tax_id", _("Esta empresa acaba de ser registrada por otra persona."))
        else:
            login(request, registration.user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("¡Bienvenida/o! Su empresa quedó registrada."))
            return redirect("firms:detail", public_id=registration.firm.public_id)
    return render(request, "firms/register.html", {"form": form})


@login_required
def dashboard(request):
    """Where a signed-in person lands: their firm, their firms, or the registry for staff."""
    if permissions.can_list_firms(request.user):
        return redirect("firms:list")
    firms = selectors.firms_of_member(user=request.user)
    if len(firms) == 1:
        return redirect("firms:detail", public_id=firms[0].public_id)
    return render(request, "firms/my_firms.html", {"firms": firms})


@login_required
def detail(request, public_id):
    firm = selectors.firm_detail(user=request.user, public_id=public_id)
    return render(
        request,
        "firms/detail.html",
        {
            "firm": firm,
            "can_edit": permissions.can_edit_firm(request.user, firm),
            "memberships": firm.memberships.all(),
            "consent": next(iter(firm.consents.all()), None),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, public_id):
    firm = permissions.get_firm_for_edit(request.user, public_id)
    form = FirmEditForm(request.POST or None, instance=Firm.objects.get(pk=firm.pk))
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        data["size_band"] = form.cleaned_data["size_band"]
        changed = services.firm_update(firm=firm, **data)
        if changed:
            messages.success(request, _("Datos guardados."))
        return redirect("firms:detail", public_id=firm.public_id)
    return render(request, "firms/edit.html", {"form": form, "firm": firm})


def _filtered(request):
    country = (
        request.user.organisation.country
        if request.user.organisation_id and request.user.organisation.country
        else settings.DEFAULT_COUNTRY
    )
    form = FirmFilterForm(request.GET or None, country=country)
    filters = selectors.FirmFilters()
    if form.is_valid():
        filters = selectors.FirmFilters(
            **{k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        )
    return form, selectors.firm_list(user=request.user, filters=filters)


@login_required
def firm_list(request):
    if not permissions.can_list_firms(request.user):
        raise PermissionDenied
    form, firms = _filtered(request)
    page = Paginator(firms, PAGE_SIZE).get_page(request.GET.get("page"))
    template = "firms/partials/firm_table.html" if request.htmx else "firms/list.html"
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        template,
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "can_manage": permissions.can_manage_firms(request.user),
        },
    )


EXPORT_HEADER = [
    "RUC", "RAZON_SOCIAL", "NOMBRE_COMERCIAL", "PROVINCIA", "CANTON", "SECTOR", "TIPO_OFERTA",
    "TAMANO", "NUM_EMPLEADOS", "EMAIL", "TELEFONO", "ESTADO_RUC",
]  # fmt: skip


@login_required
def firm_export(request, fmt: str):
    if not permissions.can_list_firms(request.user):
        raise PermissionDenied
    _form, firms = _filtered(request)
    rows = (
        (
            f.tax_id,
            f.legal_name,
            f.trade_name,
            f.province_name,
            f.canton,
            f.get_sector_display(),
            f.get_offer_type_display(),
            f.size_band,
            f.employees,
            f.email,
            f.phone,
            f.get_tax_id_status_display(),
        )  # fmt: skip
        for f in firms.iterator(chunk_size=2000)
    )
    return tabular_response(fmt, "empresas", EXPORT_HEADER, rows)
