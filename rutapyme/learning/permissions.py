"""Who may learn, edit content, see and revoke certificates: the one place these rules live.

Courses are read by anyone signed in; progress is recorded only for a firm's own members,
learning on behalf of that firm (the views pick the firm among the person's memberships,
`firms.selectors.firms_of_member`). Content editors and platform admins edit and preview
drafts. A certificate is seen (and its PDF downloaded) by the person it was issued to and by
whoever sees its firm; it is revoked by platform admins and by the programme staff who see
its firm. Anyone, without an account, may check whether a code is valid.
"""

from django.db.models import QuerySet

from rutapyme.firms.models import Firm
from rutapyme.firms.permissions import firms_visible_to

from .models import Certificate


def can_edit_content(user) -> bool:
    return user.is_authenticated and (user.is_platform_admin or user.role == user.Role.EDITOR)


def certificates_visible_to(user) -> QuerySet[Certificate]:
    if not user.is_authenticated or not user.is_active:
        return Certificate.objects.none()
    if user.is_platform_admin:
        return Certificate.objects.all()
    if user.is_programme_staff or user.is_partner_staff:
        return Certificate.objects.filter(firm_id__in=firms_visible_to(user).values("pk"))
    return Certificate.objects.filter(user=user)


def can_revoke_certificate(user, certificate: Certificate) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_platform_admin:
        return True
    return (
        user.is_programme_staff
        and firms_visible_to(user, Firm.objects.filter(pk=certificate.firm_id)).exists()
    )
