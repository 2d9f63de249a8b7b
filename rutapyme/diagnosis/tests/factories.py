import datetime
import random

from django.utils import timezone

from rutapyme.diagnosis import services
from rutapyme.diagnosis.fakes import random_answers
from rutapyme.diagnosis.models import Diagnosis
from rutapyme.firms.models import Firm


def answers_for(firm: Firm, *, seed: int = 0, **changes) -> dict:
    """Complete random answers for `firm` (deterministic for a seed), with `changes` applied."""
    spec = services.current_questionnaire().spec
    answers = random_answers(
        spec,
        offer_type=firm.offer_type,
        country=firm.country,
        sector=firm.sector,
        size_band=firm.size_band,
        rng=random.Random(seed),
    )
    answers.update(changes)
    return {k: v for k, v in answers.items() if v is not None}


def submitted_diagnosis(
    firm: Firm,
    *,
    answers: dict | None = None,
    answered_on: datetime.date | None = None,
    channel: str = Diagnosis.Channel.PHONE,
    seed: int = 0,
) -> Diagnosis:
    """A final diagnosis of `firm`, recorded as an interview would be."""
    questionnaire = services.current_questionnaire()
    recorded = services.diagnosis_record(
        firm=firm,
        questionnaire=questionnaire,
        answers=answers if answers is not None else answers_for(firm, seed=seed),
        answered_on=answered_on or timezone.localdate(),
        channel=channel,
    )
    return recorded.diagnosis
