"""The step form: one field per answer key of a step, with the questionnaire's own rules.

The rules that turn what was typed into stored answers are `questionnaire.clean_answers`,
shared with the answer import; the form only draws the fields, binds what was posted (so
nothing typed is lost when a step comes back with errors) and places each problem next to its
question or matrix line. Its fields accept anything: a value the rules reject is reported by
them, with their message, never by a second, different message of Django's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext as _

from .questionnaire import TEXT_MAX_LENGTH, Item, Problem, Question, Step, text_key


def _field(widget: forms.Widget, label: str, help_text: str = "") -> forms.Field:
    return forms.Field(required=False, widget=widget, label=label, help_text=help_text)


def _text_input(label: str, max_length: int = TEXT_MAX_LENGTH) -> forms.Field:
    return _field(forms.TextInput(attrs={"maxlength": max_length}), label)


def question_number(question: Question) -> str:
    """The CEPAL number of the question ("6" for q06_online_sales), as the result cites it."""
    digits = "".join(ch for ch in question.code[1:3] if ch.isdigit())
    return str(int(digits)) if digits else ""


def is_locked(question: Question) -> bool:
    """Prefilled from the registry and not editable here (the country)."""
    return bool(question.prefill) and not question.prefill_editable


@dataclass
class Line:
    """One item of a matrix question: its field and, if it has one, its text field."""

    item: Item
    field: forms.BoundField
    text: forms.BoundField | None = None


@dataclass
class Block:
    """One question as the template draws it."""

    question: Question
    number: str
    anchor: str
    field: forms.BoundField | None = None
    # Option code → the bound text field shown under that option.
    attached: dict[str, forms.BoundField] = dataclasses.field(default_factory=dict)
    lines: list[Line] = dataclasses.field(default_factory=list)
    locked_label: str = ""

    @property
    def choices(self) -> list[tuple[forms.BoundWidget, forms.BoundField | None]]:
        """Each radio or checkbox with the text field to draw under it, if any."""
        if self.field is None:
            return []
        return [(w, self.attached.get(str(w.data["value"]))) for w in self.field.subwidgets]

    @property
    def help(self) -> str:
        """The question's help; for a scale, without the "1: …; 2: …" legend drawn apart."""
        text = self.question.help
        if self.question.kind == "scale_matrix" and text.startswith("1:"):
            _legend, _dot, rest = text.partition(". ")
            return rest
        return text

    @property
    def errors(self) -> list[str]:
        """Errors of the question itself (its texts and lines show their own)."""
        return list(self.field.errors) if self.field is not None else []

    @property
    def has_errors(self) -> bool:
        fields = ([self.field] if self.field is not None else []) + list(self.attached.values())
        for line in self.lines:
            fields += [line.field] + ([line.text] if line.text is not None else [])
        return any(f.errors for f in fields)


class StepForm(forms.Form):
    """One step of the questionnaire for one draft; `raw()` is what `clean_answers` reads."""

    def __init__(self, *args, step: Step, offer_type: str, stored: Mapping[str, Any], **kwargs):
        self.step = step
        self.offer_type = offer_type
        self.stored = stored
        self.questions = [q for q in step.questions if q.applies_to(offer_type)]
        kwargs.setdefault("initial", self._initial())
        super().__init__(*args, **kwargs)
        for q in self.questions:
            self._add_fields(q)

    # --- building ------------------------------------------------------------------------

    def _initial(self) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for q in self.questions:
            for key in q.answer_keys():
                if key in self.stored:
                    value = self.stored[key]
                    initial[key] = [str(v) for v in value] if isinstance(value, list) else value
        return initial

    def _add_fields(self, q: Question) -> None:
        if is_locked(q):
            return
        if q.kind == "scale_matrix":
            choices = [(s.value, s.short) for s in q.scale]
            for item in q.items:
                self.fields[item.key] = _field(forms.RadioSelect(choices=choices), item.label)
                if item.text:
                    self.fields[text_key(item.key)] = _text_input(item.text_label or _("¿Cuál?"))
        elif q.kind == "number_matrix":
            attrs = {"inputmode": "numeric", "min": q.min if q.min is not None else 0, "step": 1}
            if q.max is not None:
                attrs["max"] = q.max
            for item in q.items:
                self.fields[item.key] = _field(forms.NumberInput(attrs=attrs), item.label)
        elif q.kind == "text":
            self.fields[q.code] = _field(
                forms.Textarea(attrs={"rows": 3, "maxlength": q.max_length}), q.text, q.help
            )
        else:
            choices = [(o.code, o.label) for o in q.options]
            widget = forms.CheckboxSelectMultiple if q.is_multiple else forms.RadioSelect
            self.fields[q.code] = _field(widget(choices=choices), q.text, q.help)
            for option in q.options:
                if option.text:
                    self.fields[text_key(q.code, option.code)] = _text_input(
                        option.text_label or _("¿Cuál?")
                    )

    # --- reading -------------------------------------------------------------------------

    def raw(self) -> dict[str, list[str]]:
        """What was posted for this step, as lists of strings keyed by answer key.

        Locked answers (the country) are not posted; their stored value is passed on so the
        rules do not call them missing.
        """
        raw: dict[str, list[str]] = {}
        for q in self.questions:
            for key in q.answer_keys():
                if is_locked(q):
                    value = self.stored.get(key)
                    if value not in (None, ""):
                        raw[key] = [str(value)]
                else:
                    raw[key] = self.data.getlist(key) if hasattr(self.data, "getlist") else []
        return raw

    def show_problems(self, problems: list[Problem]) -> None:
        """Put each problem next to its field (a locked one goes to the top of the form)."""
        if not hasattr(self, "cleaned_data"):
            self.full_clean()
        for problem in problems:
            self.add_error(problem.key if problem.key in self.fields else None, problem.message)

    # --- drawing -------------------------------------------------------------------------

    def blocks(self) -> list[Block]:
        blocks = []
        for q in self.questions:
            block = Block(question=q, number=question_number(q), anchor=f"q-{q.code}")
            if is_locked(q):
                value = self.stored.get(q.code, "")
                block.locked_label = q.option_label(value) if value else _("Sin dato")
            elif q.is_matrix:
                for item in q.items:
                    text = self[text_key(item.key)] if item.text else None
                    block.lines.append(Line(item=item, field=self[item.key], text=text))
            else:
                block.field = self[q.code]
                block.attached = {
                    o.code: self[text_key(q.code, o.code)] for o in q.options if o.text
                }
            blocks.append(block)
        return blocks

    def error_summary(self) -> list[Block]:
        """The questions with an error, in order, for the summary at the top."""
        return [block for block in self.blocks() if block.has_errors]
