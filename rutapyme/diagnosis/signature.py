"""A diagnosis as one fixed-width string, so the report counts 100,000 of them in a blink.

The programme report is made of counts: how many firms chose each option, rated each item at
each value, reached each level, have each topic among their first five. Reading every answer
as JSON and counting in Python takes seconds at a ministry's scale; grouping an answers table
in SQL takes about as long. Instead each submitted diagnosis stores `signature`: one character
per position of a layout derived from its questionnaire version, so

- the report fetches one short string per firm (`values_list("signature")`),
- joins them into one string, takes every position as a column with an extended slice
  (`blob[i::width]`, done in C) and counts each value with `str.count` (also C).

Counting 100,000 diagnoses × ~190 positions this way takes tens of milliseconds; the database
only filters. The layout is a pure function of the questionnaire definition, so a signature is
always decoded with the version it was written with, and counts of different versions merge
by answer key and value code, which never change meaning (docs/diagnosis-scale.md, B9).

Characters: `-` means not answered or not applicable; option and value codes are mapped to
single printable characters by their index in the layout (`CODES`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from . import scoring
from .questionnaire import QuestionnaireSpec
from .topics import Topic

# Every value an area score can take: 25 × (4 − experience) + staff points (0, 15 or 25),
# docs/diagnosis-scale.md B3.
AREA_SCORE_VALUES = tuple(sorted({25 * (4 - e) + s for e in (1, 2, 3, 4) for s in (0, 15, 25)}))

NA = "-"
CODES = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

# Topic positions: where the topic stands in the firm's result.
TOPIC_ABSENT, TOPIC_ROUTE, TOPIC_OTHER, TOPIC_MASTERED = (
    "route_absent",
    "route",
    "other",
    "mastered",
)
TOPIC_STATES = (TOPIC_ABSENT, TOPIC_ROUTE, TOPIC_OTHER, TOPIC_MASTERED)


@dataclass(frozen=True)
class Position:
    """One character of the signature: what it describes and the values it can take.

    `key` is an answer key (`q06_online_sales`, `q07_area_experience__digital_sales`), an
    option of a multiple-choice question (`q12_digital_tools=erp`, values 0/1), the fact that a
    multiple-choice question was answered (`q12_digital_tools?`), or a result field
    (`result.level`, `result.area.canal_digital`, `result.barrier_top.<item key>`,
    `result.topic.<code>`).
    """

    key: str
    values: tuple[Any, ...]

    def char(self, value: Any) -> str:
        if value is None:
            return NA
        # Compare by type too: (False, True).index(0) and (1, 2).index(True) would "succeed".
        for index, known in enumerate(self.values):
            if known == value and type(known) is type(value):
                return CODES[index]
        raise ValueError(f"{self.key}: {value!r} is not one of {self.values!r}")

    def value_of(self, char: str) -> Any:
        return None if char == NA else self.values[CODES.index(char)]


_LAYOUTS: dict[tuple[str, int], tuple[Position, ...]] = {}


def layout(spec: QuestionnaireSpec) -> tuple[Position, ...]:
    """The positions of a questionnaire version's signatures (built once per version)."""
    key = (spec.code, spec.version)
    if key not in _LAYOUTS:
        _LAYOUTS[key] = _build_layout(spec)
    return _LAYOUTS[key]


def _build_layout(spec: QuestionnaireSpec) -> tuple[Position, ...]:
    positions: list[Position] = []
    for q in spec.questions.values():
        if q.is_single:
            positions.append(Position(q.code, tuple(o.code for o in q.options)))
        elif q.is_multiple:
            positions.append(Position(f"{q.code}?", (True,)))
            positions.extend(Position(f"{q.code}={o.code}", (False, True)) for o in q.options)
        elif q.kind == "scale_matrix":
            values = tuple(s.value for s in q.scale)
            positions.extend(Position(item.key, values) for item in q.items)
        elif q.kind == "number_matrix":
            # Counts enter the report and the scores only as 0, 1, 2 or more.
            positions.extend(Position(item.key, (0, 1, 2)) for item in q.items)
    positions.append(Position("result.level", tuple(range(6))))
    positions.extend(
        Position(f"result.area.{area['code']}", AREA_SCORE_VALUES) for area in spec.areas
    )
    barrier_items = [
        item for q in spec.questions.values() for item in q.items if item.barrier_priority
    ]
    positions.extend(Position(f"result.barrier_top.{item.key}", (True,)) for item in barrier_items)
    # The version's own topic list (equal to the vocabulary today, tests keep them equal), so
    # the layout stays a function of the definition: a topic added to the vocabulary later
    # must not shift the positions of signatures already stored.
    topics = [topic["code"] for topic in spec.topics] or list(Topic.values)
    positions.extend(Position(f"result.topic.{topic}", TOPIC_STATES) for topic in topics)
    return tuple(positions)


def values_for(spec: QuestionnaireSpec, answers: Mapping[str, Any], result: Mapping) -> dict:
    """The value of every position for one diagnosis (None = not answered / not applicable)."""
    values: dict[str, Any] = {}
    for q in spec.questions.values():
        if q.is_single:
            values[q.code] = answers.get(q.code)
        elif q.is_multiple:
            chosen = answers.get(q.code)
            values[f"{q.code}?"] = True if chosen else None
            for option in q.options:
                values[f"{q.code}={option.code}"] = (option.code in chosen) if chosen else None
        elif q.kind == "scale_matrix":
            for item in q.items:
                values[item.key] = answers.get(item.key)
        elif q.kind == "number_matrix":
            for item in q.items:
                n = answers.get(item.key)
                values[item.key] = None if n is None else min(n, 2)
    values["result.level"] = result["level"]
    for area in result["areas"]:
        values[f"result.area.{area['code']}"] = area["score"]
    for barrier in result["barriers"][: scoring.BARRIERS_SHOWN]:
        values[f"result.barrier_top.{barrier['key']}"] = True
    for index, topic in enumerate(result["topics"]):
        state = TOPIC_ROUTE if index < scoring.ROUTE_LENGTH else TOPIC_OTHER
        values[f"result.topic.{topic['code']}"] = state
    for topic in result["mastered"]:
        values[f"result.topic.{topic['code']}"] = TOPIC_MASTERED
    return values


def encode(spec: QuestionnaireSpec, answers: Mapping[str, Any], result: Mapping) -> str:
    values = values_for(spec, answers, result)
    chars = []
    for position in layout(spec):
        value = values.get(position.key)
        if value is None and position.key.startswith("result.topic."):
            value = TOPIC_ABSENT
        chars.append(position.char(value))
    return "".join(chars)


class Columns:
    """The signatures of one questionnaire version, ready to be counted column by column.

    Built once per version and selection; `counts()` gives every position's value counts,
    `count_any()` the number of signatures holding a value in any of several positions (a
    union, e.g. "chose WhatsApp or another social network"), which per-position counts cannot
    give. Both run in C (slicing, `str.count`, big-integer OR).
    """

    def __init__(self, spec: QuestionnaireSpec, signatures: Iterable[str]):
        self.positions = layout(spec)
        self.width = len(self.positions)
        self._index = {position.key: i for i, position in enumerate(self.positions)}
        rows = signatures if isinstance(signatures, list) else list(signatures)
        wrong = sum(1 for s in rows if len(s) != self.width)
        if wrong:
            # Never count a misaligned string: every later column would be shifted.
            raise ValueError(f"{wrong} signatures are not {self.width} characters long")
        self.rows = len(rows)
        self.blob = "".join(rows)

    def column(self, key: str) -> str:
        """The characters of one position, one per signature."""
        return self.blob[self._index[key] :: self.width]

    def counts(self) -> dict[str, dict[Any, int]]:
        """For every position, how many signatures hold each value (None = not answered)."""
        counts: dict[str, dict[Any, int]] = {}
        for index, position in enumerate(self.positions):
            column = self.blob[index :: self.width]
            per_value = {value: column.count(CODES[i]) for i, value in enumerate(position.values)}
            per_value[None] = column.count(NA)
            counts[position.key] = per_value
        return counts

    def count_any(self, keys: Iterable[str], value: Any) -> int:
        """How many signatures hold `value` in at least one of the positions `keys`.

        Keys this version does not have are skipped. Each column becomes a big integer with
        one byte per signature (1 where the value is held), the columns are OR-ed and the set
        bits counted.
        """
        union = 0
        for key in keys:
            index = self._index.get(key)
            if index is None:
                continue
            char = self.positions[index].char(value)
            table = bytearray(256)
            table[ord(char)] = 1
            column = self.blob[index :: self.width].encode("ascii").translate(table)
            union |= int.from_bytes(column, "big")
        return union.bit_count()


def count(spec: QuestionnaireSpec, signatures: Iterable[str]) -> dict[str, dict[Any, int]]:
    """For every position, how many signatures hold each value (None = not answered)."""
    return Columns(spec, signatures).counts()
