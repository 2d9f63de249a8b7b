"""Reading and marking quiz answers: pure functions, shared by the form and the service."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from .models import Question

_SIGN = r"(?P<sign>[+-]?)"
_SIMPLE = re.compile(_SIGN + r"(?P<whole>\d+)(?:(?P<mark>[.,])(?P<fraction>\d+))?$")
_GROUPED = [
    # Thousands with points, decimals with a comma: 1.234.567,5 (Ecuador, most of the region).
    re.compile(_SIGN + r"(?P<whole>\d{1,3}(?:\.\d{3})+)(?:,(?P<fraction>\d+))?$"),
    # Thousands with commas, decimals with a point: 1,234,567.5 (Mexico, Peru, spreadsheets).
    re.compile(_SIGN + r"(?P<whole>\d{1,3}(?:,\d{3})+)(?:\.(?P<fraction>\d+))?$"),
    # Thousands with spaces: 1 234 567,5.
    re.compile(_SIGN + r"(?P<whole>\d{1,3}(?: \d{3})+)(?:[.,](?P<fraction>\d+))?$"),
]


def parse_number(raw: str) -> Decimal:
    """A number as people type it: "3,5", "3.5", "1.234,5", "1,234.5", "$ 18", "25 %".

    One comma or point is the decimal separator ("3,5", "2,500" = 2.5), except a point
    followed by exactly three digits after a non-zero whole part ("1.500" = 1500), which is
    how Ecuador writes thousands. Grouped thousands must be groups of three. Raises
    ValueError for anything else.
    """
    text = (raw or "").strip().replace("\u00a0", " ")
    text = re.sub(r"^(US\$|USD|\$)\s*", "", text, flags=re.IGNORECASE)
    text = re.sub(r"\s*(%|USD|kg)$", "", text, flags=re.IGNORECASE)
    simple = _SIMPLE.match(text)
    if simple and not (
        simple["mark"] == "." and len(simple["fraction"]) == 3 and simple["whole"].strip("0")
    ):
        fraction = simple["fraction"]
        return Decimal(f"{simple['sign']}{simple['whole']}" + (f".{fraction}" if fraction else ""))
    for pattern in _GROUPED:
        match = pattern.match(text)
        if match:
            whole = re.sub(r"[., ]", "", match["whole"])
            fraction = match["fraction"]
            return Decimal(f"{match['sign']}{whole}" + (f".{fraction}" if fraction else ""))
    raise ValueError(raw)


@dataclass(frozen=True)
class Marked:
    code: str
    correct: bool
    answer: str | list[str]
    feedback: list[str]


def mark(question: Question, answer, choices: Iterable) -> Marked:
    """Whether an already-validated answer is right, with the feedback the person sees.

    `answer` is a choice code (single, true/false), a list of codes (multiple) or a Decimal
    (numeric); `choices` are the question's Choice rows in order.
    """
    choices = list(choices)
    feedback: list[str] = []
    if question.kind == Question.Kind.NUMERIC:
        correct = abs(Decimal(answer) - question.answer) <= question.tolerance
        stored: str | list[str] = str(answer)
    else:
        chosen = set(answer) if isinstance(answer, list | tuple | set) else {answer}
        right = {c.code for c in choices if c.is_correct}
        correct = chosen == right
        feedback = [c.feedback for c in choices if c.code in chosen and c.feedback]
        stored = sorted(chosen) if question.kind == Question.Kind.MULTIPLE else answer
    general = question.feedback_correct if correct else question.feedback_wrong
    if general:
        feedback.append(general)
    return Marked(code=question.code, correct=correct, answer=stored, feedback=feedback)


def score(marked: list[Marked]) -> int:
    """Percentage of right answers, rounded half up, 0 for an empty quiz."""
    if not marked:
        return 0
    right = sum(1 for m in marked if m.correct)
    return (right * 200 + len(marked)) // (2 * len(marked))


def review(answers: dict, questions) -> list[dict]:
    """A stored attempt's answers marked again, with the choice texts the person picked."""
    result = []
    for question in questions:
        given = answers.get(question.code)
        if given is None:
            continue
        value = Decimal(given) if question.kind == Question.Kind.NUMERIC else given
        choices = list(question.choices.all())
        labels = {c.code: c.text for c in choices}
        shown = [labels.get(code, code) for code in (given if isinstance(given, list) else [given])]
        result.append(
            {"question": question, "marked": mark(question, value, choices), "shown": shown}
        )
    return result
