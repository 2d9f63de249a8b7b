import pytest

from rutapyme.firms import normalise


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("5", (5, "0-5", "")),
        ("5.0", (5, "0-5", "")),
        ("6-25", (None, "6-25", "")),
        ("1 a 5", (None, "0-5", "")),
        ("+100", (None, "100+", "")),
        ("más de 100", (None, "100+", "")),
    ],
)
def test_employees_in_the_ways_spreadsheets_write_them(raw, expected):
    assert normalise.parse_employees(raw) == expected


@pytest.mark.parametrize("raw", ["-3", "- 3", "2.5", "muchos", "5-30"])
def test_employees_that_cannot_be_understood_get_a_reason(raw):
    employees, band, error = normalise.parse_employees(raw)
    assert (employees, band) == (None, "")
    assert raw in error


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("ARTESANIAS", "artesanias"), ("artesanía", "artesanias"), ("TEXTIL - CONFECCION", "textil")],
)
def test_sector_variants(raw, expected):
    assert normalise.parse_sector(raw) == (expected, "")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("PICHINCHA", "EC-P"), ("los rios", "EC-R"), ("Santo Domingo", "EC-SD"), ("EC-A", "EC-A")],
)
def test_province_variants(raw, expected):
    assert normalise.parse_province("EC", raw) == (expected, "")


def test_unknown_province_is_named_in_the_reason():
    assert normalise.parse_province("EC", "Narnia") == ("", "Provincia desconocida: «Narnia».")
