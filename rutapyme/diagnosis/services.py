"""Every write to diagnoses goes through these functions."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from rutapyme.accounts.models import User
from rutapyme.firms.models import Firm

from . import scoring, signature
from .models import Diagnosis, DiagnosisImport, Questionnaire
from .questionnaire import Problem, Step, clean_answers


class DiagnosisClosed(Exception):
    """The diagnosis was already submitted: its answers are final."""


class DiagnosisIncomplete(Exception):
    """Required answers are missing; `steps` are the steps where they are, in order."""

    def __init__(self, steps: list[Step]):
        super().__init__(", ".join(step.code for step in steps))
        self.steps = steps


@dataclass(frozen=True)
class StepSaved:
    problems: list[Problem]
    next_step: str | None  # None when the step was the last one

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def current_questionnaire(code: str = "cepal-ecommerce") -> Questionnaire:
    return Questionnaire.objects.get(code=code, is_current=True)


def prefilled_answers(*, spec, firm: Firm) -> dict[str, Any]:
    """Answers the platform already knows from the registry (country, sector, size)."""
    answers: dict[str, Any] = {}
    for question in spec.questions.values():
        if not question.prefill or not question.prefill.startswith("firm."):
            continue
        value = getattr(firm, question.prefill.removeprefix("firm."), "")
        if value and question.option(value):
            answers[question.code] = value
    return answers


def diagnosis_start(*, firm: Firm, user: User | None) -> Diagnosis:
    """The firm's draft: the one in progress (from any device), or a new one, prefilled."""
    draft = Diagnosis.objects.filter(firm=firm, status=Diagnosis.Status.DRAFT).first()
    if draft is not None:
        return draft
    questionnaire = current_questionnaire()
    spec = questionnaire.spec
    try:
        with transaction.atomic():
            return Diagnosis.objects.create(
                firm=firm,
                questionnaire=questionnaire,
                offer_type=firm.offer_type,
                answers=prefilled_answers(spec=spec, firm=firm),
                current_step=spec.steps_for(firm.offer_type)[0].code,
                started_by=user,
            )
    except IntegrityError:
        # Two devices started at the same moment: both continue the same draft.
        return Diagnosis.objects.get(firm=firm, status=Diagnosis.Status.DRAFT)


def diagnosis_save_step(
    *,
    diagnosis: Diagnosis,
    step_code: str,
    raw: Mapping[str, list[str]],
    require: bool = True,
) -> StepSaved:
    """Save one step's answers into the draft; what is valid is kept even if some are not.

    With `require=True` ("Siguiente") a step with problems does not advance; with
    `require=False` ("Guardar y seguir después") missing answers are allowed. Answers of
    other steps are untouched, so two devices working on different steps lose nothing.
    """
    spec = diagnosis.spec
    step = spec.step(step_code)
    if step is None or not step.applies_to(diagnosis.offer_type):
        raise ValueError(f"unknown step {step_code!r}")
    # Answers that cannot be changed here (prefilled and not editable) stay as they are,
    # whatever the request says.
    locked = {q.code for q in step.questions if q.prefill and not q.prefill_editable}
    raw = {k: v for k, v in raw.items() if k not in locked}
    raw.update({code: [diagnosis.answers[code]] for code in locked if code in diagnosis.answers})
    cleaned, problems = clean_answers(step.questions, raw, diagnosis.offer_type, require=require)
    own_keys = {key for q in step.questions for key in q.answer_keys()}
    steps = spec.steps_for(diagnosis.offer_type)
    index = [s.code for s in steps].index(step_code)
    next_step = steps[index + 1].code if index + 1 < len(steps) else None
    with transaction.atomic():
        locked_row = Diagnosis.objects.select_for_update().get(pk=diagnosis.pk)
        if locked_row.status != Diagnosis.Status.DRAFT:
            raise DiagnosisClosed(diagnosis.public_id)
        answers = {k: v for k, v in locked_row.answers.items() if k not in own_keys or k in locked}
        answers.update({k: v for k, v in cleaned.items() if k not in locked})
        errors = [p for p in problems if p.severity == "error"]
        advance = not errors and require
        locked_row.answers = answers
        locked_row.current_step = (next_step or step_code) if advance else step_code
        locked_row.save(update_fields=["answers", "current_step", "updated_at"])
    diagnosis.answers = locked_row.answers
    diagnosis.current_step = locked_row.current_step
    return StepSaved(problems=problems, next_step=next_step)


def diagnosis_submit(*, diagnosis: Diagnosis, user: User | None) -> Diagnosis:
    """Make the draft final and compute its result. Raises DiagnosisIncomplete."""
    spec = diagnosis.spec
    with transaction.atomic():
        draft = (
            Diagnosis.objects.select_for_update()
            .select_related("questionnaire")
            .get(pk=diagnosis.pk)
        )
        if draft.status != Diagnosis.Status.DRAFT:
            raise DiagnosisClosed(diagnosis.public_id)
        missing = spec.missing_steps(draft.answers, draft.offer_type)
        if missing:
            raise DiagnosisIncomplete(missing)
        now = timezone.now()
        _finalise(
            draft,
            spec=spec,
            answers=draft.answers,
            submitted_at=now,
            answered_on=timezone.localdate(now),
            submitted_by=user,
        )
        draft.save()
        firm_refresh_sequence(firm_id=draft.firm_id)
    draft.refresh_from_db()
    return draft


def _finalise(
    diagnosis: Diagnosis,
    *,
    spec,
    answers: Mapping[str, Any],
    submitted_at: datetime.datetime,
    answered_on: datetime.date,
    submitted_by: User | None,
) -> None:
    result = scoring.compute_result(spec, answers, offer_type=diagnosis.offer_type)
    diagnosis.answers = dict(answers)
    diagnosis.status = Diagnosis.Status.SUBMITTED
    diagnosis.submitted_at = submitted_at
    diagnosis.submitted_by = submitted_by
    diagnosis.answered_on = answered_on
    diagnosis.current_step = ""
    diagnosis.country = answers.get("q01_country", diagnosis.firm.country)
    diagnosis.sector = answers.get("q02_sector", "")
    diagnosis.size_band = answers.get("q03_size_band", "")
    diagnosis.rules_version = result["rules"]
    diagnosis.level = result["level"]
    diagnosis.result = result
    diagnosis.signature = signature.encode(spec, answers, result)


@dataclass(frozen=True)
class Recorded:
    diagnosis: Diagnosis
    outcome: str  # "created", "updated" or "unchanged"


@dataclass(frozen=True)
class Interview:
    """A complete set of answers collected outside the platform (phone, paper, workshop)."""

    firm: Firm
    answers: Mapping[str, Any]
    answered_on: datetime.date
    channel: str
    interviewer: str = ""


def diagnosis_record(
    *,
    firm: Firm,
    questionnaire: Questionnaire,
    answers: Mapping[str, Any],
    answered_on: datetime.date,
    channel: str,
    interviewer: str = "",
    user: User | None = None,
    source_import: DiagnosisImport | None = None,
) -> Recorded:
    """Save one interview's answers as a final diagnosis (see `diagnoses_record_many`)."""
    interview = Interview(firm, answers, answered_on, channel, interviewer)
    return diagnoses_record_many(
        questionnaire=questionnaire, interviews=[interview], user=user, source_import=source_import
    )[0]


def diagnoses_record_many(
    *,
    questionnaire: Questionnaire,
    interviews: list[Interview],
    user: User | None = None,
    source_import: DiagnosisImport | None = None,
) -> list[Recorded]:
    """Save interviews as final diagnoses, in a fixed number of queries for the whole batch.

    The answers must already be clean (`clean_answers` with `require=True`, no errors). A
    response is identified by firm, questionnaire version and interview day: recording the
    same interview again updates it (or leaves it unchanged) instead of creating a second
    one. Diagnoses answered online are never matched or replaced. The firms' sequences
    (attempt, latest, first level) are refreshed once at the end.
    """
    spec = questionnaire.spec
    existing: dict[tuple[int, datetime.date], Diagnosis] = {}
    if interviews:
        candidates = (
            Diagnosis.objects.filter(
                questionnaire=questionnaire,
                status=Diagnosis.Status.SUBMITTED,
                firm_id__in={i.firm.pk for i in interviews},
                answered_on__in={i.answered_on for i in interviews},
            )
            .exclude(channel=Diagnosis.Channel.ONLINE)
            .order_by("pk")
        )
        for diagnosis in candidates:
            existing.setdefault((diagnosis.firm_id, diagnosis.answered_on), diagnosis)
    now = timezone.now()
    created: list[Diagnosis] = []
    updated: dict[int, Diagnosis] = {}
    recorded: list[Recorded] = []
    for interview in interviews:
        key = (interview.firm.pk, interview.answered_on)
        diagnosis = existing.get(key)
        if diagnosis is None:
            diagnosis = Diagnosis(
                firm=interview.firm,
                questionnaire=questionnaire,
                offer_type=interview.firm.offer_type,
                started_by=user,
            )
            existing[key] = diagnosis
            created.append(diagnosis)
            outcome = "created"
        elif (
            diagnosis.answers == dict(interview.answers)
            and diagnosis.channel == interview.channel
            and diagnosis.interviewer == interview.interviewer
        ):
            recorded.append(Recorded(diagnosis, "unchanged"))
            continue
        else:
            if diagnosis.pk is not None:
                updated[diagnosis.pk] = diagnosis
            outcome = "updated"
        diagnosis.channel = interview.channel
        diagnosis.interviewer = interview.interviewer
        diagnosis.source_import = source_import
        _finalise(
            diagnosis,
            spec=spec,
            answers=interview.answers,
            submitted_at=now,
            answered_on=interview.answered_on,
            submitted_by=user,
        )
        recorded.append(Recorded(diagnosis, outcome))
    with transaction.atomic():
        Diagnosis.objects.bulk_create(created, batch_size=500)
        Diagnosis.objects.bulk_update(updated.values(), RECORDED_FIELDS, batch_size=500)
        firms_refresh_sequence(
            firm_ids={r.diagnosis.firm_id for r in recorded if r.outcome != "unchanged"}
        )
    return recorded


RECORDED_FIELDS = [
    "answers",
    "status",
    "channel",
    "interviewer",
    "source_import",
    "submitted_at",
    "submitted_by",
    "answered_on",
    "current_step",
    "country",
    "sector",
    "size_band",
    "rules_version",
    "level",
    "result",
    "signature",
    "updated_at",
]


def firm_refresh_sequence(*, firm_id: int) -> None:
    firms_refresh_sequence(firm_ids={firm_id})


def firms_refresh_sequence(*, firm_ids: set[int]) -> None:
    """Number each firm's submitted diagnoses in the order they were answered; mark the latest.

    `attempt` 1, 2, …; `is_latest` on the last; `first_level` (the level of attempt 1) on
    every one, so the report's before/after needs no second query. Idempotent; a fixed
    number of queries for any number of firms.
    """
    if not firm_ids:
        return
    with transaction.atomic():
        rows = list(
            Diagnosis.objects.select_for_update()
            .filter(firm_id__in=firm_ids, status=Diagnosis.Status.SUBMITTED)
            .order_by("firm_id", "answered_on", "submitted_at", "pk")
            .only("pk", "firm_id", "attempt", "is_latest", "first_level", "level")
        )
        by_firm: dict[int, list[Diagnosis]] = {}
        for row in rows:
            by_firm.setdefault(row.firm_id, []).append(row)
        changed = []
        for firm_rows in by_firm.values():
            first_level = firm_rows[0].level
            for index, row in enumerate(firm_rows, start=1):
                wanted = (index, index == len(firm_rows), first_level)
                if (row.attempt, row.is_latest, row.first_level) != wanted:
                    row.attempt, row.is_latest, row.first_level = wanted
                    changed.append(row)
        if not changed:
            return
        # Clear old latest flags first: at most one latest per firm is a database constraint.
        latest = [firm_rows[-1].pk for firm_rows in by_firm.values()]
        Diagnosis.objects.filter(firm_id__in=firm_ids, is_latest=True).exclude(
            pk__in=latest
        ).update(is_latest=False)
        Diagnosis.objects.bulk_update(
            changed, ["attempt", "is_latest", "first_level"], batch_size=500
        )
