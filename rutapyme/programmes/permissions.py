"""Who may see and run which programme, cohort, enrolment and live session.

- platform admin: everything;
- programme staff: the programmes of their organisation (every programme when their
  organisation has no country, e.g. a regional body: they see and report, they do not run);
  they create cohorts, invite, take attendance and see the dashboard of those programmes;
- partner staff: the programmes their organisation is a partner of, and inside them only the
  enrolments of their organisation's member firms (`FirmAffiliation`); they invite their own
  members and see their progress, never another firm;
- consultants: the live sessions they teach (`LiveSession.teacher_user`), to take attendance;
- firm members: their own firms' enrolments (the join link needs no account).

Anything else is a 404, so URLs of other organisations' programmes, cohorts and firms cannot
be probed. Filters are subqueries, never joins, so no caller needs `distinct()`.
"""

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404

from rutapyme.firms.models import FirmAffiliation, FirmMembership

from .models import Cohort, Enrolment, LiveSession, Programme


def _active(user) -> bool:
    return user.is_authenticated and user.is_active


def _regional(user) -> bool:
    return user.is_programme_staff and user.organisation_id and not user.organisation.country


def programmes_visible_to(user) -> QuerySet[Programme]:
    if not _active(user):
        return Programme.objects.none()
    if user.is_platform_admin or _regional(user):
        return Programme.objects.all()
    if user.is_programme_staff and user.organisation_id:
        return Programme.objects.filter(organisation_id=user.organisation_id)
    if user.is_partner_staff and user.organisation_id:
        return Programme.objects.filter(
            pk__in=Programme.partners.through.objects.filter(
                organisation_id=user.organisation_id
            ).values("programme_id")
        )
    return Programme.objects.none()


def can_create_programme(user) -> bool:
    """Admins, and programme staff of an organisation with a country (a regional body sees
    every programme and reports on them; it does not run one)."""
    if not _active(user):
        return False
    if user.is_platform_admin:
        return True
    return (
        user.is_programme_staff and bool(user.organisation_id) and bool(user.organisation.country)
    )


def can_manage_programme(user, programme: Programme) -> bool:
    """Create and edit cohorts and sessions, invite any eligible firm, change enrolments."""
    if not _active(user):
        return False
    if user.is_platform_admin:
        return True
    return user.is_programme_staff and programme.organisation_id == user.organisation_id


def is_partner_view(user) -> bool:
    """Partner staff: everything they see is limited to their organisation's members."""
    return _active(user) and user.is_partner_staff and not user.is_platform_admin


def can_invite(user, cohort: Cohort) -> bool:
    if can_manage_programme(user, cohort.programme):
        return True
    return (
        is_partner_view(user)
        and programmes_visible_to(user).filter(pk=cohort.programme_id).exists()
    )


def can_view_dashboard(user) -> bool:
    return _active(user) and (
        user.is_platform_admin or user.is_programme_staff or user.is_partner_staff
    )


def cohorts_visible_to(user) -> QuerySet[Cohort]:
    return Cohort.objects.filter(programme_id__in=programmes_visible_to(user).values("pk"))


def member_firm_ids(user):
    """Partner staff's organisation's member firms, as a subquery."""
    return FirmAffiliation.objects.filter(organisation_id=user.organisation_id).values("firm_id")


def enrolments_visible_to(user, queryset: QuerySet[Enrolment] | None = None) -> QuerySet[Enrolment]:
    qs = Enrolment.objects.all() if queryset is None else queryset
    if not _active(user):
        return qs.none()
    own = Q(firm_id__in=FirmMembership.objects.filter(user=user).values("firm_id"))
    if user.is_platform_admin:
        return qs
    if user.is_programme_staff and user.organisation_id:
        return qs.filter(Q(cohort_id__in=cohorts_visible_to(user).values("pk")) | own)
    if user.is_partner_staff and user.organisation_id:
        return qs.filter(
            Q(
                cohort_id__in=cohorts_visible_to(user).values("pk"),
                firm_id__in=member_firm_ids(user),
            )
            | own
        )
    return qs.filter(own)


def _get(qs, public_id):
    try:
        return qs.get(public_id=public_id)
    except (qs.model.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc


def get_programme_for_view(user, public_id) -> Programme:
    return _get(programmes_visible_to(user).select_related("organisation"), public_id)


def get_cohort_for_view(user, public_id) -> Cohort:
    return _get(cohorts_visible_to(user).select_related("programme__organisation"), public_id)


def get_enrolment_for_view(user, public_id) -> Enrolment:
    return _get(enrolments_visible_to(user).select_related("cohort__programme", "firm"), public_id)


def sessions_for_attendance(user) -> QuerySet[LiveSession]:
    """Sessions whose attendance this user may take."""
    if not _active(user):
        return LiveSession.objects.none()
    if user.is_platform_admin:
        return LiveSession.objects.all()
    managed = (
        Q(cohort__programme__organisation_id=user.organisation_id)
        if (user.is_programme_staff and user.organisation_id)
        else Q(pk__in=[])
    )
    return LiveSession.objects.filter(managed | Q(teacher_user=user))


def get_session_for_attendance(user, public_id) -> LiveSession:
    return _get(sessions_for_attendance(user).select_related("cohort__programme"), public_id)
