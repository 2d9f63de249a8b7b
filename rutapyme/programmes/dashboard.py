"""The ministry's dashboard (issue 5): every figure of the pages, computed over querysets.

The population is a set of enrolments, never of firms read one by one: the enrolments the user
may see (`permissions.enrolments_visible_to`) in the programme's cohorts in scope, narrowed by
the filters. Partner staff are always held to their own organisation's members, whatever the
`aliado` filter says (a firm they belong to personally is not their organisation's data). The
date range filters by the invitation date (`invited_at`), in the programme country's time zone.

A firm enrolled in two cohorts of the programme counts once in each: the unit is the
enrolment, which is what each cohort reports.

The stages (`diagnosed_at` … `first_export_at`, levels) are the columns `stages.refresh` keeps
on each enrolment (ADR 0010), so every figure is an aggregate over one table, filtered by the
indexed `cohort_id`; nothing here joins `Firm` except the page of a firm list (50 rows) and
its download:

- the funnel, the lists' counts and the maturity distribution: one aggregate query
  (`Count(filter=Q(...))`);
- the weekly series: three grouped queries (`TruncWeek`), one per series;
- the cohorts table: three grouped queries (enrolments, sessions held, presences);
- the monthly summary adds one query for the month's events and one for the outcomes.

A stage counts an enrolment that has joined (`joined_at` set: joined, active, completed, or
dropped after joining) and whose stage date is set, or, "as of" a moment (the summary's month
end), both dates earlier than that moment.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db.models import Case, Count, F, Q, QuerySet, Sum, When
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rutapyme.core.countries import ALADI_COUNTRIES, subdivision_name, world_countries
from rutapyme.core.tasks import enqueue_on_commit
from rutapyme.diagnosis.report import percent
from rutapyme.diagnosis.scoring import LEVELS
from rutapyme.firms.models import FirmAffiliation, Sector

from . import permissions, stages, tasks
from .models import (
    JOINED_STATES,
    Attendance,
    Cohort,
    Enrolment,
    LiveSession,
    Outcome,
    Programme,
)

State = Enrolment.State
WEEKS = 26  # the weekly series shows at most the last 26 weeks of the date range
REQUESTED_KEY = "programmes:stages-requested:{}"


def time_zone(programme: Programme) -> ZoneInfo:
    country = ALADI_COUNTRIES.get(programme.country)
    return ZoneInfo(country.time_zone) if country else timezone.get_current_timezone()


def day_start(day: datetime.date, tz: ZoneInfo) -> datetime.datetime:
    """Midnight at the start of `day` in `tz`."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)


def _number(value: float) -> str:
    """An SVG number, formatted here: a template would localise 42.5 as "42,5"."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _share(count: int, base: int) -> str:
    return _number(100 * count / base) if base else "0"


# --- The population ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What the user asked for. Every field empty: the whole programme they may see."""

    cohort_id: int | None = None
    province: str = ""
    sector: str = ""
    size_band: str = ""
    organisation_id: int | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


def scope_cohorts(cohorts: Iterable[Cohort], filters: Filters) -> list[Cohort]:
    """The programme's cohorts the figures cover: all, or the one asked for."""
    return [c for c in cohorts if filters.cohort_id in (None, c.pk)]


def population(
    *,
    user,
    cohorts: Iterable[Cohort],
    filters: Filters,
    tz: ZoneInfo,
    invited_before: datetime.datetime | None = None,
) -> QuerySet[Enrolment]:
    """The enrolments the figures count: in `cohorts`, as filtered, partners' members only.

    `cohorts` are cohorts of a programme the user sees (the views fetch the programme through
    `permissions.programmes_visible_to`): staff and admins who see a programme see all of its
    enrolments, and partner staff only their organisation's members, which is what
    `permissions.enrolments_visible_to` says, without its subqueries on every row (a test
    checks the two agree for every role)."""
    cohort_ids = [c.pk for c in cohorts]
    if len(cohort_ids) == 1:
        qs = Enrolment.objects.filter(cohort_id=cohort_ids[0])
    else:
        # Every cohort of the programme: through the programme, not a list of ids (SQLite
        # checks a long id list against each member firm of a partner, one by one).
        programme_ids = {c.programme_id for c in cohorts}
        qs = Enrolment.objects.filter(cohort__programme_id__in=programme_ids)
    if not permissions.can_view_dashboard(user):
        return qs.none()
    organisation_id = filters.organisation_id
    if permissions.is_partner_view(user):
        if not user.organisation_id:
            return qs.none()
        organisation_id = user.organisation_id
    if organisation_id is not None:
        members = FirmAffiliation.objects.filter(organisation_id=organisation_id)
        qs = qs.filter(firm_id__in=members.values("firm_id"))
    if filters.cohort_id is not None:
        qs = qs.filter(cohort_id=filters.cohort_id)
    if filters.province:
        qs = qs.filter(province=filters.province)
    if filters.sector:
        qs = qs.filter(sector=filters.sector)
    if filters.size_band:
        qs = qs.filter(size_band=filters.size_band)
    if filters.date_from:
        qs = qs.filter(invited_at__gte=day_start(filters.date_from, tz))
    if filters.date_to:
        qs = qs.filter(invited_at__lt=day_start(filters.date_to + datetime.timedelta(days=1), tz))
    if invited_before is not None:
        qs = qs.filter(invited_at__lt=invited_before)
    return qs.order_by()


# --- Stages -----------------------------------------------------------------------------------


def _reached(field: str, as_of: datetime.datetime | None) -> Q:
    if as_of is None:
        return Q(**{f"{field}__isnull": False})
    return Q(**{f"{field}__lt": as_of})


@dataclass(frozen=True)
class Stage:
    """A set of enrolments: a step of the funnel or a list of firms to follow up.

    `joined`: the firm joined the cohort at some point (`joined_at` set); `states`: its state
    now; `reached`: dates that must be set; `missing`: dates that must be empty; `date`: the
    date the list shows (and sorts by, oldest first unless `newest_first`).
    """

    key: str
    label: str
    description: str
    date: str
    date_label: str
    joined: bool = False
    states: tuple[str, ...] = ()
    reached: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    newest_first: bool = False

    def q(self, as_of: datetime.datetime | None = None) -> Q:
        condition = Q()
        if self.states:
            condition &= Q(state__in=self.states)
        if self.joined:
            condition &= _reached("joined_at", as_of)
        for field in self.reached:
            condition &= _reached(field, as_of)
        for field in self.missing:
            condition &= Q(**{f"{field}__isnull": True})
        return condition


# Labels are lazy: built at import time, translated when a page or a download shows them.
STAGES: dict[str, Stage] = {
    stage.key: stage
    for stage in [
        Stage(
            "invitadas", _("Invitadas"),
            _("Todas las empresas invitadas, en cualquier estado."),
            "invited_at", _("Invitada el"), newest_first=True,
        ),
        Stage(
            "unidas", _("Se unieron"),
            _("Aceptaron la invitación y ocuparon un cupo (incluye las que luego se retiraron)."),
            "joined_at", _("Se unió el"), joined=True, newest_first=True,
        ),
        Stage(
            "con-autodiagnostico", _("Con autodiagnóstico"),
            _("Se unieron y tienen un autodiagnóstico terminado."),
            "diagnosed_at", _("Primer autodiagnóstico"), joined=True, reached=("diagnosed_at",),
            newest_first=True,
        ),
        Stage(
            "aprendiendo", _("Empezaron un curso"),
            _("Se unieron y alguien de la empresa empezó un curso."),
            "learning_at", _("Empezó el"), joined=True, reached=("learning_at",),
            newest_first=True,
        ),
        Stage(
            "certificadas", _("Con certificado"),
            _("Se unieron y tienen al menos un certificado vigente."),
            "certified_at", _("Primer certificado"), joined=True, reached=("certified_at",),
            newest_first=True,
        ),
        Stage(
            "con-pagina", _("Con página en línea"),
            _("Se unieron y tienen una página web propia."),
            "online_at", _("En línea desde"), joined=True, reached=("online_at",),
            newest_first=True,
        ),
        Stage(
            "con-primera-venta", _("Con primera venta en línea"),
            _("Se unieron y reportaron su primera venta en línea o en un marketplace."),
            "first_sale_at", _("Primera venta"), joined=True, reached=("first_sale_at",),
            newest_first=True,
        ),
        Stage(
            "con-primera-exportacion", _("Con primera exportación"),
            _("Se unieron y reportaron su primera exportación por comercio electrónico."),
            "first_export_at", _("Primera exportación"), joined=True,
            reached=("first_export_at",), newest_first=True,
        ),
        Stage(
            "invitadas-sin-unirse", _("Invitadas sin unirse"),
            _("Recibieron la invitación y todavía no respondieron."),
            "invited_at", _("Invitada el"), states=(State.INVITED,),
        ),
        Stage(
            "unidas-sin-empezar", _("Unidas que nunca empezaron"),
            _("Están en la promoción, sin autodiagnóstico y sin haber empezado un curso."),
            "joined_at", _("Se unió el"), states=JOINED_STATES,
            missing=("diagnosed_at", "learning_at"),
        ),
        Stage(
            "sin-autodiagnostico", _("Sin autodiagnóstico"),
            _("Están en la promoción y no han terminado el autodiagnóstico."),
            "joined_at", _("Se unió el"), states=JOINED_STATES, missing=("diagnosed_at",),
        ),
        Stage(
            "aprendiendo-sin-certificado", _("Aprendiendo sin certificado"),
            _("Están en la promoción, empezaron un curso y aún no tienen certificado."),
            "learning_at", _("Empezó el"), states=JOINED_STATES, reached=("learning_at",),
            missing=("certified_at",),
        ),
        Stage(
            "en-lista-de-espera", _("En lista de espera"),
            _("Aceptaron cuando la promoción estaba llena; entran cuando se libera un cupo."),
            "waitlisted_at", _("En espera desde"), states=(State.WAITLISTED,),
        ),
        Stage(
            "no-aceptaron", _("No aceptaron"),
            _("Respondieron que no a la invitación."),
            "declined_at", _("Respondió el"), states=(State.DECLINED,), newest_first=True,
        ),
        Stage(
            "retiradas", _("Retiradas"),
            _("Se retiraron de la promoción, o el equipo las dio de baja."),
            "dropped_at", _("Se retiró el"), states=(State.DROPPED,), newest_first=True,
        ),
    ]
}  # fmt: skip
FUNNEL = [
    "invitadas", "unidas", "con-autodiagnostico", "aprendiendo", "certificadas", "con-pagina",
    "con-primera-venta", "con-primera-exportacion",
]  # fmt: skip
LISTS = [key for key in STAGES if key not in FUNNEL[:2]]
DEFAULT_STAGE = "invitadas-sin-unirse"


# --- The one aggregate: funnel, lists and maturity --------------------------------------------


@dataclass(frozen=True)
class Tallies:
    stages: dict[str, int]
    first_levels: dict[int, int]
    latest_levels: dict[int, int]
    per_cohort: dict[int, dict[str, int]]  # cohort id → invited, joined, completed, attended


def tallies(population: QuerySet[Enrolment], *, as_of=None) -> Tallies:
    """Every stage's count, the levels and each cohort's row, in one query grouped by cohort
    (a hundred rows at most), added up here. `as_of`: the funnel at that moment (only the
    funnel's stages: the lists are about states now)."""
    keys = list(STAGES) if as_of is None else FUNNEL
    aggregates = {}
    for index, key in enumerate(keys):
        condition = STAGES[key].q(as_of)
        aggregates[f"stage_{index}"] = Count("pk", filter=condition) if condition else Count("pk")
    for level in LEVELS:
        n = level.number
        aggregates[f"first_{n}"] = Count("pk", filter=Q(first_level=n))
        aggregates[f"latest_{n}"] = Count("pk", filter=Q(latest_level=n))
    joined = _reached("joined_at", as_of)
    per_cohort_aggregates = {
        "completed": Count("pk", filter=joined & _reached("completed_at", as_of)),
        "attended": Sum("sessions_attended", filter=joined, default=0),
    }
    rows = list(population.values("cohort_id").annotate(**aggregates, **per_cohort_aggregates))
    row = {name: sum(r[name] for r in rows) for name in aggregates}
    invited, joined_index = keys.index("invitadas"), keys.index("unidas")
    return Tallies(
        stages={key: row[f"stage_{index}"] for index, key in enumerate(keys)},
        first_levels={level.number: row[f"first_{level.number}"] for level in LEVELS},
        latest_levels={level.number: row[f"latest_{level.number}"] for level in LEVELS},
        per_cohort={
            r["cohort_id"]: {
                "invited": r[f"stage_{invited}"],
                "joined": r[f"stage_{joined_index}"],
                "completed": r["completed"],
                "attended": r["attended"],
            }
            for r in rows
        },
    )


@dataclass(frozen=True)
class FunnelRow:
    stage: Stage
    count: int
    of_previous: int | None  # % of the previous step
    of_invited: int | None  # % of the invited
    bar: str  # the bar's width, 0–100


def funnel(counts: Tallies) -> list[FunnelRow]:
    invited = counts.stages["invitadas"]
    rows, previous = [], None
    for key in FUNNEL:
        n = counts.stages[key]
        rows.append(
            FunnelRow(
                stage=STAGES[key],
                count=n,
                of_previous=None if previous is None else percent(n, previous),
                of_invited=percent(n, invited),
                bar=_share(n, invited),
            )
        )
        previous = n
    return rows


def funnel_table(rows: list[FunnelRow]) -> tuple[list[str], list[list]]:
    header = [
        _("Etapa"),
        _("Empresas"),
        # xgettext:no-python-format
        _("% de la etapa anterior"),
        # xgettext:no-python-format
        _("% de las invitadas"),
    ]
    return header, [[str(r.stage.label), r.count, r.of_previous, r.of_invited] for r in rows]


@dataclass(frozen=True)
class LevelRow:
    level: int
    label: str
    before: int
    before_percent: int | None
    after: int
    after_percent: int | None
    before_bar: str
    after_bar: str


@dataclass(frozen=True)
class Maturity:
    rows: list[LevelRow]
    before_n: int  # enrolments with a first level
    after_n: int  # enrolments with a latest level


def maturity(counts: Tallies) -> Maturity:
    before_n = sum(counts.first_levels.values())
    after_n = sum(counts.latest_levels.values())
    rows = []
    for level in LEVELS:
        before = counts.first_levels[level.number]
        after = counts.latest_levels[level.number]
        rows.append(
            LevelRow(
                level=level.number,
                label=f"{level.number}. {_(level.name)}",
                before=before,
                before_percent=percent(before, before_n),
                after=after,
                after_percent=percent(after, after_n),
                before_bar=_share(before, before_n),
                after_bar=_share(after, after_n),
            )
        )
    return Maturity(rows=rows, before_n=before_n, after_n=after_n)


def maturity_table(table: Maturity) -> tuple[list[str], list[list]]:
    header = [
        _("Nivel"),
        _("Antes: empresas (primer autodiagnóstico)"),
        _("Antes (%)"),
        _("Después: empresas (último autodiagnóstico)"),
        _("Después (%)"),
    ]
    rows = [[r.label, r.before, r.before_percent, r.after, r.after_percent] for r in table.rows]
    rows.append([_("Total (n)"), table.before_n, None, table.after_n, None])
    return header, rows


# --- Weekly series ----------------------------------------------------------------------------

SERIES = [
    ("joins", "joined_at", _("Se unieron")),
    ("completions", "completed_at", _("Completaron la promoción")),
    ("certificates", "certified_at", _("Primer certificado")),
]


def monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def week_window(
    *, date_from: datetime.date | None, date_to: datetime.date | None, today: datetime.date
) -> tuple[datetime.date, datetime.date]:
    """The Mondays of the first and the last week shown: the last WEEKS weeks of the range."""
    last = monday(date_to or today)
    first = last - datetime.timedelta(weeks=WEEKS - 1)
    if date_from and monday(date_from) > first:
        first = monday(date_from)
    return min(first, last), last


@dataclass(frozen=True)
class Week:
    start: datetime.date
    joins: int
    completions: int
    certificates: int


@dataclass(frozen=True)
class Column:
    css: str
    x: str
    y: str
    height: str


@dataclass(frozen=True)
class WeekChart:
    viewbox: str
    columns: list[Column]
    first: datetime.date | None
    last: datetime.date | None


def _local_day(value) -> datetime.date:
    """A week truncated in the programme's zone, as the database gives it back inside a CASE:
    the local wall time, without a zone (PostgreSQL), labelled UTC (SQLite) or as text. The
    wall time is the Monday wanted, whatever the label says."""
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    return value.date() if isinstance(value, datetime.datetime) else value


def weekly(
    population: QuerySet[Enrolment], *, tz: ZoneInfo, first: datetime.date, last: datetime.date
) -> list[Week]:
    """Joins, completions and first certificates per Monday week: one grouped query, by the
    three weeks of each enrolment (few combinations), added up here per series."""
    start = day_start(first, tz)
    end = day_start(last + datetime.timedelta(days=7), tz)

    def week_of(field: str):
        inside = Q(**{f"{field}__gte": start, f"{field}__lt": end})
        return Case(When(inside, then=TruncWeek(field, tzinfo=tz)), default=None)

    in_window = Q()
    for _name, field, _label in SERIES:
        in_window |= Q(**{f"{field}__gte": start, f"{field}__lt": end})
    names = [name for name, _f, _l in SERIES]
    rows = (
        population.filter(in_window)
        .values(**{f"w_{name}": week_of(field) for name, field, _label in SERIES})
        .annotate(n=Count("pk"))
        .values_list(*(f"w_{name}" for name in names), "n")
    )
    per_series: dict[str, Counter] = {name: Counter() for name in names}
    for *weeks, n in rows:
        for name, week in zip(names, weeks, strict=True):
            if week is not None:
                per_series[name][_local_day(week)] += n
    weeks = []
    day = first
    while day <= last:
        weeks.append(Week(day, *(per_series[name][day] for name in names)))
        day += datetime.timedelta(days=7)
    return weeks


def week_chart(weeks: list[Week]) -> WeekChart:
    """Three columns per week in an SVG 4 units wide per week and 100 high."""
    top = max((max(w.joins, w.completions, w.certificates) for w in weeks), default=0)
    columns = []
    for index, week in enumerate(weeks):
        values = (week.joins, week.completions, week.certificates)
        for offset, (css, value) in enumerate(zip(("s1", "s2", "s3"), values, strict=True)):
            height = 100 * value / top if top else 0
            columns.append(
                Column(
                    css, _number(index * 4 + 0.5 + offset), _number(100 - height), _number(height)
                )
            )
    return WeekChart(
        viewbox=f"0 0 {len(weeks) * 4} 100",
        columns=[c for c in columns if c.height != "0"],
        first=weeks[0].start if weeks else None,
        last=weeks[-1].start if weeks else None,
    )


def weekly_table(weeks: list[Week]) -> tuple[list[str], list[list]]:
    header = [_("Semana (lunes)"), *(str(label) for _n, _f, label in SERIES)]
    return header, [[w.start, w.joins, w.completions, w.certificates] for w in weeks]


# --- Cohorts: completion and attendance -------------------------------------------------------


@dataclass(frozen=True)
class CohortRow:
    cohort: Cohort
    invited: int
    joined: int
    completed: int
    completion: int | None  # % of the joined
    sessions_held: int
    present: int  # presence marks of joined firms in the sessions held
    attendance: int | None  # % of sessions held × joined firms


def _present_marks(joined_population: QuerySet[Enrolment], ids: list[int], moment) -> dict:
    """Present marks per cohort at sessions held before `moment`, of these enrolments."""
    return dict(
        Attendance.objects.filter(
            present=True,
            session__cohort_id__in=ids,
            session__starts_at__lt=moment,
            enrolment_id__in=joined_population.values("pk"),
        )
        .order_by()
        .values("session__cohort_id")
        .annotate(n=Count("pk"))
        .values_list("session__cohort_id", "n")
    )


def cohort_rows(
    population: QuerySet[Enrolment],
    cohorts: list[Cohort],
    *,
    as_of=None,
    counts: Tallies | None = None,
) -> list[CohortRow]:
    """Per cohort, whatever their number: the rows of `tallies` (computed here when not
    given) and one query for the sessions held (and, at a past month's end, one for the
    presence marks)."""
    now = timezone.now()
    moment = min(as_of, now) if as_of is not None else now  # a session is held once it began
    ids = [c.pk for c in cohorts]
    if not ids:
        return []
    joined = _reached("joined_at", as_of)
    counts = (counts or tallies(population, as_of=as_of)).per_cohort
    held = dict(
        LiveSession.objects.filter(cohort_id__in=ids, starts_at__lt=moment)
        .order_by()
        .values("cohort_id")
        .annotate(n=Count("pk"))
        .values_list("cohort_id", "n")
    )
    if as_of is None or as_of >= now:  # now: the count each enrolment carries
        present = {cohort_id: row["attended"] for cohort_id, row in counts.items()}
    else:  # at a month's end: the marks of the sessions held by then
        present = _present_marks(population.filter(joined), ids, moment)
    rows = []
    for cohort in cohorts:
        row = counts.get(cohort.pk, {"invited": 0, "joined": 0, "completed": 0})
        sessions = held.get(cohort.pk, 0)
        marks = present.get(cohort.pk, 0)
        rows.append(
            CohortRow(
                cohort=cohort,
                invited=row["invited"],
                joined=row["joined"],
                completed=row["completed"],
                completion=percent(row["completed"], row["joined"]),
                sessions_held=sessions,
                present=marks,
                attendance=percent(marks, sessions * row["joined"]),
            )
        )
    return rows


def cohorts_table(rows: list[CohortRow]) -> tuple[list[str], list[list]]:
    header = [
        _("Promoción"), _("Inicio"), _("Fin"), _("Invitadas"), _("Se unieron"),
        _("Completaron"),
        # xgettext:no-python-format
        _("Completaron (% de las unidas)"),
        _("Sesiones realizadas"),
        _("Asistencias"), _("Asistencia (%)"),
    ]  # fmt: skip
    return header, [
        [
            r.cohort.name,
            r.cohort.starts_on,
            r.cohort.ends_on,
            r.invited,
            r.joined,
            r.completed,
            r.completion,
            r.sessions_held,
            r.present,
            r.attendance,
        ]  # fmt: skip
        for r in rows
    ]


# --- Lists of firms ---------------------------------------------------------------------------

FIRM_FIELDS = (
    "pk", "public_id", "cohort_id", "state", "province", "sector", "size_band", "invited_at",
    "joined_at", "waitlisted_at", "declined_at", "dropped_at", "diagnosed_at", "learning_at",
    "certified_at", "online_at", "first_sale_at", "first_export_at", "firm__public_id",
    "firm__legal_name", "firm__trade_name", "firm__tax_id", "firm__country",
)  # fmt: skip


def stage_enrolments(population: QuerySet[Enrolment], stage: Stage) -> QuerySet[Enrolment]:
    """The enrolments at `stage` with their firm, in the list's order."""
    date = F(stage.date)
    order = date.desc(nulls_last=True) if stage.newest_first else date.asc(nulls_last=True)
    return (
        population.filter(stage.q()).select_related("firm").only(*FIRM_FIELDS).order_by(order, "pk")
    )


@dataclass(frozen=True)
class FirmRow:
    firm_public_id: str
    name: str
    legal_name: str
    tax_id: str
    province: str
    sector: str
    size_band: str
    cohort: str
    state: str
    date: datetime.date | None


SECTOR_LABELS = dict(Sector.choices)


def firm_rows(
    enrolments: Iterable[Enrolment], *, stage: Stage, cohort_names: dict[int, str], tz: ZoneInfo
) -> Iterator[FirmRow]:
    for enrolment in enrolments:
        firm = enrolment.firm
        when = getattr(enrolment, stage.date)
        yield FirmRow(
            firm_public_id=str(firm.public_id),
            name=firm.display_name,
            legal_name=firm.legal_name,
            tax_id=firm.tax_id,
            province=subdivision_name(enrolment.province) if enrolment.province else "",
            sector=str(SECTOR_LABELS.get(enrolment.sector, enrolment.sector)),
            size_band=enrolment.size_band,
            cohort=cohort_names.get(enrolment.cohort_id, ""),
            state=str(enrolment.get_state_display()),
            date=timezone.localtime(when, tz).date() if when else None,
        )


def firms_table(rows: Iterable[FirmRow], *, stage: Stage, tax_id_label: str):
    header = [
        _("Empresa"), _("Razón social"), tax_id_label, _("Provincia"), _("Sector"), _("Tamaño"),
        _("Promoción"), _("Estado"), str(stage.date_label),
    ]  # fmt: skip
    body = (
        [
            r.name,
            r.legal_name,
            r.tax_id,
            r.province,
            r.sector,
            r.size_band,
            r.cohort,
            r.state,
            r.date,
        ]  # fmt: skip
        for r in rows
    )
    return header, body


# --- The month, for the summary ---------------------------------------------------------------


def parse_month(text: str) -> datetime.date | None:
    """The first day of the month written as 2026-11 (or 11/2026); None when unreadable."""
    text = (text or "").strip()
    for pattern in ("%Y-%m", "%m/%Y", "%m-%Y"):
        try:
            day = datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        if 2000 <= day.year <= 2100:
            return day
    return None


def month_bounds(first_day: datetime.date, tz: ZoneInfo):
    following = (first_day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return day_start(first_day, tz), day_start(following, tz)


@dataclass(frozen=True)
class MonthActivity:
    joins: int
    completions: int
    certificates: int


def month_activity(population: QuerySet[Enrolment], *, start, end) -> MonthActivity:
    """Joins, completions and first certificates that happened in [start, end): one query."""
    row = population.aggregate(
        **{
            name: Count("pk", filter=Q(**{f"{field}__gte": start, f"{field}__lt": end}))
            for name, field, _label in SERIES
        }
    )
    return MonthActivity(**row)


@dataclass(frozen=True)
class Outcomes:
    by_kind: list[tuple[str, int]]
    destinations: list[tuple[str, int]]
    total: int


def month_outcomes(population: QuerySet[Enrolment], *, start, end) -> Outcomes:
    """Milestones the population's firms reported (registered) in [start, end), by kind, and
    the destinations of the exports: one query. A firm in two cohorts counts once."""
    rows = (
        Outcome.objects.filter(
            firm_id__in=population.values("firm_id"), reported_at__gte=start, reported_at__lt=end
        )
        .order_by()
        .values("kind", "destination_country")
        .annotate(n=Count("pk"))
        .values_list("kind", "destination_country", "n")
    )
    kinds: Counter = Counter()
    destinations: Counter = Counter()
    for kind, destination, n in rows:
        kinds[kind] += n
        if kind == Outcome.Kind.FIRST_EXPORT:
            destinations[destination] += n
    names = world_countries() if destinations else {}
    return Outcomes(
        by_kind=[(str(label), kinds[value]) for value, label in Outcome.Kind.choices],
        destinations=sorted(
            ((names.get(code, code), n) for code, n in destinations.items()),
            key=lambda item: (-item[1], item[0]),
        ),
        total=sum(kinds.values()),
    )


# --- Keeping the stages fresh -----------------------------------------------------------------


@dataclass(frozen=True)
class StagesStatus:
    refreshed_at: datetime.datetime | None  # the oldest refresh among the cohorts in scope
    never: int  # cohorts in scope never refreshed
    pending: int  # cohorts in scope whose figures are older than STALE_AFTER


def stages_status(cohorts: list[Cohort], stale: list[int]) -> StagesStatus:
    dates = [c.stages_refreshed_at for c in cohorts if c.stages_refreshed_at is not None]
    return StagesStatus(
        refreshed_at=min(dates, default=None),
        never=sum(1 for c in cohorts if c.stages_refreshed_at is None),
        pending=len(set(stale)),
    )


def stages_refresh_request(cohort_ids: Iterable[int], *, force: bool = False) -> list[int]:
    """Enqueue `tasks.cohort_stages_refresh` for these cohorts, once per cohort per
    STALE_AFTER (a cache key taken with `cache.add`, so two page loads enqueue once); `force`
    (the "update now" button) enqueues every one of them. Returns the cohorts enqueued."""
    timeout = stages.STALE_AFTER.total_seconds()
    keys = {cohort_id: REQUESTED_KEY.format(cohort_id) for cohort_id in dict.fromkeys(cohort_ids)}
    if not keys:
        return []
    taken = set() if force else set(cache.get_many(list(keys.values())))
    enqueued = []
    for cohort_id, key in keys.items():
        if force:
            cache.set(key, 1, timeout)
        elif key in taken or not cache.add(key, 1, timeout):
            continue
        enqueue_on_commit(tasks.cohort_stages_refresh, cohort_id)
        enqueued.append(cohort_id)
    return enqueued


def stages_refresh_if_stale(cohorts: list[Cohort]) -> StagesStatus:
    """The status line of the cohorts in scope; stale ones are sent to refresh (two queries)."""
    if not cohorts:
        return StagesStatus(None, 0, 0)
    stale = stages.stale_cohorts(Cohort.objects.filter(pk__in=[c.pk for c in cohorts]))
    stages_refresh_request(stale)
    return stages_status(cohorts, stale)
