"""The content editors' admin: who enters, drafts, publishing, lessons and their guides."""

import io
from decimal import Decimal

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from rutapyme.accounts.tests.factories import (
    AdminFactory,
    EditorFactory,
    ProgrammeStaffFactory,
    UserFactory,
)
from rutapyme.firms.tests.factories import FirmFactory
from rutapyme.learning import services
from rutapyme.learning.codes import code_display, code_new
from rutapyme.learning.models import (
    Certificate,
    Choice,
    Course,
    CourseVersion,
    Guide,
    Lesson,
    Module,
    Question,
    Quiz,
)

pytestmark = pytest.mark.django_db

ADMIN = reverse("admin:index")
COURSES = reverse("admin:learning_course_changelist")
VERSIONS = reverse("admin:learning_courseversion_changelist")
CERTIFICATES = reverse("admin:learning_certificate_changelist")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def editor():
    return EditorFactory(is_staff=True)


def payments() -> Course:
    return Course.objects.get(slug="medios-de-pago")


def change_url(obj) -> str:
    return reverse(f"admin:learning_{obj._meta.model_name}_change", args=[obj.pk])


def start_draft_url(course: Course) -> str:
    return reverse("admin:learning_course_start_draft", args=[course.pk])


def content_keys(version: CourseVersion) -> tuple[set, set, set]:
    return (
        set(Module.objects.filter(version=version).values_list("key", "slug")),
        set(Lesson.objects.filter(version=version).values_list("key", "slug", "body")),
        set(Quiz.objects.filter(module__version=version).values_list("key", "module__slug")),
    )


def form_data(response) -> dict:
    """What the browser sends back for the admin change page in `response`, untouched."""
    data = {}
    every_form = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        every_form += [inline.formset.management_form, *inline.formset.forms]
    for form in every_form:
        for name, field in form.fields.items():
            value = form[name].value()
            if isinstance(field, forms.FileField):
                continue
            if isinstance(field, forms.MultipleChoiceField):
                data[form.add_prefix(name)] = value or []  # no box ticked: nothing is sent
                continue
            if isinstance(field, forms.BooleanField):
                if value:
                    data[form.add_prefix(name)] = "on"
                continue
            data[form.add_prefix(name)] = "" if value is None else value
    return data


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return buffer.getvalue()


# --- Who enters ----------------------------------------------------------------------------


def learning_models(response) -> list[str]:
    apps = {app["app_label"]: app for app in response.context["app_list"]}
    if "learning" not in apps:
        return []
    return sorted(model["object_name"] for model in apps["learning"]["models"])


def test_an_editor_sees_the_content_models_and_opens_the_course_list(client):
    client.force_login(editor())
    response = client.get(ADMIN)
    assert response.status_code == 200
    assert learning_models(response) == [
        "Course",
        "CourseVersion",
        "Lesson",
        "Module",
        "Question",
        "Quiz",
    ]
    response = client.get(COURSES)
    assert response.status_code == 200
    assert response.context["cl"].result_count == 7
    page = response.content.decode()
    assert "medios-de-pago" in page
    assert "Crear borrador para editar" in page
    assert client.get(VERSIONS).status_code == 200
    assert client.get(CERTIFICATES).status_code == 403


def test_a_platform_admin_also_sees_progress_and_certificates_read_only(client):
    client.force_login(AdminFactory())
    response = client.get(ADMIN)
    assert learning_models(response) == [
        "Certificate",
        "Course",
        "CourseProgress",
        "CourseVersion",
        "Lesson",
        "Module",
        "Question",
        "Quiz",
        "QuizAttempt",
    ]
    assert client.get(CERTIFICATES).status_code == 200
    assert client.get(reverse("admin:learning_certificate_add")).status_code == 403


def test_programme_staff_and_firm_members_cannot_edit_courses(client):
    course = payments()
    published = course.published
    client.force_login(ProgrammeStaffFactory(is_staff=True))
    assert learning_models(client.get(ADMIN)) == []
    assert client.get(COURSES).status_code == 403
    assert client.get(change_url(published)).status_code == 403
    assert client.post(start_draft_url(course)).status_code == 403
    assert client.post(change_url(published), {"title": "Otro"}).status_code == 403

    client.force_login(UserFactory())  # a firm member: not staff
    response = client.get(COURSES)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert client.post(start_draft_url(course)).status_code == 302

    assert list(course.versions.values_list("number", "status")) == [(1, "published")]
    published.refresh_from_db()
    assert published.title == "Medios de pago"


# --- Drafts --------------------------------------------------------------------------------


def test_creating_a_draft_copies_the_published_version_with_its_keys(client):
    course = payments()
    published = course.published
    client.force_login(editor())
    assert client.get(start_draft_url(course)).status_code == 405

    response = client.post(start_draft_url(course))

    draft = course.versions.get(status=CourseVersion.Status.DRAFT)
    assert response.status_code == 302
    assert response["Location"] == change_url(draft)
    assert draft.number == 2
    assert content_keys(draft) == content_keys(published)
    assert (Module.objects.filter(version=draft).count(), draft.lessons.count()) == (3, 7)
    assert Question.objects.filter(quiz__module__version=draft).count() == 15
    course.refresh_from_db()
    assert course.published == published
    page = client.get(response["Location"]).content.decode()
    assert "Guardar y publicar" in page
    assert "Lista para publicar." in page


def test_a_second_click_goes_back_to_the_same_draft(client):
    course = payments()
    client.force_login(editor())
    first = client.post(start_draft_url(course))
    second = client.post(start_draft_url(course), follow=True)
    assert second.redirect_chain == [(first["Location"], 302)]
    assert course.versions.count() == 2
    assert messages_of(second)[-1] == (
        "«medios-de-pago» ya tenía un borrador (versión 2): siga con él."
    )


def test_the_course_list_action_creates_the_draft_too(client):
    course = payments()
    client.force_login(editor())
    response = client.post(COURSES, {"action": "start_drafts", "_selected_action": [course.pk]})
    draft = course.versions.get(status=CourseVersion.Status.DRAFT)
    assert response["Location"] == change_url(draft)


def test_a_new_course_comes_with_an_empty_draft(client):
    client.force_login(editor())
    response = client.post(
        reverse("admin:learning_course_add"), {"slug": "ventas-por-whatsapp", "position": 8}
    )
    course = Course.objects.get(slug="ventas-por-whatsapp")
    draft = course.versions.get()
    assert response["Location"] == change_url(draft)
    assert (draft.number, draft.status, course.published) == (1, "draft", None)


def test_the_course_list_runs_the_same_queries_whatever_the_number_of_courses(client):
    client.force_login(editor())
    with CaptureQueriesContext(connection) as before:
        client.get(COURSES)
    services.version_start_draft(course=payments())
    services.version_start_draft(course=Course.objects.create(slug="nuevo", position=9))
    with CaptureQueriesContext(connection) as after:
        response = client.get(COURSES)
    assert response.context["cl"].result_count == 8
    assert len(after) == len(before)


# --- Editing -------------------------------------------------------------------------------


def test_an_editor_changes_a_draft_lesson_text(client):
    draft = services.version_start_draft(course=payments())
    lesson = draft.lessons.order_by("module__position", "position").first()
    published_body = Lesson.objects.get(version=draft.course.published, key=lesson.key).body
    client.force_login(editor())
    response = client.get(change_url(lesson))
    assert response.status_code == 200
    assert "El HTML no se interpreta" in response.content.decode()
    data = form_data(response)
    data["body"] = "## Cobros con tarjeta\r\n\r\nPida el comprobante."

    response = client.post(change_url(lesson), data)

    assert response.status_code == 302
    assert response["Location"] == change_url(lesson.module)  # back to the module's page
    lesson.refresh_from_db()
    assert lesson.body == "## Cobros con tarjeta\r\n\r\nPida el comprobante."
    assert Lesson.objects.get(version=draft.course.published, key=lesson.key).body == (
        published_body
    )


def test_module_topics_are_ticked_from_the_vocabulary_and_stored_as_codes(client):
    draft = services.version_start_draft(course=payments())
    module = draft.modules.order_by("position").first()
    client.force_login(editor())
    response = client.get(change_url(draft))
    data = form_data(response)
    assert data["modules-0-topics"] == module.topics
    data["modules-0-topics"] = ["medios_de_pago", "marketplaces"]

    response = client.post(change_url(draft), data)

    assert response.status_code == 302
    module.refresh_from_db()
    assert module.topics == ["marketplaces", "medios_de_pago"]  # the vocabulary's order


def test_a_lesson_slug_already_used_in_the_version_is_refused_next_to_the_field(client):
    draft = services.version_start_draft(course=payments())
    first, second = draft.modules.order_by("position")[:2]
    taken = second.lessons.first().slug
    client.force_login(editor())
    data = form_data(client.get(change_url(first)))
    data["lessons-0-slug"] = taken

    response = client.post(change_url(first), data)

    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][0].formset.errors
    assert errors[0] == {"slug": [f"Ya hay una lección «{taken}» en esta versión del curso."]}
    assert draft.lessons.filter(slug=taken).count() == 1


def test_sources_that_are_not_a_list_of_sources_are_refused(client):
    draft = services.version_start_draft(course=payments())
    client.force_login(editor())
    data = form_data(client.get(change_url(draft)))
    data["sources"] = '{"title": "CEPAL"}'

    response = client.post(change_url(draft), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "sources": ['Las fuentes van entre corchetes, una por objeto: [{"title": "…"}, …].']
    }
    draft.refresh_from_db()
    assert draft.sources == draft.course.published.sources


def test_a_published_version_is_shown_read_only_and_refuses_changes(client):
    course = payments()
    published = course.published
    lesson = published.lessons.first()
    client.force_login(editor())
    response = client.get(change_url(published))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Versión publicada: es la que ven las empresas." in page
    assert 'name="_save"' not in page
    assert start_draft_url(course) in page

    assert client.post(change_url(published), {"title": "Otro título"}).status_code == 403
    assert client.post(change_url(lesson), {"body": "Otro texto"}).status_code == 403
    assert (
        client.get(reverse("admin:learning_courseversion_delete", args=[published.pk])).status_code
        == 403
    )

    published.refresh_from_db()
    lesson.refresh_from_db()
    assert published.title == "Medios de pago"
    assert lesson.body != "Otro texto"


# --- Publishing ----------------------------------------------------------------------------


def test_publishing_a_draft_makes_it_the_one_firms_see(client):
    course = payments()
    old = course.published
    draft = services.version_start_draft(course=course)
    client.force_login(editor())
    data = form_data(client.get(change_url(draft)))
    data["title"] = "Medios de pago (2027)"
    data["_publish"] = "1"

    response = client.post(change_url(draft), data, follow=True)

    assert response.redirect_chain == [(change_url(draft), 302)]
    course.refresh_from_db()
    draft.refresh_from_db()
    old.refresh_from_db()
    assert course.published == draft
    assert (draft.status, draft.title, old.status) == (
        "published",
        "Medios de pago (2027)",
        "archived",
    )
    assert messages_of(response) == [
        "Versión 2 de «Medios de pago (2027)» publicada: es la que ven ahora las empresas. "
        "La versión 1 queda como anterior."
    ]


def test_a_draft_with_a_problem_is_not_published_and_says_why(client):
    course = payments()
    old = course.published
    draft = services.version_start_draft(course=course)
    question = Question.objects.get(
        quiz__module__version=draft, quiz__module__position=1, code="q1"
    )
    assert question.kind == Question.Kind.SINGLE
    Choice.objects.filter(question=question).update(is_correct=True)
    client.force_login(editor())
    data = form_data(client.get(change_url(draft)))
    data["_publish"] = "1"

    response = client.post(change_url(draft), data, follow=True)

    assert messages_of(response) == [
        "Módulo «Conozca los medios de pago», pregunta q1: debe tener exactamente una "
        "opción correcta.",
        "No se publicó; los cambios quedan guardados en el borrador.",
    ]
    course.refresh_from_db()
    draft.refresh_from_db()
    old.refresh_from_db()
    assert (course.published, draft.status, old.status) == (old, "draft", "published")


def test_the_list_action_names_the_version_of_each_problem(client):
    course = payments()
    draft = services.version_start_draft(course=course)
    Lesson.objects.filter(version=draft, slug=draft.lessons.first().slug).update(body=" ")
    lesson = draft.lessons.get(body=" ")
    client.force_login(editor())

    response = client.post(
        VERSIONS, {"action": "publish", "_selected_action": [draft.pk]}, follow=True
    )

    assert messages_of(response) == [
        f"Medios de pago v2 (Borrador): Módulo «{lesson.module.title}»: la lección "
        f"«{lesson.title}» no tiene texto."
    ]
    course.refresh_from_db()
    assert course.published.number == 1


# --- Guides --------------------------------------------------------------------------------


def guide_upload(client, lesson: Lesson, upload: SimpleUploadedFile):
    data = form_data(client.get(change_url(lesson)))
    new = data["guides-INITIAL_FORMS"]  # the empty row offered for a new guide
    data[f"guides-{new}-title"] = "Plantilla de costos"
    data[f"guides-{new}-position"] = 1
    data[f"guides-{new}-file"] = upload
    return client.post(change_url(lesson), data)


def test_an_image_named_as_a_pdf_is_refused_next_to_the_field(client):
    lesson = services.version_start_draft(course=payments()).lessons.first()
    client.force_login(editor())

    response = guide_upload(
        client, lesson, SimpleUploadedFile("guide.pdf", png_bytes(), "application/pdf")
    )

    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert formset.errors == [
        {
            "file": [
                "El archivo «guide.pdf» no es un PDF: su contenido no corresponde a la extensión."
            ]
        }
    ]
    assert Guide.objects.count() == 0


def test_a_pdf_guide_is_stored_with_its_kind_and_size(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    lesson = services.version_start_draft(course=payments()).lessons.first()
    client.force_login(editor())

    response = guide_upload(client, lesson, SimpleUploadedFile("costos.pdf", PDF))

    assert response.status_code == 302
    guide = Guide.objects.get()
    assert (guide.lesson, guide.title, guide.kind, guide.size) == (
        lesson,
        "Plantilla de costos",
        "pdf",
        len(PDF),
    )
    assert (tmp_path / guide.file.name).read_bytes() == PDF
    page = client.get(change_url(lesson)).content.decode()
    assert "Plantilla de costos" in page


# --- Certificates --------------------------------------------------------------------------


def certificate() -> Certificate:
    course = payments()
    person = UserFactory(full_name="Rosa Quishpe")
    return Certificate.objects.create(
        code=code_new(),
        user=person,
        firm=FirmFactory(legal_name="Tejidos Otavalo"),
        course=course,
        version=course.published,
        person_name="Rosa Quishpe",
        firm_name="Tejidos Otavalo",
        course_title="Medios de pago",
        hours=Decimal("6.0"),
        issued_at=timezone.now(),
    )


def test_certificates_are_found_by_their_printed_code(client):
    issued = certificate()
    client.force_login(AdminFactory())
    response = client.get(CERTIFICATES, {"q": code_display(issued.code).lower()})
    assert [c.pk for c in response.context["cl"].result_list] == [issued.pk]
    response = client.get(change_url(issued))
    assert response.status_code == 200
    assert reverse("verify:code", args=[issued.code]) in response.content.decode()
    assert client.post(change_url(issued), {"person_name": "Otra"}).status_code == 403


def test_revoking_from_the_list_needs_a_reason(client):
    issued = certificate()
    client.force_login(AdminFactory())
    selected = {"action": "revoke", "_selected_action": [issued.pk]}

    client.post(CERTIFICATES, {**selected, "reason": "  "})
    issued.refresh_from_db()
    assert issued.revoked_at is None

    client.post(CERTIFICATES, {**selected, "reason": "Curso completado por otra persona."})
    issued.refresh_from_db()
    assert issued.revoked_reason == "Curso completado por otra persona."
    assert issued.revoked_at is not None
