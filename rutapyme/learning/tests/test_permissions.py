"""Who may learn, see certificates, revoke them and preview drafts: a matrix of roles.

The world is the firms app's (firms A and B in Ecuador, C in Chile; chambers X and Y; staff
of the ministries of Ecuador and Chile). Member A has completed a one-module course for
firm A and holds its certificate. Rules: rutapyme/learning/permissions.py.
"""

import pytest
from django.urls import reverse

from rutapyme.firms.tests.test_permissions import client_for, login_redirect, world  # noqa: F401
from rutapyme.learning import services
from rutapyme.learning.models import Certificate, CourseProgress, Lesson, LessonView, QuizAttempt

from .factories import RIGHT, make_course

pytestmark = pytest.mark.django_db

LOGIN = "302 → sign in"
REVOKED = "302 → revoked"
ROLES = [
    "anonymous", "member_a", "member_b", "partner_x", "partner_y", "programme_ec",
    "programme_cl", "consultant", "editor", "admin",
]  # fmt: skip


@pytest.fixture
def certified(world):  # noqa: F811
    course = make_course("curso-matriz", modules=1, lessons=1)
    user = world.users["member_a"]
    lesson = Lesson.objects.get(version=course.published)
    lesson.version = course.published
    services.lesson_view_record(user=user, firm=world.a, lesson=lesson)
    quiz = course.published.modules.get().quiz
    services.quiz_attempt_submit(
        user=user, firm=world.a, quiz=quiz, number=1, answers={"q1": "a", "q2": 3.5}
    )
    return course, Certificate.objects.get(user=user)


def _outcome(response, path):
    if response.status_code == 302 and response["Location"] == login_redirect(path):
        return LOGIN
    return response.status_code


# fmt: off
CERTIFICATE_PDF = {
    "anonymous": LOGIN, "member_a": 200, "member_b": 404, "partner_x": 200, "partner_y": 404,
    "programme_ec": 200, "programme_cl": 404, "consultant": 404, "editor": 404, "admin": 200,
}
REVOKE = {
    "anonymous": 404, "member_a": 404, "member_b": 404, "partner_x": 404, "partner_y": 404,
    "programme_ec": REVOKED, "programme_cl": 404, "consultant": 404, "editor": 404,
    "admin": REVOKED,
}
PREVIEW = {
    "anonymous": LOGIN, "member_a": 404, "member_b": 404, "partner_x": 404, "partner_y": 404,
    "programme_ec": 404, "programme_cl": 404, "consultant": 404, "editor": 200, "admin": 200,
}
# fmt: on


@pytest.mark.parametrize("role", ROLES)
def test_certificate_pdf(client, world, certified, role):  # noqa: F811
    _course, certificate = certified
    path = reverse("learning:certificate_pdf", args=[certificate.code])

    response = client_for(client, world, role).get(path)

    assert _outcome(response, path) == CERTIFICATE_PDF[role]
    if response.status_code == 200:
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-")


@pytest.mark.parametrize("role", ROLES)
def test_revoking(client, world, certified, role):  # noqa: F811
    _course, certificate = certified
    path = reverse("verify:revoke", args=[certificate.code])

    response = client_for(client, world, role).post(path, {"reason": "Datos falsos"})

    certificate.refresh_from_db()
    if REVOKE[role] == REVOKED:
        assert response.status_code == 302
        assert response["Location"] == reverse("verify:code", args=[certificate.code])
        assert certificate.revoked_reason == "Datos falsos"
        assert certificate.revoked_by == world.users[role]
    else:
        assert response.status_code == REVOKE[role]
        assert certificate.revoked_at is None
        assert certificate.revoked_reason == ""


@pytest.mark.parametrize("role", ROLES)
def test_the_verification_page_is_public_and_offers_revocation_to_those_who_may(
    client,
    world,  # noqa: F811
    certified,
    role,
):
    _course, certificate = certified

    response = client_for(client, world, role).get(reverse("verify:code", args=[certificate.code]))

    assert response.status_code == 200
    assert "Certificado válido" in response.content.decode()
    offered = "Revocar este certificado" in response.content.decode()
    assert offered == (REVOKE[role] == REVOKED)


@pytest.mark.parametrize("role", ROLES)
def test_preview_of_a_draft(client, world, certified, role):  # noqa: F811
    course, _certificate = certified
    draft = services.version_start_draft(course=course)
    paths = [
        reverse("learning:preview", args=[draft.pk]),
        reverse("learning:preview_lesson", args=[draft.pk, "m1-leccion-1"]),
        reverse("learning:preview_quiz", args=[draft.pk, "modulo-1"]),
    ]

    outcomes = {_outcome(client_for(client, world, role).get(p), p) for p in paths}

    assert outcomes == {PREVIEW[role]}


@pytest.mark.parametrize("role", ROLES)
def test_only_a_firm_member_s_reading_and_answers_are_recorded(
    client,
    world,  # noqa: F811
    certified,
    role,
):
    course, _certificate = certified
    before = (
        CourseProgress.objects.count(),
        LessonView.objects.count(),
        QuizAttempt.objects.count(),
    )
    c = client_for(client, world, role)
    lesson_path = reverse("learning:lesson", args=[course.slug, "m1-leccion-1"])
    quiz_path = reverse("learning:quiz", args=[course.slug, "modulo-1"])

    lesson = c.get(lesson_path)
    quiz = c.post(quiz_path, {"attempt": "1", **RIGHT})

    after = (
        CourseProgress.objects.count(),
        LessonView.objects.count(),
        QuizAttempt.objects.count(),
    )
    if role == "anonymous":
        assert _outcome(lesson, lesson_path) == LOGIN
        assert _outcome(quiz, quiz_path) == LOGIN
    elif role == "member_a":
        # Already passed: the view is not new; attempt 1 again shows the stored result.
        assert (lesson.status_code, quiz.status_code) == (200, 302)
        assert quiz["Location"] == reverse("learning:attempt", args=[course.slug, "modulo-1", 1])
    elif role == "member_b":
        # Firm B's own progress starts: one course progress, one view, one attempt.
        assert (lesson.status_code, quiz.status_code) == (200, 302)
        assert after == (before[0] + 1, before[1] + 1, before[2] + 1)
        return
    else:
        # Staff, consultants, editors and admins read courses without being learners.
        assert (lesson.status_code, quiz.status_code) == (200, 200)
    assert after == before


def test_another_person_s_attempt_is_not_found(client, world, certified):  # noqa: F811
    course, _certificate = certified
    path = reverse("learning:attempt", args=[course.slug, "modulo-1", 1])

    assert client_for(client, world, "member_a").get(path).status_code == 200
    for role in ["member_b", "programme_ec", "admin"]:
        assert client_for(client, world, role).get(path).status_code == 404
