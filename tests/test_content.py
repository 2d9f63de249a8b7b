"""The content that ships with the platform stays well-formed while the apps that load it are
built: the diagnosis questionnaire and the starter curriculum."""

import importlib.util
import json
from pathlib import Path

import pytest

CONTENT = Path(__file__).resolve().parent.parent / "content"
TOPICS = {
    "marketplaces", "tienda_propia", "redes_sociales", "marketing_digital", "medios_de_pago",
    "logistica_envios", "devoluciones_posventa", "atencion_cliente", "precios_exportacion",
    "regulaciones_destino", "analisis_datos", "fotografia_producto", "publicaciones",
    "sistemas_gestion",
}  # fmt: skip
COURSES = sorted((CONTENT / "curriculum").glob("*/course.json"))


def _checker():
    path = CONTENT / "diagnosis" / "check_questionnaire.py"
    spec = importlib.util.spec_from_file_location("check_questionnaire", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_questionnaire_has_no_errors():
    checker = _checker()
    document = json.loads(checker.DEFAULT_JSON.read_text(encoding="utf-8"))
    assert checker.check_document(document).errors == []


def test_questionnaire_topics_are_the_shared_vocabulary():
    document = json.loads(_checker().DEFAULT_JSON.read_text(encoding="utf-8"))
    assert {topic["code"] for topic in document["topics"]} <= TOPICS


def test_curriculum_has_at_least_six_courses():
    assert len(COURSES) >= 6


@pytest.mark.parametrize("path", COURSES, ids=lambda p: p.parent.name)
def test_course_is_complete(path):
    course = json.loads(path.read_text(encoding="utf-8"))
    assert len(course["modules"]) >= 3
    assert course["sources"], "every course cites its sources"
    for module in course["modules"]:
        assert set(module["topics"]) <= TOPICS
        assert module["lessons"]
        for lesson in module["lessons"]:
            assert (path.parent / "lessons" / lesson["file"]).is_file(), lesson["file"]
        questions = module["quiz"]["questions"]
        assert 4 <= len(questions) <= 6
        for question in questions:
            correct = [o for o in question.get("options", []) if o.get("correct")]
            if question["kind"] in ("single", "true_false"):
                assert len(correct) == 1, question["code"]
            elif question["kind"] == "multiple":
                assert correct, question["code"]
            else:
                assert question["kind"] == "numeric"
                assert isinstance(question["answer"], int | float), question["code"]
