import re

import pytest
from playwright.sync_api import expect

from rutapyme.accounts.tests.factories import PASSWORD, ProgrammeStaffFactory
from rutapyme.diagnosis.models import Diagnosis
from rutapyme.diagnosis.tests.factories import submitted_diagnosis
from rutapyme.learning.models import Certificate
from rutapyme.learning.tests.factories import learner, make_course

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REASON = "Indicó que «Comisiones de pago» es muy limitante (pregunta 20)."


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def sign_in(page, email: str, path: str) -> None:
    page.goto(path)
    page.get_by_label("Correo electrónico").fill(email)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Ingresar").click()


def test_a_firm_member_follows_the_route_to_a_certificate_that_anyone_can_verify(
    phone, chromium, live_server, migrated_content
):
    course = make_course("cobros-en-linea", modules=1, lessons=2, position=0)
    user, firm = learner(full_name="María Rosa Quishpe")
    diagnosis = submitted_diagnosis(firm)
    result = {**diagnosis.result, "mastered": []}
    result["topics"] = [{"code": "medios_de_pago", "label": "Medios de pago", "score": 9,
                         "reasons": [{"text": REASON, "contribution": 3}]}]  # fmt: skip
    Diagnosis.objects.filter(pk=diagnosis.pk).update(result=result)

    # The route: the module comes first, with why it is there.
    sign_in(phone, user.email, "/aprender/")
    expect(phone.get_by_role("heading", name="Su ruta de capacitación")).to_be_visible()
    first_step = phone.locator(".route-step").first
    assert first_step.get_by_role("link").inner_text() == "Módulo 1"
    assert first_step.locator(".because").inner_text() == f"Porque {REASON[0].lower()}{REASON[1:]}"
    assert no_sideways_scroll(phone)

    # Two lessons, then the quiz.
    first_step.get_by_role("link").click()
    expect(phone.get_by_role("heading", level=1, name="Lección 1.1")).to_be_visible()
    assert no_sideways_scroll(phone)
    phone.get_by_role("link", name="Siguiente →").click()
    expect(phone.get_by_role("heading", level=1, name="Lección 1.2")).to_be_visible()
    phone.get_by_role("link", name="Ir al cuestionario →").click()

    # A wrong kind of answer: the message is next to the field, the choice stays marked.
    phone.get_by_label("La buena").check()
    phone.locator("input[name=q_q2]").fill("tres y medio")
    phone.get_by_role("button", name="Enviar respuestas").click()
    expect(phone.get_by_text("Escriba solo un número, por ejemplo 3,5 o 1200.")).to_be_visible()
    assert phone.get_by_label("La buena").is_checked()
    assert no_sideways_scroll(phone)
    phone.locator("input[name=q_q2]").fill("3,5")
    phone.get_by_role("button", name="Enviar respuestas").click()

    expect(phone.get_by_text("¡Terminó el curso! Su certificado está listo.")).to_be_visible()
    expect(phone.get_by_text("2 de 2 correctas: 100 %")).to_be_visible()
    phone.get_by_role("link", name="Ver su certificado").click()
    with phone.expect_download() as download:
        phone.get_by_role("link", name="Descargar el certificado (PDF)").click()
    certificate = Certificate.objects.get(user=user, course=course)
    assert download.value.suggested_filename == f"certificado-{certificate.code}.pdf"
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    # Anyone, signed out, in another browser: valid.
    stranger = chromium.new_context(
        viewport={"width": 360, "height": 740}, base_url=live_server.url, java_script_enabled=False
    )
    public = stranger.new_page()
    public.goto("/verificar/")
    public.get_by_label("Código de verificación").fill(certificate.code.lower())
    public.get_by_role("button", name="Verificar").click()
    expect(public.get_by_text("Certificado válido")).to_be_visible()
    expect(public.get_by_text("María Rosa Quishpe")).to_be_visible()
    assert no_sideways_scroll(public)

    # Programme staff revoke it, with a reason, from the same page.
    staff_context = chromium.new_context(
        viewport={"width": 360, "height": 740}, base_url=live_server.url
    )
    staff = staff_context.new_page()
    sign_in(
        staff,
        ProgrammeStaffFactory().email,
        f"/cuenta/ingresar/?next=/verificar/{certificate.code}/",
    )
    staff.get_by_text("Revocar este certificado").click()
    staff.get_by_label("Motivo de la revocación").fill("Certificado emitido a otra persona")
    staff.get_by_role("button", name="Revocar", exact=True).click()
    expect(staff.get_by_text("Certificado revocado.", exact=False).first).to_be_visible()

    public.reload()
    expect(public.get_by_text("Certificado revocado")).to_be_visible()
    assert re.search("Motivo: Certificado emitido a otra persona", public.content())
    stranger.close()
    staff_context.close()
