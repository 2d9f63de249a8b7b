from decimal import Decimal, InvalidOperation

from django import template

from rutapyme.core.money import Money

register = template.Library()


@register.filter
def money(amount, currency: str = "USD") -> str:
    """{{ product.price|money:product.currency }}"""
    if amount in (None, ""):
        return "—"
    try:
        return Money(Decimal(str(amount)), currency).format()
    except (InvalidOperation, ValueError, TypeError):
        return "—"
