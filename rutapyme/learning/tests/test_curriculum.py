"""The starter curriculum a fresh install has, and the rules its content keeps."""

import re

import pytest

from rutapyme.diagnosis.topics import Topic
from rutapyme.learning import services
from rutapyme.learning.curriculum import course_files, read_course
from rutapyme.learning.models import Course, CourseVersion, Lesson, Module, Question

pytestmark = pytest.mark.django_db


def test_a_fresh_install_has_the_curriculum_published():
    courses = list(Course.objects.select_related("published").order_by("position"))

    assert [c.slug for c in courses] == [
        "canales-de-venta",
        "publicaciones-que-venden",
        "medios-de-pago",
        "logistica-y-envios",
        "marketing-y-atencion",
        "precios-y-exportacion",
        "pagina-web-y-catalogo",
    ]
    assert all(c.published.status == CourseVersion.Status.PUBLISHED for c in courses)
    assert Module.objects.count() == 22
    assert Lesson.objects.count() == 52
    assert Question.objects.count() == 110


def test_every_course_has_three_modules_with_lessons_and_a_quiz():
    for course in Course.objects.select_related("published"):
        modules = list(course.published.modules.select_related("quiz"))
        assert len(modules) >= 3, course.slug
        for module in modules:
            assert module.lessons.count() >= 1, module.slug
            assert module.quiz.questions.count() >= 4, module.slug


def test_every_published_version_passes_the_publishing_checks():
    for version in CourseVersion.objects.filter(status=CourseVersion.Status.PUBLISHED):
        assert services.version_problems(version) == [], version.title


def test_every_topic_of_the_vocabulary_has_a_module():
    tagged = {code for topics in Module.objects.values_list("topics", flat=True) for code in topics}
    assert tagged == set(Topic.values)


def test_every_numeric_answer_is_reachable_and_every_kind_is_used():
    kinds = set(Question.objects.values_list("kind", flat=True))
    assert kinds == {"single", "multiple", "true_false", "numeric"}
    assert not Question.objects.filter(kind="numeric", answer__isnull=True).exists()


@pytest.mark.parametrize("path", course_files(), ids=lambda p: p.parent.name)
def test_lessons_cite_sources_listed_by_their_course(path):
    data = read_course(path)
    assert data["sources"], "a course states where its facts come from"
    for source in data["sources"]:
        assert source["title"] and source["publisher"], source
        assert re.fullmatch(r"(\d{4}(-\d{2}(-\d{2})?)?)?", source["date"]), source
        assert re.fullmatch(r"\d{4}-\d{2}", source["consulted"]), source
        if not source["date"]:
            assert source.get("date_note"), source
    for module in data["modules"]:
        for lesson in module["lessons"]:
            assert "### En resumen" in lesson["body"], lesson["file"]
            assert "<script" not in lesson["body"].lower(), lesson["file"]
