"""The programme report against a hand computation, a naive recount, and the selection.

The hand-made world: eight firms, each with its latest diagnosis; four sell goods (F1, F3, F4,
F6) and four only services, so questions 16–19 have a base of 4. F1 answered twice: its first
diagnosis (level 0) must not be counted anywhere but in "before and after". Answers the
tables below look at are set by hand; the rest are random (and not asserted).
"""

import datetime
import random
import statistics
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

import pytest

from rutapyme.accounts.tests.factories import AdminFactory, OrganisationFactory
from rutapyme.diagnosis.models import Diagnosis
from rutapyme.diagnosis.report import ReportSelection, build_report, percent
from rutapyme.diagnosis.scoring import BARRIER_GROUPS, area_band
from rutapyme.diagnosis.services import current_questionnaire
from rutapyme.diagnosis.tests.factories import answers_for, submitted_diagnosis
from rutapyme.firms.tests.factories import FirmAffiliationFactory, FirmFactory

pytestmark = pytest.mark.django_db

DS = "q07_area_experience__digital_sales"
STAFF_DS = "q08_area_staff__digital_sales"
CUSTOMS = "q19_logistics_barriers__customs_retention"
PAY_OTHER = "q15_payment_barriers__other"
SUPPORT_OTHER = "q22_support_usefulness__other"
MARCH = datetime.date(2026, 3, 1)

# firm: (country, offer type, sector, size band, answered on)
FIRMS = {
    "F1": ("EC", "products", "artesanias", "0-5", MARCH),
    "F2": ("EC", "services", "tecnologia", "6-25", datetime.date(2026, 2, 15)),
    "F3": ("EC", "both", "alimentos", "0-5", MARCH),
    "F4": ("PE", "products", "alimentos", "6-25", MARCH),
    "F5": ("CL", "services", "otros", "26-50", datetime.date(2026, 4, 20)),
    "F6": ("CO", "products", "textil", "0-5", MARCH),
    "F7": ("EC", "services", "tecnologia", "0-5", MARCH),
    "F8": ("PE", "services", "otros", "51-100", MARCH),
}


def by_firm(*values) -> dict:
    """F1…F8 → value (None: not answered)."""
    return {
        f"F{number}": value for number, value in enumerate(values, start=1) if value is not None
    }


# The answers the tables below are computed from, one question at a time, F1 to F8.
# fmt: off
Q06 = by_firm("marketplace", "none", "own_store", "own_store", "none", "own_store", "none", "none")
Q09 = by_firm(["yes_region", "yes_outside_lac"], ["no"], ["yes_region"], ["no"], ["no"], ["no"],
              ["no"], ["no"])
Q13 = by_firm(["whatsapp"], ["other_social"], ["instagram", "whatsapp", "other_social"],
              ["instagram"], ["none"], ["facebook"], ["none"], ["google"])
Q12 = by_firm(None, None, None, None, ["none"], None, ["none"], None)  # F5, F7: nothing online
Q07_DS = by_firm(1, 1, 2, 3, 3, 3, 4, 4)
Q08_DS = by_firm(0, 2, 1, 5, 1, 0, 0, 3)
Q15_OTHER = by_firm(1, 2, 4)  # not a required item: three firms rated it
Q19_CUSTOMS = by_firm(5, None, 1, 2, None, 3)  # goods firms only
Q17 = by_firm("yes_local", None, "yes_local", "no", None, "yes_international")
Q22_OTHER = by_firm(1, 3, 3, 4, 4, 4)
# fmt: on


def hand_answers(firm, code: str, seed: int) -> dict:
    changes = {
        "q06_online_sales": Q06[code],
        "q09_ecommerce_export": Q09[code],
        "q13_promotion_media": Q13[code],
        DS: Q07_DS[code],
        STAFF_DS: Q08_DS[code],
        PAY_OTHER: Q15_OTHER.get(code),
        SUPPORT_OTHER: Q22_OTHER.get(code),
    }
    if code in Q12:
        changes["q12_digital_tools"] = Q12[code]
    if firm.offer_type != "services":
        changes[CUSTOMS] = Q19_CUSTOMS[code]
        changes["q17_return_policy"] = Q17[code]
    answers = answers_for(firm, seed=seed, **changes)
    for key, value in changes.items():
        if value is None:
            answers.pop(key, None)
    return answers


@pytest.fixture
def world():
    firms = {}
    for index, (code, (country, offer_type, sector, size_band, day)) in enumerate(FIRMS.items()):
        firm = FirmFactory(
            country=country,
            offer_type=offer_type,
            sector=sector,
            size_band=size_band,
            legal_name=f"Empresa {code}",
        )
        firms[code] = firm
        if code == "F1":  # the first answering: nothing online yet, level 0
            first = answers_for(
                firm,
                seed=99,
                q06_online_sales="none",
                q13_promotion_media=["none"],
                q12_digital_tools=["none"],
                q09_ecommerce_export=["no"],
                **{CUSTOMS: 1, PAY_OTHER: 4, DS: 4, STAFF_DS: 0},
            )
            submitted_diagnosis(firm, answers=first, answered_on=datetime.date(2026, 1, 10))
        submitted_diagnosis(firm, answers=hand_answers(firm, code, index), answered_on=day)
    chamber = OrganisationFactory(name="Cámara X")
    FirmAffiliationFactory(firm=firms["F1"], organisation=chamber)
    FirmAffiliationFactory(firm=firms["F4"], organisation=chamber)
    return {"firms": firms, "chamber": chamber, "admin": AdminFactory()}


def full_report(world, **selection):
    return build_report(user=world["admin"], selection=ReportSelection(**selection))


def shares(table) -> dict:
    """{row: (count, percent)} of a one-statistic table."""
    return {row.code: (row.count, row.percent) for row in table.rows}


# --- Rounding --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "base", "expected"),
    [(2, 3, 67), (1, 6, 17), (1, 8, 13), (3, 8, 38), (5, 8, 63), (1, 3, 33), (0, 5, 0),
     (7, 7, 100), (1, 200, 1), (1, 201, 0), (0, 0, None)],
)  # fmt: skip
def test_percent_rounds_half_up_to_whole_numbers(count, base, expected):
    assert percent(count, base) == expected


# --- Hand computation ------------------------------------------------------------------------


def test_population_is_the_latest_diagnosis_of_each_firm(world):
    report = full_report(world)
    assert report.firms == 8
    assert Diagnosis.objects.filter(status="submitted").count() == 9
    assert report.versions == ["cepal-ecommerce v1"]


def test_online_presence_by_hand(world):
    table = full_report(world).table("presencia")
    assert table.base == 8
    assert table.cepal == "Gráfico 7"
    assert shares(table) == {
        "own_store": (3, 38),  # 3/8 = 37.5 → 38
        "marketplace": (1, 13),  # 1/8 = 12.5 → 13, not Python's round() 12
        "both": (0, 0),
        "none": (4, 50),
    }


def test_ecommerce_export_any_yes_and_per_destination_by_hand(world):
    table = full_report(world).table("exporto-ecommerce")
    assert table.base == 8
    assert shares(table) == {
        "any_yes": (2, 25),
        "yes_region": (2, 25),
        "yes_lac_other": (0, 0),
        "yes_outside_lac": (1, 13),
        "no": (6, 75),
    }


def test_promotion_media_with_cepals_other_social_row_by_hand(world):
    table = full_report(world).table("promocion")
    got = shares(table)
    assert table.base == 8
    assert got["instagram"] == (2, 25)
    assert got["whatsapp"] == (2, 25)
    assert got["other_social"] == (2, 25)
    assert got["none"] == (2, 25)
    # WhatsApp or another network: F1, F2, F3 (F3 chose both, counted once).
    assert got["cepal_other_social"] == (3, 38)


def test_cuadro3_row_by_hand(world):
    table = full_report(world).table("cuadro-3")
    assert table.cepal == "Cuadro 3"
    assert [row.code for row in table.rows] == [
        "atencion_cliente", "logistica", "estrategia_comercial", "analisis_datos",
        "sistemas_informaticos", "canal_digital", "marketing_digital",
    ]  # fmt: skip
    row = table.row("canal_digital")
    assert row.base == 8
    assert row.percents == {
        "e1": 25, "e2": 13, "e3": 38, "e4": 25,  # 2, 1, 3, 2 of 8
        "s0": 38, "s1": 25, "s2": 38,  # 3, 2, 3 of 8 (5 and 3 people are "2 or more")
    }  # fmt: skip
    # Scores: F1 75, F2 100, F3 75 (1 person, size 0-5), F4 50, F5 40 (1 person, 26-50),
    # F6 25, F7 0, F8 25 → 390 / 8 = 48.75 → 48.8.
    assert row.values["mean"] == Decimal("48.8")
    assert row.values["ref_e1"] == 17
    assert row.page_cells == [25, 13, 38, 25, 38, 25, 38, Decimal("48.8")]
    assert row.reference_cells == [17, 30, 36, 17, 23, 59, 15, None]  # CEPAL's published row


def test_area_scores_by_hand(world):
    row = full_report(world).table("puntaje-areas").row("canal_digital")
    assert row.base == 8
    assert row.values["median"] == Decimal(45)  # (40 + 50) / 2
    assert row.values["mean"] == Decimal("48.8")
    assert row.counts == {"debil": 4, "en_desarrollo": 3, "fuerte": 1}
    assert row.percents == {"debil": 50, "en_desarrollo": 38, "fuerte": 13}


def test_payment_barrier_not_required_item_has_its_own_base(world):
    table = full_report(world).table("limitantes-pagos")
    row = table.row("other")
    assert row.base == 3  # only three firms rated «Otro»
    assert row.percents == {"1": 33, "2": 33, "3": 0, "4": 33, "5": 0, "top": 67}
    assert table.row("bank_fees").base == 8
    assert table.bases_vary


def test_goods_only_questions_are_over_goods_firms(world):
    report = full_report(world)
    logistics = report.table("limitantes-logistica")
    assert logistics.base == 4
    row = logistics.row("customs_retention")
    assert row.base == 4
    assert row.counts == {"1": 1, "2": 1, "3": 1, "4": 0, "5": 1, "top": 2}
    assert row.percents == {"1": 25, "2": 25, "3": 25, "4": 0, "5": 25, "top": 50}
    returns = report.table("devolucion")
    assert returns.base == 4
    assert shares(returns) == {
        "yes_local": (2, 50),
        "yes_international": (1, 25),
        "no_in_progress": (0, 0),
        "no": (1, 25),
    }
    assert report.table("gestion-logistica").base == 4
    assert report.table("entrega-destino").base == 4
    barrier = report.table("barreras").row(CUSTOMS)
    assert (barrier.base, barrier.counts["barrier"], barrier.percents["barrier"]) == (4, 2, 50)


def test_support_usefulness_rounding_one_of_six(world):
    row = full_report(world).table("utilidad-apoyo").row("other")
    assert row.base == 6
    assert row.percents == {"1": 17, "2": 0, "3": 33, "4": 50, "top": 17}


def test_levels_and_before_after_by_hand(world):
    report = full_report(world)
    assert shares(report.table("nivel")) == {
        "0": (2, 25),  # F5, F7: nothing online
        "1": (2, 25),  # F2, F8: promote online, do not sell online
        "2": (2, 25),  # F4, F6: sell online, little experience
        "3": (0, 0),
        "4": (0, 0),
        "5": (2, 25),  # F1, F3: exported through e-commerce and sell online
    }
    before_after = report.table("antes-despues")
    assert before_after.base == 1
    assert before_after.row("0").counts == {"first": 1, "latest": 0}
    assert before_after.row("5").counts == {"first": 0, "latest": 1}
    assert before_after.row("5").percents == {"first": 0, "latest": 100}
    assert shares(report.table("cambio-nivel")) == {
        "up": (1, 100),
        "same": (0, 0),
        "down": (0, 0),
    }


def test_size_and_sector_by_hand(world):
    report = full_report(world)
    assert shares(report.table("tamano")) == {
        "0-5": (4, 50),
        "6-25": (2, 25),
        "26-50": (1, 13),
        "51-100": (1, 13),
        "100+": (0, 0),
    }
    sector = report.table("sector")
    got = shares(sector)
    assert got["artesanias"] == (1, 13)
    assert got["tecnologia"] == (2, 25)
    assert got["alimentos"] == (2, 25)
    assert got["otros"] == (2, 25)
    assert got["textil"] == (1, 13)
    assert got["calzado"] == (0, 0)
    assert sector.row("textil").values == {"cepal": "Indumentaria"}


def test_every_table_has_a_base_a_reference_and_exportable_rows(world):
    report = full_report(world)
    codes = [table.code for table in report.tables]
    assert len(codes) == len(set(codes)) == 27
    for table in report.tables:
        assert table.rows, table.code
        assert table.export_header[-1] == "n"
        for line in table.export_rows():
            assert len(line) == len(table.export_header), table.code
    cepal = {table.code: table.cepal for table in report.tables if table.cepal}
    assert cepal["limitantes-logistica"] == "Gráfico 16"
    assert cepal["capacitacion"] == "Gráfico 20"
    assert len(cepal) == 21


# --- Selection -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("selection", "firms"),
    [
        ({}, ["F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8"]),
        ({"country": "EC"}, ["F1", "F2", "F3", "F7"]),
        ({"sector": "alimentos"}, ["F3", "F4"]),
        ({"size_band": "0-5"}, ["F1", "F3", "F6", "F7"]),
        ({"date_from": MARCH}, ["F1", "F3", "F4", "F5", "F6", "F7", "F8"]),
        # F1's first diagnosis (January) is not its latest: not in the report.
        ({"date_to": datetime.date(2026, 2, 28)}, ["F2"]),
        ({"date_from": MARCH, "date_to": MARCH}, ["F1", "F3", "F4", "F6", "F7", "F8"]),
        ({"organisation": True}, ["F1", "F4"]),
        ({"organisation": True, "country": "EC"}, ["F1"]),
        ({"country": "AR"}, []),
    ],
)
def test_selection_filters(world, selection, firms):
    if selection.pop("organisation", False):
        selection["organisation_id"] = world["chamber"].pk
    report = full_report(world, **selection)
    assert report.firms == len(firms)
    expected_sizes = Counter(FIRMS[code][3] for code in firms)
    assert {row.code: row.count for row in report.table("tamano").rows} == {
        band: expected_sizes[band] for band in ("0-5", "6-25", "26-50", "51-100", "100+")
    }
    goods = sum(1 for code in firms if FIRMS[code][1] != "services")
    assert report.table("limitantes-logistica").base == goods


def test_an_empty_selection_still_has_every_table_with_n_zero(world):
    report = full_report(world, country="AR")
    table = report.table("presencia")
    assert table.base == 0
    assert {row.percent for row in table.rows} == {None}
    assert report.table("puntaje-areas").row("canal_digital").values == {
        "mean": None,
        "median": None,
    }


def test_build_report_takes_two_queries_whatever_the_size(world, django_assert_num_queries):
    with django_assert_num_queries(2):
        full_report(world)
    with django_assert_num_queries(2):
        full_report(world, country="EC", date_from=MARCH, organisation_id=world["chamber"].pk)


# --- A naive recount of 200 random diagnoses -------------------------------------------------


def _naive(latest: list[Diagnosis], first_levels: dict[int, int]) -> dict[str, dict]:
    """Every table as {row code: (base, counts)}, straight from answers and results."""
    spec = current_questionnaire().spec
    answers = [d.answers for d in latest]
    results = [d.result for d in latest]
    expected: dict[str, dict] = {}

    def single(code, question):
        base = sum(1 for a in answers if question in a)
        expected[code] = {
            o.code: (base, {"firms": sum(1 for a in answers if a.get(question) == o.code)})
            for o in spec.questions[question].options
        }

    def multiple(code, question):
        base = sum(1 for a in answers if a.get(question))
        expected[code] = {
            o.code: (base, {"firms": sum(1 for a in answers if o.code in a.get(question, []))})
            for o in spec.questions[question].options
        }

    def rating(code, question):
        q = spec.questions[question]
        rows = {}
        for item in q.items:
            values = [a[item.key] for a in answers if item.key in a]
            counts = {str(s.value): values.count(s.value) for s in q.scale}
            counts["top"] = values.count(1) + values.count(2)
            rows[item.code] = (len(values), counts)
        expected[code] = rows

    single("tamano", "q03_size_band")
    single("sector", "q02_sector")
    multiple("destinos", "q04_export_destinations")
    single("segmento", "q05_customer_segment")
    single("presencia", "q06_online_sales")
    single("intencion", "q10_export_intent")
    multiple("plataformas", "q11_relevant_platforms")
    multiple("herramientas", "q12_digital_tools")
    multiple("promocion", "q13_promotion_media")
    expected["promocion"]["cepal_other_social"] = (
        expected["promocion"]["none"][0],
        {
            "firms": sum(
                1
                for a in answers
                if {"whatsapp", "other_social"} & set(a.get("q13_promotion_media", []))
            )
        },
    )
    multiple("medios-pago", "q14_payment_methods")
    rating("limitantes-pagos", "q15_payment_barriers")
    multiple("gestion-logistica", "q16_logistics_management")
    single("devolucion", "q17_return_policy")
    single("entrega-destino", "q18_delivery_abroad")
    rating("limitantes-logistica", "q19_logistics_barriers")
    rating("otros-limitantes", "q20_other_barriers")
    single("apoyo-conocido", "q21_known_support")
    rating("utilidad-apoyo", "q22_support_usefulness")
    rating("capacitacion", "q23_training_needs")

    q09 = "q09_ecommerce_export"
    multiple("exporto-ecommerce", q09)
    base = expected["exporto-ecommerce"]["no"][0]
    yes = {"yes_region", "yes_lac_other", "yes_outside_lac"}
    expected["exporto-ecommerce"]["any_yes"] = (
        base,
        {"firms": sum(1 for a in answers if yes & set(a.get(q09, [])))},
    )

    levels = Counter(d.level for d in latest)
    expected["nivel"] = {str(n): (len(latest), {"firms": levels[n]}) for n in range(6)}
    retakes = [(first_levels[d.firm_id], d.level) for d in latest if d.attempt > 1]
    expected["antes-despues"] = {
        str(n): (
            len(retakes),
            {
                "first": sum(1 for first, _latest in retakes if first == n),
                "latest": sum(1 for _first, latest in retakes if latest == n),
            },
        )
        for n in range(6)
    }  # fmt: skip
    expected["cambio-nivel"] = {
        "up": (len(retakes), {"firms": sum(1 for first, last in retakes if last > first)}),
        "same": (len(retakes), {"firms": sum(1 for first, last in retakes if last == first)}),
        "down": (len(retakes), {"firms": sum(1 for first, last in retakes if last < first)}),
    }

    cuadro3 = {}
    areas = {}
    for item in spec.questions["q07_area_experience"].items:
        e = [a[item.key] for a in answers if item.key in a]
        s = [min(a[f"q08_area_staff__{item.code}"], 2) for a in answers]
        counts = {f"e{v}": e.count(v) for v in (1, 2, 3, 4)}
        counts.update({f"s{v}": s.count(v) for v in (0, 1, 2)})
        cuadro3[item.area] = (len(e), counts)
        scores = [
            area["score"] for r in results for area in r["areas"] if area["code"] == item.area
        ]
        bands = Counter(area_band(score) for score in scores)
        areas[item.area] = (
            len(scores),
            {band: bands[band] for band in ("debil", "en_desarrollo", "fuerte")},
        )
    expected["cuadro-3"] = cuadro3
    expected["puntaje-areas"] = areas

    barriers = {}
    for question in BARRIER_GROUPS:
        for item in spec.questions[question].items:
            values = [a[item.key] for a in answers if item.key in a]
            top = sum(1 for r in results if item.key in [b["key"] for b in r["barriers"][:5]])
            barriers[item.key] = (
                len(values),
                {"barrier": values.count(1) + values.count(2), "top": top},
            )
    expected["barreras"] = barriers

    topics = {}
    for topic in spec.topics:
        code = topic["code"]
        route = sum(1 for r in results if code in [t["code"] for t in r["topics"][:5]])
        other = sum(1 for r in results if code in [t["code"] for t in r["topics"][5:]])
        mastered = sum(1 for r in results if code in [t["code"] for t in r["mastered"]])
        topics[code] = (len(results), {"route": route, "other": other, "mastered": mastered})
    expected["temas"] = topics
    return expected


def _mean(values):
    exact = Decimal(sum(values)) / Decimal(len(values))
    return exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def test_report_equals_a_naive_recount_of_200_random_diagnoses():
    rng = random.Random(20260301)
    firms = []
    for _ in range(170):
        firms.append(
            FirmFactory(
                country=rng.choice(["EC", "PE", "CO", "CL"]),
                offer_type=rng.choice(["products", "services", "both"]),
                sector=rng.choice(["artesanias", "alimentos", "tecnologia", "textil", "otros"]),
                size_band=rng.choice(["0-5", "6-25", "26-50", "51-100", "100+"]),
            )
        )
    day = datetime.date(2026, 1, 1)
    for index, firm in enumerate(firms):
        submitted_diagnosis(firm, answers=answers_for(firm, seed=index), answered_on=day)
    for index, firm in enumerate(firms[:30]):  # 30 firms answer again later
        again = answers_for(firm, seed=1000 + index)
        submitted_diagnosis(firm, answers=again, answered_on=day + datetime.timedelta(days=40))
    assert Diagnosis.objects.filter(status="submitted").count() == 200

    report = build_report(user=AdminFactory(), selection=ReportSelection())
    latest = list(Diagnosis.objects.filter(is_latest=True))
    first_levels = dict(Diagnosis.objects.filter(attempt=1).values_list("firm_id", "level"))
    expected = _naive(latest, first_levels)

    assert report.firms == 170
    assert set(expected) == {table.code for table in report.tables}
    for table in report.tables:
        got = {row.code: (row.base, row.counts) for row in table.rows}
        assert got == expected[table.code], table.code
        if table.code != "cuadro-3":  # its staff columns have their own base, checked below
            for row in table.rows:
                assert row.percents == {k: percent(n, row.base) for k, n in row.counts.items()}
    assert report.table("antes-despues").base == 30

    # Means and medians of the area scores, and Cuadro 3's staff percentages (own base).
    areas = report.table("puntaje-areas")
    cuadro3 = report.table("cuadro-3")
    for area in current_questionnaire().spec.areas:
        scores = [
            a["score"] for d in latest for a in d.result["areas"] if a["code"] == area["code"]
        ]
        row = areas.row(area["code"])
        assert row.values["mean"] == _mean(scores)
        assert row.values["median"] == Decimal(str(statistics.median(scores)))
        line = cuadro3.row(area["code"])
        assert line.values["mean"] == _mean(scores)
        for key in ("e1", "e2", "e3", "e4"):
            assert line.percents[key] == percent(line.counts[key], line.base)
        for key in ("s0", "s1", "s2"):  # every firm answers question 8
            assert line.percents[key] == percent(line.counts[key], 170)
