from decimal import Decimal

import pytest

from rutapyme.learning.codes import code_display, code_new, code_normalise
from rutapyme.learning.grading import parse_number, score


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("3,5", "3.5"),
        ("3.5", "3.5"),
        (" 18 ", "18"),
        ("1.234,5", "1234.5"),
        ("1,234.5", "1234.5"),
        ("1.500", "1500"),
        ("0.125", "0.125"),
        ("2,500", "2.5"),
        ("1.000.000", "1000000"),
        ("$ 12,40", "12.40"),
        ("USD 7", "7"),
        ("25 %", "25"),
        ("-4,2", "-4.2"),
        ("1 500,25", "1500.25"),
        ("12\u00a0kg", "12"),
    ],
)
def test_numbers_are_read_as_people_type_them(typed, number):
    assert parse_number(typed) == Decimal(number)


@pytest.mark.parametrize(
    "typed", ["", "   ", "tres", "3,5,", "3..5", "1,2.3,4", "3 5", "e5", "--1"]
)
def test_what_is_not_a_number_is_refused(typed):
    with pytest.raises(ValueError):
        parse_number(typed)


def test_the_score_is_a_percentage_rounded_half_up():
    class M:
        def __init__(self, correct):
            self.correct = correct

    assert score([M(True), M(True), M(False)]) == 67
    assert score([M(True), M(False)]) == 50
    assert score([M(True)] * 7 + [M(False)]) == 88  # 87.5 → 88
    assert score([]) == 0


def test_codes_are_16_unambiguous_characters_and_forgive_typing():
    code = code_new()
    assert len(code) == 16
    assert set(code) <= set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    assert code_new() != code
    assert code_display("ABCD0123EFGH4567") == "ABCD-0123-EFGH-4567"
    assert code_normalise(" abcd-o123 efgh-4567 ") == "ABCD0123EFGH4567"
    assert code_normalise("ABCD-I23L-EFGH-4567") == "ABCD1231EFGH4567"
    assert code_normalise("ABCD-0123-EFGH") is None
    assert code_normalise("ABCD-0123-EFGH-456U") is None  # U is not in the alphabet
    assert code_normalise("") is None
