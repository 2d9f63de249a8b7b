"""Answer files built in tests, the example firms of the format document, and import helpers."""

import csv
import io
import re
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from openpyxl import Workbook

from rutapyme.accounts.tests.factories import ProgrammeStaffFactory
from rutapyme.diagnosis import importing, services
from rutapyme.diagnosis.tests.factories import answers_for
from rutapyme.firms.tests.factories import FirmFactory

FORMAT_DOC = Path(settings.BASE_DIR) / "docs" / "diagnosis-import-format.md"


def doc_csv_blocks() -> list[str]:
    """The ```csv blocks of docs/diagnosis-import-format.md, in order."""
    return re.findall(r"```csv\n(.*?)```", FORMAT_DOC.read_text(encoding="utf-8"), re.S)


def header() -> list[str]:
    return importing.template_header(services.current_questionnaire().spec)


def example_firms():
    """The two firms of the format document's example rows, as the registry holds them."""
    firm_a = FirmFactory(
        country="EC",
        tax_id="1004321871001",
        offer_type="products",
        sector="artesanias",
        size_band="0-5",
        employees=3,
    )
    firm_b = FirmFactory(
        country="PE",
        tax_id="20601234565",
        province="",
        canton="Lima",
        offer_type="products",
        sector="alimentos",
        size_band="6-25",
        employees=12,
    )
    return firm_a, firm_b


def example_rows() -> list[dict[str, str]]:
    """The document's two example rows, as {column: cell}."""
    columns = header()
    return [dict(zip(columns, row, strict=True)) for row in csv.reader(io.StringIO(_examples()))]


def _examples() -> str:
    """The block after the document's header block: the example rows."""
    blocks = doc_csv_blocks()
    index = next(i for i, block in enumerate(blocks) if block.startswith("TAX_ID,"))
    return blocks[index + 1]


def cells_of(answers: dict) -> dict[str, str]:
    """Stored answers as a file writes them (multiple choice joined with ;)."""
    return {
        key: ";".join(value) if isinstance(value, list) else str(value)
        for key, value in answers.items()
    }


def answer_row(firm, answers: dict, **meta) -> dict[str, str]:
    """A data row for `firm` with `answers` (stored form); metadata overridable by column."""
    row = {
        "TAX_ID": firm.tax_id,
        "COUNTRY": firm.country,
        "ANSWERED_ON": "2026-03-02",
        "CHANNEL": "telefono",
    }
    row.update(cells_of(answers))
    row.update(meta)
    return row


def csv_bytes(
    rows: list[dict[str, str]],
    *,
    columns: list[str] | None = None,
    delimiter: str = ",",
    bom: bool = False,
    encoding: str = "utf-8",
) -> bytes:
    columns = header() if columns is None else columns
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    data = buffer.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(rows: list[dict[str, object]], *, columns: list[str] | None = None) -> bytes:
    columns = header() if columns is None else columns
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(columns)
    for row in rows:
        sheet.append([row.get(column) for column in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def create_import(content: bytes, name: str = "respuestas.csv", *, user=None, questionnaire=None):
    return importing.diagnosis_import_create(
        file=ContentFile(content),
        original_name=name,
        questionnaire=questionnaire or services.current_questionnaire(),
        created_by=user or ProgrammeStaffFactory(),
    )


def run_import(content: bytes, name: str = "respuestas.csv", **kwargs):
    """Create and run an import to the end; returns the finished DiagnosisImport."""
    diagnosis_import = create_import(content, name, **kwargs)
    return importing.diagnosis_import_process(diagnosis_import_id=diagnosis_import.pk)


def counts(diagnosis_import) -> dict:
    summary = importing.ImportSummary.of(diagnosis_import)
    return {
        "status": diagnosis_import.status,
        "rows": summary.rows_done,
        "created": summary.created,
        "updated": summary.updated,
        "unchanged": summary.unchanged,
        "rejected": summary.rejected,
        "warnings": summary.warnings,
        "empty": summary.empty,
    }


def report_of(diagnosis_import) -> list[tuple]:
    """The problem report as (line, column, severity, code) tuples."""
    return list(
        diagnosis_import.issues.order_by("line", "id").values_list(
            "line", "column", "severity", "code"
        )
    )


# --- A file with one row per problem code -------------------------------------------------------

UNKNOWN_RUC = "1712345675001"  # valid check digit, in no registry
BAD_RUC = "1710034066001"  # fails the check digit of a personal RUC

# (line, column, severity, code) of every problem of `messy_rows`, in report order.
MESSY_REPORT = [
    (3, "TAX_ID", "error", "unknown_firm"),
    (4, "TAX_ID", "error", "tax_id_invalid"),
    (5, "TAX_ID", "error", "duplicate_row"),
    (6, "VERSION", "error", "version_unknown"),
    (7, "ANSWERED_ON", "error", "date_invalid"),
    (8, "q06_online_sales", "error", "required_missing"),
    (9, "q06_online_sales", "error", "invalid_option"),
    (10, "q13_promotion_media", "error", "exclusive_conflict"),
    (11, "q07_area_experience__digital_sales", "error", "out_of_range"),
    (12, "q01_country", "error", "country_mismatch"),
    (13, "q03_size_band", "warning", "prefill_mismatch"),
    (14, "q17_return_policy", "warning", "not_applicable"),
    (15, "q11_relevant_platforms__other__text", "warning", "text_without_option"),
    (16, "q08_area_staff__digital_sales", "warning", "staff_exceeds_size"),
]
MESSY_COUNTS = {
    "status": "done",
    "rows": 15,
    "created": 5,
    "updated": 0,
    "unchanged": 0,
    "rejected": 10,
    "warnings": 4,
    "empty": 0,
}


def messy_rows() -> list[dict[str, str]]:
    """Fifteen rows (lines 2–16): a good one, one per error code, one per warning code.

    Creates the firms they name; MESSY_REPORT is the report they give.
    """
    firms = [FirmFactory(size_band="0-5", offer_type="products") for _ in range(12)]
    services_firm = FirmFactory(offer_type="services", size_band="0-5")
    unknown = FirmFactory.build(tax_id=UNKNOWN_RUC)

    def row(firm, seed, meta=None, **changes):
        return answer_row(firm, answers_for(firm, seed=seed, **changes), **(meta or {}))

    return [
        row(firms[0], 1),  # 2: imported
        row(unknown, 2),  # 3
        row(unknown, 3, {"TAX_ID": BAD_RUC}),  # 4
        row(firms[0], 1),  # 5: the same firm again
        row(firms[1], 4, {"VERSION": "2"}),  # 6
        row(firms[2], 5, {"ANSWERED_ON": "31/02/2026"}),  # 7
        row(firms[3], 6, q06_online_sales=None),  # 8
        row(firms[4], 7, q06_online_sales="marketplaces"),  # 9
        row(firms[5], 8, q13_promotion_media=["none", "instagram"]),  # 10
        row(firms[6], 9, q07_area_experience__digital_sales=5),  # 11
        row(firms[7], 10, q01_country="PE"),  # 12
        row(firms[8], 11, q03_size_band="6-25"),  # 13: imported, warning
        row(services_firm, 12, q17_return_policy="no"),  # 14: imported, warning
        row(  # 15: imported, warning
            firms[9],
            13,
            q11_relevant_platforms=["dont_know"],
            q11_relevant_platforms__other__text="x",
        ),
        row(firms[10], 14, q08_area_staff__digital_sales=9),  # 16: imported, warning
    ]
