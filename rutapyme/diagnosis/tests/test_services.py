import datetime

import pytest

from rutapyme.diagnosis import services
from rutapyme.diagnosis.models import Diagnosis
from rutapyme.diagnosis.tests.factories import answers_for, submitted_diagnosis
from rutapyme.firms.tests.factories import FirmFactory, FirmMembershipFactory

pytestmark = pytest.mark.django_db


def _raw(answers: dict, keys) -> dict[str, list[str]]:
    raw = {}
    for key in keys:
        if key in answers:
            value = answers[key]
            raw[key] = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    return raw


def _answer_all(diagnosis, answers):
    for step in diagnosis.spec.steps_for(diagnosis.offer_type):
        keys = [k for q in step.questions for k in q.answer_keys()]
        saved = services.diagnosis_save_step(
            diagnosis=diagnosis, step_code=step.code, raw=_raw(answers, keys)
        )
        assert saved.errors == []


def test_start_prefills_what_the_registry_knows():
    firm = FirmFactory(country="PE", sector="alimentos", size_band="6-25", offer_type="both")
    member = FirmMembershipFactory(firm=firm).user
    diagnosis = services.diagnosis_start(firm=firm, user=member)
    assert diagnosis.status == Diagnosis.Status.DRAFT
    assert diagnosis.answers == {
        "q01_country": "PE",
        "q02_sector": "alimentos",
        "q03_size_band": "6-25",
    }
    assert diagnosis.current_step == "empresa"
    assert diagnosis.offer_type == "both"
    assert diagnosis.started_by == member


def test_a_second_device_continues_the_same_draft():
    firm = FirmFactory()
    first = services.diagnosis_start(firm=firm, user=None)
    services.diagnosis_save_step(
        diagnosis=first,
        step_code="empresa",
        raw={
            "q02_sector": ["artesanias"],
            "q03_size_band": ["0-5"],
            "q05_customer_segment": ["both"],
        },
    )
    second = services.diagnosis_start(firm=firm, user=None)
    assert second.pk == first.pk
    assert second.answers["q05_customer_segment"] == "both"
    assert second.current_step == "ventas"
    assert Diagnosis.objects.filter(firm=firm).count() == 1


def test_a_step_with_problems_keeps_the_valid_answers_and_does_not_advance():
    firm = FirmFactory()
    diagnosis = services.diagnosis_start(firm=firm, user=None)
    saved = services.diagnosis_save_step(
        diagnosis=diagnosis,
        step_code="ventas",
        raw={
            "q04_export_destinations": ["not_yet", "aladi"],
            "q06_online_sales": ["marketplace"],
            "q10_export_intent": ["short_term"],
        },
    )
    assert sorted((p.key, p.code) for p in saved.errors) == [
        ("q04_export_destinations", "exclusive_conflict"),
        ("q09_ecommerce_export", "required_missing"),
    ]
    diagnosis.refresh_from_db()
    assert diagnosis.answers["q06_online_sales"] == "marketplace"
    assert diagnosis.answers["q10_export_intent"] == "short_term"
    assert "q04_export_destinations" not in diagnosis.answers
    assert diagnosis.current_step == "ventas"


def test_saving_for_later_accepts_missing_answers():
    firm = FirmFactory()
    diagnosis = services.diagnosis_start(firm=firm, user=None)
    saved = services.diagnosis_save_step(
        diagnosis=diagnosis,
        step_code="areas",
        raw={"q07_area_experience__digital_sales": ["2"]},
        require=False,
    )
    assert saved.errors == []
    diagnosis.refresh_from_db()
    assert diagnosis.answers["q07_area_experience__digital_sales"] == 2
    assert diagnosis.current_step == "areas"


def test_unticking_an_option_removes_it_and_other_steps_stay():
    firm = FirmFactory()
    diagnosis = services.diagnosis_start(firm=firm, user=None)
    services.diagnosis_save_step(
        diagnosis=diagnosis,
        step_code="herramientas",
        raw={"q12_digital_tools": ["erp", "crm"]},
        require=False,
    )
    services.diagnosis_save_step(
        diagnosis=diagnosis,
        step_code="herramientas",
        raw={"q12_digital_tools": ["crm"]},
        require=False,
    )
    diagnosis.refresh_from_db()
    assert diagnosis.answers["q12_digital_tools"] == ["crm"]
    assert diagnosis.answers["q01_country"] == "EC"


def test_the_country_comes_from_the_registry_and_cannot_be_changed_here():
    firm = FirmFactory(country="EC")
    diagnosis = services.diagnosis_start(firm=firm, user=None)
    services.diagnosis_save_step(
        diagnosis=diagnosis,
        step_code="empresa",
        raw={"q01_country": ["PE"], "q02_sector": ["calzado"], "q03_size_band": ["6-25"]},
        require=False,
    )
    diagnosis.refresh_from_db()
    assert diagnosis.answers["q01_country"] == "EC"
    assert diagnosis.answers["q02_sector"] == "calzado"


def test_submitting_an_incomplete_draft_names_the_steps_and_changes_nothing():
    firm = FirmFactory()
    diagnosis = services.diagnosis_start(firm=firm, user=None)
    with pytest.raises(services.DiagnosisIncomplete) as excinfo:
        services.diagnosis_submit(diagnosis=diagnosis, user=None)
    assert [s.code for s in excinfo.value.steps][:2] == ["empresa", "ventas"]
    diagnosis.refresh_from_db()
    assert diagnosis.status == Diagnosis.Status.DRAFT
    assert diagnosis.level is None


def test_submit_computes_the_result_and_freezes_the_answers():
    firm = FirmFactory(offer_type="services")
    member = FirmMembershipFactory(firm=firm).user
    diagnosis = services.diagnosis_start(firm=firm, user=member)
    answers = answers_for(firm, seed=3)
    _answer_all(diagnosis, answers)
    done = services.diagnosis_submit(diagnosis=diagnosis, user=member)
    assert done.status == Diagnosis.Status.SUBMITTED
    assert done.answers == answers
    assert not any(k.startswith(("q16", "q17", "q18", "q19")) for k in done.answers)
    assert done.level == done.result["level"]
    assert done.rules_version == "maturity-v1"
    assert (done.attempt, done.is_latest, done.first_level) == (1, True, done.level)
    assert (done.country, done.sector, done.size_band) == ("EC", "artesanias", "0-5")
    assert len(done.signature) > 100
    with pytest.raises(services.DiagnosisClosed):
        services.diagnosis_save_step(
            diagnosis=done, step_code="empresa", raw={"q05_customer_segment": ["businesses"]}
        )
    with pytest.raises(services.DiagnosisClosed):
        services.diagnosis_submit(diagnosis=done, user=member)
    done.refresh_from_db()
    assert done.answers == answers


def test_a_retake_is_a_new_diagnosis_and_becomes_the_latest():
    firm = FirmFactory()
    first = submitted_diagnosis(firm, seed=1, answered_on=datetime.date(2026, 3, 1))
    retake = services.diagnosis_start(firm=firm, user=None)
    assert retake.pk != first.pk
    _answer_all(retake, answers_for(firm, seed=2))
    retake = services.diagnosis_submit(diagnosis=retake, user=None)
    first.refresh_from_db()
    assert (first.attempt, first.is_latest) == (1, False)
    assert (retake.attempt, retake.is_latest) == (2, True)
    assert retake.first_level == first.level


def test_an_interview_recorded_later_with_an_earlier_date_is_not_the_latest():
    firm = FirmFactory()
    online = submitted_diagnosis(
        firm, seed=1, answered_on=datetime.date(2026, 6, 1), channel="en_linea"
    )
    paper = submitted_diagnosis(firm, seed=2, answered_on=datetime.date(2026, 2, 1))
    online.refresh_from_db()
    paper.refresh_from_db()
    assert (paper.attempt, paper.is_latest) == (1, False)
    assert (online.attempt, online.is_latest, online.first_level) == (2, True, paper.level)


def test_recording_the_same_interview_again_changes_nothing_then_updates():
    firm = FirmFactory()
    questionnaire = services.current_questionnaire()
    answers = answers_for(firm, seed=5)
    day = datetime.date(2026, 10, 5)
    kwargs = {
        "firm": firm,
        "questionnaire": questionnaire,
        "answered_on": day,
        "channel": "telefono",
    }
    created = services.diagnosis_record(answers=answers, **kwargs)
    again = services.diagnosis_record(answers=answers, **kwargs)
    changed = services.diagnosis_record(answers={**answers, "q06_online_sales": "both"}, **kwargs)
    assert (created.outcome, again.outcome, changed.outcome) == ("created", "unchanged", "updated")
    assert Diagnosis.objects.filter(firm=firm).count() == 1
    assert Diagnosis.objects.get(firm=firm).answers["q06_online_sales"] == "both"
