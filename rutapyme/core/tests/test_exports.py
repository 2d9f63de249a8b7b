import datetime as dt
import io
from decimal import Decimal

from openpyxl import load_workbook

from rutapyme.core.exports import csv_rows, neutralise, xlsx_bytes


def test_formula_looking_text_is_neutralised():
    for text in ("=1+1", "+593", "-2", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(text) == "'" + text


def test_plain_values_are_kept_as_they_are():
    when = dt.date(2026, 11, 21)
    assert [neutralise(v) for v in ("Calzado", 5, -3, Decimal("1.50"), when, None)] == [
        "Calzado", 5, -3, Decimal("1.50"), when, "",
    ]  # fmt: skip


def test_csv_starts_with_bom_and_neutralises_cells():
    text = "".join(csv_rows(["RUC", "NOMBRE"], [["1790011674001", '=HYPERLINK("x")']]))
    assert text == '\ufeffRUC,NOMBRE\r\n1790011674001,"\'=HYPERLINK(""x"")"\r\n'


def test_xlsx_never_writes_a_formula():
    data = xlsx_bytes("Empresas", ["NOMBRE", "EMPLEADOS"], [["=2+2", 4], ["@cmd", -1]])
    sheet = load_workbook(io.BytesIO(data)).active
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["NOMBRE", "EMPLEADOS"], ["'=2+2", 4], ["'@cmd", -1],
    ]  # fmt: skip
    assert sheet["A2"].data_type == "s"
