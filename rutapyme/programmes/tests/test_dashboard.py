"""The ministry's dashboard: the funnel against a hand count for every filter combination, the
weekly series, maturity, cohorts, the lists of firms, the downloads, the monthly summary, the
stages refresh, the role matrix and the query counts.

The world (`world`): programme P of Ecuador's ministry with partner chambers X and Y (chamber
Z has a member firm but is no partner), cohorts K1 (course A), K2 (courses A and B) and K3,
and Chile's programme with one cohort whose firm must never show in P. Fourteen firms across
three provinces, three sectors, five sizes and every state, one of them in two cohorts (it
left K1 after joining and came back in K2). Their later stages come from the apps that own
them — diagnoses, course progress, certificates (one revoked), a web page, outcomes reported
through `services.outcome_report` — copied by `stages.refresh`; the hand count reads those
apps directly, never the copied columns.
"""

import csv
import datetime
import io
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from rutapyme.accounts.models import Organisation, User
from rutapyme.accounts.tests.factories import (
    AdminFactory,
    OrganisationFactory,
    PartnerStaffFactory,
    ProgrammeStaffFactory,
)
from rutapyme.core.testing import queries_for
from rutapyme.diagnosis.models import Diagnosis
from rutapyme.diagnosis.tests.factories import submitted_diagnosis
from rutapyme.firms.models import Firm, FirmAffiliation
from rutapyme.firms.tests.factories import FirmAffiliationFactory, FirmFactory
from rutapyme.learning import services as learning_services
from rutapyme.learning.models import Certificate, CourseProgress, Lesson
from rutapyme.learning.tests.factories import learner, make_course
from rutapyme.programmes import dashboard, demo_data, services, stages, tasks
from rutapyme.programmes.models import Cohort, Enrolment, Outcome, Programme

from .conftest import ROLES, client_for
from .factories import MINISTRY, enrol, make_cohort, make_programme, make_session

pytestmark = pytest.mark.django_db

State = Enrolment.State
DAY = datetime.timedelta(days=1)
DASHBOARD = reverse("programmes:dashboard")
FIRMS = reverse("programmes:dashboard_firms")
SUMMARY = reverse("programmes:dashboard_summary")
REFRESH = reverse("programmes:dashboard_refresh")
RIGHT = {"q1": "a", "q2": Decimal("3.5")}
JOINED_NOW = {State.JOINED, State.ACTIVE, State.COMPLETED}


def export_url(table: str, fmt: str = "csv") -> str:
    return reverse("programmes:dashboard_export", args=[table, fmt])


def firms_export_url(fmt: str = "csv") -> str:
    return reverse("programmes:dashboard_firms_export", args=[fmt])


def ago(days: int) -> datetime.datetime:
    return timezone.now() - days * DAY


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def xlsx_rows(response) -> list[tuple]:
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


def body_text(response) -> str:
    """What a person could read in the response: the page, the CSV or every XLSX cell."""
    if response.get("Content-Type", "").startswith("text/csv"):
        return "\n".join(",".join(row) for row in csv_rows(response))
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        return "\n".join(
            " ".join("" if cell is None else str(cell) for cell in row)
            for row in xlsx_rows(response)
        )
    return response.content.decode()


def funnel_of(response) -> dict[str, int]:
    return {row.stage.key: row.count for row in response.context["funnel"]}


def enrol_at(cohort, firm, state, invited_at, **fields) -> Enrolment:
    """`factories.enrol`, invited at `invited_at` instead of now."""
    enrolment = enrol(cohort, firm, state, **fields)
    Enrolment.objects.filter(pk=enrolment.pk).update(invited_at=invited_at)
    enrolment.invited_at = invited_at
    return enrolment


def start_course(firm, course):
    """Someone of the firm opens the first lesson (a `CourseProgress`: the firm is learning)."""
    user, _firm = learner(firm)
    lesson = Lesson.objects.filter(version=course.published).select_related("version").first()
    learning_services.lesson_view_record(user=user, firm=firm, lesson=lesson)


def complete_course(firm, course) -> Certificate:
    """Every lesson viewed and every quiz passed by a member: the certificate is issued."""
    user, _firm = learner(firm)
    for module in course.published.modules.all():
        for lesson in module.lessons.select_related("version"):
            learning_services.lesson_view_record(user=user, firm=firm, lesson=lesson)
        learning_services.quiz_attempt_submit(
            user=user, firm=firm, quiz=module.quiz, number=1, answers=RIGHT
        )
    return Certificate.objects.get(firm=firm, course=course)


def report(firm, kind, days_ago: int, destination: str = ""):
    return services.outcome_report(
        firm=firm,
        kind=kind,
        occurred_on=timezone.localdate() - days_ago * DAY,
        channel=Outcome.Channel.MARKETPLACE,
        destination_country=destination,
        by=None,
    )


# --- The world --------------------------------------------------------------------------------


@dataclass
class World:
    programme: Programme
    programme_cl: Programme
    cohorts: dict[str, Cohort]
    orgs: dict[str, Organisation]
    firms: dict[str, Firm]
    users: dict


FIRM_SPECS = {
    # key: (trade name, province, sector, size band, partner organisations, web page)
    "f01": ("Alpaca Andina", "EC-P", "artesanias", "0-5", ("x",), True),
    "f02": ("Botas del Sur", "EC-P", "calzado", "6-25", ("x",), False),
    "f03": ("Telares Otavalo", "EC-G", "textil", "0-5", ("y",), False),
    "f04": ("Tagua Viva", "EC-G", "artesanias", "26-50", ("y",), True),
    "f05": ("Calzado Cuenca", "EC-A", "calzado", "0-5", ("x", "y"), False),
    "f06": ("Hilos del Azuay", "EC-A", "textil", "6-25", (), False),
    "f07": ("Paja Toquilla", "EC-P", "artesanias", "0-5", ("x",), False),
    "f08": ("Lanas Pichincha", "EC-P", "textil", "6-25", ("y",), False),
    "f09": ("Cuero Guayas", "EC-G", "calzado", "0-5", ("x",), True),
    "f10": ("Cerámica Quito", "EC-P", "artesanias", "51-100", (), False),
    "f11": ("Mimbre Austral", "EC-A", "artesanias", "0-5", ("z",), False),
    "f12": ("Zapatos Pichincha", "EC-P", "calzado", "0-5", ("y",), False),
    "f13": ("Textiles Costa", "EC-G", "textil", "100+", ("x",), False),
    "f14": ("Madera Fina", "EC-P", "artesanias", "0-5", ("x",), False),
}
# (firm, cohort, state as created, invited days ago, joined days ago); refresh then moves
# joined firms to active (learning) or completed (every course of the cohort certified).
ENROLMENTS = [
    ("f01", "k1", State.JOINED, 70, 65),
    ("f02", "k1", State.JOINED, 70, 60),
    ("f03", "k1", State.JOINED, 70, 50),
    ("f04", "k1", State.INVITED, 70, None),
    ("f05", "k1", State.WAITLISTED, 60, None),
    ("f06", "k1", State.DECLINED, 60, None),
    ("f07", "k1", State.DROPPED, 60, 55),  # joined, then left
    ("f08", "k1", State.DROPPED, 50, None),  # left before joining
    ("f09", "k2", State.JOINED, 35, 30),
    ("f10", "k2", State.JOINED, 35, 28),
    ("f11", "k2", State.INVITED, 25, None),
    ("f12", "k2", State.JOINED, 25, 20),
    ("f07", "k2", State.JOINED, 20, 15),  # the same firm, back in the next cohort
    ("f13", "k3", State.INVITED, 10, None),
    ("f14", "k3", State.JOINED, 3, 2),
    ("fcl", "cl", State.JOINED, 30, 25),
]


@pytest.fixture
def world() -> World:
    ministry = OrganisationFactory(name=MINISTRY, kind=Organisation.Kind.GOVERNMENT)
    ministry_cl = OrganisationFactory(
        name="Ministerio de Economía", country="CL", kind=Organisation.Kind.GOVERNMENT
    )
    orgs = {key: OrganisationFactory(name=f"Cámara {key.upper()}") for key in ("x", "y", "z")}
    programme = make_programme(ministry, partners=[orgs["x"], orgs["y"]])
    programme_cl = make_programme(ministry_cl, name="Chile Exporta Digital", country="CL")
    course_a = make_course("curso-a", modules=1, lessons=1)
    course_b = make_course("curso-b", modules=1, lessons=1, position=60)
    today = timezone.localdate()
    cohorts = {
        "k1": make_cohort(
            programme, name="Promoción 1", courses=[course_a],
            starts_on=today - 80 * DAY, ends_on=today + 10 * DAY,
        ),
        "k2": make_cohort(
            programme, name="Promoción 2", courses=[course_a, course_b],
            starts_on=today - 30 * DAY, ends_on=today + 40 * DAY,
        ),
        "k3": make_cohort(
            programme, name="Promoción 3", courses=[course_a],
            starts_on=today + 5 * DAY, ends_on=today + 60 * DAY,
        ),
        "cl": make_cohort(programme_cl, name="Cohorte 1"),
    }  # fmt: skip
    firms = {}
    for key, (name, province, sector, size, partners, web) in FIRM_SPECS.items():
        firms[key] = FirmFactory(
            legal_name=f"{name} S.A.", trade_name=name, province=province, sector=sector,
            size_band=size, website="https://www.example.ec/" + key if web else "",
        )  # fmt: skip
        for org in partners:
            FirmAffiliationFactory(firm=firms[key], organisation=orgs[org])
    firms["fcl"] = FirmFactory(
        country="CL", legal_name="Cueros C SpA", trade_name="Cueros C", tax_id="760864283",
        province="", canton="Santiago", sector="textil",
    )  # fmt: skip
    enrolments = {}
    for key, cohort, state, invited, joined in ENROLMENTS:
        dates = {"joined_at": ago(joined)} if joined is not None else {}
        enrolments[key, cohort] = enrol_at(
            cohorts[cohort], firms[key], state, ago(invited), **dates
        )

    # Diagnoses: f01 took it twice; f04 (invited) and f05 (waitlisted) never joined.
    submitted_diagnosis(firms["f01"], answered_on=today - 60 * DAY, seed=1)
    submitted_diagnosis(firms["f01"], answered_on=today - 20 * DAY, seed=2)
    for seed, key in enumerate(("f02", "f04", "f05", "f07", "f09", "f12", "f13", "fcl"), 3):
        submitted_diagnosis(firms[key], answered_on=today - 40 * DAY, seed=seed)
    # Learning and certificates: f10's certificate is revoked.
    complete_course(firms["f01"], course_a)
    start_course(firms["f02"], course_a)
    start_course(firms["f07"], course_a)
    complete_course(firms["f09"], course_a)
    admin = AdminFactory()
    learning_services.certificate_revoke(
        certificate=complete_course(firms["f10"], course_a), user=admin, reason="Error de registro"
    )
    complete_course(firms["f12"], course_a)
    complete_course(firms["f12"], course_b)
    start_course(firms["fcl"], course_a)
    # Outcomes: f04 sells but never joined.
    report(firms["f01"], Outcome.Kind.FIRST_ONLINE_SALE, 10)
    report(firms["f01"], Outcome.Kind.FIRST_EXPORT, 5, "CO")
    report(firms["f07"], Outcome.Kind.FIRST_MARKETPLACE_SALE, 12)
    report(firms["f12"], Outcome.Kind.FIRST_ONLINE_SALE, 8)
    report(firms["f12"], Outcome.Kind.FIRST_EXPORT, 3, "PE")
    report(firms["f04"], Outcome.Kind.FIRST_ONLINE_SALE, 4)
    # Live sessions: two held in K1, one to come; one held in K2.
    held = [
        make_session(cohorts["k1"], starts_at=ago(40)),
        make_session(cohorts["k1"], starts_at=ago(20)),
    ]
    make_session(cohorts["k1"], starts_at=ago(-7))
    held_k2 = make_session(cohorts["k2"], starts_at=ago(10))
    ids = {key: enrolment.pk for key, enrolment in enrolments.items()}
    services.attendance_record(
        session=held[0], present_ids={ids["f01", "k1"], ids["f02", "k1"]}, by=admin
    )
    services.attendance_record(session=held[1], present_ids={ids["f01", "k1"]}, by=admin)
    present_k2 = {ids["f09", "k2"], ids["f12", "k2"], ids["f07", "k2"]}
    services.attendance_record(session=held_k2, present_ids=present_k2, by=admin)
    for cohort in cohorts.values():
        stages.refresh_cohort(cohort)
    users = {
        "admin": admin,
        "programme_ec": ProgrammeStaffFactory(organisation=ministry),
        "partner_x": PartnerStaffFactory(organisation=orgs["x"]),
        "partner_y": PartnerStaffFactory(organisation=orgs["y"]),
    }
    return World(programme, programme_cl, cohorts, orgs, firms, users)


def test_the_world_has_every_state_and_the_refresh_moved_the_learners(world):
    states = {
        (e.firm.trade_name, e.cohort.name): e.state
        for e in Enrolment.objects.select_related("firm", "cohort").filter(
            cohort__programme=world.programme
        )
    }
    assert set(states.values()) == set(State.values)
    assert states["Alpaca Andina", "Promoción 1"] == State.COMPLETED
    assert states["Cuero Guayas", "Promoción 2"] == State.ACTIVE  # one of two courses
    assert states["Cerámica Quito", "Promoción 2"] == State.ACTIVE  # certificate revoked
    assert states["Zapatos Pichincha", "Promoción 2"] == State.COMPLETED
    assert states["Paja Toquilla", "Promoción 1"] == State.DROPPED


# --- The hand count ---------------------------------------------------------------------------

# Filter combinations: symbolic values (cohort and organisation keys, days ago for dates).
COMBOS = {
    "none": {},
    "province": {"provincia": "EC-P"},
    "sector": {"sector": "calzado"},
    "size": {"tamano": "0-5"},
    "partner-x": {"aliado": "x"},
    "partner-y": {"aliado": "y"},
    "cohort-k1": {"promocion": "k1"},
    "cohort-k2": {"promocion": "k2"},
    "dates": {"desde": 40, "hasta": 5},
    "from-only": {"desde": 30},
    "to-only": {"hasta": 60},
    "province-sector": {"provincia": "EC-P", "sector": "artesanias"},
    "partner-cohort": {"aliado": "x", "promocion": "k1"},
    "size-dates": {"tamano": "0-5", "desde": 65, "hasta": 20},
    "cohort-province": {"promocion": "k3", "provincia": "EC-G"},
    "everything": {
        "provincia": "EC-P",
        "sector": "artesanias",
        "tamano": "0-5",
        "aliado": "x",
        "promocion": "k2",
        "desde": 30,
        "hasta": 0,
    },  # fmt: skip
}


@dataclass(frozen=True)
class Selection:
    """A filter combination with real objects: what the query string asks, and what the
    hand count keeps."""

    cohort: Cohort | None = None
    province: str = ""
    sector: str = ""
    size_band: str = ""
    organisation: Organisation | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None

    def query(self, programme: Programme) -> dict[str, str]:
        values = {
            "programa": programme.public_id,
            "promocion": self.cohort.public_id if self.cohort else "",
            "provincia": self.province,
            "sector": self.sector,
            "tamano": self.size_band,
            "aliado": self.organisation.pk if self.organisation else "",
            "desde": self.date_from.isoformat() if self.date_from else "",
            "hasta": self.date_to.isoformat() if self.date_to else "",
        }
        return {name: str(value) for name, value in values.items() if value}

    def filters(self) -> dashboard.Filters:
        return dashboard.Filters(
            cohort_id=self.cohort.pk if self.cohort else None,
            province=self.province,
            sector=self.sector,
            size_band=self.size_band,
            organisation_id=self.organisation.pk if self.organisation else None,
            date_from=self.date_from,
            date_to=self.date_to,
        )


def selection_for(world: World, combo: dict) -> Selection:
    today = timezone.localdate()
    return Selection(
        cohort=world.cohorts[combo["promocion"]] if "promocion" in combo else None,
        province=combo.get("provincia", ""),
        sector=combo.get("sector", ""),
        size_band=combo.get("tamano", ""),
        organisation=world.orgs[combo["aliado"]] if "aliado" in combo else None,
        date_from=today - combo["desde"] * DAY if "desde" in combo else None,
        date_to=today - combo["hasta"] * DAY if "hasta" in combo else None,
    )


def query_for(world: World, combo: dict) -> dict[str, str]:
    return selection_for(world, combo).query(world.programme)


def hand_count(
    programme: Programme, selection: Selection, *, partner: Organisation | None = None
) -> dict:
    """Every stage and level, counted enrolment by enrolment from the owning apps' rows."""
    diagnosed = set(
        Diagnosis.objects.filter(status=Diagnosis.Status.SUBMITTED).values_list(
            "firm_id", flat=True
        )
    )
    levels = {d.firm_id: (d.first_level, d.level) for d in Diagnosis.objects.filter(is_latest=True)}
    learning = set(CourseProgress.objects.values_list("firm_id", flat=True))
    certified = set(
        Certificate.objects.filter(revoked_at__isnull=True).values_list("firm_id", flat=True)
    )
    outcomes = {(o.firm_id, o.kind) for o in Outcome.objects.all()}
    sales = {Outcome.Kind.FIRST_ONLINE_SALE, Outcome.Kind.FIRST_MARKETPLACE_SALE}
    members = {(a.organisation_id, a.firm_id) for a in FirmAffiliation.objects.all()}
    organisation = partner or selection.organisation
    counts = dict.fromkeys(dashboard.STAGES, 0)
    first_levels, latest_levels = [0] * 6, [0] * 6
    for e in Enrolment.objects.select_related("firm", "cohort"):
        firm = e.firm
        invited_on = timezone.localtime(e.invited_at).date()
        if e.cohort.programme_id != programme.pk:
            continue
        if selection.cohort and e.cohort_id != selection.cohort.pk:
            continue
        if selection.province and firm.province != selection.province:
            continue
        if selection.sector and firm.sector != selection.sector:
            continue
        if selection.size_band and firm.size_band != selection.size_band:
            continue
        if organisation and (organisation.pk, firm.pk) not in members:
            continue
        if selection.date_from and invited_on < selection.date_from:
            continue
        if selection.date_to and invited_on > selection.date_to:
            continue
        counts["invitadas"] += 1
        if firm.pk in levels:
            first_levels[levels[firm.pk][0]] += 1
            latest_levels[levels[firm.pk][1]] += 1
        has = {
            "diagnosed": firm.pk in diagnosed,
            "learning": firm.pk in learning,
            "certified": firm.pk in certified,
            "online": bool(firm.website),
            "sale": any((firm.pk, kind) in outcomes for kind in sales),
            "export": (firm.pk, Outcome.Kind.FIRST_EXPORT) in outcomes,
        }
        in_cohort = e.state in JOINED_NOW
        if in_cohort or (e.state == State.DROPPED and e.joined_at is not None):
            counts["unidas"] += 1
            for key, fact in [
                ("con-autodiagnostico", "diagnosed"), ("aprendiendo", "learning"),
                ("certificadas", "certified"), ("con-pagina", "online"),
                ("con-primera-venta", "sale"), ("con-primera-exportacion", "export"),
            ]:  # fmt: skip
                counts[key] += has[fact]
        counts["invitadas-sin-unirse"] += e.state == State.INVITED
        counts["unidas-sin-empezar"] += in_cohort and not has["diagnosed"] and not has["learning"]
        counts["sin-autodiagnostico"] += in_cohort and not has["diagnosed"]
        counts["aprendiendo-sin-certificado"] += (
            in_cohort and has["learning"] and not has["certified"]
        )
        counts["en-lista-de-espera"] += e.state == State.WAITLISTED
        counts["no-aceptaron"] += e.state == State.DECLINED
        counts["retiradas"] += e.state == State.DROPPED
    return {"stages": counts, "first": first_levels, "latest": latest_levels}


def assert_page_matches(response, expected: dict, label: str) -> None:
    assert response.status_code == 200, label
    stages_ = expected["stages"]
    assert funnel_of(response) == {key: stages_[key] for key in dashboard.FUNNEL}, label
    assert {stage.key: n for stage, n in response.context["lists"]} == {
        key: stages_[key] for key in dashboard.LISTS
    }, label
    maturity = response.context["maturity"]
    assert [row.before for row in maturity.rows] == expected["first"], label
    assert [row.after for row in maturity.rows] == expected["latest"], label


def test_the_hand_count_of_the_whole_programme_is_what_the_world_says(world):
    """The hand count itself, checked once against the world as written above."""
    counted = hand_count(world.programme, Selection())["stages"]
    assert [counted[key] for key in dashboard.FUNNEL] == [15, 9, 6, 7, 3, 2, 4, 2]
    # invited: 8 + 5 + 2; joined: f01 f02 f03 f07(K1, left) f09 f10 f12 f07(K2) f14;
    # certified: f01 f09 f12 (f10's revoked); online: f01 f09 (f04 never joined); sale: f01,
    # f07 twice (both its enrolments), f12; export: f01 f12.
    assert counted["invitadas-sin-unirse"] == 3
    assert counted["unidas-sin-empezar"] == 2  # f03, f14
    assert counted["en-lista-de-espera"] == 1
    assert counted["retiradas"] == 2


@pytest.mark.parametrize("combo", list(COMBOS))
def test_funnel_lists_and_maturity_equal_the_hand_count(client, world, combo):
    selection = selection_for(world, COMBOS[combo])
    query = selection.query(world.programme)
    expected = hand_count(world.programme, selection)
    if combo != "everything":
        assert expected["stages"]["invitadas"] > 0  # the combination selects something

    # dashboard.py, straight.
    filters = selection.filters()
    population = dashboard.population(
        user=world.users["admin"],
        cohorts=dashboard.scope_cohorts(world.programme.cohorts.all(), filters),
        filters=filters,
        tz=dashboard.time_zone(world.programme),
    )
    counts = dashboard.tallies(population)
    assert counts.stages == expected["stages"]
    assert [counts.first_levels[n] for n in range(6)] == expected["first"]
    assert [counts.latest_levels[n] for n in range(6)] == expected["latest"]

    # The page, as admin and as programme staff.
    for role in ("admin", "programme_ec"):
        client.force_login(world.users[role])
        assert_page_matches(client.get(DASHBOARD, query), expected, role)

    # Partner staff X: always X's members, whatever `aliado` says.
    client.force_login(world.users["partner_x"])
    partner = hand_count(world.programme, selection, partner=world.orgs["x"])
    assert_page_matches(client.get(DASHBOARD, query), partner, "partner_x")

    # The funnel's download says the same.
    client.force_login(world.users["admin"])
    rows = csv_rows(client.get(export_url("funnel"), query))
    assert [int(row[1]) for row in rows[1:]] == [expected["stages"][k] for k in dashboard.FUNNEL]


def test_demo_data_funnel_equals_a_hand_count_for_every_filter_tested(client):
    """The product owner's check, on the demo `dev.py start` loads: every filter alone, then
    combinations, as the demo's programme staff and as a demo partner chamber."""
    for command in (
        "seed_demo",
        "seed_demo_diagnoses",
        "seed_demo_learning",
        "seed_demo_programmes",
    ):
        call_command(command, stdout=io.StringIO())
    programme = Programme.objects.get(name=demo_data.PROGRAMME_NAME)
    enrolments = list(Enrolment.objects.filter(cohort__programme=programme).select_related("firm"))
    assert len(enrolments) > 50
    provinces = [p for p, _n in Counter(e.firm.province for e in enrolments).most_common(3)]
    sectors = [s for s, _n in Counter(e.firm.sector for e in enrolments).most_common(3)]
    sizes = sorted({e.firm.size_band for e in enrolments})
    partners = list(programme.partners.order_by("name"))
    cohorts = list(programme.cohorts.order_by("starts_on"))
    today = timezone.localdate()
    recent, older = today - 30 * DAY, today - 120 * DAY
    selections = [
        Selection(),
        *(Selection(province=p) for p in provinces),
        *(Selection(sector=s) for s in sectors),
        *(Selection(size_band=s) for s in sizes),
        *(Selection(organisation=o) for o in partners),
        *(Selection(cohort=c) for c in cohorts),
        Selection(date_from=recent),
        Selection(date_from=older, date_to=recent),
        Selection(province=provinces[0], sector=sectors[0]),
        Selection(organisation=partners[0], cohort=cohorts[1]),
        Selection(size_band=sizes[0], date_from=older),
        Selection(cohort=cohorts[0], province=provinces[1], size_band=sizes[0]),
    ]
    staff = User.objects.get(email="staff@demo.rutapyme.ec")
    chamber = User.objects.get(email="ccq@demo.rutapyme.ec")
    joined = 0
    for selection in selections:
        query = selection.query(programme)
        client.force_login(staff)
        expected = hand_count(programme, selection)
        assert_page_matches(client.get(DASHBOARD, query), expected, f"staff {query}")
        joined += expected["stages"]["unidas"]
        client.force_login(chamber)
        expected = hand_count(programme, selection, partner=chamber.organisation)
        assert_page_matches(client.get(DASHBOARD, query), expected, f"ccq {query}")
    assert joined > 0


@pytest.mark.parametrize("key", ["unidas-sin-empezar", "aprendiendo-sin-certificado", "retiradas"])
def test_each_list_holds_the_firms_the_hand_count_counts(client, world, key):
    client.force_login(world.users["admin"])
    response = client.get(FIRMS, {**query_for(world, {}), "etapa": key})
    assert response.status_code == 200
    expected = hand_count(world.programme, Selection())["stages"][key]
    assert response.context["page"].paginator.count == expected


def test_lists_name_the_firms_with_their_cohort_state_and_date(client, world):
    client.force_login(world.users["admin"])
    response = client.get(FIRMS, {**query_for(world, {}), "etapa": "unidas-sin-empezar"})
    rows = response.context["rows"]
    assert [(r.name, r.province, r.sector, r.cohort, r.state) for r in rows] == [
        ("Telares Otavalo", "Guayas", "Textil y confección", "Promoción 1", "Unida"),
        ("Madera Fina", "Pichincha", "Artesanías", "Promoción 3", "Unida"),
    ]  # oldest join first: the ones waiting longest
    assert rows[0].date == timezone.localdate() - 50 * DAY
    html = response.content.decode()
    assert f'href="{reverse("firms:detail", args=[world.firms["f03"].public_id])}"' in html
    assert "Unidas que nunca empezaron" in html
    retired = client.get(FIRMS, {**query_for(world, {}), "etapa": "retiradas"}).context["rows"]
    assert {r.name for r in retired} == {"Paja Toquilla", "Lanas Pichincha"}


def test_an_unknown_stage_is_a_message_not_a_list(client, world):
    client.force_login(world.users["admin"])
    response = client.get(FIRMS, {**query_for(world, {}), "etapa": "inventada"})
    assert response.status_code == 200
    assert "rows" not in response.context
    assert "Corrija la selección" in response.content.decode()


# --- Cohorts, weeks, maturity -----------------------------------------------------------------


def test_cohorts_table_completion_and_attendance(client, world):
    client.force_login(world.users["admin"])
    response = client.get(DASHBOARD, query_for(world, {}))
    rows = [
        (r.cohort.name, r.invited, r.joined, r.completed, r.completion, r.sessions_held,
         r.present, r.attendance)
        for r in response.context["cohort_rows"]
    ]  # fmt: skip
    assert rows == [
        ("Promoción 3", 2, 1, 0, 0, 0, 0, None),
        # K2: f12 completed of 4 joined; 3 present at the one session held, of 4 firms.
        ("Promoción 2", 5, 4, 1, 25, 1, 3, 75),
        # K1: f01 completed of 4 joined (f07 left); 3 marks of 2 sessions × 4 firms = 37.5 %.
        ("Promoción 1", 8, 4, 1, 25, 2, 3, 38),
    ]
    csv_cohorts = csv_rows(client.get(export_url("cohorts"), query_for(world, {})))
    assert csv_cohorts[0][0] == "Promoción"
    assert csv_cohorts[3][3:] == ["8", "4", "1", "25", "2", "3", "38"]


def test_partner_cohorts_table_counts_only_their_members(client, world):
    client.force_login(world.users["partner_y"])
    response = client.get(DASHBOARD, query_for(world, {"aliado": "x"}))
    k1 = response.context["cohort_rows"][-1]
    # Y's members in K1: f03 (joined), f04 (invited), f05 (waiting), f08 (left unjoined).
    assert (k1.invited, k1.joined, k1.completed, k1.present, k1.attendance) == (4, 1, 0, 0, 0)


def test_weekly_series_counts_monday_weeks_in_the_window(client):
    programme = make_programme()
    cohort = make_cohort(programme)
    today = timezone.localdate()
    monday = today - today.weekday() * DAY
    noon = datetime.time(12)

    def at(day):
        return timezone.make_aware(datetime.datetime.combine(day, noon))

    plan = [  # joined, completed, certified
        (monday, None, None),
        (monday - 6 * DAY, monday - 6 * DAY, monday - 1 * DAY),  # the week before
        (monday - 7 * DAY, None, monday - 7 * DAY),
        (monday - 30 * 7 * DAY, None, None),  # outside the last 26 weeks
    ]
    for joined, completed, certified in plan:
        enrolment = enrol_at(
            cohort, FirmFactory(), State.COMPLETED if completed else State.JOINED,
            at(joined - DAY), joined_at=at(joined),
            completed_at=at(completed) if completed else None,
        )  # fmt: skip
        if certified:
            Enrolment.objects.filter(pk=enrolment.pk).update(certified_at=at(certified))
    population = Enrolment.objects.filter(cohort=cohort)
    tz = dashboard.time_zone(programme)
    first, last = dashboard.week_window(date_from=None, date_to=None, today=today)
    assert (first, last) == (monday - 25 * 7 * DAY, monday)
    weeks = dashboard.weekly(population, tz=tz, first=first, last=last)
    assert len(weeks) == 26
    assert [(w.start, w.joins, w.completions, w.certificates) for w in weeks[-2:]] == [
        (monday - 7 * DAY, 2, 1, 2),
        (monday, 1, 0, 0),
    ]
    assert sum(w.joins for w in weeks) == 3

    client.force_login(AdminFactory())
    response = client.get(DASHBOARD, {"desde": (monday - 10 * DAY).isoformat()})
    assert [w.start for w in response.context["weeks"]] == [
        monday - 14 * DAY, monday - 7 * DAY, monday,
    ]  # fmt: skip
    assert [w.joins for w in response.context["weeks"]] == [0, 2, 1]
    rows = csv_rows(client.get(export_url("weekly"), {"desde": (monday - 10 * DAY).isoformat()}))
    assert rows == [
        ["Semana (lunes)", "Se unieron", "Completaron la promoción", "Primer certificado"],
        [str(monday - 14 * DAY), "0", "0", "0"],
        [str(monday - 7 * DAY), "2", "1", "2"],
        [str(monday), "1", "0", "0"],
    ]


def test_maturity_download_has_both_distributions_and_their_n(client, world):
    client.force_login(world.users["admin"])
    expected = hand_count(world.programme, Selection())
    rows = csv_rows(client.get(export_url("maturity"), query_for(world, {})))
    assert rows[0][0] == "Nivel"
    assert [int(row[1]) for row in rows[1:7]] == expected["first"]
    assert [int(row[3]) for row in rows[1:7]] == expected["latest"]
    assert rows[7][:2] == ["Total (n)", str(sum(expected["first"]))]
    assert rows[1][0] == "0. Sin presencia en línea"


# --- Page, HTMX, selection errors -------------------------------------------------------------


def test_page_draws_bars_as_svg_without_inline_style_and_explains_the_dates(client, world):
    client.force_login(world.users["admin"])
    assert client.get(DASHBOARD).context["programme"] == world.programme_cl  # first by name
    client.force_login(world.users["programme_ec"])
    response = client.get(DASHBOARD)
    assert response.context["programme"] == world.programme  # the only one they see
    html = response.content.decode()
    assert "style=" not in html
    assert '<rect class="s1" x="0" width="100" height="1"/>' in html  # invited: 100 %
    assert "filtran por la fecha de la invitación" in html
    assert 'class="table-wrap"' in html
    assert "Datos de etapas al" in html
    for table in ("funnel", "weekly", "maturity", "cohorts"):
        assert export_url(table, "xlsx") in html
    assert "<script" in html and "htmx" in html  # only the vendored file


def test_the_htmx_partial_is_the_panel_only(client, world):
    client.force_login(world.users["admin"])
    response = client.get(DASHBOARD, query_for(world, {}), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="h-embudo"' in html
    assert 'hx-target="#dashboard-panel"' in html
    firms = client.get(FIRMS, query_for(world, {}), headers={"HX-Request": "true"})
    assert "<html" not in firms.content.decode()
    assert "Invitadas sin unirse" in firms.content.decode()


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"promocion": "cl"}, "promocion", "Escoja una opción válida."),
        ({"aliado": "z"}, "aliado", "Escoja una opción válida."),
        ({"desde": 5, "hasta": 40}, "hasta", "La fecha «hasta» es anterior a la fecha «desde»."),
    ],
)
def test_a_selection_out_of_reach_is_an_error_and_shows_no_figures(
    client, world, params, field, message
):
    client.force_login(world.users["programme_ec"])
    query = query_for(world, {k: v for k, v in params.items() if k != "promocion"})
    if "promocion" in params:
        query["promocion"] = str(world.cohorts["cl"].public_id)  # Chile's cohort
    response = client.get(DASHBOARD, query)
    assert response.status_code == 200
    assert "funnel" not in response.context
    assert response.context["form"].errors[field][0].startswith(message)
    assert "Corrija la selección" in response.content.decode()
    download = client.get(export_url("funnel"), query)
    assert download.status_code == 302
    assert download["Location"].startswith(DASHBOARD + "?")


def test_a_programme_out_of_sight_or_unreadable_is_404(client, world):
    client.force_login(world.users["programme_ec"])
    assert client.get(DASHBOARD, {"programa": str(world.programme_cl.public_id)}).status_code == 404
    assert client.get(DASHBOARD, {"programa": "no-es-un-id"}).status_code == 404
    assert client.get(export_url("funnel"), {"programa": "no-es-un-id"}).status_code == 404


def test_unknown_table_or_format_is_404(client, world):
    client.force_login(world.users["admin"])
    assert client.get(export_url("inventada")).status_code == 404
    assert client.get(export_url("funnel", "pdf")).status_code == 404
    assert client.get(firms_export_url("pdf")).status_code == 404


# --- Downloads --------------------------------------------------------------------------------


def test_firm_list_downloads_neutralise_formulas(client, world):
    firm = world.firms["f03"]
    firm.trade_name = '=HYPERLINK("http://malo.example/x","Ver")'
    firm.save(update_fields=["trade_name"])
    client.force_login(world.users["admin"])
    query = {**query_for(world, {}), "etapa": "unidas-sin-empezar"}
    response = client.get(firms_export_url("csv"), query)
    assert response["Content-Disposition"].startswith(
        'attachment; filename="tablero-empresas-unidas-sin-empezar-'
    )
    rows = csv_rows(response)
    assert rows[0] == [
        "Empresa", "Razón social", "RUC", "Provincia", "Sector", "Tamaño", "Promoción",
        "Estado", "Se unió el",
    ]  # fmt: skip
    assert rows[1][0] == '\'=HYPERLINK("http://malo.example/x","Ver")'
    assert rows[1][2] == firm.tax_id
    assert rows[1][8] == str(timezone.localdate() - 50 * DAY)
    book = xlsx_rows(client.get(firms_export_url("xlsx"), query))
    assert book[1][0] == '\'=HYPERLINK("http://malo.example/x","Ver")'
    assert len(book) == 3


def test_firm_list_paginates_by_50(client):
    programme = make_programme()
    cohort = make_cohort(programme)
    for firm in FirmFactory.create_batch(55):
        enrol(cohort, firm)
    client.force_login(AdminFactory())
    first = client.get(FIRMS, {"etapa": "invitadas"})
    assert len(first.context["rows"]) == 50
    assert "Página 1 de 2" in first.content.decode()
    second = client.get(FIRMS, {"etapa": "invitadas", "page": 2})
    assert len(second.context["rows"]) == 5
    assert len(csv_rows(client.get(firms_export_url(), {"etapa": "invitadas"}))) == 56


# --- The monthly summary ----------------------------------------------------------------------


def test_summary_of_this_month(client, world):
    client.force_login(world.users["admin"])
    response = client.get(SUMMARY, {"programa": str(world.programme.public_id)})
    assert response.status_code == 200
    today = timezone.localdate()
    assert response.context["month"] == today.replace(day=1)
    # At the end of this month the funnel is today's.
    assert funnel_of(response) == {
        key: hand_count(world.programme, Selection())["stages"][key] for key in dashboard.FUNNEL
    }
    outcomes = response.context["outcomes"]
    # Registered today, whenever they happened; f04 counts too: the summary reports the
    # milestones of every firm invited to the programme, joined or not.
    assert outcomes.total == 6
    assert dict(outcomes.by_kind)["Primera exportación por comercio electrónico"] == 2
    assert outcomes.destinations == [("Colombia", 1), ("Perú", 1)]
    html = response.content.decode()
    assert "Resumen mensual: Ecuador vende en línea" in html
    assert 'class="filters no-print"' in html
    assert "<script" not in html  # nothing to run: it prints as it is
    assert "style=" not in html


def test_summary_of_an_earlier_month_counts_what_happened_by_its_end(client, world):
    client.force_login(world.users["admin"])
    today = timezone.localdate()
    month = (today.replace(day=1) - DAY).replace(day=1)  # last month
    start = timezone.make_aware(datetime.datetime.combine(month, datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(today.replace(day=1), datetime.time.min))
    response = client.get(
        SUMMARY, {"programa": str(world.programme.public_id), "mes": f"{month:%Y-%m}"}
    )
    enrolments = [
        e for e in Enrolment.objects.filter(cohort__programme=world.programme) if e.invited_at < end
    ]
    joined_by_end = [e for e in enrolments if e.joined_at and e.joined_at < end]
    assert funnel_of(response)["invitadas"] == len(enrolments)
    assert funnel_of(response)["unidas"] == len(joined_by_end)
    activity = response.context["activity"]
    assert activity.joins == sum(1 for e in joined_by_end if e.joined_at >= start)
    assert response.context["outcomes"].total == 0  # all reported this month


@pytest.mark.parametrize("month", ["2026-13", "noviembre", "1999-01"])
def test_summary_with_an_unreadable_month_says_so_and_shows_this_month(client, world, month):
    client.force_login(world.users["admin"])
    response = client.get(SUMMARY, {"programa": str(world.programme.public_id), "mes": month})
    assert response.status_code == 200
    assert response.context["month"] == timezone.localdate().replace(day=1)
    assert response.context["form"].errors["mes"] == [
        "Escriba el mes como AAAA-MM, por ejemplo 2026-11. Se muestra el mes en curso."
    ]
    assert f'value="{month}"' in response.content.decode()  # what was typed is kept


# --- Keeping the stages fresh -----------------------------------------------------------------


def test_stale_cohorts_are_sent_to_refresh_once_per_period(
    client, pworld, django_capture_on_commit_callbacks
):
    client_for(client, pworld, "programme_ec")
    query = {"programa": str(pworld.programme.public_id)}
    with django_capture_on_commit_callbacks() as callbacks:
        client.get(DASHBOARD, query)
    assert [(c.func.__self__, c.args) for c in callbacks] == [
        (tasks.cohort_stages_refresh, (pworld.cohort.pk,))
    ]
    with django_capture_on_commit_callbacks() as callbacks:
        client.get(DASHBOARD, query)
        client.get(FIRMS, query)
        client.get(SUMMARY, query)
    assert callbacks == []  # already asked for within STALE_AFTER
    cache.delete(dashboard.REQUESTED_KEY.format(pworld.cohort.pk))
    with django_capture_on_commit_callbacks() as callbacks:
        client.get(SUMMARY, query)
    assert len(callbacks) == 1
    # A cohort refreshed a moment ago is not stale.
    stages.refresh_cohort(pworld.cohort)
    cache.clear()
    with django_capture_on_commit_callbacks() as callbacks:
        client.get(DASHBOARD, query)
    assert callbacks == []


def test_update_now_refreshes_and_the_page_shows_the_new_figures(
    client, pworld, immediate_tasks, django_capture_on_commit_callbacks
):
    client_for(client, pworld, "programme_ec")
    query = {"programa": str(pworld.programme.public_id)}
    submitted_diagnosis(pworld.a)  # the diagnosis app does not touch enrolments
    before = client.get(DASHBOARD, query)
    assert funnel_of(before)["con-autodiagnostico"] == 0
    assert "Datos de etapas: todavía no calculados." in before.content.decode()
    url = f"{REFRESH}?programa={pworld.programme.public_id}"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == f"{DASHBOARD}?programa={pworld.programme.public_id}"
    assert len(callbacks) == 1
    after = client.get(response["Location"])
    assert funnel_of(after)["con-autodiagnostico"] == 1
    assert "Se pidió actualizar las etapas de 1 promoción." in after.content.decode()
    assert "Datos de etapas al" in after.content.decode()
    pworld.cohort.refresh_from_db()
    assert pworld.cohort.stages_refreshed_at is not None


def test_update_now_enqueues_even_when_already_requested(
    client, pworld, django_capture_on_commit_callbacks
):
    client_for(client, pworld, "admin")
    cache.add(dashboard.REQUESTED_KEY.format(pworld.cohort.pk), 1)
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(f"{REFRESH}?programa={pworld.programme.public_id}")
    assert len(callbacks) == 1


@pytest.mark.parametrize("role", ROLES)
def test_update_now_is_for_the_programmes_managers(
    client, pworld, role, django_capture_on_commit_callbacks
):
    client_for(client, pworld, role)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(f"{REFRESH}?programa={pworld.programme.public_id}")
    expected = {
        "anonymous": 302, "admin": 302, "programme_ec": 302,
        "partner_z": 404, "programme_cl": 404,  # they do not see P
    }.get(role, 403)  # fmt: skip
    assert response.status_code == expected
    if role == "anonymous":
        assert response["Location"].startswith(reverse("accounts:login"))
    assert len(callbacks) == (1 if role in ("admin", "programme_ec") else 0)
    assert client.get(REFRESH).status_code in (302, 405)


# --- The role matrix --------------------------------------------------------------------------

REFUSED = {"member_a", "member_b", "consultant", "consultant_other", "editor"}
# Firms each role finds in P's lists (A joined, B invited); None: P is out of their sight.
SEES = {
    "partner_x": {"a"},
    "partner_y": {"b"},
    "partner_z": None,
    "programme_ec": {"a", "b"},
    "programme_cl": None,
    "admin": {"a", "b"},
}


def matrix_urls(programme) -> list[tuple[str, str, dict, dict]]:
    """(name, url, query, extra) of every dashboard page and download for `programme`."""
    query = {"programa": str(programme.public_id)}
    urls = [
        ("page", DASHBOARD, query, {}),
        ("partial", DASHBOARD, query, {"headers": {"HX-Request": "true"}}),
        ("summary", SUMMARY, query, {}),
    ]
    for stage in ("invitadas", "invitadas-sin-unirse", "unidas"):
        urls.append((f"firms-{stage}", FIRMS, {**query, "etapa": stage}, {}))
        for fmt in ("csv", "xlsx"):
            urls.append(
                (f"firms-{stage}-{fmt}", firms_export_url(fmt), {**query, "etapa": stage}, {})
            )
    for table in ("funnel", "weekly", "maturity", "cohorts"):
        for fmt in ("csv", "xlsx"):
            urls.append((f"{table}-{fmt}", export_url(table, fmt), query, {}))
    return urls


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix_on_every_page_and_download(client, pworld, role):
    client_for(client, pworld, role)
    firms = {"a": pworld.a, "b": pworld.b}
    for name, url, query, extra in matrix_urls(pworld.programme):
        response = client.get(url, query, **extra)
        if role == "anonymous":
            assert response.status_code == 302, name
            assert response["Location"].startswith(reverse("accounts:login")), name
            continue
        if role in REFUSED:
            assert response.status_code == 403, name
            continue
        if SEES[role] is None:
            assert response.status_code == 404, name
            continue
        assert response.status_code == 200, name
        text = body_text(response)
        for key, firm in firms.items():
            if key not in SEES[role]:
                assert firm.trade_name not in text, name
                assert firm.legal_name not in text, name
                assert firm.tax_id not in text, name
        if name == "firms-invitadas-csv":
            assert {row[0] for row in csv_rows(client.get(url, query))[1:]} == {
                firms[key].trade_name for key in SEES[role]
            }
        if name == "page":
            funnel = funnel_of(response)
            assert funnel["invitadas"] == len(SEES[role])
            assert funnel["unidas"] == int("a" in SEES[role])


@pytest.mark.parametrize("role", ["partner_z", "programme_cl"])
def test_without_a_programme_in_the_query_they_see_only_their_own(client, pworld, role):
    client_for(client, pworld, role)
    for url in (DASHBOARD, FIRMS, SUMMARY):
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        for firm in (pworld.a, pworld.b):
            assert firm.trade_name not in html
            assert firm.tax_id not in html
        assert pworld.programme.name not in html
    page = client.get(DASHBOARD)
    if role == "partner_z":
        assert page.context["programme"] is None
        assert "No tiene programas para ver" in page.content.decode()
        assert client.get(export_url("funnel")).status_code == 404
        assert client.get(firms_export_url()).status_code == 404
    else:
        assert page.context["programme"] == pworld.programme_cl
        assert funnel_of(page)["invitadas"] == 1
        listed = client.get(FIRMS, {"etapa": "invitadas"}).context["rows"]
        assert [row.name for row in listed] == [pworld.c.trade_name]


def test_partner_guessing_another_partner_sees_only_their_members(client, pworld):
    client_for(client, pworld, "partner_x")
    chamber_y = pworld.b.partners.get(name="Cámara Y")
    query = {"programa": str(pworld.programme.public_id), "aliado": str(chamber_y.pk)}
    response = client.get(DASHBOARD, query)
    assert response.status_code == 200
    assert "aliado" not in response.context["form"].fields
    assert funnel_of(response)["invitadas"] == 1
    assert "empresas socias de Cámara X" in response.content.decode()
    rows = csv_rows(client.get(firms_export_url(), {**query, "etapa": "invitadas"}))
    assert [row[0] for row in rows[1:]] == [pworld.a.trade_name]
    cohort_guess = {**query, "promocion": str(pworld.cohort_cl.public_id)}
    guessed = client.get(DASHBOARD, cohort_guess)
    assert "funnel" not in guessed.context


def test_a_partner_member_of_a_firm_does_not_add_it_to_their_organisations_figures(client, pworld):
    partner = pworld.users["partner_x"]
    pworld.b.memberships.create(user=partner)
    client.force_login(partner)
    response = client.get(DASHBOARD, {"programa": str(pworld.programme.public_id)})
    assert funnel_of(response)["invitadas"] == 1
    assert pworld.b.trade_name not in body_text(
        client.get(FIRMS, {"programa": str(pworld.programme.public_id), "etapa": "invitadas"})
    )


# --- Query counts -----------------------------------------------------------------------------


def _grow(pworld, *, cohorts: int, firms: int) -> None:
    """More cohorts of P (with a held session and its attendance) and firms of chamber X."""
    chamber_x = pworld.a.partners.get(name="Cámara X")
    new = [make_cohort(pworld.programme) for _ in range(cohorts)]
    targets = [pworld.cohort, *new]
    for index, firm in enumerate(FirmFactory.create_batch(firms)):
        FirmAffiliationFactory(firm=firm, organisation=chamber_x)
        enrol(targets[index % len(targets)], firm, State.JOINED)
    for cohort in targets:
        session = make_session(cohort, starts_at=ago(1))
        joined = Enrolment.objects.filter(cohort=cohort, state=State.JOINED)
        services.attendance_record(
            session=session, present_ids=set(joined.values_list("pk", flat=True)), by=None
        )
    stages.refresh(Enrolment.objects.all())


PAGES = {
    "dashboard": (DASHBOARD, {}),
    "dashboard-filtered": (
        DASHBOARD,
        {"provincia": "EC-P", "sector": "artesanias", "tamano": "0-5"},
    ),
    "dashboard-htmx": (DASHBOARD, {}),
    "firms": (FIRMS, {"etapa": "unidas"}),
    "summary": (SUMMARY, {}),
}


@pytest.mark.parametrize("role", ["admin", "programme_ec", "partner_x"])
@pytest.mark.parametrize("page", list(PAGES))
def test_query_count_does_not_grow_with_cohorts_or_enrolments(client, pworld, role, page):
    client_for(client, pworld, role)
    url, params = PAGES[page]
    query = {"programa": str(pworld.programme.public_id), **params}
    extra = {"headers": {"HX-Request": "true"}} if page == "dashboard-htmx" else {}
    _grow(pworld, cohorts=0, firms=1)  # 3 enrolments in 1 cohort
    few, response = queries_for(client, f"{url}?{urlencode(query)}", **extra)
    assert response.status_code == 200
    assert Enrolment.objects.filter(cohort__programme=pworld.programme).count() == 3
    _grow(pworld, cohorts=3, firms=27)  # 30 enrolments in 4 cohorts
    many, response = queries_for(client, f"{url}?{urlencode(query)}", **extra)
    assert response.status_code == 200
    assert Enrolment.objects.filter(cohort__programme=pworld.programme).count() == 30
    assert few == many


def test_dashboard_query_count_for_admin(client, pworld):
    client_for(client, pworld, "admin")
    count, response = queries_for(client, f"{DASHBOARD}?programa={pworld.programme.public_id}")
    assert response.status_code == 200
    # user, programmes, cohorts, partners, stale cohorts, the one aggregate grouped by cohort
    # (funnel, lists, maturity, each cohort's row), the weekly series, sessions held.
    assert count == 8


@pytest.mark.parametrize("role", ROLES)
def test_the_population_is_what_the_permissions_let_each_role_see(pworld, role):
    """`dashboard.population` filters by cohort (and partners' members) without the
    permission subqueries; for every role it holds exactly the programme's enrolments that
    `permissions.enrolments_visible_to` gives (partner staff: their members only)."""
    from django.contrib.auth.models import AnonymousUser

    from rutapyme.programmes import permissions

    user = pworld.users[role] or AnonymousUser()
    enrol(pworld.cohort, FirmFactory(), Enrolment.State.JOINED)  # nobody's member
    for programme in (pworld.programme, pworld.programme_cl):
        cohorts = list(Cohort.objects.filter(programme=programme))
        tz = dashboard.time_zone(programme)
        got = dashboard.population(user=user, cohorts=cohorts, filters=dashboard.Filters(), tz=tz)
        visible = permissions.enrolments_visible_to(user).filter(cohort__programme=programme)
        if not permissions.can_view_dashboard(user):
            visible = visible.none()
        if not permissions.programmes_visible_to(user).filter(pk=programme.pk).exists():
            continue  # the views answer 404 before any figure (tested above)
        assert set(got) == set(visible), role
