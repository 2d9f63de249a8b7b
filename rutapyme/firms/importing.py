"""Bulk import of a base of firms (the ministry's CSV or XLSX): read, normalise, upsert.

The same code runs from the upload page (as a background task, `tasks.firm_import_run`), from
`manage.py import_firms` and from `benchmarks/import_firms.py`. docs/import-format.md is the
user-facing description of the rules below.

Reading
    CSV in UTF-8 (with or without BOM), UTF-16 with BOM, or Windows-1252; `;`, `,`, tab or `|`
    separated (sniffed from the header line); or the first sheet of an XLSX workbook, read
    as text. The header is the first non-empty row; its names are matched without regard to
    case, accents, spaces or underscores; extra columns are ignored; a missing required column
    is a file-level error (`ImportFileError`), as is anything that is not a table at all.

Line numbers
    The row number a spreadsheet user sees: the header is line 1 when it is the first row.
    Every data line after the header is counted in `FirmImport.rows_done`, so
    rows_done = created + updated + unchanged + rejected + duplicates + empty lines.

Rows
    An empty row is ignored and only counted. A row with any value that cannot be understood
    (bad check digit, no legal name, unknown province, invalid phone…) is rejected as a whole,
    with every reason, and nothing of it is written. A valid row creates the firm, or updates
    the existing firm with the same (country, tax ID); an empty optional cell never erases what
    the registry already holds, so re-importing the same file changes nothing.

Repeats in the file
    The first valid row of a tax ID wins. A later row with the same normalised data is a
    DUPLICATE issue ("igual a la línea N"), a later row with different data is REJECTED and
    names the line kept and the columns that differ. Identical decisions on every run (and on
    a resumed run) because they depend on the file only.

Checkpoints
    Rows are written in chunks of CHUNK_SIZE data lines. Each chunk commits its firms, consent
    records, affiliations, issues, `rows_done` and counters in one transaction. A run that died
    (worker killed) leaves the import RUNNING at the last checkpoint; running it again re-reads
    the file from the start, rebuilds the in-file duplicate state without writing, and
    continues after the checkpoint, so it ends exactly as one clean run. A chunk is claimed by
    a conditional UPDATE on `rows_done`, so two runners of the same import can never both
    write a chunk: the one that loses stops quietly.
"""

from __future__ import annotations

import csv
import json
import logging
import re
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import IO

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from rutapyme.accounts.models import Organisation
from rutapyme.core.countries import ALADI_COUNTRIES
from rutapyme.core.tabular import (
    HEAD_BYTES,
    ImportFileError,
    ImportRunSuperseded,
    cell_text,
    csv_records,
    is_blank,
    iter_data_rows,
    open_workbook,
    sniff_binary,
    sniff_delimiter,
)
from rutapyme.core.text import clean, fold

from . import normalise
from .models import (
    ConsentRecord,
    Firm,
    FirmAffiliation,
    FirmImport,
    FirmImportIssue,
    Source,
)
from .permissions import firm_imports_visible_to, import_countries_for
from .taxids import check_tax_id

logger = logging.getLogger(__name__)

CHUNK_SIZE = 2000
# An import queued or running with no checkpoint for this long has lost its worker (a chunk
# takes about a second) and may be started again by staff. Rerunning a live import is safe:
# only one run can move each checkpoint.
RESUMABLE_AFTER = timedelta(minutes=3)

COLUMNS = (
    "RUC",
    "RAZON_SOCIAL",
    "NOMBRE_COMERCIAL",
    "PROVINCIA",
    "CANTON",
    "SECTOR",
    "TIPO_OFERTA",
    "NUM_EMPLEADOS",
    "REPRESENTANTE_LEGAL",
    "EMAIL",
    "TELEFONO",
    "VENDE_EN_LINEA",
)
REQUIRED_COLUMNS = ("RUC", "RAZON_SOCIAL", "SECTOR", "TIPO_OFERTA", "NUM_EMPLEADOS")

# Other names the same columns get in real files (compared after `_column_key`).
_COLUMN_ALIASES = {
    "RUC": ["numeroruc", "nroruc", "noruc", "numruc", "rucempresa"],
    "RAZON_SOCIAL": ["razon", "nombrerazonsocial", "razonsocialempresa"],
    "NOMBRE_COMERCIAL": ["nombrefantasia", "nombredelnegocio"],
    "PROVINCIA": ["prov"],
    "CANTON": ["ciudad", "municipio"],
    "SECTOR": ["sectorproductivo", "sectoreconomico"],
    "TIPO_OFERTA": ["tipodeoferta", "oferta", "ofrece"],
    "NUM_EMPLEADOS": [
        "empleados",
        "numeroempleados",
        "numerodeempleados",
        "nempleados",
        "noempleados",
        "nroempleados",
        "trabajadores",
    ],
    "REPRESENTANTE_LEGAL": ["representante", "replegal"],
    "EMAIL": ["correo", "correoelectronico", "mail", "email1"],
    "TELEFONO": ["telefonos", "celular", "telefonocelular", "telf", "tel", "movil"],
    "VENDE_EN_LINEA": ["vendeonline", "ventasenlinea", "ventaenlinea", "comercioelectronico"],
}

# Firm fields a row sets, in a fixed order (the duplicate fingerprint relies on it), and the
# column each comes from (for reasons shown to the user).
ROW_FIELDS = (
    "legal_name",
    "trade_name",
    "province",
    "canton",
    "sector",
    "offer_type",
    "employees",
    "size_band",
    "legal_representative",
    "email",
    "phone",
    "sells_online",
)
FIELD_COLUMN = {
    "legal_name": "RAZON_SOCIAL",
    "trade_name": "NOMBRE_COMERCIAL",
    "province": "PROVINCIA",
    "canton": "CANTON",
    "sector": "SECTOR",
    "offer_type": "TIPO_OFERTA",
    "employees": "NUM_EMPLEADOS",
    "size_band": "NUM_EMPLEADOS",
    "legal_representative": "REPRESENTANTE_LEGAL",
    "email": "EMAIL",
    "phone": "TELEFONO",
    "sells_online": "VENDE_EN_LINEA",
}
MAX_LENGTH = {
    "legal_name": (250, "La razón social"),
    "trade_name": (250, "El nombre comercial"),
    "canton": (120, "El cantón"),
    "legal_representative": (200, "El nombre del representante legal"),
    "email": (254, "El correo"),
}


# --- Reading ----------------------------------------------------------------------------------


def _column_key(text: object) -> str:
    return re.sub(r"[^a-z0-9]", "", fold(clean(text)))


_COLUMN_BY_KEY: dict[str, str] = {}
for _name in COLUMNS:
    _COLUMN_BY_KEY[_column_key(_name)] = _name
    for _alias in _COLUMN_ALIASES.get(_name, []):
        _COLUMN_BY_KEY[_alias] = _name


@dataclass
class Layout:
    """What was learnt about a file before importing it."""

    kind: str  # "csv" or "xlsx"
    header_line: int
    columns: dict[str, int]  # canonical column -> position in the row
    ignored_columns: list[str]
    encoding: str = ""
    delimiter: str = ""
    data_lines: int | None = None  # lines after the header, empty ones included (XLSX: estimate)
    filled_lines: int | None = None  # of which not empty (XLSX: 1 if there is any)

    @property
    def positions(self) -> list[int | None]:
        return [self.columns.get(name) for name in COLUMNS]


def _header_columns(header: list, name: str) -> tuple[dict[str, int], list[str]]:
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for position, title in enumerate(header):
        column = _COLUMN_BY_KEY.get(_column_key(title))
        if column is None or column in columns:
            if clean(title):
                ignored.append(clean(title))
            continue
        columns[column] = position
    if not columns:
        raise ImportFileError(
            f"No se encontraron los nombres de las columnas en «{name}». La primera fila debe "
            f"tener los títulos: {';'.join(COLUMNS)}."
        )
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise ImportFileError(
            f"Faltan columnas obligatorias: {', '.join(missing)}. La primera fila debe tener los "
            f"títulos: {';'.join(COLUMNS)}."
        )
    return columns, ignored


def _scan_csv(fileobj: IO[bytes], name: str, encoding: str, delimiter: str) -> Layout:
    header: list[str] | None = None
    header_line = 0
    data_lines = filled = 0
    number = 0
    try:
        for number, record in enumerate(csv_records(fileobj, encoding, delimiter), start=1):
            if header is None:
                if not is_blank(record):
                    header, header_line = record, number
                continue
            data_lines += 1
            if not is_blank(record):
                filled += 1
    except csv.Error as exc:
        raise ImportFileError(
            f"No se pudo leer «{name}» en la línea {number + 1}: el archivo está dañado o no es "
            "un CSV."
        ) from exc
    if header is None:
        raise ImportFileError(f"El archivo «{name}» está vacío.")
    columns, ignored = _header_columns(header, name)
    return Layout(
        kind="csv",
        header_line=header_line,
        columns=columns,
        ignored_columns=ignored,
        encoding=encoding,
        delimiter=delimiter,
        data_lines=data_lines,
        filled_lines=filled,
    )


def _scan_xlsx(fileobj: IO[bytes], name: str) -> Layout:
    workbook, sheet = open_workbook(fileobj, name)
    try:
        declared = sheet.max_row  # from the sheet's <dimension>: only an estimate
        sheet.reset_dimensions()
        header, header_line, has_data = None, 0, False
        for number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
            if is_blank(values):
                continue
            if header is not None:
                has_data = True
                break
            header, header_line = [cell_text(v) for v in values], number
    except Exception as exc:  # noqa: BLE001
        raise ImportFileError(f"«{name}» no es un Excel (.xlsx) válido o está dañado.") from exc
    finally:
        workbook.close()
    if header is None:
        raise ImportFileError(f"La primera hoja de «{name}» está vacía.")
    columns, ignored = _header_columns(header, name)
    return Layout(
        kind="xlsx",
        header_line=header_line,
        columns=columns,
        ignored_columns=ignored,
        data_lines=declared - header_line if declared and declared > header_line else None,
        filled_lines=1 if has_data else 0,
    )


def read_layout(fileobj: IO[bytes], name: str) -> Layout:
    """Sniff format, encoding, separator and header of a binary, seekable file.

    Raises ImportFileError with a message for the person who uploaded it.
    """
    fileobj.seek(0)
    head = fileobj.read(HEAD_BYTES)
    kind = sniff_binary(head, name)
    if kind == "xlsx":
        layout = _scan_xlsx(fileobj, name)
    else:
        delimiter = sniff_delimiter(
            head.decode("utf-16" if kind == "utf-16" else "utf-8", errors="replace")
        )
        encodings = ("utf-16",) if kind == "utf-16" else ("utf-8-sig", "cp1252", "latin-1")
        layout = None
        for encoding in encodings:
            try:
                layout = _scan_csv(fileobj, name, encoding, delimiter)
                break
            except UnicodeDecodeError:
                continue
        if layout is None:
            raise ImportFileError(f"No se pudo leer el texto de «{name}».")
    if not layout.filled_lines:
        raise ImportFileError(
            f"«{name}» solo tiene la fila de títulos: no hay empresas que importar."
        )
    fileobj.seek(0)
    return layout


# --- Normalising one row ----------------------------------------------------------------------

_province = lru_cache(maxsize=2048)(normalise.parse_province)
_canton = lru_cache(maxsize=8192)(normalise.parse_canton)
_sector = lru_cache(maxsize=1024)(normalise.parse_sector)
_offer_type = lru_cache(maxsize=256)(normalise.parse_offer_type)
_employees = lru_cache(maxsize=2048)(normalise.parse_employees)
_bool = lru_cache(maxsize=256)(normalise.parse_bool)
_validate_email = EmailValidator()
_EC_PHONE_TEXT = re.compile(r"[+\d\s().\-]+")
_EXCEL_FLOAT = re.compile(r"\d+\.0+")
_NON_DIGIT = re.compile(r"\D")


def _text(value: str) -> str:
    """core.text.clean for a cell that is already text, faster (called ~12 times a row)."""
    return " ".join(value.split())


def parse_phone(country: str, text: str) -> tuple[str, str]:
    """normalise.parse_phone, with a shortcut for the usual ways of writing an Ecuadorian number.

    The shortcut works out the national number the way parse_phone does and answers only when
    libphonenumber says that number is valid; everything else goes to parse_phone, so results
    and messages are the same (a test compares them), at about a third of the cost.
    """
    if country == "EC" and text and _EC_PHONE_TEXT.fullmatch(text):
        if _EXCEL_FLOAT.fullmatch(text):
            text = text.split(".")[0]
        digits = _NON_DIGIT.sub("", text)
        national = ""
        if digits.startswith("593") and (text.startswith("+") or not digits.startswith("0")):
            national = digits[3:]
        elif not text.startswith("+"):
            if digits.startswith("0"):
                national = digits[1:]
            elif len(digits) in (8, 9):
                national = digits
        if national and national[0] != "0" and len(national) <= 10:
            number = phonenumbers.PhoneNumber(country_code=593, national_number=int(national))
            if phonenumbers.is_valid_number(number):
                return "+593" + national, ""
    return normalise.parse_phone(country, text)


@dataclass(frozen=True)
class NormalisedRow:
    tax_id: str
    tax_id_status: str
    values: dict  # only the fields with a value in the file; empty cells are absent
    errors: tuple[str, ...]


def normalise_row(country: str, raw: list[str]) -> NormalisedRow:
    """The 12 cells of a row (in COLUMNS order) as firm values, or every reason they are not."""
    ruc, legal, trade, province, canton, sector, offer, employees, rep, email, phone, online = raw
    errors: list[str] = []
    values: dict = {}

    check = check_tax_id(country, ruc)
    if not check.ok:
        errors.append(check.error)

    texts = {
        "legal_name": _text(legal),
        "trade_name": _text(trade),
        "canton": _text(canton),
        "legal_representative": _text(rep),
        "email": _text(email).lower(),
    }
    if not texts["legal_name"]:
        errors.append("Falta la razón social.")
    for name, text in texts.items():
        limit, label = MAX_LENGTH[name]
        if len(text) > limit:
            errors.append(f"{label} tiene más de {limit} caracteres.")
        elif text:
            values[name] = text
    if "canton" in values:
        values["canton"] = _canton(values["canton"])[0]
    if "email" in values:
        try:
            _validate_email(values["email"])
        except ValidationError:
            errors.append(f"Correo no válido: «{_text(email)}».")

    value, error = _province(country, _text(province))
    if error:
        errors.append(error)
    elif value:
        values["province"] = value
    value, error = _sector(_text(sector))
    if error:
        errors.append(error)
    else:
        values["sector"] = value
    value, error = _offer_type(_text(offer))
    if error:
        errors.append(error)
    else:
        values["offer_type"] = value
    employees = _text(employees)
    count, band, error = _employees(employees)
    if employees.startswith("-"):
        count, band, error = None, "", f"Número de empleados no válido: «{employees}»."
    if error:
        errors.append(error)
    else:
        values["size_band"] = band
        if count is not None:
            values["employees"] = count
    value, error = parse_phone(country, _text(phone))
    if error:
        errors.append(error)
    elif value:
        values["phone"] = value
    flag, error = _bool(_text(online))
    if error:
        errors.append(f"VENDE_EN_LINEA: {error}")
    elif flag is not None:
        values["sells_online"] = flag

    return NormalisedRow(
        tax_id=check.value, tax_id_status=check.status, values=values, errors=tuple(errors)
    )


def _fingerprint(values: dict) -> bytes:
    """One hash per field, packed: equal rows have equal fingerprints, and the slices that
    differ name the columns that differ. Hashes only need to agree within one process."""
    return struct.pack(f"{len(ROW_FIELDS)}q", *(hash(values.get(f)) for f in ROW_FIELDS))


def _differing_columns(a: bytes, b: bytes) -> list[str]:
    columns: list[str] = []
    for position, name in enumerate(ROW_FIELDS):
        if a[position * 8 : position * 8 + 8] != b[position * 8 : position * 8 + 8]:
            column = FIELD_COLUMN[name]
            if column not in columns:
                columns.append(column)
    return columns


# --- Classifying the rows of a file ----------------------------------------------------------

EMPTY, ACCEPTED, REJECTED, DUPLICATE = "empty", "accepted", "rejected", "duplicate"


@dataclass(slots=True)
class RowOutcome:
    line: int
    kind: str
    tax_id: str = ""
    tax_id_status: str = ""
    values: dict | None = None
    reason: str = ""
    raw: list[str] | None = None


@dataclass
class FileState:
    """What the run has learnt from the file so far: the first valid line of each tax ID."""

    first_seen: dict[str, tuple[int, bytes]] = field(default_factory=dict)


def classify_row(
    country: str, line: int, cells: list, positions: list[int | None], state: FileState
) -> RowOutcome:
    width = len(cells)
    raw = [
        ("" if p is None or p >= width or cells[p] is None else str(cells[p])) for p in positions
    ]
    if not any(cell.strip() for cell in raw) and is_blank(cells):
        return RowOutcome(line=line, kind=EMPTY)
    row = normalise_row(country, raw)
    if row.errors:
        tax_id, reason = clean(raw[0])[:40], " ".join(row.errors)
        return RowOutcome(line=line, kind=REJECTED, tax_id=tax_id, reason=reason, raw=raw)
    fingerprint = _fingerprint(row.values)
    seen = state.first_seen.get(row.tax_id)
    if seen is not None:
        first_line, first_fingerprint = seen
        if first_fingerprint == fingerprint:
            return RowOutcome(
                line=line,
                kind=DUPLICATE,
                tax_id=row.tax_id,
                reason=f"Igual a la línea {first_line}: no se importa dos veces.",
                raw=raw,
            )
        columns = ", ".join(_differing_columns(first_fingerprint, fingerprint))
        return RowOutcome(
            line=line,
            kind=REJECTED,
            tax_id=row.tax_id,
            reason=(
                f"El RUC ya aparece en la línea {first_line} con otros datos ({columns}). Se "
                f"importó la línea {first_line} y esta no: corrija el archivo si esta es la "
                "correcta."
            ),
            raw=raw,
        )
    state.first_seen[row.tax_id] = (line, fingerprint)
    return RowOutcome(
        line=line,
        kind=ACCEPTED,
        tax_id=row.tax_id,
        tax_id_status=row.tax_id_status,
        values=row.values,
    )


# --- Writing ----------------------------------------------------------------------------------


@dataclass
class ChunkPlan:
    to_create: list[Firm]
    to_update: list[Firm]
    update_fields: set[str]
    existing_ids: list[int]  # firms of the chunk already in the registry (for affiliations)
    unchanged: int


_COMPARED = ("id", "tax_id_status", *ROW_FIELDS)


def _changes(current: dict, row: RowOutcome) -> dict:
    """The fields the row changes; an empty cell (absent from `values`) changes nothing."""
    values = row.values or {}
    changes = {name: value for name, value in values.items() if current[name] != value}
    if "size_band" in changes and "employees" not in values and current["employees"] is not None:
        changes["employees"] = None  # a range that no longer matches the exact number
    if current["tax_id_status"] != row.tax_id_status:
        changes["tax_id_status"] = row.tax_id_status
    return changes


def plan_chunk(firm_import: FirmImport, accepted: list[RowOutcome], now) -> ChunkPlan:
    """Which rows create a firm, which change one, which change nothing: one query."""
    existing = {
        values[0]: dict(zip(_COMPARED, values[1:], strict=True))
        for values in Firm.objects.filter(
            country=firm_import.country, tax_id__in=[row.tax_id for row in accepted]
        ).values_list("tax_id", *_COMPARED)
    }
    plan = ChunkPlan(to_create=[], to_update=[], update_fields=set(), existing_ids=[], unchanged=0)
    for row in accepted:
        current = existing.get(row.tax_id)
        if current is None:
            plan.to_create.append(
                Firm(
                    country=firm_import.country,
                    tax_id=row.tax_id,
                    tax_id_status=row.tax_id_status,
                    source=Source.IMPORTED,
                    **(row.values or {}),
                )
            )
            continue
        plan.existing_ids.append(current["id"])
        changes = _changes(current, row)
        if changes:
            # bulk_update writes every field of the union for every firm: start from the
            # current values so that only the changed ones differ.
            plan.to_update.append(Firm(**(current | changes), updated_at=now))
            plan.update_fields.update(changes)
        else:
            plan.unchanged += 1
    return plan


def write_firms(firm_import: FirmImport, plan: ChunkPlan, now) -> None:
    if plan.to_create:
        Firm.objects.bulk_create(plan.to_create, batch_size=500)
        ConsentRecord.objects.bulk_create(
            [
                ConsentRecord(
                    firm=firm,
                    user=None,
                    text_version=settings.CONSENT_TEXT_VERSION,
                    channel=ConsentRecord.Channel.IMPORT,
                    accepted_at=now,
                )
                for firm in plan.to_create
            ],
            batch_size=1000,
        )
    if plan.to_update:
        Firm.objects.bulk_update(
            plan.to_update, fields=[*sorted(plan.update_fields), "updated_at"], batch_size=500
        )
    if firm_import.organisation_id:
        firm_ids = plan.existing_ids + [firm.pk for firm in plan.to_create]
        FirmAffiliation.objects.bulk_create(
            [
                FirmAffiliation(firm_id=firm_id, organisation_id=firm_import.organisation_id)
                for firm_id in firm_ids
            ],
            batch_size=1000,
            ignore_conflicts=True,
        )


def write_issues(firm_import: FirmImport, rows: list[RowOutcome]) -> int:
    issues = [
        FirmImportIssue(
            firm_import=firm_import,
            line=row.line,
            kind=FirmImportIssue.Kind.DUPLICATE
            if row.kind == DUPLICATE
            else FirmImportIssue.Kind.REJECTED,
            tax_id=row.tax_id,
            reason=row.reason,
            raw=json.dumps(row.raw, ensure_ascii=False),
        )
        for row in rows
        if row.kind in (REJECTED, DUPLICATE)
    ]
    FirmImportIssue.objects.bulk_create(issues, batch_size=1000)
    return len(issues)


def commit_chunk(firm_import: FirmImport, rows: list[RowOutcome], *, start: int, end: int) -> None:
    """Write one chunk and move the checkpoint from `start` to `end`, all or nothing."""
    now = timezone.now()
    accepted = [row for row in rows if row.kind == ACCEPTED]
    with transaction.atomic():
        plan = plan_chunk(firm_import, accepted, now)
        claimed = FirmImport.objects.filter(
            pk=firm_import.pk, status=FirmImport.Status.RUNNING, rows_done=start
        ).update(
            rows_done=end,
            progress_at=now,
            created_count=F("created_count") + len(plan.to_create),
            updated_count=F("updated_count") + len(plan.to_update),
            unchanged_count=F("unchanged_count") + plan.unchanged,
            rejected_count=F("rejected_count") + sum(1 for r in rows if r.kind == REJECTED),
        )
        if not claimed:
            raise ImportRunSuperseded
        if not firm_import.dry_run:
            write_firms(firm_import, plan, now)
        write_issues(firm_import, rows)


# --- The service ------------------------------------------------------------------------------


def firm_import_create(
    *,
    file,
    original_name: str,
    country: str,
    dry_run: bool = False,
    created_by=None,
    organisation: Organisation | None = None,
) -> FirmImport:
    """Record an upload (the file is kept in storage); `tasks.firm_import_run` processes it."""
    firm_import = FirmImport(
        original_name=Path(original_name).name[:255],
        country=country,
        dry_run=dry_run,
        created_by=created_by,
        organisation=organisation,
    )
    firm_import.file.save(Path(original_name).name, file, save=False)
    firm_import.save()
    return firm_import


def _start(firm_import_id: int) -> FirmImport | None:
    with transaction.atomic():
        firm_import = FirmImport.objects.select_for_update().get(pk=firm_import_id)
        if firm_import.status == FirmImport.Status.DONE:
            return None
        firm_import.status = FirmImport.Status.RUNNING
        firm_import.started_at = firm_import.started_at or timezone.now()
        firm_import.progress_at = timezone.now()
        firm_import.error_message = ""
        firm_import.save(update_fields=["status", "started_at", "progress_at", "error_message"])
    return firm_import


def _fail(firm_import: FirmImport, message: str) -> None:
    FirmImport.objects.filter(pk=firm_import.pk).update(
        status=FirmImport.Status.FAILED, error_message=message, finished_at=timezone.now()
    )


def firm_import_process(
    *, firm_import_id: int, after_chunk: Callable[[int], None] | None = None
) -> FirmImport:
    """Run (or resume) an import to the end. Safe to call again on any import, at any time.

    `after_chunk(rows_done)` is called after each committed checkpoint (tests, benchmarks).
    """
    firm_import = _start(firm_import_id)
    if firm_import is None:
        return FirmImport.objects.get(pk=firm_import_id)
    checkpoint = firm_import.rows_done
    try:
        with firm_import.file.open("rb") as fileobj:
            layout = read_layout(fileobj, firm_import.original_name)
            if layout.data_lines is not None and firm_import.total_rows != layout.data_lines:
                firm_import.total_rows = layout.data_lines
                firm_import.save(update_fields=["total_rows"])
            positions = layout.positions
            country = firm_import.country
            state = FileState()
            pending: list[RowOutcome] = []
            index = 0
            rows = iter_data_rows(fileobj, firm_import.original_name, layout)
            try:
                for line, cells in rows:
                    index += 1
                    outcome = classify_row(country, line, cells, positions, state)
                    if index <= checkpoint:
                        continue  # written by an earlier run: only rebuild the duplicate state
                    pending.append(outcome)
                    if len(pending) == CHUNK_SIZE:
                        commit_chunk(firm_import, pending, start=index - len(pending), end=index)
                        pending = []
                        if after_chunk is not None:
                            after_chunk(index)
                if pending:
                    commit_chunk(firm_import, pending, start=index - len(pending), end=index)
                    if after_chunk is not None:
                        after_chunk(index)
            finally:
                rows.close()
    except ImportFileError as exc:
        _fail(firm_import, exc.message)
    except ImportRunSuperseded:
        logger.info("Import %s: another run took over; this one stops.", firm_import.pk)
    except Exception:
        logger.exception("Import %s failed", firm_import.pk)
        _fail(
            firm_import,
            "La importación se detuvo por un error inesperado. Lo ya importado se conserva; "
            "puede reanudarla y continuará desde donde quedó.",
        )
        raise
    else:
        FirmImport.objects.filter(
            pk=firm_import.pk, status=FirmImport.Status.RUNNING, rows_done=index
        ).update(status=FirmImport.Status.DONE, total_rows=index, finished_at=timezone.now())
    return FirmImport.objects.get(pk=firm_import.pk)


def firm_import_is_resumable(firm_import: FirmImport, *, now=None) -> bool:
    """Failed, or queued/running with no progress for so long that its worker died."""
    if firm_import.status == FirmImport.Status.FAILED:
        return True
    if firm_import.status == FirmImport.Status.DONE:
        return False
    since = firm_import.progress_at or firm_import.started_at or firm_import.created_at
    return since is not None and since < (now or timezone.now()) - RESUMABLE_AFTER


# --- Who may import, and reads ----------------------------------------------------------------


def partner_organisations_for(user) -> QuerySet[Organisation]:
    """Organisations the imported firms may be affiliated with."""
    countries = import_countries_for(user)
    qs = Organisation.objects.exclude(kind=Organisation.Kind.GOVERNMENT)
    if user.is_platform_admin or len(countries) == len(ALADI_COUNTRIES):
        return qs
    return qs.filter(Q(country__in=countries) | Q(country=""))


def firm_import_list(*, user) -> QuerySet[FirmImport]:
    return (
        firm_imports_visible_to(user)
        .select_related("created_by", "organisation")
        .annotate(
            duplicate_count=Count("issues", filter=Q(issues__kind=FirmImportIssue.Kind.DUPLICATE))
        )
        .order_by("-created_at", "-id")
    )


@dataclass(frozen=True)
class ImportSummary:
    rows_done: int
    total_rows: int | None
    created: int
    updated: int
    unchanged: int
    rejected: int
    duplicates: int

    @property
    def empty(self) -> int:
        counted = self.created + self.updated + self.unchanged + self.rejected + self.duplicates
        return max(0, self.rows_done - counted)


def firm_import_summary(firm_import: FirmImport, *, duplicates: int | None = None) -> ImportSummary:
    if duplicates is None:
        duplicates = getattr(firm_import, "duplicate_count", None)
    if duplicates is None:
        duplicates = firm_import.issues.filter(kind=FirmImportIssue.Kind.DUPLICATE).count()
    return ImportSummary(
        rows_done=firm_import.rows_done,
        total_rows=firm_import.total_rows,
        created=firm_import.created_count,
        updated=firm_import.updated_count,
        unchanged=firm_import.unchanged_count,
        rejected=firm_import.rejected_count,
        duplicates=duplicates,
    )


REPORT_HEADER = ["LINEA", "TIPO", "MOTIVO", *COLUMNS]


def issue_cells(issue: FirmImportIssue) -> list[str]:
    """The row as it was in the file (12 columns), from the stored raw JSON."""
    try:
        cells = json.loads(issue.raw) if issue.raw else []
    except ValueError:
        cells = [issue.raw]
    if not isinstance(cells, list):
        cells = [str(cells)]
    return (cells + [""] * len(COLUMNS))[: len(COLUMNS)]


def issue_report_rows(firm_import: FirmImport) -> Iterator[list]:
    """Rows of the downloadable report: line, kind, reason, then the row as it was.

    The report has the file's own columns, so it can be corrected in a spreadsheet and
    uploaded again as it is (the extra LINEA, TIPO and MOTIVO columns are ignored).
    """
    kinds = dict(FirmImportIssue.Kind.choices)
    issues = firm_import.issues.order_by("line").only("line", "kind", "reason", "raw")
    for issue in issues.iterator(chunk_size=2000):
        kind = str(kinds.get(issue.kind, issue.kind))
        yield [issue.line, kind, issue.reason, *issue_cells(issue)]
