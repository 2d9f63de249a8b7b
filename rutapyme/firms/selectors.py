"""Reads of the firms registry that cross relations, in a fixed number of queries."""

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from rutapyme.core.text import clean

from .models import Firm, FirmAffiliation, FirmMembership
from .permissions import firms_visible_to, get_firm_for_view


@dataclass(frozen=True)
class FirmFilters:
    q: str = ""
    country: str = ""
    province: str = ""
    sector: str = ""
    size_band: str = ""
    offer_type: str = ""
    tax_id_status: str = ""
    partner: int | None = None


def firm_list(*, user, filters: FirmFilters) -> QuerySet[Firm]:
    qs = firms_visible_to(user)
    q = clean(filters.q)
    if q:
        compact = "".join(ch for ch in q if ch.isalnum())
        condition = Q(legal_name__icontains=q) | Q(trade_name__icontains=q)
        if compact.isdigit() and len(compact) >= 4:
            condition |= Q(tax_id__startswith=compact)
        qs = qs.filter(condition)
    for field in ("country", "province", "sector", "size_band", "offer_type", "tax_id_status"):
        value = getattr(filters, field)
        if value:
            qs = qs.filter(**{field: value})
    if filters.partner:
        qs = qs.filter(
            pk__in=FirmAffiliation.objects.filter(organisation_id=filters.partner).values("firm_id")
        )
    return qs.order_by("legal_name", "id")


def firms_of_member(*, user) -> list[Firm]:
    return list(Firm.objects.filter(memberships__user=user).order_by("legal_name").distinct())


def firm_detail(*, user, public_id) -> Firm:
    """The firm with its members and partners, if the user may see it (404 otherwise)."""
    firm = get_firm_for_view(user, public_id)
    return (
        Firm.objects.filter(pk=firm.pk)
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=FirmMembership.objects.select_related("user").order_by("role", "id"),
            ),
            "partners",
            "consents",
        )
        .get()
    )
