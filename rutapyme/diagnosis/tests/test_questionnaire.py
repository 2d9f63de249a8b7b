import pytest

from rutapyme.diagnosis.models import Questionnaire
from rutapyme.diagnosis.questionnaire import clean_answers, load_file, parse
from rutapyme.diagnosis.topics import Topic

SPEC = parse(load_file(1))


def _clean(codes, raw, offer_type="products", require=True):
    questions = [SPEC.questions[c] for c in codes]
    return clean_answers(questions, raw, offer_type, require=require)


def _codes(problems):
    return [(p.key, p.code) for p in problems]


@pytest.mark.django_db
def test_a_fresh_install_has_version_1_as_current():
    questionnaire = Questionnaire.objects.get(code="cepal-ecommerce", is_current=True)
    assert questionnaire.version == 1
    assert questionnaire.rules_version == "maturity-v1"
    assert questionnaire.definition == load_file(1)
    assert len(questionnaire.spec.questions) == 24


def test_the_topic_vocabulary_in_code_is_the_one_in_the_questionnaire():
    assert [(t["code"], t["label"]) for t in SPEC.topics] == [(t.value, t.label) for t in Topic]


def test_every_answer_key_is_unique_and_ordered_as_asked():
    keys = SPEC.answer_keys()
    assert len(keys) == len(set(keys)) == 82
    assert keys[:3] == ["q01_country", "q02_sector", "q03_size_band"]
    assert keys[-1] == "q24_suggestions"


def test_logistics_questions_only_apply_to_goods_firms():
    goods = [s.code for s in SPEC.steps_for("products")]
    services = [s.code for s in SPEC.steps_for("services")]
    assert goods == [
        "empresa",
        "ventas",
        "areas",
        "herramientas",
        "pagos",
        "logistica",
        "otros_factores",
        "capacitacion",
    ]
    assert services == [code for code in goods if code != "logistica"]
    assert [s.code for s in SPEC.steps_for("both")] == goods


def test_single_choice_is_stored_as_its_code():
    cleaned, problems = _clean(["q06_online_sales"], {"q06_online_sales": ["marketplace"]})
    assert cleaned == {"q06_online_sales": "marketplace"}
    assert problems == []


def test_missing_required_answers_are_problems_unless_saving_for_later():
    codes = ["q06_online_sales", "q12_digital_tools", "q07_area_experience"]
    _, problems = _clean(codes, {})
    assert ("q06_online_sales", "required_missing") in _codes(problems)
    assert ("q12_digital_tools", "required_missing") in _codes(problems)
    assert ("q07_area_experience__digital_sales", "required_missing") in _codes(problems)
    assert len(problems) == 2 + 7
    assert _clean(codes, {}, require=False) == ({}, [])


def test_unknown_option_and_two_options_in_a_single_choice():
    _, problems = _clean(["q06_online_sales"], {"q06_online_sales": ["tienda"]})
    assert _codes(problems) == [("q06_online_sales", "invalid_option")]
    assert "«tienda»" in problems[0].message
    _, problems = _clean(["q06_online_sales"], {"q06_online_sales": ["none", "both"]})
    assert _codes(problems) == [("q06_online_sales", "invalid_option")]


def test_multiple_choice_keeps_questionnaire_order_and_ignores_case():
    cleaned, problems = _clean(
        ["q13_promotion_media"], {"q13_promotion_media": ["WhatsApp", "facebook", "instagram"]}
    )
    assert problems == []
    assert cleaned == {"q13_promotion_media": ["instagram", "facebook", "whatsapp"]}


def test_an_exclusive_option_cannot_be_combined():
    cleaned, problems = _clean(
        ["q13_promotion_media"], {"q13_promotion_media": ["none", "instagram"]}
    )
    assert cleaned == {}
    assert _codes(problems) == [("q13_promotion_media", "exclusive_conflict")]


def test_scale_values_outside_the_scale_are_out_of_range():
    raw = {
        "q07_area_experience__digital_sales": ["5"],
        "q07_area_experience__commercial_strategy": ["0"],
        "q07_area_experience__digital_marketing": ["dos"],
        "q07_area_experience__logistics": ["2.0"],  # a spreadsheet's whole number
    }
    cleaned, problems = _clean(["q07_area_experience"], raw, require=False)
    assert cleaned == {"q07_area_experience__logistics": 2}
    assert [p.key for p in problems if p.code == "out_of_range"] == [
        "q07_area_experience__digital_sales",
        "q07_area_experience__commercial_strategy",
        "q07_area_experience__digital_marketing",
    ]
    assert problems[0].message == "Elija un valor de la escala (1 a 4)."
    _, problems = _clean(
        ["q15_payment_barriers"], {"q15_payment_barriers__bank_fees": ["6"]}, require=False
    )
    assert problems[0].message == "Elija un valor de la escala (1 a 5)."


def test_staff_counts_are_whole_numbers_from_0_to_999():
    raw = {
        "q08_area_staff__digital_sales": ["0"],
        "q08_area_staff__commercial_strategy": ["-1"],
        "q08_area_staff__digital_marketing": ["1000"],
        "q08_area_staff__logistics": ["1,5"],
    }
    cleaned, problems = _clean(["q08_area_staff"], raw, require=False)
    assert cleaned == {"q08_area_staff__digital_sales": 0}
    assert [p.code for p in problems] == ["out_of_range"] * 3


def test_the_other_item_of_a_barrier_matrix_is_optional_and_carries_text():
    raw = {
        f"q15_payment_barriers__{i.code}": ["3"]
        for i in SPEC.questions["q15_payment_barriers"].items
    }
    del raw["q15_payment_barriers__other"]
    cleaned, problems = _clean(["q15_payment_barriers"], raw)
    assert problems == []
    assert "q15_payment_barriers__other" not in cleaned
    raw["q15_payment_barriers__other"] = ["1"]
    raw["q15_payment_barriers__other__text"] = ["Retenciones de impuestos"]
    cleaned, problems = _clean(["q15_payment_barriers"], raw)
    assert problems == []
    assert cleaned["q15_payment_barriers__other__text"] == "Retenciones de impuestos"


def test_text_without_its_option_is_a_warning_and_not_stored():
    cleaned, problems = _clean(
        ["q11_relevant_platforms"],
        {
            "q11_relevant_platforms": ["amazon"],
            "q11_relevant_platforms__other__text": ["Shopee"],
        },
    )
    assert cleaned == {"q11_relevant_platforms": ["amazon"]}
    assert [(p.code, p.severity) for p in problems] == [("text_without_option", "warning")]


def test_logistics_answers_of_a_services_firm_are_ignored():
    cleaned, problems = _clean(
        ["q17_return_policy"], {"q17_return_policy": ["no"]}, offer_type="services"
    )
    assert cleaned == {}
    assert problems == []


def test_long_texts_are_refused_with_the_limit():
    _, problems = _clean(["q24_suggestions"], {"q24_suggestions": ["x" * 1001]})
    assert _codes(problems) == [("q24_suggestions", "out_of_range")]
    assert problems[0].message == "Escriba como máximo 1000 caracteres."
