"""Reads of diagnoses that the pages need, each in a fixed number of queries."""

from django.db.models import QuerySet

from rutapyme.firms.models import Firm

from .models import Diagnosis


def firm_draft(*, firm: Firm) -> Diagnosis | None:
    return (
        Diagnosis.objects.filter(firm=firm, status=Diagnosis.Status.DRAFT)
        .select_related("questionnaire")
        .first()
    )


def firm_history(*, firm: Firm) -> QuerySet[Diagnosis]:
    """The firm's submitted diagnoses, latest first."""
    return (
        Diagnosis.objects.filter(firm=firm, status=Diagnosis.Status.SUBMITTED)
        .select_related("questionnaire")
        .order_by("-attempt")
    )


def firm_latest(*, firm: Firm) -> Diagnosis | None:
    return (
        Diagnosis.objects.filter(firm=firm, is_latest=True).select_related("questionnaire").first()
    )
