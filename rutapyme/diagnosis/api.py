"""JSON API for diagnoses: the submitted results the signed-in person may see, paginated."""

import datetime
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from . import permissions
from .models import Diagnosis

router = Router(tags=["diagnoses"])


class AreaOut(Schema):
    code: str
    score: int
    band: str


class TopicOut(Schema):
    code: str
    score: int


class DiagnosisOut(Schema):
    public_id: UUID
    firm_id: UUID = Field(..., alias="firm.public_id")
    questionnaire: str = Field(..., alias="questionnaire.code")
    questionnaire_version: int = Field(..., alias="questionnaire.version")
    channel: str
    answered_on: datetime.date
    attempt: int
    is_latest: bool
    rules_version: str
    level: int
    level_code: str = Field(..., alias="result.level_code")
    areas: list[AreaOut] = Field(..., alias="result.areas")
    topics: list[TopicOut] = Field(..., alias="result.topics")


class DiagnosisFilterIn(Schema):
    firm: UUID | None = None
    latest: bool = False


@router.get("/", response=list[DiagnosisOut])
@paginate(PageNumberPagination, page_size=50)
def list_diagnoses(request: HttpRequest, filters: Query[DiagnosisFilterIn]):
    """Submitted diagnoses of the firms the caller may see, latest answered first.

    `latest=true` keeps each firm's latest one; `firm` narrows to one firm. Topics are the
    firm's prioritised list, most important first (the first five are its suggested route).
    """
    qs = permissions.diagnoses_visible_to(
        request.user, Diagnosis.objects.filter(status=Diagnosis.Status.SUBMITTED)
    )
    if filters.firm:
        qs = qs.filter(firm__public_id=filters.firm)
    if filters.latest:
        qs = qs.filter(is_latest=True)
    return qs.select_related("firm", "questionnaire").order_by("-answered_on", "-pk")
