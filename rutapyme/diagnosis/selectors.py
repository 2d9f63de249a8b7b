"""Reads of diagnoses that the pages need, each in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from rutapyme.firms.models import Firm, FirmMembership

from . import scoring
from .models import Diagnosis
from .questionnaire import Step


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


def firm_latest_result(*, firm: Firm) -> Diagnosis | None:
    """The latest diagnosis' result, level and date only: no answers, no questionnaire."""
    return (
        Diagnosis.objects.filter(firm=firm, is_latest=True)
        .only("public_id", "firm_id", "level", "answered_on", "result")
        .first()
    )


# --- Where a firm stands: the home page and the firm pages ----------------------


@dataclass(frozen=True)
class StepPosition:
    number: int
    count: int
    step: Step


def step_position(diagnosis: Diagnosis, step_code: str) -> StepPosition | None:
    """ "Paso N de M", counting only the steps that apply to the draft's offer type."""
    steps = diagnosis.spec.steps_for(diagnosis.offer_type)
    for index, step in enumerate(steps, start=1):
        if step.code == step_code:
            return StepPosition(index, len(steps), step)
    return None


def current_step_code(diagnosis: Diagnosis) -> str:
    steps = diagnosis.spec.steps_for(diagnosis.offer_type)
    codes = [s.code for s in steps]
    return diagnosis.current_step if diagnosis.current_step in codes else codes[0]


@dataclass(frozen=True)
class FirmCard:
    """A firm's diagnosis at a glance: the draft in progress and the latest result."""

    firm: Firm
    is_member: bool
    draft: Diagnosis | None
    latest: Diagnosis | None

    @property
    def position(self) -> StepPosition | None:
        if self.draft is None:
            return None
        return step_position(self.draft, current_step_code(self.draft))

    @property
    def level_name(self) -> str:
        return _(scoring.level_info(self.latest.level).name) if self.latest else ""


def firm_cards(*, firms: Sequence[Firm], member_ids: Iterable[int]) -> list[FirmCard]:
    """One card per firm, in the firms' order, from one query."""
    members = set(member_ids)
    rows = (
        Diagnosis.objects.filter(firm__in=[f.pk for f in firms])
        .filter(Q(status=Diagnosis.Status.DRAFT) | Q(is_latest=True))
        .select_related("questionnaire")
        .defer("answers", "result", "signature")
    )
    drafts: dict[int, Diagnosis] = {}
    latest: dict[int, Diagnosis] = {}
    for row in rows:
        (drafts if row.is_draft else latest)[row.firm_id] = row
    return [
        FirmCard(firm, firm.pk in members, drafts.get(firm.pk), latest.get(firm.pk))
        for firm in firms
    ]


def firm_cards_for(*, firms: Sequence[Firm], user) -> list[FirmCard]:
    """Cards for any firms the user sees (firm pages): membership read in one query."""
    member_ids = FirmMembership.objects.filter(
        user_id=user.pk, firm_id__in=[f.pk for f in firms]
    ).values_list("firm_id", flat=True)
    return firm_cards(firms=firms, member_ids=list(member_ids))
