"""The questionnaire as code: a parsed, read-only view of a versioned JSON definition.

The definition lives in `content/diagnosis/questionnaire-v<N>.json` and is copied into the
database by a data migration (`Questionnaire.definition`), so a diagnosis always points at the
exact questions it was answered with. This module parses a definition into small frozen objects
and holds the one set of answer rules that the step form and the answer import share
(`clean_answers`): both turn raw strings into stored values and report problems with the same
codes and messages.

Stored answers are a flat dict keyed by *answer key*:

- a question's code for country, sector, size band, single choice and text questions
  (`"q06_online_sales": "marketplace"`) and multiple choice (`"q12_digital_tools": ["erp"]`,
  options in questionnaire order);
- `<question>__<item>` for each item of a matrix (`"q07_area_experience__digital_sales": 2`),
  the raw CEPAL value as an integer;
- `<question>__<option or item>__text` for the free text attached to an option or item.

A question that does not apply to the firm (logistics for a services firm) has no keys at all.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

CONTENT_DIR = Path(settings.BASE_DIR) / "content" / "diagnosis"
TEXT_MAX_LENGTH = 1000
GOODS_OFFER_TYPES = frozenset({"products", "both"})

# Kinds whose answer is one option code.
SINGLE_KINDS = frozenset({"single", "country", "sector", "size_band"})
MATRIX_KINDS = frozenset({"scale_matrix", "number_matrix"})


@dataclass(frozen=True)
class Option:
    code: str
    label: str
    text: bool = False
    text_label: str = ""
    topics: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Item:
    code: str
    label: str
    key: str
    required: bool = True
    text: bool = False
    text_label: str = ""
    topics: Mapping[str, int] = field(default_factory=dict)
    area: str = ""
    barrier_priority: int | None = None


@dataclass(frozen=True)
class ScaleValue:
    value: int
    label: str
    short: str


@dataclass(frozen=True)
class Question:
    code: str
    kind: str
    text: str
    help: str
    step: str
    required: bool
    cepal: str = ""
    options: tuple[Option, ...] = ()
    items: tuple[Item, ...] = ()
    scale: tuple[ScaleValue, ...] = ()
    scale_code: str = ""
    exclusive: frozenset[str] = frozenset()
    show_if_offer_types: frozenset[str] | None = None
    prefill: str | None = None
    prefill_editable: bool = True
    min: int | None = None
    max: int | None = None
    max_length: int = TEXT_MAX_LENGTH

    @property
    def is_matrix(self) -> bool:
        return self.kind in MATRIX_KINDS

    @property
    def is_multiple(self) -> bool:
        return self.kind == "multiple"

    @property
    def is_single(self) -> bool:
        return self.kind in SINGLE_KINDS

    def applies_to(self, offer_type: str) -> bool:
        return self.show_if_offer_types is None or offer_type in self.show_if_offer_types

    def option(self, code: str) -> Option | None:
        return next((o for o in self.options if o.code == code), None)

    def option_label(self, code: str) -> str:
        option = self.option(code)
        return option.label if option else code

    def scale_label(self, value: int, *, short: bool = False) -> str:
        for scale_value in self.scale:
            if scale_value.value == value:
                return scale_value.short if short else scale_value.label
        return str(value)

    def answer_keys(self) -> list[str]:
        """The keys this question's answer is stored under, text keys included."""
        if self.is_matrix:
            keys = []
            for item in self.items:
                keys.append(item.key)
                if item.text:
                    keys.append(text_key(item.key))
            return keys
        keys = [self.code]
        keys += [text_key(self.code, o.code) for o in self.options if o.text]
        return keys


@dataclass(frozen=True)
class Step:
    code: str
    title: str
    intro: str
    questions: tuple[Question, ...]

    def applies_to(self, offer_type: str) -> bool:
        return any(q.applies_to(offer_type) for q in self.questions)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an answer: a stable code and a message for the person."""

    key: str
    code: str
    message: str
    severity: str = "error"


@dataclass(frozen=True)
class QuestionnaireSpec:
    code: str
    version: int
    title: str
    intro: str
    steps: tuple[Step, ...]
    areas: tuple[Mapping[str, Any], ...]
    topics: tuple[Mapping[str, str], ...]
    scales: Mapping[str, tuple[ScaleValue, ...]]
    definition: Mapping[str, Any]

    @functools.cached_property
    def questions(self) -> dict[str, Question]:
        return {q.code: q for step in self.steps for q in step.questions}

    @functools.cached_property
    def items_by_key(self) -> dict[str, tuple[Question, Item]]:
        return {item.key: (q, item) for q in self.questions.values() for item in q.items}

    def steps_for(self, offer_type: str) -> list[Step]:
        return [step for step in self.steps if step.applies_to(offer_type)]

    def step(self, code: str) -> Step | None:
        return next((s for s in self.steps if s.code == code), None)

    def questions_for(self, offer_type: str) -> list[Question]:
        return [q for q in self.questions.values() if q.applies_to(offer_type)]

    def answer_keys(self) -> list[str]:
        """Every answer key of this version, in the order the questions are asked."""
        return [key for q in self.questions.values() for key in q.answer_keys()]

    def area_label(self, code: str) -> str:
        return next((a["label"] for a in self.areas if a["code"] == code), code)

    def topic_label(self, code: str) -> str:
        return next((t["label"] for t in self.topics if t["code"] == code), code)

    def missing_steps(self, answers: Mapping[str, Any], offer_type: str) -> list[Step]:
        """Steps with a required answer still missing, in order."""
        return [
            step
            for step in self.steps_for(offer_type)
            if any(
                p.code == "required_missing"
                for p in validate_stored(step.questions, answers, offer_type)
            )
        ]


def text_key(key: str, option: str | None = None) -> str:
    return f"{key}__{option}__text" if option else f"{key}__text"


def parse(definition: Mapping[str, Any]) -> QuestionnaireSpec:
    scales = {
        code: tuple(ScaleValue(v["value"], v["label"], v.get("short", v["label"])) for v in values)
        for code, values in definition["scales"].items()
    }
    steps = []
    for step in definition["steps"]:
        questions = []
        for q in step["questions"]:
            show_if = q.get("show_if") or {}
            offer_types = show_if.get("firm.offer_type")
            questions.append(
                Question(
                    code=q["code"],
                    kind=q["kind"],
                    text=q["text"],
                    help=q.get("help", ""),
                    step=step["code"],
                    required=q.get("required", True),
                    cepal=q.get("cepal", ""),
                    options=tuple(
                        Option(
                            code=o["code"],
                            label=o["label"],
                            text=o.get("text", False),
                            text_label=o.get("text_label", ""),
                            topics=o.get("topics", {}),
                        )
                        for o in q.get("options", [])
                    ),
                    items=tuple(
                        Item(
                            code=i["code"],
                            label=i["label"],
                            key=f"{q['code']}__{i['code']}",
                            required=i.get("required", True),
                            text=i.get("text", False),
                            text_label=i.get("text_label", ""),
                            topics=i.get("topics", {}),
                            area=i.get("area", ""),
                            barrier_priority=i.get("barrier_priority"),
                        )
                        for i in q.get("items", [])
                    ),
                    scale=scales.get(q.get("scale", ""), ()),
                    scale_code=q.get("scale", ""),
                    exclusive=frozenset(q.get("exclusive", [])),
                    show_if_offer_types=frozenset(offer_types) if offer_types else None,
                    prefill=q.get("prefill"),
                    prefill_editable=q.get("prefill_editable", True),
                    min=q.get("min"),
                    max=q.get("max"),
                    max_length=q.get("max_length", TEXT_MAX_LENGTH),
                )
            )
        steps.append(Step(step["code"], step["title"], step.get("intro", ""), tuple(questions)))
    return QuestionnaireSpec(
        code=definition["code"],
        version=definition["version"],
        title=definition["title"],
        intro=definition.get("intro", ""),
        steps=tuple(steps),
        areas=tuple(definition.get("areas", [])),
        topics=tuple(definition.get("topics", [])),
        scales=scales,
        definition=definition,
    )


def load_file(version: int, code: str = "cepal-ecommerce") -> dict[str, Any]:
    """The shipped definition of a version, as the data migration loads it."""
    path = CONTENT_DIR / f"questionnaire-v{version}.json"
    with path.open(encoding="utf-8") as fh:
        definition = json.load(fh)
    if definition["code"] != code or definition["version"] != version:
        raise ValueError(f"{path} holds {definition['code']} v{definition['version']}")
    return definition


# --- Answer rules, shared by the step form and the import -------------------------------


def _problem(key: str, code: str, message: str, severity: str = "error") -> Problem:
    return Problem(key=key, code=code, message=message, severity=severity)


def _first(values: list[str]) -> str:
    return next((v.strip() for v in values if v and v.strip()), "")


def _int(raw: str) -> int | None:
    raw = raw.strip()
    if raw.endswith(".0"):  # spreadsheets write whole numbers as 2.0
        raw = raw[:-2]
    try:
        return int(raw)
    except ValueError:
        return None


def clean_answers(
    questions: Iterable[Question],
    raw: Mapping[str, list[str]],
    offer_type: str,
    *,
    require: bool = True,
) -> tuple[dict[str, Any], list[Problem]]:
    """Turn raw strings into stored answers for `questions`, with every problem found.

    `raw` maps answer keys to lists of strings: a form's `getlist`, or an import cell (the
    import splits multiple choice on `;`). Keys of questions that do not apply to
    `offer_type` are ignored. With `require=False` (saving a step to finish later) missing
    required answers are not problems; everything else still is. Problems never stop the
    check: every answer is looked at.
    """
    cleaned: dict[str, Any] = {}
    problems: list[Problem] = []
    for q in questions:
        if not q.applies_to(offer_type):
            continue
        if q.is_matrix:
            _clean_matrix(q, raw, cleaned, problems, require)
        elif q.is_multiple:
            _clean_multiple(q, raw, cleaned, problems, require)
        elif q.kind == "text":
            value = _first(raw.get(q.code, []))
            if len(value) > q.max_length:
                problems.append(
                    _problem(
                        q.code,
                        "out_of_range",
                        _("Escriba como máximo %(max)s caracteres.") % {"max": q.max_length},
                    )
                )
            elif value:
                cleaned[q.code] = value
            elif q.required and require:
                problems.append(_problem(q.code, "required_missing", _("Responda esta pregunta.")))
        else:
            _clean_single(q, raw, cleaned, problems, require)
    return cleaned, problems


def _clean_text_attachment(key, raw, chosen: bool, cleaned, problems) -> None:
    text = _first(raw.get(key, []))
    if not text:
        return
    if len(text) > TEXT_MAX_LENGTH:
        problems.append(
            _problem(
                key,
                "out_of_range",
                _("Escriba como máximo %(max)s caracteres.") % {"max": TEXT_MAX_LENGTH},
            )
        )
    elif chosen:
        cleaned[key] = text
    else:
        problems.append(
            _problem(
                key,
                "text_without_option",
                _("Este texto no se guarda porque no eligió la opción que acompaña."),
                severity="warning",
            )
        )


def _clean_single(q, raw, cleaned, problems, require) -> None:
    values = [v.strip() for v in raw.get(q.code, []) if v and v.strip()]
    if not values:
        if q.required and require:
            problems.append(_problem(q.code, "required_missing", _("Elija una opción.")))
    elif len(values) > 1:
        problems.append(_problem(q.code, "invalid_option", _("Elija una sola opción.")))
    else:
        code = values[0]
        option = q.option(code) or q.option(code.lower())
        if option is None:
            problems.append(
                _problem(
                    q.code,
                    "invalid_option",
                    _("«%(value)s» no es una de las opciones de esta pregunta.") % {"value": code},
                )
            )
        else:
            cleaned[q.code] = option.code
    chosen = cleaned.get(q.code)
    for option in q.options:
        if option.text:
            _clean_text_attachment(
                text_key(q.code, option.code), raw, chosen == option.code, cleaned, problems
            )


def _clean_multiple(q, raw, cleaned, problems, require) -> None:
    values = [v.strip().lower() for v in raw.get(q.code, []) if v and v.strip()]
    known = [o.code for o in q.options]
    unknown = [v for v in values if v not in known]
    chosen: list[str] = []
    if unknown:
        problems.append(
            _problem(
                q.code,
                "invalid_option",
                _("«%(value)s» no es una de las opciones de esta pregunta.")
                % {"value": ", ".join(unknown)},
            )
        )
    else:
        chosen = [code for code in known if code in values]  # questionnaire order, no repeats
        exclusive = [code for code in chosen if code in q.exclusive]
        if exclusive and len(chosen) > 1:
            problems.append(
                _problem(
                    q.code,
                    "exclusive_conflict",
                    _("«%(option)s» no se puede combinar con otras opciones.")
                    % {"option": q.option_label(exclusive[0])},
                )
            )
            chosen = []
        elif chosen:
            cleaned[q.code] = chosen
        elif q.required and require:
            problems.append(_problem(q.code, "required_missing", _("Elija al menos una opción.")))
    for option in q.options:
        if option.text:
            _clean_text_attachment(
                text_key(q.code, option.code), raw, option.code in chosen, cleaned, problems
            )


def _clean_matrix(q, raw, cleaned, problems, require) -> None:
    if q.kind == "scale_matrix":
        allowed = [s.value for s in q.scale]
        low, high = min(allowed), max(allowed)
    else:
        low = q.min if q.min is not None else 0
        high = q.max if q.max is not None else 999
    for item in q.items:
        value = _first(raw.get(item.key, []))
        if not value:
            if item.required and require:
                problems.append(_problem(item.key, "required_missing", _("Responda esta línea.")))
        else:
            number = _int(value)
            if number is None or not low <= number <= high:
                if q.kind == "scale_matrix":
                    message = _("Elija un valor de la escala (%(low)s a %(high)s).")
                else:
                    message = _("Escriba un número entero de %(low)s a %(high)s.")
                problems.append(
                    _problem(item.key, "out_of_range", message % {"low": low, "high": high})
                )
            else:
                cleaned[item.key] = number
        if item.text:
            _clean_text_attachment(text_key(item.key), raw, item.key in cleaned, cleaned, problems)


def validate_stored(
    questions: Iterable[Question], answers: Mapping[str, Any], offer_type: str
) -> list[Problem]:
    """Problems of stored answers (used to tell which steps are still incomplete)."""
    raw: dict[str, list[str]] = {}
    for key, value in answers.items():
        raw[key] = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    return clean_answers(questions, raw, offer_type)[1]


def is_goods(offer_type: str) -> bool:
    return offer_type in GOODS_OFFER_TYPES
