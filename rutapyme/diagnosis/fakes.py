"""Plausible, complete answers for demo data, scale data and tests (never for real firms)."""

from __future__ import annotations

import random
from typing import Any

from .questionnaire import QuestionnaireSpec, text_key

# How often the exclusive option ("no", "todavía no exporto", "ninguno") is chosen: most
# firms of a programme do not export through e-commerce yet (seed 003: almost 70 % of
# exporting pymes never had), so the demo's report does not look like a cohort of exporters.
EXCLUSIVE_SHARE = {"q09_ecommerce_export": 0.7, "q04_export_destinations": 0.5}
DEFAULT_EXCLUSIVE_SHARE = 0.25

SAMPLE_TEXTS = (
    "Ferias virtuales con compradores de la región",
    "Asesoría para registrar la marca",
    "Ruedas de negocios",
)


def random_answers(
    spec: QuestionnaireSpec,
    *,
    offer_type: str,
    country: str,
    sector: str,
    size_band: str,
    rng: random.Random,
) -> dict[str, Any]:
    """One complete, valid set of answers for a firm with these registry data."""
    answers: dict[str, Any] = {}
    known = {"country": country, "sector": sector, "size_band": size_band}
    for q in spec.questions_for(offer_type):
        if q.kind in known:
            answers[q.code] = known[q.kind]
        elif q.kind == "single":
            option = rng.choice(q.options)
            answers[q.code] = option.code
            if option.text:
                answers[text_key(q.code, option.code)] = rng.choice(SAMPLE_TEXTS)
        elif q.kind == "multiple":
            exclusive = [o for o in q.options if o.code in q.exclusive]
            others = [o for o in q.options if o.code not in q.exclusive]
            if exclusive and rng.random() < EXCLUSIVE_SHARE.get(q.code, DEFAULT_EXCLUSIVE_SHARE):
                chosen = [rng.choice(exclusive)]
            else:
                chosen = rng.sample(others, k=rng.randint(1, min(3, len(others))))
            answers[q.code] = [o.code for o in q.options if o in chosen]
            for option in chosen:
                if option.text:
                    answers[text_key(q.code, option.code)] = rng.choice(SAMPLE_TEXTS)
        elif q.kind == "scale_matrix":
            values = [s.value for s in q.scale]
            for item in q.items:
                if item.required or rng.random() < 0.1:
                    answers[item.key] = rng.choice(values)
                    if item.text:
                        answers[text_key(item.key)] = rng.choice(SAMPLE_TEXTS)
        elif q.kind == "number_matrix":
            for item in q.items:
                answers[item.key] = rng.choice((0, 0, 1, 1, 1, 2, 3))
        elif q.kind == "text" and rng.random() < 0.2:
            answers[q.code] = rng.choice(SAMPLE_TEXTS)
    return answers
