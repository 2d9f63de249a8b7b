import pytest
from playwright.sync_api import expect

from rutapyme.firms.models import ConsentRecord, Firm, FirmMembership

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_person_self_registers_a_firm_on_a_phone(phone):
    phone.goto("/")
    phone.get_by_role("link", name="Registrar mi empresa").first.click()

    phone.get_by_label("Su nombre y apellido").fill("María Quishpe")
    phone.get_by_label("Correo electrónico").fill("maria@example.ec")
    phone.get_by_label("Contraseña").fill("tejidos-otavalo-2026")
    phone.get_by_label("RUC o identificación tributaria").fill("1710034065001")
    phone.get_by_label("Razón social").fill("Quishpe Maria")
    phone.get_by_label("Nombre comercial").fill("Tejidos Otavalo")
    phone.get_by_label("Provincia").select_option(label="Imbabura")
    phone.get_by_label("Cantón o ciudad").fill("Otavalo")
    phone.get_by_label("Sector").select_option(label="Artesanías")
    phone.get_by_label("Productos", exact=True).check()
    phone.get_by_label("¿Cuántas personas trabajan en la empresa?").fill("3")
    phone.get_by_label("Celular o teléfono").fill("099 123 4567")

    # Submitting without consent keeps everything typed and says what is missing.
    phone.get_by_role("button", name="Crear cuenta y registrar empresa").click()
    expect(phone.get_by_text("Debe aceptar el tratamiento de datos")).to_be_visible()
    assert phone.get_by_label("Nombre comercial").input_value() == "Tejidos Otavalo"
    assert Firm.objects.count() == 0

    phone.get_by_label("Acepto el tratamiento de mis datos").check()
    phone.get_by_role("button", name="Crear cuenta y registrar empresa").click()

    phone.wait_for_url("**/empresas/*/")
    assert phone.get_by_role("heading", level=1).inner_text() == "Tejidos Otavalo"
    expect(phone.get_by_text("+593991234567")).to_be_visible()
    # Nothing overflows the 360-pixel screen sideways.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    firm = Firm.objects.get()
    assert (firm.tax_id, firm.province, firm.size_band) == ("1710034065001", "EC-I", "0-5")
    assert FirmMembership.objects.get().role == FirmMembership.Role.OWNER
    assert ConsentRecord.objects.get().firm == firm
