from decimal import Decimal

from django import template
from django.utils.formats import number_format

from rutapyme.learning.codes import code_display
from rutapyme.learning.selectors import firm_learning_summary

register = template.Library()


@register.filter
def hours(value) -> str:
    """3 → "3", 2.5 → "2,5" (in the active language's format)."""
    value = Decimal(value)
    places = 0 if value == value.to_integral_value() else 1
    return number_format(value, places)


@register.filter
def lowerfirst(text: str) -> str:
    """ "Indicó que…" → "indicó que…", to follow "Porque"; "I…" and acronyms stay as they are."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


@register.filter
def certcode(code: str) -> str:
    return code_display(code)


@register.inclusion_tag("learning/partials/firm_card.html", takes_context=True)
def learning_card(context, firm):
    """{% learning_card firm %}: the firm's training at a glance, on the firm's page (2 queries)."""
    summary = firm_learning_summary(firm=firm)
    return {"firm": firm, "summary": summary, "user": context.get("user")}
