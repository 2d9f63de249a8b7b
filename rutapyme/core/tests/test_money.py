from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from rutapyme.core.money import Money


@pytest.mark.parametrize(
    ("language", "expected"),
    # Spanish groups thousands with a non-breaking space (RAE and Django's es formats).
    [("es", "USD 1\xa0234,50"), ("en", "USD 1,234.50"), ("pt-br", "USD 1.234,50")],
)
def test_money_is_formatted_per_locale(language, expected):
    with translation.override(language):
        assert Money(Decimal("1234.5"), "USD").format() == expected


def test_currencies_without_minor_units_are_rounded_half_up():
    with translation.override("es"):
        assert Money(Decimal("15990.5"), "CLP").format() == "CLP 15\xa0991"


def test_money_refuses_floats_and_bad_codes():
    with pytest.raises(TypeError):
        Money(12.5, "USD")
    with pytest.raises(ValueError):
        Money(Decimal("1"), "usd")


def test_money_template_filter():
    template = Template("{% load ruta %}{{ price|money:'PEN' }} {{ missing|money }}")
    with translation.override("es"):
        assert template.render(Context({"price": Decimal("20"), "missing": None})) == "PEN 20,00 —"


@pytest.mark.parametrize(
    ("language", "expected"), [("es", "21/11/2026"), ("en", "11/21/2026"), ("pt-br", "21/11/2026")]
)
def test_dates_are_formatted_per_locale(language, expected):
    import datetime as dt

    template = Template('{{ day|date:"SHORT_DATE_FORMAT" }}')
    with translation.override(language):
        assert template.render(Context({"day": dt.date(2026, 11, 21)})) == expected
