"""JSON API for firms: what the signed-in person may see, paginated."""

from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from . import permissions, selectors

router = Router(tags=["firms"])


class FirmOut(Schema):
    public_id: UUID
    country: str
    tax_id: str
    tax_id_status: str
    legal_name: str
    trade_name: str
    province: str
    canton: str
    sector: str
    offer_type: str
    size_band: str
    employees: int | None


class FirmFilterIn(Schema):
    q: str = ""
    province: str = ""
    sector: str = ""
    size_band: str = ""
    tax_id_status: str = ""


@router.get("/", response=list[FirmOut])
@paginate(PageNumberPagination, page_size=50)
def list_firms(request: HttpRequest, filters: Query[FirmFilterIn]):
    """Firms the caller may see (their own; partner staff: their members; staff: the base)."""
    return selectors.firm_list(user=request.user, filters=selectors.FirmFilters(**filters.dict()))


@router.get("/{public_id}", response=FirmOut)
def get_firm(request: HttpRequest, public_id: UUID):
    return permissions.get_firm_for_view(request.user, public_id)
