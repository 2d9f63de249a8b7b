"""Who may take, see, report on and import diagnoses: the one place these rules live.

A diagnosis is seen by whoever sees its firm (`firms_visible_to`): the firm's members, the
programme staff of its country, the staff of the partner organisations it is affiliated
with, and platform admins. Only the firm's own members answer the questionnaire online.
The report aggregates exactly the diagnoses a user may see, so a partner's report covers its
members and nothing else. Answer imports are for those who manage the firm base.
"""

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404

from rutapyme.firms.models import Firm, FirmMembership
from rutapyme.firms.permissions import can_list_firms, can_manage_firms, firms_visible_to

from .models import Diagnosis, DiagnosisImport


def diagnoses_visible_to(user, queryset: QuerySet[Diagnosis] | None = None) -> QuerySet[Diagnosis]:
    qs = Diagnosis.objects.all() if queryset is None else queryset
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_platform_admin:
        return qs
    return qs.filter(firm_id__in=firms_visible_to(user).values("pk"))


def can_take_diagnosis(user, firm: Firm) -> bool:
    """Answering online is for the firm's own people."""
    return (
        user.is_authenticated
        and user.is_active
        and FirmMembership.objects.filter(firm=firm, user=user).exists()
    )


def get_diagnosis_for_view(user, public_id) -> Diagnosis:
    """The diagnosis if this user may see it; 404 otherwise, so URLs cannot be probed."""
    try:
        return (
            diagnoses_visible_to(user)
            .select_related("firm", "questionnaire")
            .get(public_id=public_id)
        )
    except (Diagnosis.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc


def get_draft_for_answering(user, public_id) -> Diagnosis:
    """A draft this user may answer: a member of its firm. 404 for anyone else."""
    diagnosis = get_diagnosis_for_view(user, public_id)
    if not can_take_diagnosis(user, diagnosis.firm):
        raise Http404
    return diagnosis


def can_view_report(user) -> bool:
    return can_list_firms(user)


def can_import_diagnoses(user) -> bool:
    return can_manage_firms(user)


def diagnosis_imports_visible_to(user) -> QuerySet[DiagnosisImport]:
    if not can_import_diagnoses(user):
        return DiagnosisImport.objects.none()
    if user.is_platform_admin:
        return DiagnosisImport.objects.all()
    if user.organisation_id is None:
        return DiagnosisImport.objects.none()
    return DiagnosisImport.objects.filter(created_by__organisation_id=user.organisation_id)
