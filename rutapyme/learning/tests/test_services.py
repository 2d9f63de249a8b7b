import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from rutapyme.learning import services
from rutapyme.learning.models import (
    Certificate,
    Choice,
    CourseProgress,
    CourseVersion,
    Lesson,
    LessonView,
    Question,
    Quiz,
    QuizAttempt,
)

from .factories import learner, make_course

pytestmark = pytest.mark.django_db

RIGHT = {"q1": "a", "q2": Decimal("3.5")}
WRONG = {"q1": "b", "q2": Decimal("9")}


def _lessons(course):
    return list(
        Lesson.objects.filter(version=course.published).order_by("module__position", "position")
    )


def _quizzes(course):
    return list(
        Quiz.objects.filter(module__version=course.published)
        .select_related("module__version")
        .order_by("module__position")
    )


def _view_all(user, firm, course):
    for lesson in _lessons(course):
        lesson.version = course.published
        services.lesson_view_record(user=user, firm=firm, lesson=lesson)


# --- Lesson views ---------------------------------------------------------------------------


def test_viewing_a_lesson_records_it_once_and_remembers_where_to_continue():
    course = make_course(modules=2, lessons=2)  # 4 lessons + 2 quizzes = 6 steps
    user, firm = learner()
    first, second = _lessons(course)[:2]
    first.version = second.version = course.published

    services.lesson_view_record(user=user, firm=firm, lesson=first)
    services.lesson_view_record(user=user, firm=firm, lesson=first)
    progress = services.lesson_view_record(user=user, firm=firm, lesson=second)

    assert LessonView.objects.filter(progress=progress).count() == 2
    assert progress.last_lesson_key == second.key
    assert progress.percent == 33  # 2 of 6 steps
    assert progress.completed_at is None
    assert CourseProgress.objects.filter(user=user, firm=firm, course=course).count() == 1


def test_progress_is_per_person_and_per_firm():
    course = make_course()
    user, firm = learner()
    _other_user, other_firm = learner()
    lesson = _lessons(course)[0]
    lesson.version = course.published

    services.lesson_view_record(user=user, firm=firm, lesson=lesson)
    services.lesson_view_record(user=user, firm=other_firm, lesson=lesson)

    assert CourseProgress.objects.filter(user=user).count() == 2
    assert CourseProgress.objects.filter(firm=firm).count() == 1


# --- Quiz attempts --------------------------------------------------------------------------


def test_a_right_attempt_passes_with_feedback():
    course = make_course()
    user, firm = learner()
    quiz = _quizzes(course)[0]

    result = services.quiz_attempt_submit(user=user, firm=firm, quiz=quiz, number=1, answers=RIGHT)

    assert (result.attempt.correct, result.attempt.total, result.attempt.score) == (2, 2, 100)
    assert result.attempt.passed is True
    assert result.attempt.answers == {"q1": "a", "q2": "3.5"}
    assert [m.feedback for m in result.marked] == [["Es la buena.", "Bien."], []]
    assert result.certificate is None  # lessons not viewed yet


def test_a_numeric_answer_within_the_tolerance_is_right():
    course = make_course()
    user, firm = learner()
    quiz = _quizzes(course)[0]

    result = services.quiz_attempt_submit(
        user=user, firm=firm, quiz=quiz, number=1, answers={"q1": "b", "q2": Decimal("3.509")}
    )

    assert [m.correct for m in result.marked] == [False, True]
    assert result.attempt.score == 50
    assert result.attempt.passed is False


def test_the_same_attempt_sent_twice_is_stored_once():
    course = make_course()
    user, firm = learner()
    quiz = _quizzes(course)[0]
    services.quiz_attempt_submit(user=user, firm=firm, quiz=quiz, number=1, answers=WRONG)

    with pytest.raises(services.AttemptRefused) as refused:
        services.quiz_attempt_submit(user=user, firm=firm, quiz=quiz, number=1, answers=RIGHT)

    assert refused.value.reason == "duplicate"
    assert list(QuizAttempt.objects.values_list("number", "passed")) == [(1, False)]


def test_a_form_of_an_earlier_attempt_is_refused_as_stale():
    course = make_course()
    user, firm = learner()
    quiz = _quizzes(course)[0]
    services.quiz_attempt_submit(user=user, firm=firm, quiz=quiz, number=1, answers=WRONG)

    with pytest.raises(services.AttemptRefused) as refused:
        services.quiz_attempt_submit(user=user, firm=firm, quiz=quiz, number=3, answers=RIGHT)

    assert refused.value.reason == "stale"
    assert QuizAttempt.objects.count() == 1


def test_attempts_run_out_for_24_hours_then_come_back():
    course = make_course()
    user, firm = learner()
    quiz = _quizzes(course)[0]
    for number in (1, 2, 3):
        services.quiz_attempt_submit(user=user, firm=firm, quiz=quiz, number=number, answers=WRONG)

    with pytest.raises(services.AttemptRefused) as refused:
        services.quiz_attempt_submit(user=user, firm=firm, quiz=quiz, number=4, answers=RIGHT)
    assert refused.value.reason == "exhausted"
    assert QuizAttempt.objects.count() == 3

    QuizAttempt.objects.update(submitted_at=timezone.now() - datetime.timedelta(hours=25))
    result = services.quiz_attempt_submit(user=user, firm=firm, quiz=quiz, number=4, answers=RIGHT)
    assert result.attempt.passed is True


def test_no_attempt_after_passing():
    course = make_course()
    user, firm = learner()
    quiz = _quizzes(course)[0]
    services.quiz_attempt_submit(user=user, firm=firm, quiz=quiz, number=1, answers=RIGHT)

    with pytest.raises(services.AttemptRefused) as refused:
        services.quiz_attempt_submit(user=user, firm=firm, quiz=quiz, number=2, answers=WRONG)

    assert refused.value.reason == "passed"
    assert QuizAttempt.objects.count() == 1


# --- Completion and certificates ------------------------------------------------------------


def test_completing_every_lesson_and_quiz_issues_one_certificate():
    course = make_course(modules=2, lessons=2)
    user, firm = learner(full_name="Lucía Villacís Naranjo")
    _view_all(user, firm, course)
    first_quiz, second_quiz = _quizzes(course)
    services.quiz_attempt_submit(user=user, firm=firm, quiz=first_quiz, number=1, answers=RIGHT)
    assert Certificate.objects.count() == 0

    result = services.quiz_attempt_submit(
        user=user, firm=firm, quiz=second_quiz, number=1, answers=RIGHT
    )

    certificate = result.certificate
    assert result.progress.percent == 100
    assert result.progress.completed_at is not None
    assert Certificate.objects.count() == 1
    assert certificate.person_name == "Lucía Villacís Naranjo"
    assert certificate.firm_name == firm.trade_name
    assert certificate.course_title == course.published.title
    assert certificate.hours == Decimal("2.5")
    assert len(certificate.code) == 16
    assert certificate.is_valid

    # Reading a lesson again does not issue a second certificate.
    lesson = _lessons(course)[0]
    lesson.version = course.published
    services.lesson_view_record(user=user, firm=firm, lesson=lesson)
    assert Certificate.objects.count() == 1


def test_revoking_a_certificate_keeps_who_and_why_and_happens_once():
    course = make_course(modules=1, lessons=1)
    user, firm = learner()
    staff, _staff_firm = learner()
    _view_all(user, firm, course)
    certificate = services.quiz_attempt_submit(
        user=user, firm=firm, quiz=_quizzes(course)[0], number=1, answers=RIGHT
    ).certificate

    services.certificate_revoke(certificate=certificate, user=staff, reason="  Copió el examen ")

    certificate.refresh_from_db()
    assert not certificate.is_valid
    assert certificate.revoked_by == staff
    assert certificate.revoked_reason == "Copió el examen"
    first_revocation = certificate.revoked_at
    with pytest.raises(ValueError):
        services.certificate_revoke(certificate=certificate, user=staff, reason="otra vez")
    certificate.refresh_from_db()
    assert certificate.revoked_at == first_revocation
    assert certificate.revoked_reason == "Copió el examen"


# --- Versions: progress survives an edit ---------------------------------------------------


def test_a_new_draft_copies_the_content_with_the_same_keys():
    course = make_course(modules=2, lessons=2)

    draft = services.version_start_draft(course=course)

    assert draft.status == CourseVersion.Status.DRAFT
    assert draft.number == 2
    published_keys = set(
        Lesson.objects.filter(version=course.published).values_list("key", flat=True)
    )
    assert set(draft.lessons.values_list("key", flat=True)) == published_keys
    assert set(Quiz.objects.filter(module__version=draft).values_list("key", flat=True)) == {
        q.key for q in _quizzes(course)
    }
    assert Choice.objects.filter(question__quiz__module__version=draft).count() == 4
    assert services.version_start_draft(course=course) == draft  # one draft at a time


def test_progress_survives_publishing_an_edited_version():
    course = make_course(modules=1, lessons=2)  # 2 lessons + 1 quiz
    user, firm = learner()
    first = _lessons(course)[0]
    first.version = course.published
    services.lesson_view_record(user=user, firm=firm, lesson=first)

    draft = services.version_start_draft(course=course)
    edited = draft.lessons.get(key=first.key)
    edited.body = "## Corregida\n\nTexto nuevo.\n"
    edited.save()
    Lesson.objects.create(
        version=draft, module=edited.module, position=3, slug="nueva", title="Nueva",
        body="Nueva lección.", minutes=3,
    )  # fmt: skip
    services.version_publish(version=draft)
    course.refresh_from_db()

    assert course.published == draft
    assert course.versions.get(number=1).status == CourseVersion.Status.ARCHIVED
    second = draft.lessons.get(slug="m1-leccion-2")
    second.version = draft
    progress = services.lesson_view_record(user=user, firm=firm, lesson=second)
    assert progress.percent == 50  # 2 of 4 steps: the first lesson still counts


def test_publishing_refuses_a_broken_version_and_changes_nothing():
    course = make_course(modules=1, lessons=1)
    draft = services.version_start_draft(course=course)
    Choice.objects.filter(question__quiz__module__version=draft, code="b").update(is_correct=True)
    Question.objects.filter(quiz__module__version=draft, code="q2").update(answer=None)

    with pytest.raises(services.PublishError) as error:
        services.version_publish(version=draft)

    assert error.value.problems == [
        "Módulo «Módulo 1», pregunta q1: debe tener exactamente una opción correcta.",
        "Módulo «Módulo 1», pregunta q2: falta la respuesta numérica.",
    ]
    draft.refresh_from_db()
    course.refresh_from_db()
    assert draft.status == CourseVersion.Status.DRAFT
    assert course.published.number == 1


def test_a_published_version_cannot_be_published_again():
    course = make_course()

    with pytest.raises(services.PublishError):
        services.version_publish(version=course.published)

    assert (
        CourseVersion.objects.filter(status=CourseVersion.Status.PUBLISHED)
        .filter(course=course)
        .count()
        == 1
    )
