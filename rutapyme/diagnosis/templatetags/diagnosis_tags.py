"""Small template helpers of the diagnosis pages, and the diagnosis card of the firm pages."""

from django import template

from rutapyme.diagnosis.selectors import firm_cards_for

register = template.Library()


@register.simple_tag
def diagnosis_cards(firms, user):
    """{% diagnosis_cards firms user as cards %}: where each firm stands (two queries)."""
    firms = list(firms)
    if not firms or not user.is_authenticated:
        return []
    return firm_cards_for(firms=firms, user=user)


@register.simple_tag
def diagnosis_card(firm, user):
    """{% diagnosis_card firm user as card %}: the same for one firm."""
    cards = diagnosis_cards([firm], user)
    return cards[0] if cards else None


@register.filter
def signed(number) -> str:
    """+5, −3 or 0: a change of score, with a real minus sign."""
    try:
        number = int(number)
    except (TypeError, ValueError):
        return ""
    if number > 0:
        return f"+{number}"
    if number < 0:
        return f"\u2212{-number}"
    return "0"
