"""The scoring rules of docs/diagnosis-scale.md, Part B, against its vectors and worked examples."""

import csv
import io
import json
import re

import pytest
from django.conf import settings

from rutapyme.diagnosis import questionnaire
from rutapyme.diagnosis.scoring import (
    AREA_BANDS,
    LEVELS,
    RULES_VERSION,
    area_band,
    area_score,
    compute_result,
    level_info,
)

SPEC = questionnaire.parse(questionnaire.load_file(1))

# Row 1 of the example in docs/diagnosis-import-format.md, as stored (offer_type "products").
FIRM_A = {
    "q01_country": "EC",
    "q02_sector": "artesanias",
    "q03_size_band": "0-5",
    "q05_customer_segment": "consumers",
    "q04_export_destinations": ["not_yet"],
    "q06_online_sales": "none",
    "q09_ecommerce_export": ["no"],
    "q10_export_intent": "medium_term",
    "q07_area_experience__digital_sales": 4,
    "q07_area_experience__commercial_strategy": 2,
    "q07_area_experience__digital_marketing": 3,
    "q07_area_experience__logistics": 3,
    "q07_area_experience__customer_service": 1,
    "q07_area_experience__data_analysis": 4,
    "q07_area_experience__it_systems": 4,
    "q08_area_staff__digital_sales": 0,
    "q08_area_staff__commercial_strategy": 1,
    "q08_area_staff__digital_marketing": 1,
    "q08_area_staff__logistics": 1,
    "q08_area_staff__customer_service": 1,
    "q08_area_staff__data_analysis": 0,
    "q08_area_staff__it_systems": 0,
    "q11_relevant_platforms": ["dont_know"],
    "q12_digital_tools": ["none"],
    "q13_promotion_media": ["instagram", "facebook", "whatsapp"],
    "q14_payment_methods": ["bank_transfer", "cash"],
    "q15_payment_barriers__fx_settlement": 5,
    "q15_payment_barriers__bank_fees": 2,
    "q15_payment_barriers__card_fees": 5,
    "q15_payment_barriers__platform_fees": 5,
    "q15_payment_barriers__payment_integration_cost": 5,
    "q15_payment_barriers__unknown_payment_methods": 1,
    "q16_logistics_management": ["own_logistics"],
    "q17_return_policy": "no",
    "q18_delivery_abroad": "not_evaluated",
    "q19_logistics_barriers__samples_quality": 3,
    "q19_logistics_barriers__customs_retention": 5,
    "q19_logistics_barriers__product_damage": 4,
    "q19_logistics_barriers__origin_logistics_cost": 2,
    "q19_logistics_barriers__destination_distribution_cost": 5,
    "q19_logistics_barriers__returns_cost": 5,
    "q19_logistics_barriers__logistics_integration_cost": 5,
    "q19_logistics_barriers__unknown_import_charges": 1,
    "q19_logistics_barriers__unknown_logistics_options": 1,
    "q20_other_barriers__buyer_trust": 2,
    "q20_other_barriers__certifications": 3,
    "q20_other_barriers__custom_store": 4,
    "q20_other_barriers__unknown_platforms": 1,
    "q20_other_barriers__unknown_customer_channels": 1,
    "q21_known_support": "none",
    "q22_support_usefulness__training_integrations": 2,
    "q22_support_usefulness__staff_training": 3,
    "q22_support_usefulness__info_digital_tools": 1,
    "q22_support_usefulness__info_consumer_trends": 1,
    "q22_support_usefulness__info_regulations": 1,
    "q22_support_usefulness__info_platform_costs": 1,
    "q22_support_usefulness__platform_cost_reduction": 1,
    "q22_support_usefulness__tech_financing": 1,
    "q22_support_usefulness__consulting_financing": 2,
    "q22_support_usefulness__commercial_representation": 2,
    "q23_training_needs__promote_abroad": 1,
    "q23_training_needs__international_payments": 1,
    "q23_training_needs__best_channel": 1,
    "q23_training_needs__sales_aftersales": 2,
    "q23_training_needs__logistics_options": 1,
    "q23_training_needs__international_returns": 2,
    "q23_training_needs__taxes_in_price": 2,
    "q23_training_needs__export_conditions": 1,
    "q23_training_needs__buyer_extra_costs": 1,
    "q23_training_needs__consumer_protection": 3,
    "q24_suggestions": "Ferias virtuales con compradores de Colombia y Perú",
}

# Row 2 (q01_country is empty in the file: the import takes it from the registry).
FIRM_B = {
    "q01_country": "PE",
    "q02_sector": "alimentos",
    "q03_size_band": "6-25",
    "q05_customer_segment": "both",
    "q04_export_destinations": ["aladi", "outside_lac"],
    "q04_export_destinations__outside_lac__text": "Estados Unidos y Canadá",
    "q06_online_sales": "both",
    "q09_ecommerce_export": ["yes_region"],
    "q10_export_intent": "short_term",
    "q07_area_experience__digital_sales": 1,
    "q07_area_experience__commercial_strategy": 1,
    "q07_area_experience__digital_marketing": 2,
    "q07_area_experience__logistics": 1,
    "q07_area_experience__customer_service": 1,
    "q07_area_experience__data_analysis": 3,
    "q07_area_experience__it_systems": 2,
    "q08_area_staff__digital_sales": 2,
    "q08_area_staff__commercial_strategy": 1,
    "q08_area_staff__digital_marketing": 1,
    "q08_area_staff__logistics": 3,
    "q08_area_staff__customer_service": 2,
    "q08_area_staff__data_analysis": 0,
    "q08_area_staff__it_systems": 1,
    "q11_relevant_platforms": ["mercado_libre", "amazon", "own_website"],
    "q12_digital_tools": [
        "email_marketing",
        "e_payments",
        "google_business",
        "facebook_business",
        "online_price_lists",
        "digital_catalog",
    ],
    "q13_promotion_media": ["instagram", "facebook", "google", "tiktok"],
    "q14_payment_methods": ["credit_card", "debit_card", "bank_transfer", "payment_platform"],
    "q15_payment_barriers__fx_settlement": 3,
    "q15_payment_barriers__bank_fees": 1,
    "q15_payment_barriers__card_fees": 2,
    "q15_payment_barriers__platform_fees": 2,
    "q15_payment_barriers__payment_integration_cost": 4,
    "q15_payment_barriers__unknown_payment_methods": 4,
    "q16_logistics_management": ["courier", "logistics_operator"],
    "q17_return_policy": "yes_local",
    "q18_delivery_abroad": "international_fulfilment",
    "q19_logistics_barriers__samples_quality": 2,
    "q19_logistics_barriers__customs_retention": 3,
    "q19_logistics_barriers__product_damage": 3,
    "q19_logistics_barriers__origin_logistics_cost": 1,
    "q19_logistics_barriers__destination_distribution_cost": 2,
    "q19_logistics_barriers__returns_cost": 5,
    "q19_logistics_barriers__logistics_integration_cost": 5,
    "q19_logistics_barriers__unknown_import_charges": 2,
    "q19_logistics_barriers__unknown_logistics_options": 4,
    "q20_other_barriers__buyer_trust": 2,
    "q20_other_barriers__certifications": 1,
    "q20_other_barriers__custom_store": 4,
    "q20_other_barriers__unknown_platforms": 4,
    "q20_other_barriers__unknown_customer_channels": 3,
    "q21_known_support": "knows",
    "q21_known_support__knows__text": "Promperú, Exporta Fácil",
    "q22_support_usefulness__training_integrations": 2,
    "q22_support_usefulness__staff_training": 2,
    "q22_support_usefulness__info_digital_tools": 3,
    "q22_support_usefulness__info_consumer_trends": 1,
    "q22_support_usefulness__info_regulations": 1,
    "q22_support_usefulness__info_platform_costs": 2,
    "q22_support_usefulness__platform_cost_reduction": 1,
    "q22_support_usefulness__tech_financing": 1,
    "q22_support_usefulness__consulting_financing": 3,
    "q22_support_usefulness__commercial_representation": 1,
    "q23_training_needs__promote_abroad": 3,
    "q23_training_needs__international_payments": 4,
    "q23_training_needs__best_channel": 4,
    "q23_training_needs__sales_aftersales": 3,
    "q23_training_needs__logistics_options": 4,
    "q23_training_needs__international_returns": 3,
    "q23_training_needs__taxes_in_price": 3,
    "q23_training_needs__export_conditions": 4,
    "q23_training_needs__buyer_extra_costs": 2,
    "q23_training_needs__consumer_protection": 1,
}

LOGISTICS_KEYS = [
    key
    for code in (
        "q16_logistics_management",
        "q17_return_policy",
        "q18_delivery_abroad",
        "q19_logistics_barriers",
    )
    for key in SPEC.questions[code].answer_keys()
]

T2 = {"q06_online_sales": "marketplace"}
T3 = {
    **T2,
    "q07_area_experience__digital_sales": 2,
    "q07_area_experience__digital_marketing": 2,
    "q08_area_staff__digital_sales": 1,
    "q14_payment_methods": ["cash", "payment_platform"],
}

# B2 test vectors: (base firm, changes, expected level).
VECTORS = {
    "T0": (FIRM_A, {"q13_promotion_media": ["none"]}, 0),
    "T1": (FIRM_A, {}, 1),
    "T2": (FIRM_A, T2, 2),
    "T3": (FIRM_A, T3, 3),
    "T3b": (
        FIRM_A,
        {
            **T3,
            "q11_relevant_platforms": ["social_media"],
            "q18_delivery_abroad": "outsourced_logistics",
        },
        3,
    ),
    "T4": (
        FIRM_A,
        {
            **T3,
            "q11_relevant_platforms": ["mercado_libre"],
            "q18_delivery_abroad": "outsourced_logistics",
        },
        4,
    ),
    "T5": (FIRM_B, {}, 5),
    "T5b": (FIRM_B, {"q07_area_experience__digital_sales": 4}, 5),
    "T5c": (FIRM_B, {"q06_online_sales": "none"}, 1),
}


def result(base, changes=None, *, offer_type="products", drop=()):
    answers = {**base, **(changes or {})}
    for key in drop:
        answers.pop(key, None)
    return compute_result(SPEC, answers, offer_type=offer_type)


def codes(entries, field="code"):
    return [entry[field] for entry in entries]


def topic_scores(res):
    return [(topic["code"], topic["score"]) for topic in res["topics"]]


def topic(res, code):
    return next(t for t in res["topics"] if t["code"] == code)


# --- The example rows are the rows of the import format document --------------------------


def test_firm_dicts_are_the_example_rows_of_the_import_format():
    text = (settings.BASE_DIR / "docs" / "diagnosis-import-format.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```csv\n(.*?)```", text.split("## Example", 1)[1], re.S)
    header = next(csv.reader(io.StringIO(blocks[0])))
    rows = list(csv.reader(io.StringIO(blocks[1])))
    assert len(rows) == 2
    parsed = []
    for row in rows:
        raw = {}
        for column, value in zip(header, row, strict=True):
            question = SPEC.questions.get(column)
            if question is not None and question.is_multiple:
                raw[column] = value.split(";") if value else []
            else:
                raw[column] = [value] if value else []
        if not raw["q01_country"]:
            raw["q01_country"] = raw["COUNTRY"]  # prefilled from the registry
        answers, problems = questionnaire.clean_answers(SPEC.questions.values(), raw, "products")
        assert [p.key for p in problems] == []
        parsed.append(answers)
    assert parsed == [FIRM_A, FIRM_B]


# --- B2: maturity level ---------------------------------------------------------------------


@pytest.mark.parametrize("name", list(VECTORS))
def test_vector_level(name):
    base, changes, expected = VECTORS[name]
    res = result(base, changes)
    assert res["level"] == expected
    assert res["level_code"] == LEVELS[expected].code


@pytest.mark.parametrize(
    ("name", "reasons", "missing"),
    [
        ("T0", ["G1"], ["next"]),
        ("T1", ["P2"], ["S1"]),
        ("T2", ["S1"], ["C1", "C2", "C3", "C4"]),
        ("T3", ["S1", "C1", "C2", "C3", "C4"], ["X2", "X3"]),
        ("T3b", ["S1", "C1", "C2", "C3", "C4"], ["X2"]),
        ("T4", ["S1", "C1", "C2", "C3", "C4", "X1", "X2", "X3"], ["E1"]),
        ("T5", ["E1", "S1"], ["next"]),
        ("T5b", ["E1", "S1"], ["next"]),
        ("T5c", ["P2", "P3", "E2"], ["S1"]),
    ],
)
def test_vector_reasons_and_missing(name, reasons, missing):
    base, changes, _expected = VECTORS[name]
    res = result(base, changes)
    assert codes(res["reasons"]) == reasons
    assert codes(res["missing"]) == missing


def test_every_level_is_reached_by_the_vectors():
    reached = {result(base, changes)["level"] for base, changes, _level in VECTORS.values()}
    assert reached == {0, 1, 2, 3, 4, 5}


def test_level_0_texts():
    res = result(*VECTORS["T0"][:2])
    assert res["reasons"] == [
        {
            "code": "G1",
            "text": "Todavía no se muestra en línea: no vende por comercio electrónico, no "
            "promociona en medios digitales ni usa herramientas como un catálogo digital o "
            "Google Mi Negocio (preguntas 6, 12 y 13).",
        }
    ]
    assert res["missing"] == [
        {
            "code": "next",
            "text": "Para llegar al nivel 1 basta con una de estas: promocionar sus productos "
            "en un medio digital (pregunta 13) o usar un catálogo digital, Google Mi Negocio o "
            "Facebook Business (pregunta 12).",
        }
    ]


def test_level_2_texts_name_the_online_sales_option():
    res = result(FIRM_A, T2)
    assert res["reasons"] == [
        {
            "code": "S1",
            "text": "Vende por comercio electrónico: «Sí, a través de una plataforma o "
            "marketplace de terceros» (pregunta 6).",
        }
    ]
    assert res["missing"][2] == {
        "code": "C3",
        "text": "Nadie trabaja en las ventas por canales digitales (pregunta 8).",
    }


def test_level_5_texts():
    res = result(FIRM_B)
    assert res["reasons"] == [
        {
            "code": "E1",
            "text": "Ya concretó exportaciones por comercio electrónico (pregunta 9).",
        },
        {
            "code": "S1",
            "text": "Vende por comercio electrónico: «Sí, tanto en mi tienda en línea como en "
            "una plataforma o marketplace» (pregunta 6).",
        },
    ]
    assert res["missing"] == [
        {
            "code": "next",
            "text": "Ya está en el nivel más alto de la escala. Siga con su ruta para llegar a "
            "más destinos y reducir sus barreras.",
        }
    ]


E2_TEXT = "Exportó por comercio electrónico, pero hoy no vende en línea (preguntas 6 y 9)."


def test_e2_text_added_when_exported_but_no_longer_sells_online():
    res = result(FIRM_B, {"q06_online_sales": "none"})
    assert res["reasons"][-1] == {"code": "E2", "text": E2_TEXT}


def test_e2_text_added_whatever_the_level():
    res = result(
        FIRM_B,
        {"q06_online_sales": "none", "q13_promotion_media": ["none"], "q12_digital_tools": ["erp"]},
    )
    assert res["level"] == 0
    assert codes(res["reasons"]) == ["G1", "E2"]


def test_e2_text_only_when_exported_and_no_longer_sells_online():
    with_e2 = {
        name
        for name, (base, changes, _level) in VECTORS.items()
        if "E2" in codes(result(base, changes)["reasons"])
    }
    assert with_e2 == {"T5c"}


def test_exclusive_none_options_do_not_meet_conditions():
    # q13 = none: no P2; q12 = none: no P3; q09 = no: no E1; q11 = dont_know: no X2.
    res = result(FIRM_A, {**T3, "q13_promotion_media": ["none"]})
    assert res["level"] == 3
    assert codes(res["missing"]) == ["X2", "X3"]
    assert result(FIRM_A, {"q13_promotion_media": ["none"]})["level"] == 0
    assert (
        result(FIRM_A, {"q13_promotion_media": ["none"], "q12_digital_tools": ["erp"]})["level"]
        == 0
    )
    res = result(
        FIRM_A, {"q13_promotion_media": ["none"], "q12_digital_tools": ["digital_catalog"]}
    )
    assert (res["level"], codes(res["reasons"])) == (1, ["P3"])


def test_e_payments_tool_meets_c4():
    res = result(FIRM_A, {**T3, "q14_payment_methods": ["cash"]})
    assert res["level"] == 2
    assert codes(res["missing"]) == ["C4"]
    res = result(
        FIRM_A, {**T3, "q14_payment_methods": ["cash"], "q12_digital_tools": ["e_payments"]}
    )
    assert res["level"] == 3


def test_one_more_level_needs_the_lower_steps():
    # Ready to export but no online sales: still level 1.
    changes = {**VECTORS["T4"][1], "q06_online_sales": "none"}
    assert result(FIRM_A, changes)["level"] == 1


# --- Services firms: q16-q19 do not apply ---------------------------------------------------


def test_services_firm_x3_treated_as_met_and_never_shown():
    t4 = VECTORS["T4"][1]
    res = result(FIRM_A, t4, offer_type="services", drop=LOGISTICS_KEYS)
    assert res["level"] == 4
    assert codes(res["reasons"]) == ["S1", "C1", "C2", "C3", "C4", "X1", "X2"]
    res = result(FIRM_A, T3, offer_type="services", drop=LOGISTICS_KEYS)
    assert res["level"] == 3
    assert codes(res["missing"]) == ["X2"]


def test_services_firm_has_no_logistics_barriers():
    res = result(FIRM_A, offer_type="services", drop=LOGISTICS_KEYS)
    assert codes(res["barriers"], "item") == [
        "unknown_customer_channels",
        "unknown_platforms",
        "unknown_payment_methods",
        "buyer_trust",
        "bank_fees",
    ]
    assert {b["group"] for b in res["barriers"]} == {"Pagos", "Otros factores"}


def test_services_firm_ignores_logistics_answers_even_if_present():
    with_keys = result(FIRM_A, offer_type="services")
    without_keys = result(FIRM_A, offer_type="services", drop=LOGISTICS_KEYS)
    assert with_keys == without_keys
    # q18 not_evaluated would fail X3 for a goods firm.
    assert result(FIRM_A, VECTORS["T4"][1], offer_type="services")["level"] == 4


def test_services_firm_topics_without_logistics_questions():
    res = result(FIRM_A, offer_type="services", drop=LOGISTICS_KEYS)
    # logistica_envios: area en desarrollo (1 x 3) + logistics_options 1 (3 x 3).
    assert topic(res, "logistica_envios")["score"] == 12
    # devoluciones_posventa: areas logística 1 x 1 + sales_aftersales 2 x 1
    # + international_returns 2 x 3 + consumer_protection 3 -> 1 x 1 (no q17, q19).
    assert topic(res, "devoluciones_posventa")["score"] == 10
    assert "logistica_envios" not in codes(res["mastered"])


def test_services_firm_never_masters_logistics_or_returns():
    changes = {
        "q07_area_experience__logistics": 1,
        "q07_area_experience__customer_service": 1,
        "q23_training_needs__logistics_options": 4,
        "q23_training_needs__international_returns": 4,
        "q23_training_needs__sales_aftersales": 4,
        "q23_training_needs__consumer_protection": 4,
        "q17_return_policy": "yes_international",
    }
    goods = result(FIRM_B, changes)
    services = result(FIRM_B, changes, offer_type="services")
    assert "devoluciones_posventa" in codes(goods["mastered"])
    assert "devoluciones_posventa" not in codes(services["mastered"])
    assert "logistica_envios" not in codes(services["mastered"])


# --- B3: area scores ------------------------------------------------------------------------

AREA_TABLE = {
    # experience: (0 people, 1 person size 0-5, 1 person larger, 2+ people)
    1: (75, 100, 90, 100),
    2: (50, 75, 65, 75),
    3: (25, 50, 40, 50),
    4: (0, 25, 15, 25),
}


@pytest.mark.parametrize(
    ("experience", "staff", "size_band", "expected"),
    [
        (experience, staff, size_band, AREA_TABLE[experience][column])
        for experience in AREA_TABLE
        for column, (staff, size_band) in enumerate(
            [(0, "6-25"), (1, "0-5"), (1, "6-25"), (2, "26-50")]
        )
    ],
)
def test_area_score_table(experience, staff, size_band, expected):
    assert area_score(experience, staff, size_band) == expected


def test_area_score_more_staff_and_other_sizes():
    assert area_score(1, 0, "0-5") == 75
    assert area_score(1, 40, "100+") == 100
    assert area_score(2, 1, "100+") == 65


@pytest.mark.parametrize("experience", [0, 5])
def test_area_score_rejects_values_off_the_scale(experience):
    with pytest.raises(ValueError):
        area_score(experience, 0, "0-5")


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (0, "debil"),
        (49, "debil"),
        (50, "en_desarrollo"),
        (79, "en_desarrollo"),
        (80, "fuerte"),
        (100, "fuerte"),
    ],
)
def test_area_band_boundaries(score, band):
    assert area_band(score) == band


def test_area_band_labels():
    assert AREA_BANDS == {"debil": "débil", "en_desarrollo": "en desarrollo", "fuerte": "fuerte"}


# --- Levels ---------------------------------------------------------------------------------


def test_levels_are_the_published_scale():
    assert [(lv.number, lv.code, lv.name) for lv in LEVELS] == [
        (0, "sin_presencia", "Sin presencia en línea"),
        (1, "presencia_en_linea", "Presencia en línea"),
        (2, "vende_en_linea", "Vende en línea"),
        (3, "venta_consolidada", "Venta en línea consolidada"),
        (4, "preparada_para_exportar", "Preparada para exportar en línea"),
        (5, "exporta_ecommerce", "Exporta por comercio electrónico"),
    ]
    assert LEVELS[0].description == (
        "Su empresa todavía no aparece en internet: no vende en línea, no promociona sus "
        "productos en medios digitales y no usa herramientas como un catálogo digital o Google "
        "Mi Negocio. El primer paso es mostrarse en línea."
    )
    assert LEVELS[4].description == (
        "Además de vender en línea con una operación establecida, planea vender a otros países "
        "en los próximos 3 años, identificó plataformas o un sitio propio aptos para hacerlo y, "
        "si vende productos, evaluó cómo entregarlos en el exterior."
    )
    assert LEVELS[5].description == (
        "Ya concretó exportaciones por comercio electrónico y hoy vende en línea. El trabajo "
        "ahora es crecer: más destinos, mejores márgenes, menos barreras."
    )


def test_level_descriptions_match_the_scale_document():
    text = (settings.BASE_DIR / "docs" / "diagnosis-scale.md").read_text(encoding="utf-8")
    for level in LEVELS:
        row = f"| {level.number} | `{level.code}` | **{level.name}** | {level.description} |"
        assert row in text


def test_level_info():
    assert level_info(3) is LEVELS[3]
    with pytest.raises(ValueError):
        level_info(6)


# --- B7: firm A -----------------------------------------------------------------------------


def test_firm_a_level():
    res = result(FIRM_A)
    assert res["rules"] == RULES_VERSION == "maturity-v1"
    assert (res["level"], res["level_code"], res["level_name"]) == (
        1,
        "presencia_en_linea",
        "Presencia en línea",
    )
    assert res["level_description"] == LEVELS[1].description
    assert res["reasons"] == [
        {
            "code": "P2",
            "text": "Promociona sus productos o servicios en medios digitales (pregunta 13).",
        }
    ]
    assert codes(res["missing"]) == ["S1"]


def test_firm_a_areas():
    res = result(FIRM_A)
    assert [(a["code"], a["score"], a["band"]) for a in res["areas"]] == [
        ("canal_digital", 0, "debil"),
        ("estrategia_comercial", 75, "en_desarrollo"),
        ("marketing_digital", 50, "en_desarrollo"),
        ("logistica", 50, "en_desarrollo"),
        ("atencion_cliente", 100, "fuerte"),
        ("analisis_datos", 0, "debil"),
        ("sistemas_informaticos", 0, "debil"),
    ]
    assert res["areas"][0] == {
        "code": "canal_digital",
        "label": "Canal digital",
        "item": "digital_sales",
        "experience": 4,
        "staff": 0,
        "score": 0,
        "band": "debil",
        "band_label": "débil",
    }


def test_firm_a_barriers():
    res = result(FIRM_A)
    assert [(b["item"], b["value"]) for b in res["barriers"]] == [
        ("unknown_customer_channels", 1),
        ("unknown_platforms", 1),
        ("unknown_import_charges", 1),
        ("unknown_logistics_options", 1),
        ("unknown_payment_methods", 1),
        ("buyer_trust", 2),
        ("origin_logistics_cost", 2),
        ("bank_fees", 2),
    ]
    assert res["barriers"][0] == {
        "key": "q20_other_barriers__unknown_customer_channels",
        "question": "q20_other_barriers",
        "item": "unknown_customer_channels",
        "label": "No conozco los canales o las herramientas para conseguir clientes en otros "
        "países a través de comercio electrónico",
        "value": 1,
        "value_label": "Muy limitante",
        "group": "Otros factores",
    }
    assert [b["group"] for b in res["barriers"]] == [
        "Otros factores",
        "Otros factores",
        "Logística",
        "Logística",
        "Pagos",
        "Otros factores",
        "Logística",
        "Pagos",
    ]
    assert res["barriers"][-1]["value_label"] == "Medianamente limitante"


def test_firm_a_needs_and_support():
    res = result(FIRM_A)
    assert [(n["item"], n["value"]) for n in res["needs"]] == [
        ("promote_abroad", 1),
        ("international_payments", 1),
        ("best_channel", 1),
        ("logistics_options", 1),
        ("export_conditions", 1),
        ("buyer_extra_costs", 1),
        ("sales_aftersales", 2),
        ("international_returns", 2),
        ("taxes_in_price", 2),
    ]
    assert res["needs"][0] == {
        "key": "q23_training_needs__promote_abroad",
        "item": "promote_abroad",
        "label": "¿Cómo posicionar y promocionar mi producto para clientes de otros países?",
        "value": 1,
    }
    assert res["implementation_support"] == [
        {
            "key": "q23_training_needs__consumer_protection",
            "item": "consumer_protection",
            "label": "¿Cuál es la regulación sobre la defensa del consumidor en el país de "
            "destino?",
        }
    ]
    assert [(s["item"], s["value"]) for s in res["support"]] == [
        ("info_digital_tools", 1),
        ("info_consumer_trends", 1),
        ("info_regulations", 1),
        ("info_platform_costs", 1),
        ("platform_cost_reduction", 1),
        ("tech_financing", 1),
        ("training_integrations", 2),
        ("consulting_financing", 2),
        ("commercial_representation", 2),
    ]


def test_firm_a_topics():
    res = result(FIRM_A)
    assert topic_scores(res) == [
        ("marketplaces", 38),
        ("logistica_envios", 36),
        ("medios_de_pago", 34),
        ("precios_exportacion", 34),
        ("marketing_digital", 21),
        ("regulaciones_destino", 20),
        ("devoluciones_posventa", 17),
        ("publicaciones", 13),
        ("tienda_propia", 12),
        ("redes_sociales", 11),
        ("fotografia_producto", 9),
        ("sistemas_gestion", 9),
        ("atencion_cliente", 8),
        ("analisis_datos", 6),
    ]
    assert res["mastered"] == []


def test_firm_a_marketplaces_reasons():
    marketplaces = result(FIRM_A)["topics"][0]
    assert marketplaces["label"] == "Marketplaces"
    assert marketplaces["reasons"] == [
        {
            "text": "Indicó que «No conozco cómo funcionan las plataformas o marketplaces a "
            "través de los cuales podría exportar mi producto o servicio» es muy limitante "
            "(pregunta 20).",
            "contribution": 9,
        },
        {
            "text": "Necesita capacitación en «¿A través de qué canal en línea conviene vender "
            "mi producto en otro país?» (pregunta 23).",
            "contribution": 9,
        },
        {"text": "Su área «Canal digital» está débil (puntaje 0).", "contribution": 6},
        {
            "text": "Eligió «No sé qué plataformas en otros países son aptas para mi producto o "
            "servicio» (pregunta 11).",
            "contribution": 6,
        },
        {
            "text": "Eligió «No vendo mediante comercio electrónico» (pregunta 6).",
            "contribution": 4,
        },
        {
            "text": "Indicó que «No conozco los canales o las herramientas para conseguir "
            "clientes en otros países a través de comercio electrónico» es muy limitante "
            "(pregunta 20).",
            "contribution": 3,
        },
        {
            "text": "Su área «Estrategia comercial» está en desarrollo (puntaje 75).",
            "contribution": 1,
        },
    ]


def test_firm_a_other_reason_texts():
    res = result(FIRM_A)
    logistics = [r["text"] for r in topic(res, "logistica_envios")["reasons"]]
    assert (
        "Todavía no ha analizado si «Costo de la distribución en el país de destino» lo limita "
        "(pregunta 19)." in logistics
    )
    assert (
        "Indicó que «Costo de los operadores de logística en el país de origen» es "
        "medianamente limitante (pregunta 19)." in logistics
    )
    prices = [r["text"] for r in topic(res, "precios_exportacion")["reasons"]]
    assert (
        "Conoce medianamente el tema «¿Cómo saber qué impuestos deben incluir mis precios?», "
        "pero necesita más información (pregunta 23)." in prices
    )
    regulations = [r["text"] for r in topic(res, "regulaciones_destino")["reasons"]]
    assert (
        "Conoce el tema «¿Cuál es la regulación sobre la defensa del consumidor en el país de "
        "destino?», pero no sabe cómo implementarlo en su empresa (pregunta 23)." in regulations
    )


@pytest.mark.parametrize("base", [FIRM_A, FIRM_B], ids=["A", "B"])
def test_topic_reasons_add_up_and_are_sorted(base):
    for entry in result(base)["topics"]:
        contributions = [r["contribution"] for r in entry["reasons"]]
        assert sum(contributions) == entry["score"]
        assert contributions == sorted(contributions, reverse=True)
        assert all(c > 0 for c in contributions)


# --- B7: firm B -----------------------------------------------------------------------------


def test_firm_b_level():
    res = result(FIRM_B)
    assert (res["level"], res["level_code"], res["level_name"]) == (
        5,
        "exporta_ecommerce",
        "Exporta por comercio electrónico",
    )
    assert codes(res["reasons"]) == ["E1", "S1"]


def test_firm_b_areas():
    res = result(FIRM_B)
    assert [(a["code"], a["score"], a["band_label"]) for a in res["areas"]] == [
        ("canal_digital", 100, "fuerte"),
        ("estrategia_comercial", 90, "fuerte"),
        ("marketing_digital", 65, "en desarrollo"),
        ("logistica", 100, "fuerte"),
        ("atencion_cliente", 100, "fuerte"),
        ("analisis_datos", 25, "débil"),
        ("sistemas_informaticos", 65, "en desarrollo"),
    ]


def test_firm_b_barriers():
    res = result(FIRM_B)
    assert [(b["item"], b["value"]) for b in res["barriers"]] == [
        ("certifications", 1),
        ("origin_logistics_cost", 1),
        ("bank_fees", 1),
        ("buyer_trust", 2),
        ("unknown_import_charges", 2),
        ("samples_quality", 2),
        ("destination_distribution_cost", 2),
        ("card_fees", 2),
        ("platform_fees", 2),
    ]


def test_firm_b_needs_and_support():
    res = result(FIRM_B)
    assert [(n["item"], n["value"]) for n in res["needs"]] == [
        ("consumer_protection", 1),
        ("buyer_extra_costs", 2),
    ]
    assert codes(res["implementation_support"], "item") == [
        "promote_abroad",
        "sales_aftersales",
        "international_returns",
        "taxes_in_price",
    ]
    assert [(s["item"], s["value"]) for s in res["support"]] == [
        ("info_consumer_trends", 1),
        ("info_regulations", 1),
        ("platform_cost_reduction", 1),
        ("tech_financing", 1),
        ("commercial_representation", 1),
        ("training_integrations", 2),
        ("staff_training", 2),
        ("info_platform_costs", 2),
    ]


def test_firm_b_topics_and_mastered():
    res = result(FIRM_B)
    assert topic_scores(res) == [
        ("precios_exportacion", 29),
        ("regulaciones_destino", 21),
        ("medios_de_pago", 19),
        ("logistica_envios", 19),
        ("publicaciones", 11),
        ("devoluciones_posventa", 10),
        ("marketing_digital", 6),
        ("analisis_datos", 6),
        ("fotografia_producto", 5),
        ("sistemas_gestion", 4),
        ("redes_sociales", 3),
    ]
    assert res["mastered"] == [
        {"code": "marketplaces", "label": "Marketplaces"},
        {"code": "tienda_propia", "label": "Tienda en línea propia"},
        {"code": "atencion_cliente", "label": "Atención al cliente"},
    ]


def test_firm_b_reasons_tie_broken_by_questionnaire_order():
    prices = topic(result(FIRM_B), "precios_exportacion")["reasons"]
    assert [r["contribution"] for r in prices] == [6, 6, 4, 3, 3, 3, 2, 2]
    assert prices[0]["text"].endswith("(pregunta 19).")  # unknown_import_charges, q19
    assert prices[1]["text"].endswith("(pregunta 23).")  # buyer_extra_costs, q23


@pytest.mark.parametrize("base", [FIRM_A, FIRM_B], ids=["A", "B"])
def test_result_is_json_serialisable_and_deterministic(base):
    res = result(base)
    assert json.loads(json.dumps(res)) == res
    assert result(base) == res
    assert list(res) == [
        "rules",
        "level",
        "level_code",
        "level_name",
        "level_description",
        "reasons",
        "missing",
        "areas",
        "barriers",
        "needs",
        "implementation_support",
        "support",
        "topics",
        "mastered",
    ]


# --- B4: barriers ---------------------------------------------------------------------------

BARRIER_KEYS = [
    item.key
    for code in ("q15_payment_barriers", "q19_logistics_barriers", "q20_other_barriers")
    for item in SPEC.questions[code].items
]


def test_value_5_is_not_a_barrier_but_feeds_topics():
    all_5 = dict.fromkeys(BARRIER_KEYS, 5)
    res = result(FIRM_A, all_5)
    assert res["barriers"] == []
    # medios_de_pago: 6 q15 items and «other» at 5 (strength 1) + international_payments 1.
    # fx 3 + bank 3 + card 3 + platform 2 + integration 2 + unknown 3 + other 1 = 17, + 9.
    assert topic(res, "medios_de_pago")["score"] == 26


@pytest.mark.parametrize("value", [3, 4, 5])
def test_values_3_to_5_are_not_barriers(value):
    res = result(FIRM_A, dict.fromkeys(BARRIER_KEYS, value))
    assert res["barriers"] == []


def test_barrier_order_value_then_priority():
    res = result(FIRM_A, dict.fromkeys(BARRIER_KEYS, 2))
    priorities = {key: SPEC.items_by_key[key][1].barrier_priority for key in BARRIER_KEYS}
    assert codes(res["barriers"], "key") == sorted(BARRIER_KEYS, key=priorities.__getitem__)
    assert len(res["barriers"]) == 21


def test_other_payment_barrier_shows_the_firms_text():
    res = result(
        FIRM_A,
        {
            "q15_payment_barriers__other": 1,
            "q15_payment_barriers__other__text": "Demora en recibir los pagos",
        },
    )
    value_1 = [b for b in res["barriers"] if b["value"] == 1]
    assert value_1[-1] == {
        "key": "q15_payment_barriers__other",
        "question": "q15_payment_barriers",
        "item": "other",
        "label": "Demora en recibir los pagos",
        "value": 1,
        "value_label": "Muy limitante",
        "group": "Pagos",
    }
    reasons = [r["text"] for r in topic(res, "medios_de_pago")["reasons"]]
    assert "Indicó que «Demora en recibir los pagos» es muy limitante (pregunta 15)." in reasons


def test_other_support_shows_the_firms_text():
    res = result(
        FIRM_A,
        {
            "q22_support_usefulness__other": 1,
            "q22_support_usefulness__other__text": "Ruedas de negocio virtuales",
        },
    )
    value_1 = [s for s in res["support"] if s["value"] == 1]
    assert value_1[-1] == {
        "key": "q22_support_usefulness__other",
        "item": "other",
        "label": "Ruedas de negocio virtuales",
        "value": 1,
    }


def test_support_values_3_and_4_and_needs_4_are_not_listed():
    support = [i.key for i in SPEC.questions["q22_support_usefulness"].items if i.required]
    needs = [i.key for i in SPEC.questions["q23_training_needs"].items]
    res = result(FIRM_A, {**dict.fromkeys(support, 3), **dict.fromkeys(needs, 4)})
    assert (res["support"], res["needs"], res["implementation_support"]) == ([], [], [])
    res = result(FIRM_A, dict.fromkeys(support, 4))
    assert res["support"] == []


# --- B6: topics -----------------------------------------------------------------------------


def test_exclusive_none_options_signal_topics():
    t0 = result(FIRM_A, {"q13_promotion_media": ["none"]})
    firm_a = result(FIRM_A)
    # q13 = none: redes_sociales 2 x 3, marketing_digital 2 x 2.
    assert topic(t0, "redes_sociales")["score"] == topic(firm_a, "redes_sociales")["score"] + 6
    assert (
        topic(t0, "marketing_digital")["score"] == topic(firm_a, "marketing_digital")["score"] + 4
    )
    assert {
        "text": "Eligió «No promociono mis productos o servicios a través de medios digitales» "
        "(pregunta 13).",
        "contribution": 6,
    } in topic(t0, "redes_sociales")["reasons"]
    # q12 = none (firm A): sistemas_gestion 2 x 1, fotografia_producto 2 x 1.
    tools = result(FIRM_A, {"q12_digital_tools": ["erp"]})
    for code in ("sistemas_gestion", "fotografia_producto"):
        assert topic(firm_a, code)["score"] - topic(tools, code)["score"] == 2


def test_mastered_cancelled_when_training_asked():
    # best_channel carries marketplaces and tienda_propia.
    res = result(FIRM_B, {"q23_training_needs__best_channel": 2})
    assert codes(res["mastered"]) == ["atencion_cliente"]
    # marketplaces: mercado_libre 2 + amazon 2 + best_channel 2 x 3; tienda_propia:
    # own_website 2 + best_channel 2 x 1.
    assert topic(res, "marketplaces")["score"] == 10
    assert topic(res, "tienda_propia")["score"] == 4
    res = result(FIRM_B, {"q23_training_needs__sales_aftersales": 1})
    assert codes(res["mastered"]) == ["marketplaces", "tienda_propia"]
    # atencion_cliente: buyer_trust 2 x 1 + sales_aftersales 3 x 3.
    assert topic(res, "atencion_cliente")["score"] == 11


def test_mastered_not_cancelled_by_value_3_or_4():
    # Firm B answers sales_aftersales 3 and best_channel 4, and still masters the topics.
    for value in (3, 4):
        res = result(
            FIRM_B,
            {
                "q23_training_needs__sales_aftersales": value,
                "q23_training_needs__best_channel": value,
            },
        )
        assert codes(res["mastered"]) == ["marketplaces", "tienda_propia", "atencion_cliente"]


def test_mastered_topic_is_removed_even_with_a_score():
    # Firm B's atencion_cliente gets buyer_trust 2 x 1 + sales_aftersales 1 x 3 = 5, mastered.
    res = result(FIRM_B)
    assert "atencion_cliente" not in codes(res["topics"])


def test_mastered_rules_for_payments_social_marketing_data_and_systems():
    strong = {
        "q07_area_experience__digital_marketing": 1,
        "q08_area_staff__digital_marketing": 2,
        "q07_area_experience__data_analysis": 1,
        "q08_area_staff__data_analysis": 1,
        "q07_area_experience__it_systems": 1,
        "q12_digital_tools": ["erp"],
        "q15_payment_barriers__bank_fees": 3,
        "q15_payment_barriers__card_fees": 4,
        "q15_payment_barriers__platform_fees": 5,
        "q23_training_needs__promote_abroad": 4,
        "q23_training_needs__international_payments": 3,
    }
    res = result(FIRM_B, strong)
    assert codes(res["mastered"]) == [
        "marketplaces",
        "tienda_propia",
        "redes_sociales",
        "marketing_digital",
        "medios_de_pago",
        "atencion_cliente",
        "analisis_datos",
        "sistemas_gestion",
    ]
    # Only one social network: redes_sociales not mastered.
    res = result(FIRM_B, {**strong, "q13_promotion_media": ["instagram", "google"]})
    assert "redes_sociales" not in codes(res["mastered"])
    assert "marketing_digital" in codes(res["mastered"])
    # No ERP or CRM: sistemas_gestion not mastered.
    res = result(FIRM_B, {**strong, "q12_digital_tools": ["digital_catalog"]})
    assert "sistemas_gestion" not in codes(res["mastered"])
    # A q15 barrier: medios_de_pago not mastered.
    res = result(FIRM_B, {**strong, "q15_payment_barriers__fx_settlement": 2})
    assert "medios_de_pago" not in codes(res["mastered"])


def test_topics_with_no_rule_are_never_mastered():
    res = result(FIRM_B)
    never = {"precios_exportacion", "regulaciones_destino", "fotografia_producto", "publicaciones"}
    assert not never & set(codes(res["mastered"]))


def test_topic_ties_broken_by_vocabulary_order():
    res = result(FIRM_A)
    ranked = topic_scores(res)
    assert ranked.index(("medios_de_pago", 34)) < ranked.index(("precios_exportacion", 34))
    assert ranked.index(("fotografia_producto", 9)) < ranked.index(("sistemas_gestion", 9))
