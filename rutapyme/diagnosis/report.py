"""The programme's report: CEPAL's tables computed from the platform's own answers.

docs/diagnosis-scale.md, section B8, says which answers feed which table. The population is
the latest submitted diagnosis of each firm in the selection (`Diagnosis.is_latest`), among
the diagnoses the user may see (`permissions.diagnoses_visible_to`; partner staff only ever
see their own organisation's members). Percentages are over the firms that answered the item
(questions 16–19 are answered by goods firms only, so their base is smaller), multiple-choice
percentages over the firms that answered the question; they are rounded half up to whole
numbers, as CEPAL publishes them, and every table and row carries its base (n).

How it stays fast: the database only filters. One query reads the questionnaire versions,
one reads `(questionnaire_id, signature, first_level, level, attempt)` of the population;
`signature.Columns` counts every answer position of each version in C, and the counts of the
versions are merged by answer key and value code (codes never change meaning, B9). Every
table below is then arithmetic on those counts.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from rutapyme.accounts.models import Organisation
from rutapyme.core.countries import ALADI_COUNTRIES
from rutapyme.firms.models import FirmAffiliation
from rutapyme.firms.permissions import firms_visible_to

from . import scoring, signature
from .models import Diagnosis, Questionnaire
from .permissions import diagnoses_visible_to
from .questionnaire import Item, Option, Question, QuestionnaireSpec
from .topics import Topic

QUESTIONNAIRE_CODE = "cepal-ecommerce"
FEW_FIRMS = 10  # below this, percentages are anecdotes (Part A, "Reading the programme report")

# CEPAL's published Cuadro 3 (seed 003), in %: experience 1–4 | staff 0, 1, 2.
CEPAL_CUADRO3 = {
    "atencion_cliente": (58, 24, 11, 7, 7, 56, 23),
    "logistica": (42, 26, 17, 14, 10, 50, 20),
    "estrategia_comercial": (30, 36, 28, 6, 16, 59, 18),
    "analisis_datos": (27, 37, 19, 18, 37, 42, 14),
    "sistemas_informaticos": (19, 43, 23, 15, 41, 44, 10),
    "canal_digital": (17, 30, 36, 17, 23, 59, 15),
    "marketing_digital": (17, 33, 34, 16, 24, 61, 10),
}

# Registry sector → CEPAL question 2 (B8, "Sector mapping").
CEPAL_SECTORS = {
    "textil": "Indumentaria",
    "calzado": "Calzado",
    "accesorios": "Accesorios y/o marroquinería",
    "artesanias": "Artesanías",
    "alimentos": "Alimentos",
    "bebidas": "Bebidas",
    "tecnologia": "Servicios de animación digital; Videojuegos",
    "otros": "Servicios de comunicación gráfica y editorial",
}

# Unions that per-position counts cannot give: (question, options); counted per signature.
UNIONS = {
    "q09_any_yes": ("q09_ecommerce_export", ("yes_region", "yes_lac_other", "yes_outside_lac")),
    "q13_social_cepal": ("q13_promotion_media", ("whatsapp", "other_social")),
}


def percent(count: int, base: int) -> int | None:
    """`count` of `base` as a whole percentage, rounded half up (2/3 → 67, 1/8 → 13)."""
    if not base:
        return None
    exact = Decimal(count) * 100 / Decimal(base)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


# --- The selection --------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportSelection:
    """Which firms the report covers. Every field empty: everything the user may see.

    A programme or cohort filter (a later issue) is one more field here and one more filter in
    `report_diagnoses`.
    """

    organisation_id: int | None = None
    country: str = ""
    sector: str = ""
    size_band: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


def _is_partner_only(user) -> bool:
    return user.is_partner_staff and not user.is_platform_admin


def report_diagnoses(*, user, selection: ReportSelection) -> QuerySet[Diagnosis]:
    """The population: the latest submitted diagnosis of each firm in the selection.

    Partner staff are always held to their own organisation's members, whatever the
    selection says (a firm they belong to personally is not their organisation's data).
    """
    qs = diagnoses_visible_to(user).filter(is_latest=True, status=Diagnosis.Status.SUBMITTED)
    organisation_id = selection.organisation_id
    if _is_partner_only(user):
        organisation_id = user.organisation_id
    if organisation_id is not None:
        members = FirmAffiliation.objects.filter(organisation_id=organisation_id)
        qs = qs.filter(firm_id__in=members.values("firm_id"))
    if selection.country:
        qs = qs.filter(country=selection.country)
    if selection.sector:
        qs = qs.filter(sector=selection.sector)
    if selection.size_band:
        qs = qs.filter(size_band=selection.size_band)
    if selection.date_from:
        qs = qs.filter(answered_on__gte=selection.date_from)
    if selection.date_to:
        qs = qs.filter(answered_on__lte=selection.date_to)
    return qs


def selectable_organisations(user) -> QuerySet[Organisation]:
    """Organisations whose members the user may report on (admins and programme staff)."""
    if _is_partner_only(user):
        return Organisation.objects.filter(pk=user.organisation_id)
    affiliations = FirmAffiliation.objects.all()
    if not user.is_platform_admin:
        affiliations = affiliations.filter(firm_id__in=firms_visible_to(user).values("pk"))
    return Organisation.objects.filter(pk__in=affiliations.values("organisation_id")).order_by(
        "name"
    )


def selectable_countries(user) -> list[str]:
    """Country codes the user sees, in ALADI order."""
    if user.is_platform_admin:
        return list(ALADI_COUNTRIES)
    if _is_partner_only(user):
        scope = report_diagnoses(user=user, selection=ReportSelection())
        present = set(scope.order_by().values_list("country", flat=True).distinct())
        return [code for code in ALADI_COUNTRIES if code in present]
    country = user.organisation.country if user.organisation_id else ""
    return [country] if country else list(ALADI_COUNTRIES)


# --- Counting -------------------------------------------------------------------------------


@dataclass
class Tally:
    """Counts of the population, merged over questionnaire versions."""

    firms: int = 0
    counts: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    unions: Counter = field(default_factory=Counter)
    transitions: Counter = field(default_factory=Counter)  # (first level, latest level) → n
    versions: Counter = field(default_factory=Counter)  # questionnaire id → firms

    def n(self, key: str, value: Any) -> int:
        return self.counts[key][value] if key in self.counts else 0

    def answered(self, key: str) -> int:
        if key not in self.counts:
            return 0
        return sum(n for value, n in self.counts[key].items() if value is not None)


def tally(rows: Iterable[tuple], specs: Mapping[int, QuestionnaireSpec]) -> Tally:
    """Count `(questionnaire_id, signature, first_level, level, attempt)` rows."""
    result = Tally()
    by_version: dict[int, list[str]] = defaultdict(list)
    for questionnaire_id, sig, first_level, level, attempt in rows:
        by_version[questionnaire_id].append(sig)
        if attempt and attempt > 1:
            result.transitions[(first_level, level)] += 1
    for questionnaire_id, signatures in by_version.items():
        spec = specs[questionnaire_id]
        columns = signature.Columns(spec, signatures)
        result.firms += columns.rows
        result.versions[questionnaire_id] += columns.rows
        for key, per_value in columns.counts().items():
            result.counts[key].update(per_value)
        for name, (question, options) in UNIONS.items():
            keys = [f"{question}={option}" for option in options]
            result.unions[name] += columns.count_any(keys, True)
    return result


# --- Tables ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of a table. `kind`: count, percent (both read from the row's counts and
    percents by `key`), number or text (from the row's values)."""

    key: str
    label: str
    kind: str = "percent"
    on_page: bool = True
    in_export: bool = True
    reference: str = ""  # key of a published figure to show under this cell (row values)


@dataclass
class Row:
    code: str
    label: str
    base: int
    counts: dict[str, int] = field(default_factory=dict)
    percents: dict[str, int | None] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    indent: bool = False
    page_cells: list = field(default_factory=list)
    export_cells: list = field(default_factory=list)
    reference_cells: list = field(default_factory=list)  # CEPAL's figures, page-aligned

    @property
    def count(self) -> int:
        return self.counts["firms"]

    @property
    def percent(self) -> int | None:
        return self.percents["firms"]

    def cell(self, column: Column) -> Any:
        if column.kind == "count":
            return self.counts.get(column.key)
        if column.kind == "percent":
            return self.percents.get(column.key)
        return self.values.get(column.key)


@dataclass(frozen=True)
class Series:
    key: str  # a key of the rows' counts
    label: str


@dataclass(frozen=True)
class Chart:
    """How the table reads as a chart: `bars` (one series), `grouped` (a bar per series) or
    `stacked` (the series side by side in one bar, adding up to 100 %)."""

    kind: str
    series: tuple[Series, ...]


@dataclass
class Table:
    code: str
    section: str
    title: str
    cepal: str  # CEPAL's table or chart this one reproduces; "" for the platform's own tables
    base: int  # n: firms the table is computed over
    columns: list[Column]
    rows: list[Row]
    row_header: str = ""
    chart: Chart | None = None
    notes: list[str] = field(default_factory=list)
    bases_vary: bool = False  # rows have their own n (items of a matrix, goods-only items)

    def row(self, code: str) -> Row:
        for row in self.rows:
            if row.code == code:
                return row
        raise KeyError(code)

    @property
    def few(self) -> bool:
        return self.base < FEW_FIRMS

    @property
    def page_columns(self) -> list[Column]:
        return [c for c in self.columns if c.on_page]

    @property
    def export_header(self) -> list[str]:
        return [self.row_header, *(c.label for c in self.columns if c.in_export), "n"]

    def export_rows(self) -> list[list[Any]]:
        return [[row.label, *row.export_cells, row.base] for row in self.rows]

    @property
    def has_reference(self) -> bool:
        return any(c.reference for c in self.columns if c.on_page)

    def finish(self) -> Table:
        page = [c for c in self.columns if c.on_page]
        for row in self.rows:
            row.page_cells = [row.cell(c) for c in page]
            row.export_cells = [row.cell(c) for c in self.columns if c.in_export]
            if self.has_reference:
                row.reference_cells = [
                    row.values.get(c.reference) if c.reference else None for c in page
                ]
        return self


@dataclass
class Report:
    selection: ReportSelection
    firms: int
    tables: list[Table]
    versions: list[str]

    def table(self, code: str) -> Table:
        for table in self.tables:
            if table.code == code:
                return table
        raise KeyError(code)

    @property
    def sections(self) -> list[tuple[str, list[Table]]]:
        grouped: dict[str, list[Table]] = {}
        for table in self.tables:
            grouped.setdefault(table.section, []).append(table)
        return list(grouped.items())


def _row(
    code: str,
    label: str,
    base: int,
    counts: Mapping[str, int],
    *,
    bases: Mapping[str, int] | None = None,
    values: Mapping[str, Any] | None = None,
    indent: bool = False,
) -> Row:
    """A row whose every count also gets its percentage (over `base`, or `bases[key]`)."""
    bases = bases or {}
    return Row(
        code=code,
        label=label,
        base=base,
        counts=dict(counts),
        percents={key: percent(n, bases.get(key, base)) for key, n in counts.items()},
        values=dict(values or {}),
        indent=indent,
    )


def _firms_columns() -> list[Column]:
    return [
        Column("firms", _("Empresas"), "count"),
        Column("firms", _("Empresas (%)"), "percent"),
    ]


def _bars() -> Chart:
    return Chart("bars", (Series("firms", _("Empresas (%)")),))


class _Context:
    """The counts plus the questionnaire versions that label them (newest first)."""

    def __init__(self, counts: Tally, specs: list[QuestionnaireSpec]):
        self.t = counts
        self.specs = specs
        self.spec = specs[0]

    def question(self, code: str) -> Question | None:
        for spec in self.specs:
            if code in spec.questions:
                return spec.questions[code]
        return None

    def options(self, code: str) -> list[Option]:
        """The question's options over every version present, newest version's order first."""
        seen: dict[str, Option] = {}
        for spec in self.specs:
            question = spec.questions.get(code)
            for option in question.options if question else ():
                seen.setdefault(option.code, option)
        return list(seen.values())

    def items(self, code: str) -> list[Item]:
        seen: dict[str, Item] = {}
        for spec in self.specs:
            question = spec.questions.get(code)
            for item in question.items if question else ():
                seen.setdefault(item.key, item)
        return list(seen.values())

    def areas(self) -> list[Mapping[str, Any]]:
        """Areas in CEPAL's Cuadro 3 row order."""
        return sorted(self.spec.areas, key=lambda area: area.get("cuadro3_row", 99))


def _section(code: str) -> str:
    return {
        "madurez": _("Nivel de madurez y prioridades"),
        "perfil": _("Perfil de las empresas"),
        "comercio": _("Comercio electrónico y áreas de la empresa"),
        "herramientas": _("Plataformas, herramientas y pagos"),
        "logistica": _("Logística (empresas que ofrecen productos)"),
        "apoyo": _("Factores limitantes, apoyo y capacitación"),
    }[code]


MULTIPLE_NOTE = "multiple"
GOODS_NOTE = "goods"


def _notes(*codes: str) -> list[str]:
    texts = {
        MULTIPLE_NOTE: _(
            "Opción múltiple: porcentaje de las empresas que respondieron la pregunta; "
            "los porcentajes suman más de 100."
        ),
        GOODS_NOTE: _(
            "Solo empresas que ofrecen productos: las que ofrecen solo servicios no responden "
            "esta pregunta."
        ),
    }
    return [texts[code] for code in codes]


def _single_table(
    ctx: _Context,
    *,
    code: str,
    question: str,
    section: str,
    title: str,
    cepal: str,
    notes: Iterable[str] = (),
    extra_columns: Iterable[Column] = (),
    values: Mapping[str, Mapping[str, Any]] | None = None,
) -> Table:
    t = ctx.t
    base = t.answered(question)
    rows = [
        _row(
            option.code,
            option.label,
            base,
            {"firms": t.n(question, option.code)},
            values=(values or {}).get(option.code),
        )
        for option in ctx.options(question)
    ]
    return Table(
        code=code,
        section=_section(section),
        title=title,
        cepal=cepal,
        base=base,
        columns=[*_firms_columns(), *extra_columns],
        rows=rows,
        row_header=_("Respuesta"),
        chart=_bars(),
        notes=list(notes),
    )


def _multiple_rows(ctx: _Context, question: str, base: int) -> list[Row]:
    return [
        _row(option.code, option.label, base, {"firms": ctx.t.n(f"{question}={option.code}", True)})
        for option in ctx.options(question)
    ]


def _multiple_table(
    ctx: _Context,
    *,
    code: str,
    question: str,
    section: str,
    title: str,
    cepal: str,
    notes: Iterable[str] = (),
) -> Table:
    base = ctx.t.n(f"{question}?", True)
    return Table(
        code=code,
        section=_section(section),
        title=title,
        cepal=cepal,
        base=base,
        columns=_firms_columns(),
        rows=_multiple_rows(ctx, question, base),
        row_header=_("Opción"),
        chart=_bars(),
        notes=_notes(MULTIPLE_NOTE) + list(notes),
    )


def _rating_table(
    ctx: _Context,
    *,
    code: str,
    question: str,
    section: str,
    title: str,
    cepal: str,
    summary_label: str,
    notes: Iterable[str] = (),
) -> Table:
    """Items rated on a scale: % at each value and the summary % 1 or 2, per item."""
    t = ctx.t
    q = ctx.question(question)
    scale = q.scale if q else ()
    rows = []
    for item in ctx.items(question):
        counts = {str(s.value): t.n(item.key, s.value) for s in scale}
        counts["top"] = t.n(item.key, 1) + t.n(item.key, 2)
        rows.append(_row(item.code, item.label, t.answered(item.key), counts))
    columns = [Column(str(s.value), f"{s.value}. {s.short} (%)") for s in scale]
    columns.append(Column("top", summary_label))
    return Table(
        code=code,
        section=_section(section),
        title=title,
        cepal=cepal,
        base=max((row.base for row in rows), default=0),
        columns=columns,
        rows=rows,
        row_header=_("Factor") if q and q.scale_code == "limiting5" else _("Tema"),
        chart=Chart("stacked", tuple(Series(str(s.value), s.short) for s in scale)),
        notes=[
            _("Porcentajes sobre las empresas que valoraron cada línea (n de cada fila)."),
            *notes,
        ],
        bases_vary=True,
    )


# --- The tables of B8, one builder each ------------------------------------------------------


def _levels(ctx: _Context) -> Table:
    t = ctx.t
    base = t.answered("result.level")
    rows = [
        _row(str(level.number), f"{level.number}. {_(level.name)}", base,
             {"firms": t.n("result.level", level.number)})
        for level in scoring.LEVELS
    ]  # fmt: skip
    return Table(
        code="nivel",
        section=_section("madurez"),
        title=_("Nivel de madurez en comercio electrónico"),
        cepal="",
        base=base,
        columns=_firms_columns(),
        rows=rows,
        row_header=_("Nivel"),
        chart=_bars(),
    )


def _before_after(ctx: _Context) -> Table:
    transitions = ctx.t.transitions
    base = sum(transitions.values())
    first = Counter()
    latest = Counter()
    for (first_level, latest_level), n in transitions.items():
        first[first_level] += n
        latest[latest_level] += n
    rows = [
        _row(str(level.number), f"{level.number}. {_(level.name)}", base,
             {"first": first[level.number], "latest": latest[level.number]})
        for level in scoring.LEVELS
    ]  # fmt: skip
    return Table(
        code="antes-despues",
        section=_section("madurez"),
        title=_("Nivel antes y después (empresas que repitieron el autodiagnóstico)"),
        cepal="",
        base=base,
        columns=[
            Column("first", _("Primer autodiagnóstico: empresas"), "count"),
            Column("first", _("Primer autodiagnóstico: %"), "percent"),
            Column("latest", _("Último autodiagnóstico: empresas"), "count"),
            Column("latest", _("Último autodiagnóstico: %"), "percent"),
        ],
        rows=rows,
        row_header=_("Nivel"),
        chart=Chart("grouped", (Series("first", _("Primero")), Series("latest", _("Último")))),
        notes=[
            _(
                "Las mismas empresas dos veces: su primer autodiagnóstico (aunque sea de antes "
                "del período elegido) y el último, el que está en la selección."
            )
        ],
    )


def _level_change(ctx: _Context) -> Table:
    transitions = ctx.t.transitions
    base = sum(transitions.values())
    up = sum(n for (first, latest), n in transitions.items() if latest > first)
    down = sum(n for (first, latest), n in transitions.items() if latest < first)
    rows = [
        _row("up", _("Subió de nivel"), base, {"firms": up}),
        _row("same", _("Se mantuvo"), base, {"firms": base - up - down}),
        _row("down", _("Bajó de nivel"), base, {"firms": down}),
    ]
    return Table(
        code="cambio-nivel",
        section=_section("madurez"),
        title=_("Cambio de nivel entre el primer y el último autodiagnóstico"),
        cepal="",
        base=base,
        columns=_firms_columns(),
        rows=rows,
        row_header=_("Cambio"),
        chart=_bars(),
    )


def _median(per_value: Mapping[int, int]) -> Decimal | None:
    total = sum(per_value.values())
    if not total:
        return None
    ordered = sorted(per_value.items())

    def nth(index: int) -> int:  # 0-based, in sorted order
        seen = 0
        for value, n in ordered:
            seen += n
            if index < seen:
                return value
        raise IndexError(index)

    if total % 2:
        return Decimal(nth(total // 2))
    return (Decimal(nth(total // 2 - 1)) + Decimal(nth(total // 2))) / 2


def _mean(per_value: Mapping[int, int]) -> Decimal | None:
    total = sum(per_value.values())
    if not total:
        return None
    exact = Decimal(sum(value * n for value, n in per_value.items())) / Decimal(total)
    return exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _area_scores(ctx: _Context, area_code: str) -> dict[int, int]:
    counts = ctx.t.counts.get(f"result.area.{area_code}", {})
    return {value: n for value, n in counts.items() if value is not None}


def _areas(ctx: _Context) -> Table:
    rows = []
    for area in ctx.areas():
        scores = _area_scores(ctx, area["code"])
        bands = Counter()
        for score, n in scores.items():
            bands[scoring.area_band(score)] += n
        rows.append(
            _row(
                area["code"],
                area["label"],
                sum(scores.values()),
                {band: bands[band] for band in scoring.AREA_BANDS},
                values={"mean": _mean(scores), "median": _median(scores)},
            )
        )
    return Table(
        code="puntaje-areas",
        section=_section("madurez"),
        title=_("Puntaje por área (0 a 100)"),
        cepal="",
        base=max((row.base for row in rows), default=0),
        columns=[
            Column("mean", _("Media"), "number"),
            Column("median", _("Mediana"), "number"),
            *(Column(band, f"{_(label)} (%)") for band, label in scoring.AREA_BANDS.items()),
        ],
        rows=rows,
        row_header=_("Área"),
        chart=Chart(
            "stacked",
            tuple(Series(band, _(label)) for band, label in scoring.AREA_BANDS.items()),
        ),
        notes=[
            _(
                "Débil 0–49, en desarrollo 50–79, fuerte 80–100. El puntaje combina la "
                "experiencia (pregunta 7) y las personas asignadas (pregunta 8)."
            )
        ],
    )


def _barriers(ctx: _Context) -> Table:
    t = ctx.t
    rows = []
    order = {}
    for question, group in scoring.BARRIER_GROUPS.items():
        for item in ctx.items(question):
            if not item.barrier_priority:
                continue
            key = item.key
            rows.append(
                _row(
                    key,
                    item.label,
                    t.answered(key),
                    {
                        "barrier": t.n(key, 1) + t.n(key, 2),
                        "top": t.n(f"result.barrier_top.{key}", True),
                    },
                    values={"group": _(group)},
                )
            )
            order[key] = item.barrier_priority
    # Most frequent first (exact shares, not rounded ones), then the barrier priority (B4).
    rows.sort(
        key=lambda r: (-Fraction(r.counts["barrier"], r.base) if r.base else 0, order[r.code])
    )
    return Table(
        code="barreras",
        section=_section("madurez"),
        title=_("Barreras principales"),
        cepal="",
        base=max((row.base for row in rows), default=0),
        columns=[
            Column("group", _("Grupo"), "text"),
            Column("barrier", _("Es una barrera (muy o medianamente limitante, %)")),
            Column("top", _("Entre sus 5 primeras barreras (%)")),
        ],
        rows=rows,
        row_header=_("Factor"),
        chart=Chart(
            "grouped",
            (Series("barrier", _("Es una barrera")), Series("top", _("Entre sus 5 primeras"))),
        ),
        notes=[
            _(
                "Porcentajes sobre las empresas que valoraron el factor (n de cada fila); los "
                "factores de logística, solo empresas que ofrecen productos."
            )
        ],
        bases_vary=True,
    )


def _topics(ctx: _Context) -> Table:
    t = ctx.t
    base = t.firms
    labels = {topic["code"]: topic["label"] for spec in ctx.specs for topic in spec.topics}
    rows = []
    for code in Topic.values:
        key = f"result.topic.{code}"
        rows.append(
            _row(
                code,
                labels.get(code) or Topic(code).label,
                base,
                {
                    "route": t.n(key, signature.TOPIC_ROUTE),
                    "other": t.n(key, signature.TOPIC_OTHER),
                    "mastered": t.n(key, signature.TOPIC_MASTERED),
                },
            )
        )
    vocabulary = {code: index for index, code in enumerate(Topic.values)}
    rows.sort(key=lambda r: (-r.counts["route"], vocabulary[r.code]))
    return Table(
        code="temas",
        section=_section("madurez"),
        title=_("Demanda de temas"),
        cepal="",
        base=base,
        columns=[
            Column("route", _("Entre sus 5 primeros temas (%)")),
            Column("other", _("En otros temas (%)")),
            Column("mastered", _("Ya lo domina (%)")),
        ],
        rows=rows,
        row_header=_("Tema"),
        chart=Chart("bars", (Series("route", _("Entre sus 5 primeros temas")),)),
    )


def _cuadro3(ctx: _Context) -> Table:
    t = ctx.t
    experience = ctx.question("q07_area_experience")
    staff = ctx.question("q08_area_staff")
    item_of = {item.area: item for item in (experience.items if experience else ())}
    staff_of = {item.area: item for item in (staff.items if staff else ())}
    rows = []
    for area in ctx.areas():
        item, staff_item = item_of.get(area["code"]), staff_of.get(area["code"])
        if item is None or staff_item is None:
            continue
        counts = {f"e{v}": t.n(item.key, v) for v in (1, 2, 3, 4)}
        counts.update({f"s{v}": t.n(staff_item.key, v) for v in (0, 1, 2)})
        staff_base = t.answered(staff_item.key)
        reference = CEPAL_CUADRO3.get(area["code"])
        values: dict[str, Any] = {"mean": _mean(_area_scores(ctx, area["code"]))}
        if reference:
            keys = ("e1", "e2", "e3", "e4", "s0", "s1", "s2")
            values.update({f"ref_{key}": value for key, value in zip(keys, reference, strict=True)})
        rows.append(
            _row(
                area["code"],
                area["label"],
                t.answered(item.key),
                counts,
                bases={f"s{v}": staff_base for v in (0, 1, 2)},
                values=values,
            )
        )
    scale = experience.scale if experience else ()
    columns = [Column(f"e{s.value}", f"{s.short} (%)", reference=f"ref_e{s.value}") for s in scale]
    columns += [
        Column("s0", _("0 personas (%)"), reference="ref_s0"),
        Column("s1", _("1 persona (%)"), reference="ref_s1"),
        Column("s2", _("2 o más (%)"), reference="ref_s2"),
        Column("mean", _("Puntaje medio del área"), "number"),
    ]
    reference_labels = [f"{s.short}" for s in scale] + ["0", "1", "2"]
    columns += [
        Column(f"ref_{key}", _("CEPAL: %(column)s (%%)") % {"column": label}, "number",
               on_page=False)
        for key, label in zip(("e1", "e2", "e3", "e4", "s0", "s1", "s2"), reference_labels,
                              strict=False)
    ]  # fmt: skip
    return Table(
        code="cuadro-3",
        section=_section("comercio"),
        title=_("Desarrollo de las diferentes áreas de la empresa"),
        cepal=_("Cuadro 3"),
        base=max((row.base for row in rows), default=0),
        columns=columns,
        rows=rows,
        row_header=_("Área"),
        chart=Chart("stacked", tuple(Series(f"e{s.value}", s.short) for s in scale)),
        notes=[
            _(
                "Grado de experiencia (pregunta 7) y personas asignadas (pregunta 8), en "
                "porcentaje de las empresas que respondieron. Las filas «CEPAL» repiten, como "
                "referencia, lo publicado para 172 pymes exportadoras de la Alianza del Pacífico; "
                "su columna «2» no suma 100 con las otras, la nuestra es «2 o más»."
            )
        ],
    )


def _sector(ctx: _Context) -> Table:
    return _single_table(
        ctx,
        code="sector",
        question="q02_sector",
        section="perfil",
        title=_("Sector"),
        cepal=_("Gráfico 4"),
        extra_columns=[Column("cepal", _("Sector en CEPAL"), "text")],
        values={code: {"cepal": name} for code, name in CEPAL_SECTORS.items()},
        notes=[_("Autopartes y cosmética no tienen equivalente en la encuesta de CEPAL.")],
    )


def _ecommerce_export(ctx: _Context) -> Table:
    t = ctx.t
    question = "q09_ecommerce_export"
    base = t.n(f"{question}?", True)
    options = {option.code: option for option in ctx.options(question)}
    yes_codes = UNIONS["q09_any_yes"][1]
    rows = [
        _row("any_yes", _("Sí (a cualquier destino)"), base, {"firms": t.unions["q09_any_yes"]})
    ]
    rows += [
        _row(code, options[code].label, base, {"firms": t.n(f"{question}={code}", True)},
             indent=True)
        for code in yes_codes
        if code in options
    ]  # fmt: skip
    if "no" in options:
        rows.append(_row("no", options["no"].label, base, {"firms": t.n(f"{question}=no", True)}))
    return Table(
        code="exporto-ecommerce",
        section=_section("comercio"),
        title=_("¿Exportó alguna vez por comercio electrónico?"),
        cepal=_("Gráfico 8"),
        base=base,
        columns=_firms_columns(),
        rows=rows,
        row_header=_("Respuesta"),
        chart=_bars(),
        notes=[
            _(
                "Una empresa puede haber exportado a varios destinos: las filas de destino "
                "suman más que «Sí». Los destinos ALADI no equivalen a los de CEPAL (Alianza "
                "del Pacífico)."
            )
        ],
    )


def _promotion(ctx: _Context) -> Table:
    table = _multiple_table(
        ctx,
        code="promocion",
        question="q13_promotion_media",
        section="herramientas",
        title=_("Medios digitales de promoción"),
        cepal=_("Gráfico 10, panel B"),
    )
    table.rows.append(
        _row(
            "cepal_other_social",
            _("Otra red social, incluido WhatsApp (para comparar con CEPAL)"),
            table.base,
            {"firms": ctx.t.unions["q13_social_cepal"]},
        )
    )
    table.notes.append(
        _(
            "CEPAL no preguntó por WhatsApp: la última fila cuenta las empresas que eligieron "
            "WhatsApp u «Otra red social», como la «Otra red social» de CEPAL."
        )
    )
    return table


def _known_support(ctx: _Context) -> Table:
    return _single_table(
        ctx,
        code="apoyo-conocido",
        question="q21_known_support",
        section="apoyo",
        title=_("Instrumentos de apoyo conocidos"),
        cepal=_("Gráficos 18 y A2"),
        notes=[
            _(
                "Los instrumentos que las empresas nombran se leen en sus respuestas; todavía "
                "no se codifican por país."
            )
        ],
    )


def _tables(ctx: _Context) -> list[Table]:
    limiting = _("Muy o medianamente limitante (%)")
    destination_note = _(
        "Las filas ALADI y «América Latina y el Caribe fuera de ALADI» no equivalen a las de "
        "CEPAL (Alianza del Pacífico)."
    )
    return [
        _levels(ctx),
        _before_after(ctx),
        _level_change(ctx),
        _areas(ctx),
        _barriers(ctx),
        _topics(ctx),
        _single_table(
            ctx, code="tamano", question="q03_size_band", section="perfil",
            title=_("Tamaño (personas que trabajan en la empresa)"), cepal=_("Gráfico 3"),
        ),
        _sector(ctx),
        _multiple_table(
            ctx, code="destinos", question="q04_export_destinations", section="perfil",
            title=_("Destino de las exportaciones"), cepal=_("Gráfico 5"),
            notes=[destination_note],
        ),
        _single_table(
            ctx, code="segmento", question="q05_customer_segment", section="perfil",
            title=_("Segmento de clientes"), cepal=_("Gráfico 6"),
        ),
        _single_table(
            ctx, code="presencia", question="q06_online_sales", section="comercio",
            title=_("Presencia en línea: ¿vende por comercio electrónico?"),
            cepal=_("Gráfico 7"),
        ),
        _ecommerce_export(ctx),
        _single_table(
            ctx, code="intencion", question="q10_export_intent", section="comercio",
            title=_("Intención de exportar por comercio electrónico"),
            cepal=_("Gráfico A1 (anexo)"),
        ),
        _cuadro3(ctx),
        _multiple_table(
            ctx, code="plataformas", question="q11_relevant_platforms", section="herramientas",
            title=_("Plataformas consideradas relevantes para vender en otros países"),
            cepal=_("Gráfico 9"),
        ),
        _multiple_table(
            ctx, code="herramientas", question="q12_digital_tools", section="herramientas",
            title=_("Herramientas digitales que usa la empresa"),
            cepal=_("Gráfico 10, panel A"),
            notes=[_("«No usamos ninguna» es una opción nueva, no está en CEPAL.")],
        ),
        _promotion(ctx),
        _multiple_table(
            ctx, code="medios-pago", question="q14_payment_methods", section="herramientas",
            title=_("Medios de pago"), cepal=_("Gráfico 11"),
        ),
        _rating_table(
            ctx, code="limitantes-pagos", question="q15_payment_barriers",
            section="herramientas", title=_("Factores limitantes de los pagos internacionales"),
            cepal=_("Gráfico 12"), summary_label=limiting,
        ),
        _multiple_table(
            ctx, code="gestion-logistica", question="q16_logistics_management",
            section="logistica", title=_("Gestión de la logística"), cepal=_("Gráfico 13"),
            notes=_notes(GOODS_NOTE),
        ),
        _single_table(
            ctx, code="devolucion", question="q17_return_policy", section="logistica",
            title=_("Política de devolución"), cepal=_("Gráfico 14"), notes=_notes(GOODS_NOTE),
        ),
        _single_table(
            ctx, code="entrega-destino", question="q18_delivery_abroad", section="logistica",
            title=_("Opciones de entrega en el país de destino"), cepal=_("Gráfico 15"),
            notes=_notes(GOODS_NOTE),
        ),
        _rating_table(
            ctx, code="limitantes-logistica", question="q19_logistics_barriers",
            section="logistica", title=_("Factores limitantes de la logística internacional"),
            cepal=_("Gráfico 16"), summary_label=limiting, notes=_notes(GOODS_NOTE),
        ),
        _rating_table(
            ctx, code="otros-limitantes", question="q20_other_barriers", section="apoyo",
            title=_("Otros factores limitantes para exportar por comercio electrónico"),
            cepal=_("Gráfico 17"), summary_label=limiting,
        ),
        _known_support(ctx),
        _rating_table(
            ctx, code="utilidad-apoyo", question="q22_support_usefulness", section="apoyo",
            title=_("Utilidad de los instrumentos de apoyo"), cepal=_("Gráfico 19"),
            summary_label=_("Muy o medianamente útil (%)"),
        ),
        _rating_table(
            ctx, code="capacitacion", question="q23_training_needs", section="apoyo",
            title=_("Necesidades de capacitación"), cepal=_("Gráfico 20"),
            summary_label=_("Necesita (1 o 2, %)"),
        ),
    ]  # fmt: skip


# --- Entry point ----------------------------------------------------------------------------


def _questionnaires() -> list[Questionnaire]:
    """Every version of the questionnaire, current first, then newest first (one query)."""
    versions = list(Questionnaire.objects.filter(code=QUESTIONNAIRE_CODE))
    return sorted(versions, key=lambda q: (not q.is_current, -q.version))


def build_report(*, user, selection: ReportSelection) -> Report:
    """Every table of B8 over the selection, in a fixed number of queries (two, plus what the
    permission filter needs to know about the user)."""
    questionnaires = _questionnaires()
    if not questionnaires:
        raise Questionnaire.DoesNotExist(f"no {QUESTIONNAIRE_CODE} questionnaire is loaded")
    specs = {q.pk: q.spec for q in questionnaires}
    population = report_diagnoses(user=user, selection=selection).filter(
        questionnaire_id__in=list(specs)
    )
    rows = population.order_by().values_list(
        "questionnaire_id", "signature", "first_level", "level", "attempt"
    )
    counts = tally(rows, specs)
    # Label with the current version, then any older version that has answers in the report.
    used = [q for q in questionnaires if q.is_current or counts.versions[q.pk]]
    ctx = _Context(counts, [q.spec for q in (used or questionnaires)])
    tables = [table.finish() for table in _tables(ctx)]
    return Report(
        selection=selection,
        firms=counts.firms,
        tables=tables,
        versions=[str(q) for q in used],
    )
