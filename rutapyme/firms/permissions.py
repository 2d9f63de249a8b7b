"""Who may see and change which firm: the one place these rules live.

Every view, API endpoint and export reaches firms through `firms_visible_to(user)` or the
`get_firm_for_*` helpers below, so a rule changed here is changed everywhere.

- platform admin: every firm;
- programme staff: every firm of their organisation's country (every country when the
  organisation has none, e.g. a regional body such as ALADI's Secretariat);
- partner staff: the firms affiliated with their organisation;
- anyone else: the firms they are a member of.
"""

from django.db.models import QuerySet
from django.http import Http404

from .models import Firm, FirmMembership


def firms_visible_to(user, queryset: QuerySet[Firm] | None = None) -> QuerySet[Firm]:
    qs = Firm.objects.all() if queryset is None else queryset
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_platform_admin:
        return qs
    if user.is_programme_staff:
        organisation = user.organisation
        if organisation is not None and organisation.country:
            return qs.filter(country=organisation.country)
        return qs if organisation is not None else qs.none()
    if user.is_partner_staff:
        return qs.filter(affiliations__organisation_id=user.organisation_id)
    return qs.filter(memberships__user=user)


def can_edit_firm(user, firm: Firm) -> bool:
    """Staff who can see a firm may edit it; members may edit their own firm's data.

    Partner staff see their members but do not change the registry.
    """
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_partner_staff:
        return False
    return firms_visible_to(user, Firm.objects.filter(pk=firm.pk)).exists()


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
        return firms_visible_to(user).distinct().get(public_id=public_id)
    except (Firm.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def get_firm_for_edit(user, public_id) -> Firm:
    firm = get_firm_for_view(user, public_id)
    if not can_edit_firm(user, firm):
        raise Http404
    return firm
