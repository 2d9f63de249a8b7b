"""The firm's pages: start or continue the questionnaire, answer it step by step, see results.

Every page is a plain form or link that works without JavaScript. Every object is reached
through `permissions.py`; whoever may not see it gets a 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rutapyme.firms.permissions import get_firm_for_view
from rutapyme.firms.selectors import firms_of_member

from . import scoring, services
from .forms import StepForm
from .models import Diagnosis
from .permissions import can_take_diagnosis, get_diagnosis_for_view, get_draft_for_answering
from .selectors import (
    StepPosition,
    current_step_code,
    firm_cards,
    firm_draft,
    firm_history,
    step_position,
)

Q_NEEDS = "q23_training_needs"
Q_SUPPORT = "q22_support_usefulness"
CLOSED_MESSAGE = gettext_noop("Este autodiagnóstico ya está terminado; puede hacerlo de nuevo.")


# --- Pages ---------------------------------------------------------------------------------


@login_required
@require_GET
def home(request):
    firms = firms_of_member(user=request.user)
    cards = firm_cards(firms=firms, member_ids=[f.pk for f in firms])
    return render(request, "diagnosis/home.html", {"cards": cards})


@login_required
@require_POST
def start(request, firm_id):
    firm = get_firm_for_view(request.user, firm_id)
    if not can_take_diagnosis(request.user, firm):
        raise Http404
    diagnosis = services.diagnosis_start(firm=firm, user=request.user)
    return redirect(
        "diagnosis:step", public_id=diagnosis.public_id, step_code=current_step_code(diagnosis)
    )


def _to_result(diagnosis: Diagnosis):
    return redirect("diagnosis:result", public_id=diagnosis.public_id)


def _closed(request, diagnosis: Diagnosis):
    messages.info(request, _(CLOSED_MESSAGE))
    return _to_result(diagnosis)


@login_required
@require_http_methods(["GET", "POST"])
def step(request, public_id, step_code):
    diagnosis = get_draft_for_answering(request.user, public_id)
    if not diagnosis.is_draft:
        return _closed(request, diagnosis) if request.method == "POST" else _to_result(diagnosis)
    position = step_position(diagnosis, step_code)
    if position is None:
        raise Http404
    form_kwargs = {
        "step": position.step,
        "offer_type": diagnosis.offer_type,
        "stored": diagnosis.answers,
    }
    if request.method == "GET":
        return _render_step(request, diagnosis, position, StepForm(**form_kwargs))

    form = StepForm(request.POST, **form_kwargs)
    action = request.POST.get("action")
    later = action == "later"
    # "Anterior" saves what was typed on this step too, without asking for what is missing.
    back = action == "back" and position.number > 1
    try:
        saved = services.diagnosis_save_step(
            diagnosis=diagnosis, step_code=step_code, raw=form.raw(), require=not (later or back)
        )
    except services.DiagnosisClosed:
        return _closed(request, diagnosis)
    if saved.errors:
        form.show_problems(saved.problems)
        if later or back:
            messages.warning(
                request,
                _("Guardamos sus otras respuestas. Corrija las marcadas para no perderlas."),
            )
        return _render_step(request, diagnosis, position, form)
    for problem in saved.problems:  # warnings only: a text typed without its option
        messages.warning(
            request,
            _("No guardamos lo que escribió en «%(label)s»: no eligió la opción que acompaña.")
            % {"label": getattr(form.fields.get(problem.key), "label", problem.key)},
        )
    if later:
        messages.success(
            request,
            _(
                "Guardamos sus respuestas. Puede continuar cuando quiera, también desde otro "
                "dispositivo."
            ),
        )
        return redirect("diagnosis:home")
    if back:
        steps = diagnosis.spec.steps_for(diagnosis.offer_type)
        previous = steps[position.number - 2].code
        return redirect("diagnosis:step", public_id=diagnosis.public_id, step_code=previous)
    if saved.next_step:
        return redirect("diagnosis:step", public_id=diagnosis.public_id, step_code=saved.next_step)
    try:
        diagnosis = services.diagnosis_submit(diagnosis=diagnosis, user=request.user)
    except services.DiagnosisIncomplete as exc:
        first = exc.steps[0]
        messages.error(
            request,
            _("Faltan respuestas en el paso «%(step)s». Complételas para ver su resultado.")
            % {"step": first.title},
        )
        return redirect("diagnosis:step", public_id=diagnosis.public_id, step_code=first.code)
    except services.DiagnosisClosed:
        return _closed(request, diagnosis)
    messages.success(request, _("¡Listo! Este es el resultado de su autodiagnóstico."))
    return _to_result(diagnosis)


def _render_step(request, diagnosis: Diagnosis, position: StepPosition, form: StepForm):
    steps = diagnosis.spec.steps_for(diagnosis.offer_type)
    previous = steps[position.number - 2] if position.number > 1 else None
    blocks = form.blocks()
    return render(
        request,
        "diagnosis/step.html",
        {
            "diagnosis": diagnosis,
            "firm": diagnosis.firm,
            "position": position,
            "previous": previous,
            "is_last": position.number == position.count,
            "form": form,
            "blocks": blocks,
            "with_errors": [b for b in blocks if b.has_errors],
        },
    )


@login_required
@require_GET
def result(request, public_id):
    diagnosis = get_diagnosis_for_view(request.user, public_id)
    is_member = can_take_diagnosis(request.user, diagnosis.firm)
    if diagnosis.is_draft:
        if not is_member:
            raise Http404
        return redirect(
            "diagnosis:step",
            public_id=diagnosis.public_id,
            step_code=current_step_code(diagnosis),
        )
    draft = firm_draft(firm=diagnosis.firm) if is_member else None
    return render(
        request,
        "diagnosis/result.html",
        {
            "diagnosis": diagnosis,
            "firm": diagnosis.firm,
            "is_member": is_member,
            "draft": draft,
            **result_context(diagnosis),
        },
    )


def _with_value_labels(entries: list[dict], question, *, short: bool = False) -> list[dict]:
    if question is None:
        return entries
    return [{**e, "value_label": question.scale_label(e["value"], short=short)} for e in entries]


def scale_levels(current: int | None = None) -> list[dict[str, Any]]:
    return [
        {
            "number": level.number,
            "code": level.code,
            "name": _(level.name),
            "description": _(level.description),
            "current": level.number == current,
        }
        for level in scoring.LEVELS
    ]


def result_context(diagnosis: Diagnosis) -> dict[str, Any]:
    """What the result page shows, from the stored result (never recomputed)."""
    result = diagnosis.result
    spec = diagnosis.spec
    barriers = result.get("barriers", [])
    topics = result.get("topics", [])
    return {
        "result": result,
        "levels": scale_levels(result.get("level")),
        "barriers_first": barriers[: scoring.BARRIERS_SHOWN],
        "barriers_more": barriers[scoring.BARRIERS_SHOWN :],
        "needs": _with_value_labels(
            result.get("needs", []), spec.questions.get(Q_NEEDS), short=True
        ),
        "support": _with_value_labels(result.get("support", []), spec.questions.get(Q_SUPPORT)),
        "route": topics[: scoring.ROUTE_LENGTH],
        "other_topics": topics[scoring.ROUTE_LENGTH :],
    }


# --- History -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """What changed in one diagnosis against the one before it."""

    level_delta: int
    previous_level: int
    areas: list[dict[str, Any]]
    barriers_gone: list[str]
    barriers_new: list[str]
    topics_in: list[str]
    topics_out: list[str]

    @property
    def anything(self) -> bool:
        return bool(
            self.level_delta
            or any(a["delta"] for a in self.areas)
            or self.barriers_gone
            or self.barriers_new
            or self.topics_in
            or self.topics_out
        )


def compare(current: Diagnosis, previous: Diagnosis) -> Change:
    now, before = current.result, previous.result
    scores_before = {a["code"]: a["score"] for a in before.get("areas", [])}
    areas = [
        {**a, "delta": a["score"] - scores_before[a["code"]]}
        for a in now.get("areas", [])
        if a["code"] in scores_before
    ]
    barriers_now = {b["key"]: b["label"] for b in now.get("barriers", [])}
    barriers_before = {b["key"]: b["label"] for b in before.get("barriers", [])}
    route_now = {t["code"]: t["label"] for t in now.get("topics", [])[: scoring.ROUTE_LENGTH]}
    route_before = {t["code"]: t["label"] for t in before.get("topics", [])[: scoring.ROUTE_LENGTH]}
    return Change(
        level_delta=current.level - previous.level,
        previous_level=previous.level,
        areas=areas,
        barriers_gone=[label for key, label in barriers_before.items() if key not in barriers_now],
        barriers_new=[label for key, label in barriers_now.items() if key not in barriers_before],
        topics_in=[label for code, label in route_now.items() if code not in route_before],
        topics_out=[label for code, label in route_before.items() if code not in route_now],
    )


@login_required
@require_GET
def history(request, firm_id):
    firm = get_firm_for_view(request.user, firm_id)
    diagnoses = list(firm_history(firm=firm))  # latest first
    is_member = can_take_diagnosis(request.user, firm)
    draft = firm_draft(firm=firm) if is_member else None
    entries = [
        {
            "diagnosis": d,
            "level_name": _(scoring.level_info(d.level).name),
            "change": compare(d, diagnoses[i + 1]) if i + 1 < len(diagnoses) else None,
        }
        for i, d in enumerate(diagnoses)
    ]
    return render(
        request,
        "diagnosis/history.html",
        {
            "firm": firm,
            "entries": entries,
            "is_member": is_member,
            "draft": draft,
            "draft_position": (
                step_position(draft, current_step_code(draft)) if draft is not None else None
            ),
        },
    )


# --- The public scale ---------------------------------------------------------------------


@require_GET
def scale(request):
    return render(request, "diagnosis/scale.html", {"levels": scale_levels()})
