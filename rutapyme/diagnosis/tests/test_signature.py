"""The fixed-width signature the report counts: encoding, counting, unions, misuse."""

import random

import pytest

from rutapyme.diagnosis import scoring, signature
from rutapyme.diagnosis.fakes import random_answers
from rutapyme.diagnosis.questionnaire import load_file, parse
from rutapyme.diagnosis.topics import Topic

SPEC = parse(load_file(1))


def diagnoses(n: int, seed: int = 7) -> list[tuple[dict, dict, str]]:
    rng = random.Random(seed)
    made = []
    for _ in range(n):
        offer_type = rng.choice(["products", "services", "both"])
        answers = random_answers(
            SPEC,
            offer_type=offer_type,
            country=rng.choice(["EC", "PE", "CL"]),
            sector=rng.choice(["artesanias", "alimentos", "tecnologia"]),
            size_band=rng.choice(["0-5", "6-25", "51-100"]),
            rng=rng,
        )
        result = scoring.compute_result(SPEC, answers, offer_type=offer_type)
        made.append((answers, result, signature.encode(SPEC, answers, result)))
    return made


def test_every_signature_has_the_width_of_the_layout():
    width = len(signature.layout(SPEC))
    assert {len(sig) for _a, _r, sig in diagnoses(30)} == {width}


def test_count_equals_the_values_of_each_diagnosis():
    made = diagnoses(60)
    counts = signature.count(SPEC, [sig for _a, _r, sig in made])
    expected: dict = {}
    for answers, result, _sig in made:
        values = signature.values_for(SPEC, answers, result)
        for position in signature.layout(SPEC):
            value = values.get(position.key)
            if value is None and position.key.startswith("result.topic."):
                value = signature.TOPIC_ABSENT
            per_value = expected.setdefault(
                position.key, dict.fromkeys((*position.values, None), 0)
            )
            per_value[value] += 1
    assert counts == expected


def test_a_services_firm_has_no_logistics_answers():
    answers, result, sig = next(d for d in diagnoses(30) if "q17_return_policy" not in d[0])
    counts = signature.count(SPEC, [sig])
    assert counts["q17_return_policy"][None] == 1
    assert counts["q16_logistics_management?"] == {True: 0, None: 1}
    assert counts["q19_logistics_barriers__returns_cost"][None] == 1


def test_staff_counts_are_bucketed_as_zero_one_two_or_more():
    answers, result, _sig = diagnoses(1)[0]
    answers = {**answers, "q08_area_staff__digital_sales": 7, "q08_area_staff__logistics": 1}
    sig = signature.encode(SPEC, answers, result)
    counts = signature.count(SPEC, [sig])
    assert counts["q08_area_staff__digital_sales"] == {0: 0, 1: 0, 2: 1, None: 0}
    assert counts["q08_area_staff__logistics"] == {0: 0, 1: 1, 2: 0, None: 0}


def test_count_any_is_the_union_of_positions():
    made = diagnoses(80, seed=3)
    columns = signature.Columns(SPEC, [sig for _a, _r, sig in made])
    keys = ["q13_promotion_media=whatsapp", "q13_promotion_media=other_social"]
    expected = sum(
        1 for a, _r, _s in made if {"whatsapp", "other_social"} & set(a["q13_promotion_media"])
    )
    assert columns.count_any(keys, True) == expected
    assert columns.count_any(["q13_promotion_media=whatsapp"], True) == sum(
        1 for a, _r, _s in made if "whatsapp" in a["q13_promotion_media"]
    )
    assert columns.count_any(["not_a_position"], True) == 0


def test_a_signature_of_another_width_is_never_counted():
    sigs = [sig for _a, _r, sig in diagnoses(3)]
    with pytest.raises(ValueError, match="1 signatures are not"):
        signature.count(SPEC, [*sigs, sigs[0][:-1]])
    with pytest.raises(ValueError, match="1 signatures are not"):
        signature.count(SPEC, [sigs[0] + "-"])


def test_a_value_outside_the_layout_is_refused_not_misread():
    position = signature.Position("q07_area_experience__digital_sales", (1, 2, 3, 4))
    assert position.char(2) == "1"
    with pytest.raises(ValueError, match="not one of"):
        position.char(9)
    with pytest.raises(ValueError, match="not one of"):
        position.char(True)  # True == 1 in Python; it must not be stored as "mucha experiencia"
    flag = signature.Position("q12_digital_tools=erp", (False, True))
    with pytest.raises(ValueError, match="not one of"):
        flag.char(0)


def test_the_topic_positions_follow_the_versions_own_topic_list():
    keys = [p.key for p in signature.layout(SPEC) if p.key.startswith("result.topic.")]
    assert keys == [f"result.topic.{code}" for code in Topic.values]
    assert keys == [f"result.topic.{topic['code']}" for topic in SPEC.topics]


def test_empty_input_counts_nothing():
    counts = signature.count(SPEC, [])
    assert counts["result.level"] == {0: 0, 1: 0, 2: 0, 3: 0, 4: 0, 5: 0, None: 0}
