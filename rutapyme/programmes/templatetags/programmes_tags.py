"""The programmes card of the firm page, the "¿vendió en línea?" prompt of the training, and
the reads they share with the join pages (a fixed number of queries each)."""

from __future__ import annotations

from django import template
from django.db.models import Exists, OuterRef, Subquery
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rutapyme.firms.models import Firm
from rutapyme.learning.models import CourseProgress

from ..models import STATE_DATE_FIELDS, Enrolment, Outcome
from ..selectors import firm_programme_fits, firm_programmes

register = template.Library()

State = Enrolment.State

# How the firm's page says each state.
STATE_WORDS = {
    State.INVITED: gettext_lazy("Invitada el %(date)s"),
    State.WAITLISTED: gettext_lazy("En lista de espera desde el %(date)s"),
    State.JOINED: gettext_lazy("Se unió el %(date)s"),
    State.ACTIVE: gettext_lazy("Participa desde el %(date)s"),
    State.COMPLETED: gettext_lazy("Completó la promoción el %(date)s"),
    State.DECLINED: gettext_lazy("No aceptó la invitación el %(date)s"),
    State.DROPPED: gettext_lazy("Se retiró el %(date)s"),
}
SALE_KINDS = (Outcome.Kind.FIRST_ONLINE_SALE, Outcome.Kind.FIRST_MARKETPLACE_SALE)


def state_words(enrolment: Enrolment) -> str:
    """ "Se unió el 03/12/2026", "En lista de espera desde el … (puesto 2)"."""
    when = getattr(enrolment, STATE_DATE_FIELDS.get(enrolment.state, "invited_at"), None)
    if when is None:
        text = str(enrolment.get_state_display())
    else:
        date = formats.date_format(timezone.localtime(when), "SHORT_DATE_FORMAT")
        text = str(STATE_WORDS[enrolment.state]) % {"date": date}
    position = getattr(enrolment, "waitlist_position", None)
    if enrolment.state == State.WAITLISTED and position:
        text += " " + _("(puesto %(n)s)") % {"n": position}
    return text


def _with_words(enrolment: Enrolment) -> Enrolment:
    enrolment.state_words = state_words(enrolment)
    return enrolment


@register.inclusion_tag("programmes/partials/firm_card.html", takes_context=True)
def programmes_card(context, firm):
    """{% programmes_card firm %}: the firm's programmes and milestones, on its page."""
    user = context.get("user")
    card = firm_programmes(firm=firm, user=user)
    for enrolment in card.enrolments:
        _with_words(enrolment)
    fits = firm_programme_fits(firm=firm, user=user) if user is not None else []
    return {"card": card, "firm": firm, "fits": fits, "request": context.get("request")}


@register.inclusion_tag("programmes/partials/outcome_prompt_card.html", takes_context=True)
def outcome_prompt(context, progress_id):
    """{% outcome_prompt attempt.progress_id %}: on a finished course, ask the firm whether it
    sold online, unless it already said so (one query)."""
    firm = (
        Firm.objects.filter(
            pk__in=Subquery(CourseProgress.objects.filter(pk=progress_id).values("firm_id"))
        )
        .annotate(
            has_sale=Exists(Outcome.objects.filter(firm_id=OuterRef("pk"), kind__in=SALE_KINDS))
        )
        .only("pk", "public_id")
        .first()
    )
    return {"firm": firm, "request": context.get("request")}
