"""Who may see and change which firm: the one place these rules live.

Every view, API endpoint and export reaches firms through `firms_visible_to(user)` or the
`get_firm_for_*` helpers below, so a rule changed here is changed everywhere.

- platform admin: every firm;
- programme staff: every firm of their organisation's country (every country when the
  organisation has none, e.g. a regional body such as ALADI's Secretariat);
- partner staff: the firms affiliated with their organisation;
- and everyone, whatever the role: the firms they are a member of (a chamber's employee may
  also own a shop).

Who may change a firm's data: admins, programme staff who see it, and the firm's members.
Partner staff see their members but do not change the registry.

The filters are subqueries (`pk IN (...)`), never joins through memberships or affiliations,
so a firm is never repeated and no caller needs `distinct()`.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404

from rutapyme.core.countries import ALADI_COUNTRIES

from .models import Firm, FirmAffiliation, FirmImport, FirmMembership


def _member_of(user) -> Q:
    return Q(pk__in=FirmMembership.objects.filter(user=user).values("firm_id"))


def firms_visible_to(user, queryset: QuerySet[Firm] | None = None) -> QuerySet[Firm]:
    qs = Firm.objects.all() if queryset is None else queryset
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_platform_admin:
        return qs
    if user.is_programme_staff and user.organisation_id is not None:
        country = user.organisation.country
        return qs.filter(Q(country=country) | _member_of(user)) if country else qs
    if user.is_partner_staff and user.organisation_id is not None:
        affiliated = FirmAffiliation.objects.filter(organisation_id=user.organisation_id)
        return qs.filter(Q(pk__in=affiliated.values("firm_id")) | _member_of(user))
    return qs.filter(_member_of(user))


def can_edit_firm(user, firm: Firm) -> bool:
    """Admins and the programme staff who see a firm may edit it; so may its members."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_platform_admin:
        return True
    if user.is_programme_staff:
        return firms_visible_to(user, Firm.objects.filter(pk=firm.pk)).exists()
    return FirmMembership.objects.filter(firm=firm, user=user).exists()


def can_manage_firms(user) -> bool:
    """Register firms for others and import the programme's base."""
    return user.is_authenticated and (user.is_platform_admin or user.is_programme_staff)


def can_list_firms(user) -> bool:
    return user.is_authenticated and (
        user.is_platform_admin or user.is_programme_staff or user.is_partner_staff
    )


def is_owner(user, firm: Firm) -> bool:
    return FirmMembership.objects.filter(
        firm=firm, user=user, role=FirmMembership.Role.OWNER
    ).exists()


def get_firm_for_view(user, public_id) -> Firm:
    """The firm if this user may see it; 404 otherwise, so URLs cannot be probed."""
    try:
        return firms_visible_to(user).get(public_id=public_id)
    except (Firm.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc


def get_firm_for_edit(user, public_id) -> Firm:
    """The firm if this user may change it; 404 if they cannot see it, 403 if they only see it."""
    firm = get_firm_for_view(user, public_id)
    if not can_edit_firm(user, firm):
        raise PermissionDenied
    return firm


def import_countries_for(user) -> list[str]:
    """Countries this user may import into: programme staff only their organisation's."""
    if not can_manage_firms(user):
        return []
    if user.is_platform_admin:
        return list(ALADI_COUNTRIES)
    organisation = user.organisation
    if organisation is None:
        return []
    return [organisation.country] if organisation.country else list(ALADI_COUNTRIES)


def firm_imports_visible_to(user) -> QuerySet[FirmImport]:
    if not can_manage_firms(user):
        return FirmImport.objects.none()
    if user.is_platform_admin:
        return FirmImport.objects.all()
    return FirmImport.objects.filter(country__in=import_countries_for(user))
