"""Import of diagnosis answers collected by phone or on paper: read, check, record.

The same code runs from the upload page (as a background task, `tasks.diagnosis_import_run`)
and from `manage.py import_diagnoses`. docs/diagnosis-import-format.md is the user-facing
description of the rules below; the answer rules themselves are `questionnaire.clean_answers`,
the ones the step form uses.

Reading
    The firm import's readers (`rutapyme.firms.importing`): CSV in UTF-8 (with or without
    BOM), UTF-16 or Windows-1252, separator sniffed from the header line, or the first sheet of
    an XLSX workbook. The header is the first non-empty row. Metadata columns are matched
    without regard to case (tax-ID names such as RUC become TAX_ID); answer columns must be
    written exactly; LINEA, TIPO and MOTIVO (the columns the rejected-rows download adds) are
    ignored. An unknown or repeated column, or a missing always-required one, rejects the file
    before any row is read (`HeaderError`).

Rows
    Every problem of a row is found (`check_row` for what the file alone says, `check_answers`
    once the firm is known); a row with any error is recorded nowhere and its every problem is
    listed, with the row as it was for the rejected-rows download; warnings never block.
    Valid rows are recorded with `services.diagnoses_record_many`, which identifies a response by
    firm, questionnaire version and interview day, so importing a file again changes nothing.
    rows_done = created + updated + unchanged + rejected + empty lines.

Checkpoints
    As in the firm import: chunks of CHUNK_SIZE data lines, each committing its diagnoses, the
    firms' attempt sequence, its problems, the counters and `rows_done` in one transaction,
    claimed by a conditional UPDATE on `rows_done`. A killed run is rerun from the start of the
    file; the lines before the checkpoint only rebuild the "firm already seen" state, which
    depends on the file alone, so the rerun ends exactly as one clean run.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from rutapyme.core.countries import ALADI_COUNTRIES
from rutapyme.core.tabular import (
    HEAD_BYTES,
    ImportFileError,
    ImportRunSuperseded,
    csv_records,
    is_blank,
    iter_data_rows,
    open_workbook,
    sniff_binary,
    sniff_delimiter,
)
from rutapyme.core.text import clean, fold
from rutapyme.firms.models import Firm
from rutapyme.firms.permissions import firms_visible_to
from rutapyme.firms.taxids import check_tax_id

from . import services
from .models import Diagnosis, DiagnosisImport, DiagnosisImportIssue, Questionnaire
from .permissions import can_import_diagnoses, diagnosis_imports_visible_to
from .questionnaire import Question, QuestionnaireSpec, clean_answers

logger = logging.getLogger(__name__)

CHUNK_SIZE = 500
# Queued or running with no checkpoint for this long: the worker died (a chunk takes a few
# seconds) and staff may start it again. A rerun of a live import is safe (see Checkpoints).
RESUMABLE_AFTER = timedelta(minutes=3)

META_COLUMNS = (
    "TAX_ID",
    "COUNTRY",
    "QUESTIONNAIRE",
    "VERSION",
    "ANSWERED_ON",
    "CHANNEL",
    "INTERVIEWER",
)
TAX_ID_NAMES = frozenset({"TAX_ID", "RUC", "RUT", "NIT", "CUIT", "RFC", "CNPJ", "RIF"})
# Added in front of the rejected rows by the download; ignored when the file comes back.
REPORT_COLUMNS = ("LINEA", "TIPO", "MOTIVO")
PROBLEM_HEADER = ["line", "tax_id", "country", "column", "value", "severity", "code", "message"]
CHANNELS = {choice.value for choice in Diagnosis.Channel}
DEFAULT_CHANNEL = Diagnosis.Channel.PAPER
INTERVIEWER_MAX_LENGTH = 120
VALUE_SHOWN = 20  # the report shows this many characters of a long cell
SIZE_BAND_TOP = {"0-5": 5, "6-25": 25, "26-50": 50, "51-100": 100}
SHOWN_HEADER_PROBLEMS = 10

# The two example rows of docs/diagnosis-import-format.md, in the column order of version 1;
# the CSV template of that version carries them below its header.
EXAMPLE_ROWS_V1 = """\
1004321871001,EC,cepal-ecommerce,1,2026-11-03,telefono,mgarcia,EC,artesanias,0-5,consumers,not_yet,,none,no,,medium_term,4,2,3,3,1,4,4,0,1,1,1,1,0,0,dont_know,,none,facebook;instagram;whatsapp,,cash;bank_transfer,,5,2,5,5,5,1,,,own_logistics,,no,not_evaluated,3,5,4,2,5,5,5,1,1,2,3,4,1,1,none,,2,3,1,1,1,1,1,1,2,2,,,1,1,1,2,1,2,2,1,1,3,Ferias virtuales con compradores de Colombia y Perú
20601234565,PE,cepal-ecommerce,1,04/11/2026,papel,,,alimentos,6-25,both,aladi;outside_lac,Estados Unidos y Canadá,both,yes_region,,short_term,1,1,2,1,1,3,2,2,1,1,3,2,0,1,mercado_libre;amazon;own_website,,email_marketing;e_payments;google_business;facebook_business;online_price_lists;digital_catalog,instagram;facebook;google;tiktok,,credit_card;debit_card;bank_transfer;payment_platform,,3,1,2,2,4,4,,,courier;logistics_operator,,yes_local,international_fulfilment,2,3,3,1,2,5,5,2,4,2,1,4,4,3,knows,"Promperú, Exporta Fácil",2,2,3,1,1,2,1,1,3,1,,,3,4,4,3,4,3,3,4,2,1,
"""  # noqa: E501

# What became of a data line.
CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
REJECTED, EMPTY = "rejected", "empty"


class HeaderError(ImportFileError):
    """The header row cannot be imported; `problems` has one Finding per bad column."""

    def __init__(self, problems: list[Finding]):
        self.problems = problems
        super().__init__(" ".join(self.messages()))

    def messages(self) -> list[str]:
        """The first SHOWN_HEADER_PROBLEMS messages, and how many more there are."""
        shown = [p.message for p in self.problems[:SHOWN_HEADER_PROBLEMS]]
        if len(self.problems) > SHOWN_HEADER_PROBLEMS:
            shown.append(
                _("… y %(n)s problemas más en la fila de títulos.")
                % {"n": len(self.problems) - SHOWN_HEADER_PROBLEMS}
            )
        return shown


@dataclass(frozen=True)
class Finding:
    """One line of the problem report (docs/diagnosis-import-format.md, "the error report")."""

    line: int
    column: str
    value: str
    code: str
    message: str
    severity: str = DiagnosisImportIssue.Severity.ERROR
    tax_id: str = ""
    country: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity == DiagnosisImportIssue.Severity.ERROR


def _shown(value: str) -> str:
    return value if len(value) <= VALUE_SHOWN else value[:VALUE_SHOWN] + "…"


# --- The columns of a version -----------------------------------------------------------------


def template_header(spec: QuestionnaireSpec) -> list[str]:
    """Every column of a version, in the order the questions are asked."""
    return [*META_COLUMNS, *spec.answer_keys()]


def required_columns(spec: QuestionnaireSpec) -> list[str]:
    """Columns a file must have: identity, date and every answer asked of every firm.

    Questions prefilled from the registry (country, sector, size) and questions asked only of
    some firms (logistics) may be left out; so may optional items and the text columns.
    """
    columns = ["TAX_ID", "COUNTRY", "ANSWERED_ON"]
    for q in spec.questions.values():
        if not q.required or q.prefill or q.show_if_offer_types is not None:
            continue
        if q.is_matrix:
            columns += [item.key for item in q.items if item.required]
        else:
            columns.append(q.code)
    return columns


def match_header(header: list[str], spec: QuestionnaireSpec) -> dict[str, int]:
    """Column name -> position in the row; raises HeaderError with every bad column."""
    answer_keys = set(spec.answer_keys())
    columns: dict[str, int] = {}
    problems: list[Finding] = []
    for position, title in enumerate(header):
        text = clean(title)
        upper = text.upper()
        if not text or upper in REPORT_COLUMNS:
            continue
        name = "TAX_ID" if upper in TAX_ID_NAMES else upper if upper in META_COLUMNS else text
        if name in columns:
            problems.append(
                Finding(
                    line=1,
                    column=text,
                    value="",
                    code="unknown_column",
                    message=_("La columna «%(column)s» aparece dos veces.") % {"column": text},
                )
            )
        elif name not in answer_keys and name not in META_COLUMNS:
            problems.append(
                Finding(
                    line=1,
                    column=text,
                    value="",
                    code="unknown_column",
                    message=_(
                        "La columna «%(column)s» no es de la versión %(version)s del cuestionario: "
                        "escríbala exactamente como en la plantilla."
                    )
                    % {"column": text, "version": spec.version},
                )
            )
        else:
            columns[name] = position
    for name in required_columns(spec):
        if name not in columns:
            problems.append(
                Finding(
                    line=1,
                    column=name,
                    value="",
                    code="missing_column",
                    message=_("Falta la columna obligatoria «%(column)s».") % {"column": name},
                )
            )
    if problems:
        if not any(name in answer_keys for name in columns) and "TAX_ID" not in columns:
            raise HeaderError(
                [
                    Finding(
                        line=1,
                        column="",
                        value="",
                        code="missing_column",
                        message=_(
                            "No parece un archivo de respuestas: la primera fila debe tener los "
                            "títulos de la plantilla (TAX_ID, COUNTRY, ANSWERED_ON, q01_country…)."
                        ),
                    ),
                    *problems,
                ]
            )
        raise HeaderError(problems)
    return columns


# --- Reading ----------------------------------------------------------------------------------


@dataclass
class Layout:
    """What was learnt about a file before importing it (`iter_data_rows` reads it)."""

    kind: str  # "csv" or "xlsx"
    header_line: int
    header: list[str]  # as written
    columns: dict[str, int] = field(default_factory=dict)
    encoding: str = ""
    delimiter: str = ""
    data_lines: int | None = None  # lines after the header, empty ones included (XLSX: estimate)
    filled_lines: int = 0  # of which not empty (XLSX: 1 if there is any)


def _scan_csv(fileobj, name: str, encoding: str, delimiter: str, header_only: bool) -> Layout:
    layout = Layout(kind="csv", header_line=0, header=[], encoding=encoding, delimiter=delimiter)
    data_lines = number = 0
    try:
        for number, record in enumerate(csv_records(fileobj, encoding, delimiter), start=1):
            if not layout.header_line:
                if not is_blank(record):
                    layout.header, layout.header_line = record, number
                    if header_only:
                        break
                continue
            data_lines += 1
            if not is_blank(record):
                layout.filled_lines += 1
    except csv.Error as exc:
        raise ImportFileError(
            _("No se pudo leer «%(name)s» en la línea %(n)s: está dañado o no es un CSV.")
            % {"name": name, "n": number + 1}
        ) from exc
    layout.data_lines = data_lines
    return layout


def _scan_xlsx(fileobj, name: str, header_only: bool) -> Layout:
    workbook, sheet = open_workbook(fileobj, name)
    layout = Layout(kind="xlsx", header_line=0, header=[])
    try:
        declared = sheet.max_row  # from the sheet's <dimension>: only an estimate
        sheet.reset_dimensions()
        for number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
            if is_blank(values):
                continue
            if layout.header_line:
                layout.filled_lines = 1
                break
            layout.header = [clean(_cell(v)) for v in values]
            layout.header_line = number
            if header_only:
                break
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a bad file
        raise ImportFileError(
            _("«%(name)s» no es un Excel (.xlsx) válido o está dañado.") % {"name": name}
        ) from exc
    finally:
        workbook.close()
    if declared and declared > layout.header_line:
        layout.data_lines = declared - layout.header_line
    return layout


def _cell(value: object) -> str:
    """An XLSX header cell as text."""
    return "" if value is None else str(value)


def read_layout(
    fileobj: IO[bytes], name: str, spec: QuestionnaireSpec | None, *, header_only: bool = False
) -> Layout:
    """Format, encoding, separator and header of a binary, seekable file.

    With a `spec`, the header is matched against that version's columns (HeaderError).
    Raises ImportFileError with a message for the person who uploaded the file.
    """
    fileobj.seek(0)
    head = fileobj.read(HEAD_BYTES)
    kind = sniff_binary(head, name)
    if kind == "xlsx":
        layout = _scan_xlsx(fileobj, name, header_only)
    else:
        delimiter = sniff_delimiter(
            head.decode("utf-16" if kind == "utf-16" else "utf-8", errors="replace")
        )
        encodings = ("utf-16",) if kind == "utf-16" else ("utf-8-sig", "cp1252", "latin-1")
        for encoding in encodings:
            try:
                layout = _scan_csv(fileobj, name, encoding, delimiter, header_only)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ImportFileError(_("No se pudo leer el texto de «%(name)s».") % {"name": name})
    fileobj.seek(0)
    if not layout.header_line:
        raise ImportFileError(_("El archivo «%(name)s» está vacío.") % {"name": name})
    if spec is not None:
        layout.columns = match_header(layout.header, spec)
    if not header_only and not layout.filled_lines:
        raise ImportFileError(
            _("«%(name)s» solo tiene la fila de títulos: no hay respuestas que importar.")
            % {"name": name}
        )
    return layout


# --- Checking a row ---------------------------------------------------------------------------


@dataclass
class Run:
    """What every row of one import is checked against."""

    questionnaire: Questionnaire
    spec: QuestionnaireSpec
    layout: Layout
    today: dt.date
    question_of: dict[str, Question]  # answer key -> its question
    order: dict[str, int]  # column -> position in the template (to sort a row's problems)
    country_question: Question | None
    size_question: Question | None

    @classmethod
    def build(cls, questionnaire: Questionnaire, layout: Layout, today: dt.date) -> Run:
        spec = questionnaire.spec
        return cls(
            questionnaire=questionnaire,
            spec=spec,
            layout=layout,
            today=today,
            question_of={key: q for q in spec.questions.values() for key in q.answer_keys()},
            order={name: i for i, name in enumerate(template_header(spec))},
            country_question=_question_of_kind(spec, "country"),
            size_question=_question_of_kind(spec, "size_band"),
        )


def _question_of_kind(spec: QuestionnaireSpec, kind: str) -> Question | None:
    return next((q for q in spec.questions.values() if q.kind == kind), None)


@dataclass
class FileState:
    """The first line of each firm in the file (by country and tax ID), for duplicate_row."""

    first_line: dict[tuple[str, str], int] = field(default_factory=dict)


@dataclass
class RowCheck:
    line: int
    cells: list[str]
    tax_id: str = ""  # as written
    country: str = ""  # as written, upper case
    key: tuple[str, str] | None = None  # (country, compact tax ID) when both are valid
    answered_on: dt.date | None = None
    channel: str = DEFAULT_CHANNEL
    interviewer: str = ""
    raw: dict[str, list[str]] = field(default_factory=dict)  # answer key -> values
    problems: list[Finding] = field(default_factory=list)
    empty: bool = False

    def add(self, column, value, code, message, severity=DiagnosisImportIssue.Severity.ERROR):
        self.problems.append(
            Finding(
                line=self.line,
                column=column,
                value=_shown(value),
                code=code,
                message=message,
                severity=severity,
                tax_id=self.tax_id[:40],
                country=self.country[:10],
            )
        )


_DMY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ]00:00(?::00)?)?")


def parse_date(text: str) -> dt.date | None:
    """AAAA-MM-DD, DD/MM/AAAA, or an XLSX date cell ("2026-11-03T00:00:00")."""
    for pattern, order in ((_ISO, (0, 1, 2)), (_DMY, (2, 1, 0))):
        match = pattern.fullmatch(text)
        if match:
            parts = [int(p) for p in match.groups()]
            try:
                return dt.date(parts[order[0]], parts[order[1]], parts[order[2]])
            except ValueError:
                return None
    return None


def _whole(text: str) -> int | None:
    text = text.removesuffix(".0")
    return int(text) if text.isdigit() else None


def check_row(run: Run, state: FileState, line: int, cells: list) -> RowCheck:
    """Everything the file alone says about a row: identity, version, date, channel."""
    cells = ["" if cell is None else str(cell) for cell in cells]
    row = RowCheck(line=line, cells=cells)
    if is_blank(cells):
        row.empty = True
        return row
    columns, width = run.layout.columns, len(cells)

    def cell(name: str) -> str:
        position = columns.get(name)
        return "" if position is None or position >= width else cells[position].strip()

    row.tax_id, row.country = clean(cell("TAX_ID")), clean(cell("COUNTRY")).upper()
    if not row.country:
        row.add("COUNTRY", "", "required_missing", _("Falta el país (COUNTRY)."))
    elif row.country not in ALADI_COUNTRIES:
        row.add(
            "COUNTRY",
            row.country,
            "invalid_option",
            _("«%(value)s» no es uno de los 13 países de ALADI (%(codes)s).")
            % {"value": row.country, "codes": " ".join(ALADI_COUNTRIES)},
        )
    if not row.tax_id:
        row.add("TAX_ID", "", "required_missing", _("Falta la identificación tributaria."))
    elif row.country in ALADI_COUNTRIES:
        check = check_tax_id(row.country, row.tax_id)
        if check.ok:
            row.key = (row.country, check.value)
        else:
            row.add("TAX_ID", row.tax_id, "tax_id_invalid", check.error)
    if row.key is not None:
        first = state.first_line.setdefault(row.key, line)
        if first != line:
            row.add(
                "TAX_ID",
                row.tax_id,
                "duplicate_row",
                _("La empresa ya aparece en la línea %(line)s: deje una sola fila por empresa.")
                % {"line": first},
            )

    code = cell("QUESTIONNAIRE")
    if code and code.lower() != run.questionnaire.code.lower():
        row.add(
            "QUESTIONNAIRE",
            code,
            "version_unknown",
            _("Este archivo se importa con el cuestionario «%(code)s».")
            % {"code": run.questionnaire.code},
        )
    version = cell("VERSION")
    if version and _whole(version) != run.questionnaire.version:
        row.add(
            "VERSION",
            version,
            "version_unknown",
            _("La versión no es la elegida al importar (%(version)s).")
            % {"version": run.questionnaire.version},
        )

    written = cell("ANSWERED_ON")
    row.answered_on = parse_date(written)
    if not written:
        row.add("ANSWERED_ON", "", "date_invalid", _("Falta la fecha de la entrevista."))
    elif row.answered_on is None:
        row.add(
            "ANSWERED_ON",
            written,
            "date_invalid",
            _("Fecha no válida: escríbala como AAAA-MM-DD (2026-11-03) o DD/MM/AAAA."),
        )
    elif row.answered_on > run.today:
        row.add("ANSWERED_ON", written, "date_invalid", _("La fecha está en el futuro."))

    channel = cell("CHANNEL")
    if channel:
        row.channel = fold(channel).replace(" ", "_")
        if row.channel not in CHANNELS:
            row.add(
                "CHANNEL",
                channel,
                "invalid_option",
                _("Canal no válido: escriba telefono, papel, presencial o en_linea."),
            )
    row.interviewer = clean(cell("INTERVIEWER"))
    if len(row.interviewer) > INTERVIEWER_MAX_LENGTH:
        row.add(
            "INTERVIEWER",
            row.interviewer,
            "out_of_range",
            _("Escriba como máximo %(max)s caracteres.") % {"max": INTERVIEWER_MAX_LENGTH},
        )

    for key, position in columns.items():
        question = run.question_of.get(key)
        if question is None or position >= width or not cells[position].strip():
            continue
        value = cells[position].strip()
        if key == question.code and question.kind != "text":
            row.raw[key] = [part for part in value.split(";") if part.strip()]
        else:
            row.raw[key] = [value]
    country_question = run.country_question
    if country_question is not None and country_question.code in row.raw:
        answered = [v.strip().upper() for v in row.raw[country_question.code]]
        row.raw[country_question.code] = answered
        if (
            len(answered) == 1
            and answered[0] in ALADI_COUNTRIES
            and row.country in ALADI_COUNTRIES
            and answered[0] != row.country
        ):
            row.add(
                country_question.code,
                cell(country_question.code),
                "country_mismatch",
                _("«%(answer)s» no coincide con COUNTRY (%(country)s).")
                % {"answer": answered[0], "country": row.country},
            )
    return row


def check_answers(run: Run, row: RowCheck, firm: Firm | None) -> dict[str, Any]:
    """Clean the row's answers for `firm` (or, for an unknown firm, for any firm).

    Adds every problem to the row and returns the answers to store. Empty prefilled answers
    (country, sector, size) are taken from the registry.
    """
    spec = run.spec
    raw = dict(row.raw)
    offer_type = firm.offer_type if firm is not None else "both"
    registry: dict[str, Any] = {}
    if firm is not None:
        registry = services.prefilled_answers(spec=spec, firm=firm)
        for code, value in registry.items():
            raw.setdefault(code, [value])
    cleaned, problems = clean_answers(spec.questions.values(), raw, offer_type)
    for problem in problems:
        question = run.question_of.get(problem.key)
        if (
            firm is None
            and problem.code == "required_missing"
            and question is not None
            and (question.prefill or question.show_if_offer_types is not None)
        ):
            continue  # depends on the registry: cannot be told without the firm
        written = _written(run, row, problem.key)
        row.add(problem.key, written, problem.code, problem.message, problem.severity)
    if firm is None:
        return cleaned
    warning = DiagnosisImportIssue.Severity.WARNING
    for code, registered in registry.items():
        question = spec.questions[code]
        if question.kind == "country" or code not in row.raw or code not in cleaned:
            continue
        if cleaned[code] != registered:
            row.add(
                code,
                _written(run, row, code),
                "prefill_mismatch",
                _("El registro dice %(registered)s; se guarda %(answer)s en esta respuesta.")
                % {"registered": registered, "answer": cleaned[code]},
                warning,
            )
    for question in spec.questions.values():
        if question.applies_to(offer_type):
            continue
        for key in question.answer_keys():
            if key in row.raw:
                row.add(
                    key,
                    _written(run, row, key),
                    "not_applicable",
                    _(
                        "Esta pregunta no se hace a empresas de servicios (así está registrada "
                        "la empresa): la respuesta se ignora."
                    ),
                    warning,
                )
    size_question = run.size_question
    top = SIZE_BAND_TOP.get(cleaned.get(size_question.code, "")) if size_question else None
    if top is not None:
        for question in spec.questions.values():
            if question.kind != "number_matrix" or not question.applies_to(offer_type):
                continue
            for item in question.items:
                if cleaned.get(item.key, 0) > top:
                    row.add(
                        item.key,
                        _written(run, row, item.key),
                        "staff_exceeds_size",
                        _("%(n)s personas es más que el tamaño de la empresa (hasta %(top)s).")
                        % {"n": cleaned[item.key], "top": top},
                        warning,
                    )
    return cleaned


def _written(run: Run, row: RowCheck, column: str) -> str:
    position = run.layout.columns.get(column)
    if position is None or position >= len(row.cells):
        return ""
    return row.cells[position].strip()


# --- Writing a chunk --------------------------------------------------------------------------


@dataclass
class RowResult:
    row: RowCheck
    outcome: str
    firm_id: int | None = None


def find_firms(user, keys: set[tuple[str, str]]) -> dict[tuple[str, str], Firm]:
    """The firms of a chunk that `user` may see, in one query; the others are unknown."""
    if not keys:
        return {}
    by_country: dict[str, set[str]] = defaultdict(set)
    for country, tax_id in keys:
        by_country[country].add(tax_id)
    condition = Q()
    for country, tax_ids in by_country.items():
        condition |= Q(country=country, tax_id__in=tax_ids)
    firms = firms_visible_to(user, Firm.objects.filter(condition))
    return {(firm.country, firm.tax_id): firm for firm in firms}


def _existing_online(run: Run, firm: Firm, row: RowCheck) -> Diagnosis | None:
    return (
        Diagnosis.objects.filter(
            firm=firm,
            questionnaire=run.questionnaire,
            answered_on=row.answered_on,
            status=Diagnosis.Status.SUBMITTED,
            channel=Diagnosis.Channel.ONLINE,
        )
        .only("pk", "answers")
        .first()
    )


def record_rows(run: Run, diagnosis_import: DiagnosisImport, rows: list[RowCheck]) -> list:
    """Check the chunk's answers against the registry and record the rows without errors."""
    user = diagnosis_import.created_by
    firms = find_firms(user, {row.key for row in rows if row.key is not None})
    results: list[RowResult | None] = []
    valid: list[tuple[int, RowCheck, Firm, dict]] = []
    for row in rows:
        if row.empty:
            results.append(RowResult(row, EMPTY))
            continue
        firm = firms.get(row.key) if row.key is not None else None
        if row.key is not None and firm is None:
            row.add(
                "TAX_ID",
                row.tax_id,
                "unknown_firm",
                _(
                    "No hay ninguna empresa con este número en %(country)s entre las que usted "
                    "gestiona: impórtela primero en la base de empresas."
                )
                % {"country": ALADI_COUNTRIES[row.country].name},
            )
        answers = check_answers(run, row, firm)
        row.problems.sort(key=lambda p: run.order.get(p.column, -1))
        if firm is not None and row.channel == Diagnosis.Channel.ONLINE and not _has_errors(row):
            online = _existing_online(run, firm, row)
            if online is not None and online.answers != answers:
                row.add(
                    "CHANNEL",
                    row.channel,
                    "answered_online",
                    _(
                        "La empresa respondió en línea ese día con otras respuestas; una "
                        "importación no las reemplaza."
                    ),
                )
            elif online is not None:
                results.append(RowResult(row, UNCHANGED, firm.pk))
                continue
        if _has_errors(row) or firm is None:
            results.append(RowResult(row, REJECTED))
            continue
        valid.append((len(results), row, firm, answers))
        results.append(None)
    interviews = [
        services.Interview(firm, answers, row.answered_on, row.channel, row.interviewer)
        for _index, row, firm, answers in valid
    ]
    recorded = services.diagnoses_record_many(
        questionnaire=run.questionnaire,
        interviews=interviews,
        user=user,
        source_import=diagnosis_import,
    )
    for (index, row, firm, _answers), outcome in zip(valid, recorded, strict=True):
        results[index] = RowResult(row, outcome.outcome, firm.pk)
    return results


def _has_errors(row: RowCheck) -> bool:
    return any(problem.is_error for problem in row.problems)


def write_issues(diagnosis_import: DiagnosisImport, results: list[RowResult]) -> int:
    """Store every problem of the chunk; the row as it was goes with its first error."""
    issues = []
    for result in results:
        first_error = next((p for p in result.row.problems if p.is_error), None)
        for problem in result.row.problems:
            raw = result.row.cells if problem is first_error else None
            issues.append(_issue(diagnosis_import, problem, raw))
    DiagnosisImportIssue.objects.bulk_create(issues, batch_size=1000)
    return sum(1 for issue in issues if issue.severity == DiagnosisImportIssue.Severity.WARNING)


def _issue(diagnosis_import, problem: Finding, raw: list[str] | None) -> DiagnosisImportIssue:
    return DiagnosisImportIssue(
        diagnosis_import=diagnosis_import,
        line=problem.line,
        tax_id=problem.tax_id[:40],
        country=problem.country[:10],
        column=problem.column[:120],
        value=_shown(problem.value)[:40],
        severity=problem.severity,
        code=problem.code,
        message=problem.message,
        raw=raw,
    )


def commit_chunk(
    run: Run, diagnosis_import: DiagnosisImport, rows: list[RowCheck], *, start: int, end: int
) -> None:
    """Record one chunk and move the checkpoint from `start` to `end`, all or nothing."""
    with transaction.atomic():
        claimed = DiagnosisImport.objects.filter(
            pk=diagnosis_import.pk, status=DiagnosisImport.Status.RUNNING, rows_done=start
        ).update(rows_done=end, progress_at=timezone.now())
        if not claimed:
            raise ImportRunSuperseded
        results = record_rows(run, diagnosis_import, rows)
        warnings = write_issues(diagnosis_import, results)
        outcomes = [result.outcome for result in results]
        DiagnosisImport.objects.filter(pk=diagnosis_import.pk).update(
            created_count=F("created_count") + outcomes.count(CREATED),
            updated_count=F("updated_count") + outcomes.count(UPDATED),
            unchanged_count=F("unchanged_count") + outcomes.count(UNCHANGED),
            rejected_count=F("rejected_count") + outcomes.count(REJECTED),
            warning_count=F("warning_count") + warnings,
        )


# --- The service ------------------------------------------------------------------------------


def diagnosis_import_create(
    *, file, original_name: str, questionnaire: Questionnaire, created_by
) -> DiagnosisImport:
    """Record an upload (the file is kept in storage); `tasks.diagnosis_import_run` runs it."""
    name = Path(original_name).name
    diagnosis_import = DiagnosisImport(
        questionnaire=questionnaire,
        original_name=name[:255],
        created_by=created_by,
        organisation_id=created_by.organisation_id,
    )
    diagnosis_import.file.save(name, file, save=False)
    diagnosis_import.save()
    return diagnosis_import


def _start(diagnosis_import_id: int) -> DiagnosisImport | None:
    with transaction.atomic():
        diagnosis_import = (
            # created_by is nullable (an outer join), which PostgreSQL cannot lock: lock only
            # the import row.
            DiagnosisImport.objects.select_for_update(of=("self",))
            .select_related("questionnaire", "created_by")
            .get(pk=diagnosis_import_id)
        )
        if diagnosis_import.status == DiagnosisImport.Status.DONE:
            return None
        now = timezone.now()
        diagnosis_import.status = DiagnosisImport.Status.RUNNING
        diagnosis_import.started_at = diagnosis_import.started_at or now
        diagnosis_import.progress_at = now
        diagnosis_import.error_message = ""
        diagnosis_import.save(
            update_fields=["status", "started_at", "progress_at", "error_message"]
        )
    return diagnosis_import


def _fail(
    diagnosis_import: DiagnosisImport, message: str, header: list[Finding] | None = None
) -> None:
    with transaction.atomic():
        if header:  # nothing was read yet: the header's problems are the whole report
            diagnosis_import.issues.all().delete()
            DiagnosisImportIssue.objects.bulk_create(
                [_issue(diagnosis_import, problem, None) for problem in header]
            )
        DiagnosisImport.objects.filter(pk=diagnosis_import.pk).update(
            status=DiagnosisImport.Status.FAILED,
            error_message=message,
            finished_at=timezone.now(),
        )


def diagnosis_import_process(
    *, diagnosis_import_id: int, after_chunk: Callable[[int], None] | None = None
) -> DiagnosisImport:
    """Run (or resume) an import to the end. Safe to call again on any import, at any time.

    `after_chunk(rows_done)` is called after each committed checkpoint (tests, benchmarks).
    """
    diagnosis_import = _start(diagnosis_import_id)
    if diagnosis_import is None:
        return DiagnosisImport.objects.get(pk=diagnosis_import_id)
    checkpoint = diagnosis_import.rows_done
    index = 0
    try:
        user = diagnosis_import.created_by
        if user is None or not can_import_diagnoses(user):
            raise ImportFileError(
                _("La persona que subió el archivo ya no puede importar respuestas.")
            )
        with diagnosis_import.file.open("rb") as fileobj:
            layout = read_layout(
                fileobj, diagnosis_import.original_name, diagnosis_import.questionnaire.spec
            )
            if layout.data_lines is not None and diagnosis_import.total_rows != layout.data_lines:
                diagnosis_import.total_rows = layout.data_lines
                diagnosis_import.save(update_fields=["total_rows"])
            today = timezone.localdate(diagnosis_import.created_at)
            run = Run.build(diagnosis_import.questionnaire, layout, today)
            state = FileState()
            pending: list[RowCheck] = []
            rows = iter_data_rows(fileobj, diagnosis_import.original_name, layout)
            try:
                for line, cells in rows:
                    index += 1
                    checked = check_row(run, state, line, cells)
                    if index <= checkpoint:
                        continue  # recorded by an earlier run: only rebuild the file state
                    pending.append(checked)
                    if len(pending) == CHUNK_SIZE:
                        commit_chunk(
                            run, diagnosis_import, pending, start=index - len(pending), end=index
                        )
                        pending = []
                        if after_chunk is not None:
                            after_chunk(index)
                if pending:
                    commit_chunk(
                        run, diagnosis_import, pending, start=index - len(pending), end=index
                    )
                    if after_chunk is not None:
                        after_chunk(index)
            finally:
                rows.close()
    except HeaderError as exc:
        _fail(diagnosis_import, exc.message, exc.problems)
    except ImportFileError as exc:
        _fail(diagnosis_import, exc.message)
    except ImportRunSuperseded:
        logger.info("Diagnosis import %s: another run took over.", diagnosis_import.pk)
    except Exception:
        logger.exception("Diagnosis import %s failed", diagnosis_import.pk)
        # The file was read (its size may be unknown for an XLSX): this one can be resumed.
        DiagnosisImport.objects.filter(pk=diagnosis_import.pk, total_rows__isnull=True).update(
            total_rows=index
        )
        _fail(
            diagnosis_import,
            _(
                "La importación se detuvo por un error inesperado. Lo ya importado se conserva; "
                "puede reanudarla y continuará desde donde quedó."
            ),
        )
        raise
    else:
        DiagnosisImport.objects.filter(
            pk=diagnosis_import.pk, status=DiagnosisImport.Status.RUNNING, rows_done=index
        ).update(status=DiagnosisImport.Status.DONE, total_rows=index, finished_at=timezone.now())
    return DiagnosisImport.objects.get(pk=diagnosis_import.pk)


def diagnosis_import_is_resumable(diagnosis_import: DiagnosisImport, *, now=None) -> bool:
    """Stopped by an unexpected error, or queued/running with no progress for RESUMABLE_AFTER.

    An import that failed on the file itself (unreadable, bad header) would only fail again.
    """
    status = diagnosis_import.status
    if status == DiagnosisImport.Status.DONE:
        return False
    if status == DiagnosisImport.Status.FAILED:
        return diagnosis_import.rows_done > 0 or diagnosis_import.total_rows is not None
    since = diagnosis_import.progress_at or diagnosis_import.started_at
    since = since or diagnosis_import.created_at
    return since is not None and since < (now or timezone.now()) - RESUMABLE_AFTER


# --- Reads ------------------------------------------------------------------------------------


def diagnosis_import_list(*, user) -> QuerySet[DiagnosisImport]:
    return (
        diagnosis_imports_visible_to(user)
        .select_related("created_by", "questionnaire")
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
    warnings: int

    @property
    def empty(self) -> int:
        return max(0, self.rows_done - self.created - self.updated - self.unchanged - self.rejected)

    @classmethod
    def of(cls, diagnosis_import: DiagnosisImport) -> ImportSummary:
        return cls(
            rows_done=diagnosis_import.rows_done,
            total_rows=diagnosis_import.total_rows,
            created=diagnosis_import.created_count,
            updated=diagnosis_import.updated_count,
            unchanged=diagnosis_import.unchanged_count,
            rejected=diagnosis_import.rejected_count,
            warnings=diagnosis_import.warning_count,
        )


def problem_rows(diagnosis_import: DiagnosisImport) -> Iterator[list]:
    """The problem report: one line per problem, PROBLEM_HEADER columns."""
    issues = diagnosis_import.issues.order_by("line", "id").values_list(*PROBLEM_HEADER)
    for issue in issues.iterator(chunk_size=2000):
        yield list(issue)


def rejected_header(diagnosis_import: DiagnosisImport) -> list[str]:
    """LINEA, TIPO, MOTIVO and the file's own header, as written."""
    try:
        with diagnosis_import.file.open("rb") as fileobj:
            header = read_layout(
                fileobj, diagnosis_import.original_name, None, header_only=True
            ).header
    except (OSError, ImportFileError):
        header = template_header(diagnosis_import.questionnaire.spec)
    return [*REPORT_COLUMNS, *header]


def rejected_rows(diagnosis_import: DiagnosisImport, width: int) -> Iterator[list]:
    """Each rejected row as it was in the file, after its line, error codes and reasons."""
    issues = (
        diagnosis_import.issues.filter(severity=DiagnosisImportIssue.Severity.ERROR)
        .order_by("line", "id")
        .values_list("line", "column", "code", "message", "raw")
    )
    current: list | None = None
    for line, column, code, message, raw in issues.iterator(chunk_size=2000):
        if current is None or current[0] != line:
            if current is not None:
                yield _rejected_line(current, width)
            current = [line, [], [], []]
        if code not in current[1]:
            current[1].append(code)
        current[2].append(f"{column}: {message}" if column else message)
        if raw:
            current[3] = raw
    if current is not None:
        yield _rejected_line(current, width)


def _rejected_line(current: list, width: int) -> list:
    line, codes, reasons, cells = current
    cells = (list(cells) + [""] * width)[:width]
    return [line, ", ".join(codes), " | ".join(reasons), *cells]


# --- Templates --------------------------------------------------------------------------------


def _column_description(spec: QuestionnaireSpec, column: str) -> tuple[str, list[tuple]]:
    """(what the column holds, [(code, label), …]) for the `codigos` sheet."""
    meta = {
        "TAX_ID": (_("Identificación tributaria de la empresa (RUC, RUT, NIT, CUIT…)"), []),
        "COUNTRY": (
            _("País de la empresa (código ISO)"),
            [(code, country.name) for code, country in ALADI_COUNTRIES.items()],
        ),
        "QUESTIONNAIRE": (_("Cuestionario (opcional)"), [(spec.code, spec.title)]),
        "VERSION": (_("Versión del cuestionario (opcional)"), [(spec.version, "")]),
        "ANSWERED_ON": (_("Fecha de la entrevista: AAAA-MM-DD o DD/MM/AAAA"), []),
        "CHANNEL": (
            _("Cómo se respondió (opcional; vacío = papel)"),
            [(choice.value, str(choice.label)) for choice in Diagnosis.Channel],
        ),
        "INTERVIEWER": (_("Quién hizo la entrevista (opcional)"), []),
    }
    if column in meta:
        return meta[column]
    for question in spec.questions.values():
        if column == question.code:
            if question.kind == "text":
                note = _("texto libre, hasta %(n)s caracteres") % {"n": question.max_length}
                return f"{question.text} ({note})", []
            text = question.text
            if question.is_multiple:
                text += " " + _("(varios códigos separados por ;)")
            return text, [(option.code, option.label) for option in question.options]
        for option in question.options:
            if option.text and column == f"{question.code}__{option.code}__text":
                label = option.text_label or option.label
                return f"{question.text} — {label} " + _("(texto, opcional)"), []
        for item in question.items:
            if column == item.key:
                if question.kind == "number_matrix":
                    note = _("número entero de %(low)s a %(high)s") % {
                        "low": question.min or 0,
                        "high": question.max if question.max is not None else 999,
                    }
                    return f"{question.text} — {item.label} ({note})", []
                scale = [(value.value, value.label) for value in question.scale]
                return f"{question.text} — {item.label}", scale
            if item.text and column == f"{item.key}__text":
                label = item.text_label or item.label
                return f"{question.text} — {label} " + _("(texto, opcional)"), []
    return "", []


def template_xlsx(spec: QuestionnaireSpec, rows: int = 5000) -> bytes:
    """The answer template: the header with drop-down lists, and a `codigos` sheet."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "respuestas"
    codes = workbook.create_sheet("codigos")
    codes.append([_("columna"), _("qué contiene"), _("código"), _("etiqueta")])
    header = template_header(spec)
    sheet.append(header)
    bold = Font(bold=True)
    for cell in (*sheet[1], *codes[1]):
        cell.font = bold
    sheet.freeze_panes = "C2"
    sheet.column_dimensions["A"].number_format = "@"  # tax IDs keep their leading zeros
    sheet.column_dimensions["A"].width = 16
    for position, column in enumerate(header, start=1):
        letter = get_column_letter(position)
        description, choices = _column_description(spec, column)
        codes.append([column, description])
        first = codes.max_row + 1
        for code, label in choices:
            codes.append(["", "", code, label])
        question = spec.questions.get(column)
        cells = f"{letter}2:{letter}{rows + 1}"
        if column in ("COUNTRY", "CHANNEL") or (question is not None and question.is_single):
            _drop_down(sheet, f"codigos!$C${first}:$C${codes.max_row}", cells)
        elif choices and column in spec.items_by_key:
            values = ",".join(str(code) for code, _label in choices)
            _drop_down(sheet, f'"{values}"', cells)
        elif column in spec.items_by_key:  # a count of people
            question = spec.items_by_key[column][0]
            validation = DataValidation(
                type="whole",
                operator="between",
                formula1=str(question.min or 0),
                formula2=str(question.max if question.max is not None else 999),
                allow_blank=True,
                showErrorMessage=True,
                error=_("Escriba un número entero de personas."),
            )
            validation.add(cells)
            sheet.add_data_validation(validation)
    codes.column_dimensions["A"].width = 48
    codes.column_dimensions["B"].width = 80
    codes.column_dimensions["D"].width = 50
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _drop_down(sheet, formula: str, cells: str) -> None:
    validation = DataValidation(
        type="list",
        formula1=formula,
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=_("Código no válido"),
        error=_("Elija un código de la lista (vea la hoja «codigos»)."),
    )
    validation.add(cells)
    sheet.add_data_validation(validation)


def template_csv_rows(spec: QuestionnaireSpec) -> list[list[str]]:
    """The example rows for the CSV template (those of the format document, for version 1)."""
    header = template_header(spec)
    if (spec.code, spec.version) != ("cepal-ecommerce", 1):
        return []
    rows = list(csv.reader(io.StringIO(EXAMPLE_ROWS_V1)))
    return [row for row in rows if len(row) == len(header)]
