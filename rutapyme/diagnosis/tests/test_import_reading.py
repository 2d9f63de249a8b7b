"""Reading answer files: formats, encodings, the header row, and the templates."""

import csv
import datetime
import io
import random

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from rutapyme.accounts.tests.factories import AdminFactory
from rutapyme.diagnosis import importing, services
from rutapyme.diagnosis.models import Diagnosis
from rutapyme.diagnosis.tests.data import (
    answer_row,
    counts,
    csv_bytes,
    doc_csv_blocks,
    example_firms,
    example_rows,
    header,
    report_of,
    run_import,
    xlsx_bytes,
)
from rutapyme.diagnosis.tests.factories import answers_for
from rutapyme.firms.fakes import ec_personal_ruc
from rutapyme.firms.tests.factories import FirmFactory

pytestmark = pytest.mark.django_db


def _spec():
    return services.current_questionnaire().spec


def _levels() -> dict[str, int]:
    return dict(Diagnosis.objects.values_list("firm__tax_id", "level"))


# --- The document and the templates agree with the code ---------------------------------------


def test_the_documents_header_is_the_header_of_the_current_version():
    blocks = doc_csv_blocks()
    documented = next(block for block in blocks if block.startswith("TAX_ID,"))

    assert documented.strip().split(",") == importing.template_header(_spec())
    assert len(importing.template_header(_spec())) == 89


def test_the_csv_template_carries_the_documents_example_rows():
    rows = importing.template_csv_rows(_spec())

    assert [dict(zip(header(), row, strict=True)) for row in rows] == example_rows()


def test_the_xlsx_template_has_the_header_drop_downs_and_the_codes_sheet():
    book = load_workbook(io.BytesIO(importing.template_xlsx(_spec())))

    assert book.sheetnames == ["respuestas", "codigos"]
    sheet, codes = book["respuestas"], book["codigos"]
    assert [cell.value for cell in sheet[1]] == importing.template_header(_spec())
    assert sheet.column_dimensions["A"].number_format == "@"
    validations = {str(v.sqref).split(":")[0]: v for v in sheet.data_validations.dataValidation}
    columns = {name: i for i, name in enumerate(importing.template_header(_spec()), start=1)}

    def validation(name):
        return validations.get(f"{get_column_letter(columns[name])}2")

    assert validation("q06_online_sales").formula1.startswith("codigos!$C$")
    assert validation("q07_area_experience__digital_sales").formula1 == '"1,2,3,4"'
    assert validation("q15_payment_barriers__bank_fees").formula1 == '"1,2,3,4,5"'
    assert validation("q08_area_staff__digital_sales").type == "whole"
    assert validation("q13_promotion_media") is None  # several codes: no drop-down
    assert validation("TAX_ID") is None
    # the list of q06 is its options, with their Spanish labels
    start, end = validation("q06_online_sales").formula1.removeprefix("codigos!").split(":")
    first, last = int(start.split("$")[-1]), int(end.split("$")[-1])
    listed = [(codes.cell(r, 3).value, codes.cell(r, 4).value) for r in range(first, last + 1)]
    question = _spec().questions["q06_online_sales"]
    assert listed == [(o.code, o.label) for o in question.options]
    described = {row[0]: row[1] for row in codes.iter_rows(min_row=2, values_only=True) if row[0]}
    assert list(described) == importing.template_header(_spec())
    assert described["q06_online_sales"] == question.text
    assert all(described.values())


# --- Formats and encodings --------------------------------------------------------------------


def test_csv_with_semicolons_and_bom_imports_like_the_comma_file():
    example_firms()

    diagnosis_import = run_import(
        csv_bytes(example_rows(), delimiter=";", bom=True), user=AdminFactory()
    )

    assert report_of(diagnosis_import) == []
    assert _levels() == {"1004321871001": 1, "20601234565": 5}


def test_csv_saved_by_excel_in_windows_1252():
    example_firms()

    diagnosis_import = run_import(
        csv_bytes(example_rows(), delimiter=";", encoding="cp1252"), user=AdminFactory()
    )

    assert report_of(diagnosis_import) == []
    text = Diagnosis.objects.get(firm__country="PE").answers["q21_known_support__knows__text"]
    assert text == "Promperú, Exporta Fácil"


def test_xlsx_with_numbers_and_date_cells_imports_like_the_csv():
    example_firms()
    rows = []
    for row in example_rows():
        typed: dict[str, object] = dict(row)
        typed["TAX_ID"] = int(row["TAX_ID"])
        typed["VERSION"] = 1
        day = importing.parse_date(row["ANSWERED_ON"])
        typed["ANSWERED_ON"] = datetime.datetime(day.year, day.month, day.day)
        for key, value in row.items():
            if value.isdigit() and key.startswith(("q07", "q08", "q15", "q19", "q20", "q22")):
                typed[key] = float(value)  # as a spreadsheet stores numbers
        rows.append(typed)

    diagnosis_import = run_import(xlsx_bytes(rows), "respuestas.xlsx", user=AdminFactory())

    assert report_of(diagnosis_import) == []
    assert _levels() == {"1004321871001": 1, "20601234565": 5}
    assert Diagnosis.objects.get(firm__country="EC").answered_on == datetime.date(2026, 11, 3)


def test_an_ecuadorian_ruc_stored_as_a_number_in_xlsx_keeps_its_leading_zero():
    firm = FirmFactory(tax_id=ec_personal_ruc(random.Random(7), "09"))
    row: dict[str, object] = answer_row(firm, answers_for(firm, seed=1))
    row["TAX_ID"] = int(firm.tax_id)  # 12 digits in the cell

    diagnosis_import = run_import(xlsx_bytes([row]), "respuestas.xlsx")

    assert counts(diagnosis_import)["created"] == 1


def test_blank_lines_are_counted_and_ignored():
    firm = FirmFactory()
    content = csv_bytes([{}, answer_row(firm, answers_for(firm, seed=1)), {}])

    diagnosis_import = run_import(content)

    assert counts(diagnosis_import) == {
        "status": "done",
        "rows": 3,
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
        "warnings": 0,
        "empty": 2,
    }


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "r.csv", "El archivo «r.csv» está vacío."),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "r.xls", "«r.xls» es un Excel antiguo"),
        (b"PK\x03\x04garbage", "r.xlsx", "«r.xlsx» no es un Excel (.xlsx) válido"),
        (None, "r.csv", "«r.csv» solo tiene la fila de títulos"),
    ],
)
def test_files_that_cannot_be_read(content, name, message):
    content = csv_bytes([]) if content is None else content

    with pytest.raises(importing.ImportFileError) as error:
        importing.read_layout(io.BytesIO(content), name, _spec())

    assert error.value.message.startswith(message)


# --- The header row ---------------------------------------------------------------------------


def _header_problems(columns: list[str]) -> list[tuple[str, str]]:
    content = csv_bytes([{}], columns=columns)
    try:
        importing.read_layout(io.BytesIO(content + b"x\r\n"), "r.csv", _spec())
    except importing.HeaderError as exc:
        return [(problem.column, problem.code) for problem in exc.problems]
    return []


def test_metadata_columns_in_any_case_tax_id_aliases_and_report_columns_are_accepted():
    columns = header()
    columns = ["LINEA", "tipo", "Motivo", "ruc", "country", "Answered_On", *columns[3:]]
    columns.remove("ANSWERED_ON")

    assert _header_problems(columns) == []


def test_optional_columns_may_be_left_out():
    spec = _spec()
    required = importing.required_columns(spec)

    assert _header_problems(required) == []
    assert "q01_country" not in required
    assert "q16_logistics_management" not in required
    assert "q15_payment_barriers__other" not in required
    assert "q24_suggestions" not in required
    assert "q06_online_sales" in required


def test_unknown_repeated_and_missing_columns_reject_the_file_with_every_problem():
    columns = [c for c in header() if c != "q06_online_sales"]
    columns[columns.index("q10_export_intent")] = "Q10_export_intent"
    columns.append("COUNTRY")

    assert _header_problems(columns) == [
        ("Q10_export_intent", "unknown_column"),
        ("COUNTRY", "unknown_column"),
        ("q06_online_sales", "missing_column"),
        ("q10_export_intent", "missing_column"),
    ]


def test_a_file_of_another_kind_gets_one_clear_message_first():
    content = b"RAZON_SOCIAL;SECTOR\r\nTejidos;textil\r\n"

    with pytest.raises(importing.HeaderError) as error:
        importing.read_layout(io.BytesIO(content), "base.csv", _spec())

    assert error.value.messages()[0].startswith("No parece un archivo de respuestas")


def test_a_missing_optional_column_is_a_required_answer_for_the_firms_that_need_it():
    goods = FirmFactory(offer_type="products")
    service = FirmFactory(offer_type="services")
    columns = importing.required_columns(_spec())
    rows = [
        answer_row(goods, answers_for(goods, seed=1)),
        answer_row(service, answers_for(service, seed=2)),
    ]

    diagnosis_import = run_import(csv_bytes(rows, columns=columns))

    assert {(line, code) for line, _c, _s, code in report_of(diagnosis_import)} == {
        (2, "required_missing")
    }
    assert [column for _l, column, _s, _c in report_of(diagnosis_import)] == [
        "q16_logistics_management",
        "q17_return_policy",
        "q18_delivery_abroad",
        *[item.key for item in _spec().questions["q19_logistics_barriers"].items],
    ]
    assert list(Diagnosis.objects.values_list("firm", flat=True)) == [service.pk]


def test_the_rejected_rows_file_reads_back_as_an_answer_file():
    """LINEA, TIPO and MOTIVO in front are ignored (the header of the rejected-rows download)."""
    firm = FirmFactory()
    row = answer_row(firm, answers_for(firm, seed=1))
    content = io.StringIO()
    writer = csv.writer(content)
    writer.writerow(["LINEA", "TIPO", "MOTIVO", *header()])
    writer.writerow(["7", "out_of_range", "q07: …", *[row.get(c, "") for c in header()]])

    diagnosis_import = run_import(content.getvalue().encode())

    assert counts(diagnosis_import)["created"] == 1
