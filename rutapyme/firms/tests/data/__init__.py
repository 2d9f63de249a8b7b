"""Small ministry files built in tests, and the helpers that import them."""

import csv
import io
import random

from django.core.files.base import ContentFile
from openpyxl import Workbook

from rutapyme.firms import importing
from rutapyme.firms.fakes import ec_company_ruc, ec_personal_ruc

HEADER = list(importing.COLUMNS)


def ruc(seed: int, province: str = "17") -> str:
    """A valid personal RUC, the same for the same seed."""
    return ec_personal_ruc(random.Random(seed), province)


def company_ruc(seed: int, province: str = "17") -> str:
    return ec_company_ruc(random.Random(seed), province)


def row(tax_id: str, name: str = "Tejidos Andinos S.A.", **overrides) -> list[str]:
    """A valid data row in the ministry's column order; overrides by column name."""
    values = {
        "RUC": tax_id,
        "RAZON_SOCIAL": name,
        "NOMBRE_COMERCIAL": "Tejidos Andinos",
        "PROVINCIA": "PICHINCHA",
        "CANTON": "QUITO",
        "SECTOR": "TEXTIL",
        "TIPO_OFERTA": "PRODUCTOS",
        "NUM_EMPLEADOS": "4",
        "REPRESENTANTE_LEGAL": "María Quishpe",
        "EMAIL": "ventas@tejidos.ec",
        "TELEFONO": "0991234567",
        "VENDE_EN_LINEA": "SI",
    }
    values.update(overrides)
    return [values[column] for column in HEADER]


def csv_bytes(
    rows: list[list[str]],
    *,
    header: list[str] | None = None,
    encoding: str = "utf-8",
    delimiter: str = ";",
    bom: bool = False,
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(HEADER if header is None else header)
    writer.writerows(rows)
    data = buffer.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(rows: list[list[object]], *, header: list[str] | None = None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER if header is None else header)
    for values in rows:
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def create_import(content: bytes, name: str = "base.csv", *, country: str = "EC", **kwargs):
    return importing.firm_import_create(
        file=ContentFile(content), original_name=name, country=country, **kwargs
    )


def run_import(content: bytes, name: str = "base.csv", *, country: str = "EC", **kwargs):
    """Create and run an import to the end; returns the finished FirmImport."""
    firm_import = create_import(content, name, country=country, **kwargs)
    return importing.firm_import_process(firm_import_id=firm_import.pk)


def issues_of(firm_import) -> list[tuple[int, str, str]]:
    return list(firm_import.issues.order_by("line").values_list("line", "kind", "reason"))


def counts(firm_import) -> dict:
    summary = importing.firm_import_summary(firm_import)
    return {
        "status": firm_import.status,
        "rows": summary.rows_done,
        "created": summary.created,
        "updated": summary.updated,
        "unchanged": summary.unchanged,
        "rejected": summary.rejected,
        "duplicates": summary.duplicates,
        "empty": summary.empty,
    }
