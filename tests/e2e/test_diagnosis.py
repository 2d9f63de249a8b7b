import pytest
from playwright.sync_api import expect

from rutapyme.accounts.tests.factories import PASSWORD
from rutapyme.diagnosis.models import Diagnosis
from rutapyme.firms.tests.factories import FirmFactory, FirmMembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def answer_everything(page) -> None:
    """Give an answer to every question of the step on screen, as a person tapping would."""
    for line in page.locator("fieldset.line").all():
        line.locator("label").first.click()
    for number in page.locator(".line-number input").all():
        number.fill("1")
    for choices in page.locator(".choices").all():
        if choices.locator("input:checked").count() == 0:
            choices.locator(".choice > label").first.click()


def test_a_firm_member_takes_the_diagnosis_on_a_phone(phone, migrated_content):
    firm = FirmFactory(trade_name="Tejidos Otavalo", offer_type="products")
    user = FirmMembershipFactory(firm=firm).user

    phone.goto("/diagnostico/")
    phone.get_by_label("Correo electrónico").fill(user.email)
    phone.get_by_label("Contraseña").fill(PASSWORD)
    phone.get_by_role("button", name="Ingresar").click()
    phone.get_by_role("button", name="Empezar el autodiagnóstico").click()

    # A required question left empty: the step comes back with the message next to it.
    expect(phone.get_by_text("Paso 1 de 8")).to_be_visible()
    phone.get_by_role("button", name="Siguiente").click()
    expect(phone.get_by_role("heading", name="Revise 1 pregunta")).to_be_visible()
    expect(
        phone.locator("#q-q05_customer_segment").get_by_text("Elija una opción.")
    ).to_be_visible()
    assert no_sideways_scroll(phone)

    for number in range(1, 9):
        expect(phone.get_by_text(f"Paso {number} de 8")).to_be_visible()
        answer_everything(phone)
        assert no_sideways_scroll(phone)
        button = "Ver mi resultado" if number == 8 else "Siguiente"
        phone.get_by_role("button", name=button).click()

    phone.wait_for_url("**/diagnostico/*/")
    diagnosis = Diagnosis.objects.get(firm=firm)
    assert diagnosis.status == Diagnosis.Status.SUBMITTED
    heading = f"Nivel {diagnosis.level} · {diagnosis.result['level_name']}"
    expect(phone.get_by_role("heading", name=heading)).to_be_visible()
    assert phone.locator(".areas > li").count() == 7
    assert (
        phone.locator(".areas .area-score")
        .first.inner_text()
        .endswith(f"/100 · {diagnosis.result['areas'][0]['band_label']}")
    )
    assert no_sideways_scroll(phone)
