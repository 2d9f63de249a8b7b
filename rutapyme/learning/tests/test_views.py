import gzip
import re

import pytest
from django.test import Client
from django.urls import reverse

from rutapyme.accounts.tests.factories import PASSWORD
from rutapyme.core.testing import queries_for
from rutapyme.diagnosis.models import Diagnosis
from rutapyme.diagnosis.tests.factories import submitted_diagnosis
from rutapyme.firms.tests.factories import FirmFactory
from rutapyme.learning import selectors, services
from rutapyme.learning.models import (
    Certificate,
    Course,
    CourseProgress,
    Lesson,
    LessonView,
    QuizAttempt,
)
from rutapyme.learning.views import PENDING_QUIZ_KEY

from .factories import RIGHT, WRONG, learner, make_course

pytestmark = pytest.mark.django_db

LOGISTICS = "Indicó que «Costo de los operadores de logística» es muy limitante (pregunta 19)."
PAYMENTS = "Su área «Medios de pago» está débil (puntaje 20)."


def _with_result(firm, topics, mastered=()):
    """A submitted diagnosis of `firm` whose result lists exactly these topics."""
    diagnosis = submitted_diagnosis(firm)
    result = dict(diagnosis.result)
    result["topics"] = [
        {
            "code": code,
            "label": code,
            "score": 10 - i,
            "reasons": [{"text": text, "contribution": 3}],
        }
        for i, (code, text) in enumerate(topics)
    ]
    result["mastered"] = [{"code": code, "label": code} for code in mastered]
    Diagnosis.objects.filter(pk=diagnosis.pk).update(result=result)
    return diagnosis


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


# --- The route ------------------------------------------------------------------------------


def test_the_route_puts_the_priority_topics_first_and_says_why(client):
    user, firm = learner()
    _with_result(firm, [("logistica_envios", LOGISTICS), ("medios_de_pago", PAYMENTS)])
    client.force_login(user)

    response = client.get(reverse("learning:route"))

    route = response.context["route"]
    assert [s.module.slug for s in route.priority_steps] == [
        "embalaje-y-peso",
        "couriers-y-tiempos",
        "conozca-los-medios-de-pago",
        "comisiones",
    ]
    assert [s.module.slug for s in route.later_steps] == [
        "exportar-por-plataformas",  # logistics: its third module
        "fraude-y-contracargos",  # payments: two topics, after the focused ones
    ]
    text = _text(response)
    assert "Porque indicó que «Costo de los operadores de logística» es muy limitante" in text
    assert "Porque su área «Medios de pago» está débil (puntaje 20)." in text
    assert "0 de 4 módulos terminados" in text


def test_the_route_skips_modules_whose_topics_the_firm_masters(client):
    user, firm = learner()
    _with_result(
        firm,
        [("atencion_cliente", PAYMENTS)],
        mastered=["devoluciones_posventa", "medios_de_pago"],
    )

    route = selectors.firm_route(firm=firm, state=selectors.PersonState())

    # devoluciones-y-posventa (devoluciones + atención) and fraude (pagos + atención) keep a
    # topic not mastered; none of the modules is all-mastered, so only the order changes.
    slugs = [s.module.slug for s in route.steps]
    assert slugs == [
        "whatsapp-y-atencion",
        "fraude-y-contracargos",
        "devoluciones-y-posventa",
        "resenas-fidelizacion-metricas",
    ]
    _with_result(firm, [("medios_de_pago", PAYMENTS)], mastered=["medios_de_pago"])
    route = selectors.firm_route(firm=firm, state=selectors.PersonState())
    assert [s.module.slug for s in route.steps] == ["comisiones", "fraude-y-contracargos"]
    assert "conozca-los-medios-de-pago" not in [s.module.slug for s in route.steps]


def test_the_route_follows_the_latest_diagnosis(client):
    user, firm = learner()
    _with_result(firm, [("logistica_envios", LOGISTICS)])
    client.force_login(user)
    first = client.get(reverse("learning:route")).context["route"]

    _with_result(firm, [("fotografia_producto", PAYMENTS)])
    second = client.get(reverse("learning:route")).context["route"]

    assert [s.topic_code for s in first.priority_steps] == ["logistica_envios"] * 2
    assert [s.module.slug for s in second.priority_steps] == ["fotos-con-el-celular"]


def test_before_a_diagnosis_the_route_page_invites_to_take_it(client):
    user, _firm = learner()
    client.force_login(user)

    response = client.get(reverse("learning:route"))

    assert response.context["route"] is None
    assert "Primero, su autodiagnóstico" in _text(response)
    assert len(response.context["rows"]) == 7


def test_a_done_module_is_ticked_on_the_route_and_the_route_bar_moves(client):
    user, firm = learner()
    _with_result(firm, [("fotografia_producto", PAYMENTS)])
    course = Course.objects.get(slug="publicaciones-que-venden")
    module = course.published.modules.get(slug="fotos-con-el-celular")
    client.force_login(user)
    for lesson in module.lessons.all():
        client.get(reverse("learning:lesson", args=[course.slug, lesson.slug]))
    answers = {"attempt": "1"}
    for question in module.quiz.questions.prefetch_related("choices"):
        right = [c.code for c in question.choices.all() if c.is_correct]
        if question.kind == "numeric":
            answers[question.field_name] = str(question.answer).replace(".", ",")
        else:
            answers[question.field_name] = right if question.kind == "multiple" else right[0]
    client.post(reverse("learning:quiz", args=[course.slug, module.slug]), answers)

    route = client.get(reverse("learning:route")).context["route"]

    assert [(s.module.slug, s.done) for s in route.priority_steps] == [
        ("fotos-con-el-celular", True)
    ]
    assert route.percent == 100


def test_continue_where_you_left_off_from_another_device():
    user, firm = learner()
    course = make_course(modules=1, lessons=3)
    phone, laptop = Client(), Client()
    phone.force_login(user)
    laptop.force_login(user)
    phone.get(reverse("learning:lesson", args=[course.slug, "m1-leccion-1"]))
    phone.get(reverse("learning:lesson", args=[course.slug, "m1-leccion-2"]))

    response = laptop.get(reverse("learning:route"))

    assert response.context["continue_at"].lesson.slug == "m1-leccion-2"
    assert (
        reverse("learning:lesson", args=[course.slug, "m1-leccion-2"]) in response.content.decode()
    )


def test_the_firm_progress_is_the_best_of_its_members(client):
    course = make_course(modules=1, lessons=3)  # 4 steps
    owner, firm = learner()
    partner, _ = learner(firm=firm)
    for user, lessons in [(owner, 1), (partner, 3)]:
        c = Client()
        c.force_login(user)
        for n in range(1, lessons + 1):
            c.get(reverse("learning:lesson", args=[course.slug, f"m1-leccion-{n}"]))

    assert selectors.firm_course_progress(firm=firm) == {
        course.pk: {"best": 75, "completed": False}
    }
    client.force_login(owner)
    row = next(
        r for r in client.get(reverse("learning:route")).context["rows"] if r["course"] == course
    )
    assert (row["mine"].percent, row["firm"]["best"]) == (25, 75)


# --- Lessons --------------------------------------------------------------------------------


def test_a_lesson_page_works_without_javascript_and_weighs_under_100_kb(client):
    user, _firm = learner()
    client.force_login(user)
    lesson = Lesson.objects.filter(version__course__slug="precios-y-exportacion").order_by("-body")[
        0
    ]
    path = reverse("learning:lesson", args=["precios-y-exportacion", lesson.slug])

    response = client.get(path, HTTP_ACCEPT_ENCODING="gzip")

    html = (
        gzip.decompress(response.content)
        if response.get("Content-Encoding") == "gzip"
        else response.content
    )
    assert response.status_code == 200
    assert b"<script" not in html
    assert html.count(b'<link rel="stylesheet"') == 1
    css = client.get("/static/core/site.css", HTTP_ACCEPT_ENCODING="gzip")
    css_bytes = b"".join(css.streaming_content) if css.streaming else css.content
    assert len(response.content) + len(css_bytes) < 100_000
    assert response.get("Content-Encoding") == "gzip"


def test_lesson_markdown_is_rendered_safely(client):
    user, _firm = learner()
    course = make_course(modules=1, lessons=1)
    Lesson.objects.filter(version=course.published).update(
        body="## Título\n\n<script>alert(1)</script>\n\n[malo](javascript:alert(1))\n\n- [ ] paso\n"
    )
    client.force_login(user)

    html = client.get(
        reverse("learning:lesson", args=[course.slug, "m1-leccion-1"])
    ).content.decode()

    assert "<h2>Título</h2>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript' not in html
    assert "<li>☐ paso</li>" in html


def test_a_lesson_of_a_course_that_is_only_a_draft_is_not_found(client):
    user, _firm = learner()
    course = make_course("solo-borrador", publish=False)
    client.force_login(user)

    assert client.get(reverse("learning:course", args=[course.slug])).status_code == 404
    assert (
        client.get(reverse("learning:lesson", args=[course.slug, "m1-leccion-1"])).status_code
        == 404
    )
    assert LessonView.objects.count() == 0


def test_the_last_lesson_of_a_module_leads_to_its_quiz(client):
    user, _firm = learner()
    course = make_course(modules=2, lessons=2)
    client.force_login(user)

    response = client.get(reverse("learning:lesson", args=[course.slug, "m1-leccion-2"]))

    assert response.context["next_url"] == reverse("learning:quiz", args=[course.slug, "modulo-1"])
    assert response.context["previous_url"] == reverse(
        "learning:lesson", args=[course.slug, "m1-leccion-1"]
    )
    assert "Ir al cuestionario" in response.content.decode()


# --- Quizzes: bad input, two tabs, an expired session ---------------------------------------


def _quiz_path(course):
    return reverse("learning:quiz", args=[course.slug, "modulo-1"])


def test_a_comma_decimal_is_accepted(client):
    user, _firm = learner()
    course = make_course(modules=1, lessons=1)
    client.force_login(user)

    response = client.post(_quiz_path(course), {"attempt": "1", "q_q1": "a", "q_q2": "3,5"})

    attempt = QuizAttempt.objects.get()
    assert response.status_code == 302
    assert (attempt.correct, attempt.score, attempt.passed) == (2, 100, True)
    assert attempt.answers == {"q1": "a", "q2": "3.5"}


@pytest.mark.parametrize(
    ("answers", "field", "message"),
    [
        ({"q_q1": "z", "q_q2": "3,5"}, "q_q1", "Elija una de las opciones de la pregunta."),
        (
            {"q_q1": "a", "q_q2": "tres y medio"},
            "q_q2",
            "Escriba solo un número, por ejemplo 3,5 o 1200.",
        ),
        ({"q_q2": "3,5"}, "q_q1", "Responda esta pregunta."),
    ],
)
def test_bad_answers_get_a_message_and_keep_what_was_answered(client, answers, field, message):
    user, _firm = learner()
    course = make_course(modules=1, lessons=1)
    client.force_login(user)

    response = client.post(_quiz_path(course), {"attempt": "1", **answers})

    form = response.context["form"]
    assert response.status_code == 200
    assert form.errors == {field: [message]}
    html = response.content.decode()
    if answers.get("q_q2") == "3,5":
        assert 'value="3,5"' in html
    if answers.get("q_q1") == "a":
        assert re.search(r'value="a"[^>]*checked', html)
    assert QuizAttempt.objects.count() == 0


def test_the_same_quiz_sent_from_two_tabs_counts_once(client):
    user, _firm = learner()
    course = make_course(modules=1, lessons=1)
    client.force_login(user)
    first = client.post(_quiz_path(course), {"attempt": "1", **WRONG})

    second = client.post(_quiz_path(course), {"attempt": "1", **RIGHT}, follow=True)

    assert first.status_code == 302
    assert QuizAttempt.objects.get().passed is False
    assert second.redirect_chain[-1][0] == reverse(
        "learning:attempt", args=[course.slug, "modulo-1", 1]
    )
    assert "quizá desde otra pestaña" in second.content.decode()


def test_an_expired_session_keeps_the_answers_until_signing_in_again(client):
    user, _firm = learner(email="lucia@example.ec")
    course = make_course(modules=1, lessons=1)
    path = _quiz_path(course)

    response = client.post(path, {"attempt": "1", "q_q1": "a", "q_q2": "3,5"})

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={path}"
    assert client.session[PENDING_QUIZ_KEY]["answers"] == {"q_q1": ["a"], "q_q2": ["3,5"]}
    assert QuizAttempt.objects.count() == 0
    signed_in = client.post(
        reverse("accounts:login"), {"username": "lucia@example.ec", "password": PASSWORD}
    )
    assert signed_in.status_code == 302
    form_page = client.get(path)
    html = form_page.content.decode()
    assert "Recuperamos las respuestas que había marcado" in html
    assert 'value="3,5"' in html
    assert re.search(r'value="a"[^>]*checked', html)
    assert PENDING_QUIZ_KEY not in client.session


def test_after_three_failed_attempts_the_quiz_says_when_to_come_back(client):
    user, _firm = learner()
    course = make_course(modules=1, lessons=1)
    client.force_login(user)
    for number in (1, 2, 3):
        client.post(_quiz_path(course), {"attempt": str(number), **WRONG})

    response = client.get(_quiz_path(course))
    refused = client.post(_quiz_path(course), {"attempt": "4", **RIGHT}, follow=True)

    assert response.context["retry_at"] is not None
    assert "Ya usó los intentos de las últimas 24 horas." in response.content.decode()
    assert QuizAttempt.objects.count() == 3
    assert "Ya usó los intentos de las últimas 24 horas." in refused.content.decode()


# --- Certificates and verification ----------------------------------------------------------


def _complete(client, course):
    client.get(reverse("learning:lesson", args=[course.slug, "m1-leccion-1"]))
    client.post(_quiz_path(course), {"attempt": "1", **RIGHT})
    return Certificate.objects.get()


def test_completing_the_course_shows_the_certificate_and_anyone_can_verify_it(client):
    user, _firm = learner()
    course = make_course(modules=1, lessons=1)
    client.force_login(user)
    certificate = _complete(client, course)

    course_page = client.get(reverse("learning:course", args=[course.slug]))
    anonymous = Client().get(reverse("verify:code", args=[certificate.code]))

    assert (
        reverse("learning:certificate_pdf", args=[certificate.code]) in course_page.content.decode()
    )
    assert anonymous.status_code == 200
    text = _text(anonymous)
    assert "Certificado válido" in text
    assert certificate.person_name in text
    assert "Revocar" not in text
    assert b"<script" not in anonymous.content


def test_a_code_typed_with_dashes_and_lower_case_finds_the_certificate(client):
    user, _firm = learner()
    course = make_course(modules=1, lessons=1)
    client.force_login(user)
    certificate = _complete(client, course)
    typed = "-".join(certificate.code[i : i + 4] for i in range(0, 16, 4)).lower()

    response = Client().get(reverse("verify:form"), {"code": typed}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("verify:code", args=[certificate.code])
    assert "Certificado válido" in _text(response)


def test_a_revoked_certificate_says_so_with_the_reason(client):
    user, _firm = learner()
    course = make_course(modules=1, lessons=1)
    client.force_login(user)
    certificate = _complete(client, course)
    services.certificate_revoke(certificate=certificate, user=None, reason="Emitido por error")

    text = _text(Client().get(reverse("verify:code", args=[certificate.code])))

    assert "Certificado revocado" in text
    assert "Motivo: Emitido por error" in text
    assert "Certificado válido" not in text


def test_revoking_without_a_reason_is_refused_with_a_message(client):
    from rutapyme.accounts.tests.factories import AdminFactory

    user, _firm = learner()
    course = make_course(modules=1, lessons=1)
    client.force_login(user)
    certificate = _complete(client, course)
    client.force_login(AdminFactory())

    response = client.post(reverse("verify:revoke", args=[certificate.code]), {"reason": " "})

    assert response.status_code == 400
    assert "Escriba el motivo: quien verifique el código lo verá." in response.content.decode()
    certificate.refresh_from_db()
    assert certificate.revoked_at is None


def test_unknown_codes_are_not_found_and_too_many_tries_must_wait(client, settings):
    for n in range(60):
        response = client.get(reverse("verify:code", args=[f"ABCD0123EFGH{n:04d}"]))
        assert response.status_code == 404
    assert "No existe ningún certificado con el código" in _text(response)

    blocked = client.get(reverse("verify:code", args=["ABCD0123EFGH9999"]))

    assert blocked.status_code == 429
    assert "Se probaron demasiados códigos desde esta conexión" in _text(blocked)


def test_a_malformed_code_gets_a_message_next_to_the_field(client):
    response = client.get(reverse("verify:form"), {"code": "hola"})

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "code": ["Ese no es un código de Ruta Pyme: los códigos tienen 16 letras y números."]
    }
    assert 'value="hola"' in response.content.decode()


# --- Query counts: fixed, whatever the number of lessons, firms and attempts ----------------


def _grow(user, firm, course, client):
    """More of everything: other firms learning, attempts, viewed lessons."""
    for _ in range(3):
        other, other_firm = learner()
        c = Client()
        c.force_login(other)
        c.get(reverse("learning:lesson", args=[course.slug, "m1-leccion-1"]))
        c.post(_quiz_path(course), {"attempt": "1", **WRONG})
    client.post(_quiz_path(course), {"attempt": "1", **WRONG})
    client.post(_quiz_path(course), {"attempt": "2", **WRONG})
    FirmFactory.create_batch(3)


@pytest.mark.parametrize("size", [(1, 1), (3, 4)])
def test_route_course_and_lesson_pages_make_a_fixed_number_of_queries(client, size, settings):
    settings.DEBUG = True
    modules, lessons = size
    user, firm = learner()
    _with_result(firm, [("medios_de_pago", PAYMENTS), ("logistica_envios", LOGISTICS)])
    course = make_course(modules=modules, lessons=lessons)
    client.force_login(user)
    client.get(reverse("learning:lesson", args=[course.slug, "m1-leccion-1"]))
    if modules > 1:
        _grow(user, firm, course, client)

    counts = {
        "route": queries_for(client, reverse("learning:route"))[0],
        "course": queries_for(client, reverse("learning:course", args=[course.slug]))[0],
        "lesson": queries_for(
            client, reverse("learning:lesson", args=[course.slug, "m1-leccion-1"])
        )[0],
        "quiz": queries_for(client, _quiz_path(course))[0],
        "certificates": queries_for(client, reverse("learning:certificates"))[0],
    }

    assert counts == EXPECTED_QUERIES


EXPECTED_QUERIES = {"route": 12, "course": 8, "lesson": 19, "quiz": 9, "certificates": 2}


def test_the_lesson_view_is_recorded_once_per_person_and_firm(client):
    user, firm = learner()
    course = make_course(modules=1, lessons=2)
    client.force_login(user)
    for _ in range(3):
        client.get(reverse("learning:lesson", args=[course.slug, "m1-leccion-1"]))

    progress = CourseProgress.objects.get(user=user, firm=firm)
    assert LessonView.objects.filter(progress=progress).count() == 1
    assert progress.percent == 33


def test_a_first_heading_that_repeats_the_lesson_title_is_not_shown_twice(client):
    user, _firm = learner()
    course = make_course(modules=1, lessons=1)
    Lesson.objects.filter(version=course.published).update(
        title="Cobrar en línea", body="## Cobrar en línea\n\nTexto.\n\n## Otro título\n"
    )
    client.force_login(user)

    html = client.get(
        reverse("learning:lesson", args=[course.slug, "m1-leccion-1"])
    ).content.decode()

    assert html.count("Cobrar en línea</h") == 1  # the page's own <h1>
    assert "<h2>Otro título</h2>" in html


def test_a_revoked_certificate_cannot_be_downloaded_and_the_qr_points_to_the_site(client, settings):
    settings.SITE_URL = "https://rutapyme.produccion.gob.ec"
    user, _firm = learner()
    course = make_course(modules=1, lessons=1)
    client.force_login(user)
    certificate = _complete(client, course)
    pdf = client.get(reverse("learning:certificate_pdf", args=[certificate.code]))
    services.certificate_revoke(certificate=certificate, user=None, reason="Error")

    refused = client.get(reverse("learning:certificate_pdf", args=[certificate.code]))

    assert pdf.status_code == 200
    assert (
        pdf["Content-Disposition"] == f'attachment; filename="certificado-{certificate.code}.pdf"'
    )
    assert refused.status_code == 302
    assert refused["Location"] == reverse("verify:code", args=[certificate.code])
    course_page = client.get(reverse("learning:course", args=[course.slug])).content.decode()
    assert "Certificado revocado" in course_page
    assert reverse("learning:certificate_pdf", args=[certificate.code]) not in course_page


def test_a_newly_published_version_reaches_the_route_at_once(
    client, django_capture_on_commit_callbacks
):
    user, firm = learner()
    _with_result(firm, [("fotografia_producto", PAYMENTS)])
    client.force_login(user)
    before = client.get(reverse("learning:route")).context["route"]  # the catalogue is cached
    course = Course.objects.get(slug="publicaciones-que-venden")
    draft = services.version_start_draft(course=course)
    draft.modules.filter(slug="fotos-con-el-celular").update(title="Fotos que venden")

    with django_capture_on_commit_callbacks(execute=True):
        services.version_publish(version=draft)
    after = client.get(reverse("learning:route")).context["route"]

    assert [s.module.title for s in before.priority_steps] == ["Fotos de producto con el celular"]
    assert [s.module.title for s in after.priority_steps] == ["Fotos que venden"]
    assert after.priority_steps[0].module.version == draft
