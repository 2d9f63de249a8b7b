import random

import pytest

from rutapyme.firms.fakes import ec_company_ruc, ec_personal_ruc
from rutapyme.firms.models import TaxIdStatus
from rutapyme.firms.taxids import check_tax_id


def test_valid_personal_ruc_is_verified():
    result = check_tax_id("EC", "1710034065001")
    assert result.ok
    assert (result.value, result.status) == ("1710034065001", TaxIdStatus.VALID)


def test_company_ruc_failing_checksum_is_accepted_to_verify():
    # Active RUC the SRI issued without an algorithmic check digit; python-stdnum rejects it.
    result = check_tax_id("EC", "1793213150001")
    assert result.ok
    assert (result.value, result.status) == ("1793213150001", TaxIdStatus.TO_VERIFY)


def test_personal_ruc_failing_checksum_is_rejected():
    result = check_tax_id("EC", "1710034066001")
    assert not result.ok
    assert "dígito verificador" in result.error


def test_ruc_that_lost_its_leading_zero_in_excel_is_restored():
    result = check_tax_id("EC", "992397535001")
    assert result.value == "0992397535001"
    assert result.status == TaxIdStatus.VALID


@pytest.mark.parametrize("raw", ["1790011674001.0", " 1790011674001 ", "1790011674-001"])
def test_ruc_spreadsheet_and_typing_variants(raw):
    assert check_tax_id("EC", raw).value == "1790011674001"


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("", "Falta el RUC"),
        ("17100340650", "13 dígitos"),
        ("ABC", "solo puede tener números"),
        ("9910034065001", "provincia"),
        ("1780011674001", "7 ni 8"),
        ("1790011674000", "establecimiento"),
    ],
)
def test_bad_rucs_get_a_reason(raw, fragment):
    result = check_tax_id("EC", raw)
    assert not result.ok
    assert fragment in result.error


@pytest.mark.parametrize(
    ("country", "raw", "expected"),
    [
        ("CL", "76.086.428-5", "760864285"),
        ("CO", "900.373.913-4", "9003739134"),
        ("PE", "20100047218", "20100047218"),
        ("AR", "20-26756539-3", "20267565393"),
    ],
)
def test_other_countries_use_their_check_digit_rule(country, raw, expected):
    result = check_tax_id(country, raw)
    assert (result.value, result.status) == (expected, TaxIdStatus.VALID)


def test_other_country_bad_check_digit_is_rejected():
    result = check_tax_id("CL", "76.086.428-4")
    assert not result.ok
    assert "RUT" in result.error


def test_country_without_algorithm_is_accepted_to_verify():
    result = check_tax_id("BO", "1020703023")
    assert (result.value, result.status) == ("1020703023", TaxIdStatus.TO_VERIFY)


def test_generated_rucs_pass_the_rule():
    rng = random.Random(1)
    for _ in range(200):
        assert check_tax_id("EC", ec_personal_ruc(rng)).status == TaxIdStatus.VALID
        assert check_tax_id("EC", ec_company_ruc(rng)).status == TaxIdStatus.VALID
