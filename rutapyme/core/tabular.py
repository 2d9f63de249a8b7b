"""Reading spreadsheets that people upload: CSV in any usual encoding and separator, or XLSX.

Shared by every import (the firm base, diagnosis answers): telling a table from an image or
an old .xls, finding the separator, and reading records as the text a person typed, without
loading the whole file. Messages are for the person who uploaded the file, in Spanish.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime
from typing import IO, Protocol

from openpyxl import load_workbook


class TableLayout(Protocol):
    """What `iter_data_rows` needs to know of a file, as each import's layout records it."""

    kind: str  # "csv" or "xlsx"
    header_line: int
    encoding: str
    delimiter: str


XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"RIFF", b"BM", b"II*\x00")
DELIMITERS = (";", ",", "\t", "|")
HEAD_BYTES = 64 * 1024


class ImportFileError(Exception):
    """The file as a whole cannot be imported; `message` says why, in Spanish."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ImportRunSuperseded(Exception):
    """Another runner of the same import committed this chunk first: this one stops."""


def is_blank(cells) -> bool:
    return not any(cell is not None and str(cell).strip() for cell in cells)


def cell_text(value: object) -> str:
    """An XLSX cell as the text a person typed: 5.0 -> "5", 1790011674001 -> "1790011674001"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "SI" if value else "NO"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def sniff_binary(head: bytes, name: str) -> str:
    """The kind of content: "xlsx", "utf-16" or "text"; raises if it is not a table."""
    if not head.strip():
        raise ImportFileError(f"El archivo «{name}» está vacío.")
    if head.startswith(XLSX_MAGIC):
        return "xlsx"
    if head.startswith(OLE_MAGIC):
        raise ImportFileError(
            f"«{name}» es un Excel antiguo (.xls). Ábralo en Excel y guárdelo como "
            "«Libro de Excel (.xlsx)» o como «CSV»."
        )
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if head.startswith(IMAGE_MAGIC):
        raise ImportFileError(
            f"«{name}» es una imagen, no una hoja de cálculo. Suba el archivo en CSV o en "
            "Excel (.xlsx)."
        )
    if head.startswith(b"%PDF"):
        raise ImportFileError(f"«{name}» es un PDF. Suba el archivo en CSV o en Excel (.xlsx).")
    controls = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 12, 13))
    if b"\x00" in head or controls > len(head) // 100 + 2:
        raise ImportFileError(
            f"«{name}» no es un archivo CSV ni Excel (.xlsx) legible. Revise que sea el archivo "
            "correcto."
        )
    return "text"


def sniff_delimiter(head_text: str) -> str:
    for line in head_text.splitlines():
        if line.strip():
            counts = {d: line.count(d) for d in DELIMITERS}
            best = max(counts, key=lambda d: counts[d])
            return best if counts[best] else ";"
    return ";"


def csv_records(fileobj: IO[bytes], encoding: str, delimiter: str) -> Iterator[list[str]]:
    fileobj.seek(0)
    text = io.TextIOWrapper(fileobj, encoding=encoding, newline="")
    try:
        yield from csv.reader(text, delimiter=delimiter)
    finally:
        if not fileobj.closed:
            text.detach()  # leave the caller's file open


def open_workbook(fileobj: IO[bytes], name: str):
    fileobj.seek(0)
    try:
        workbook = load_workbook(fileobj, read_only=True, data_only=False)
        sheet = workbook.worksheets[0]
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a bad file
        raise ImportFileError(
            f"«{name}» no es un Excel (.xlsx) válido o está dañado. Ábralo y guárdelo de nuevo "
            "como .xlsx, o como CSV."
        ) from exc
    return workbook, sheet


def xlsx_records(fileobj: IO[bytes], name: str) -> Iterator[list[str]]:
    workbook, sheet = open_workbook(fileobj, name)
    sheet.reset_dimensions()  # the declared size may be wrong: read every row there is
    try:
        for values in sheet.iter_rows(min_row=1, values_only=True):
            yield [cell_text(value) for value in values]
    finally:
        workbook.close()


def iter_data_rows(
    fileobj: IO[bytes], name: str, layout: TableLayout
) -> Iterator[tuple[int, list]]:
    """(line number, cells) for every line after the header, empty ones included."""
    if layout.kind == "xlsx":
        records = xlsx_records(fileobj, name)
    else:
        records = csv_records(fileobj, layout.encoding, layout.delimiter)
    try:
        for number, record in enumerate(records, start=1):
            if number > layout.header_line:
                yield number, record
    finally:
        records.close()
