"""Programme staff open a cohort and invite 500 firms of the base; one firm joins from its
personal link on a phone and is counted as joined on the ministry's dashboard."""

import datetime
import random
import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from rutapyme.accounts.tests.factories import PASSWORD, ProgrammeStaffFactory
from rutapyme.firms.fakes import ec_personal_ruc
from rutapyme.firms.models import Firm, FirmMembership, Source
from rutapyme.learning.tests.factories import make_course
from rutapyme.programmes.models import Enrolment
from rutapyme.programmes.tests.factories import make_programme

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def the_base(count: int, province: str) -> None:
    rng = random.Random(f"{province}-{count}")
    tax_ids: set[str] = set()
    while len(tax_ids) < count:
        tax_ids.add(ec_personal_ruc(rng))
    Firm.objects.bulk_create(
        Firm(
            country="EC",
            tax_id=tax_id,
            legal_name=f"Empresa {province} {n:03d}",
            province=province,
            sector="artesanias",
            offer_type="products",
            size_band="0-5",
            email=f"contacto{n}@{province.lower()}.example.ec",
            phone="+593991234567",
            source=Source.IMPORTED,
        )  # fmt: skip
        for n, tax_id in enumerate(sorted(tax_ids))
    )


def test_staff_invite_500_firms_and_one_joins_from_its_link(
    phone, chromium, live_server, immediate_tasks
):
    staff = ProgrammeStaffFactory()
    programme = make_programme(staff.organisation, name="Ecuador vende en línea")
    make_course("ventas-en-linea", modules=1, lessons=1)
    the_base(500, "EC-P")  # Pichincha: the 500 to invite
    the_base(40, "EC-G")  # Guayas: left out by the filter

    # Staff, on a laptop: a new cohort.
    laptop = chromium.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    page = laptop.new_page()
    page.set_default_timeout(30000)
    page.goto(f"/programas/{programme.public_id}/")
    page.get_by_label("Correo electrónico").fill(staff.email)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Ingresar").click()
    page.get_by_role("link", name="Nueva promoción").click()
    today = timezone.localdate()
    page.get_by_label("Nombre de la promoción").fill("Promoción 1 — 2026")
    page.get_by_label("Inicio").fill(today.isoformat())
    page.get_by_label("Fin").fill((today + datetime.timedelta(days=90)).isoformat())
    page.get_by_label("Cupos").fill("600")
    page.get_by_label("Curso ventas-en-linea").check()
    page.get_by_role("button", name="Guardar").click()
    expect(page.get_by_role("heading", name="Promoción 1 — 2026")).to_be_visible()

    # Filter the base: Pichincha only, then invite them all. While the new count is on its
    # way (held here, as on a slow line), the invite button still names the old count and
    # cannot be pressed.
    page.get_by_role("link", name="Invitar empresas").click()
    held = []
    preview = re.compile(r"/invitar/\?.*province=")
    page.route(preview, lambda route: held.append(route))
    page.get_by_label("Provincia").select_option(label="Pichincha")
    expect(page.get_by_role("button", name=re.compile("Invitar a"))).to_be_disabled()
    assert len(held) == 1 and held[0].request.headers.get("hx-request") == "true"
    held[0].continue_()
    page.unroute(preview)
    expect(page.get_by_text("500 empresas coinciden con los filtros.")).to_be_visible()
    page.get_by_role("button", name="Invitar a las 500 empresas").click()
    expect(page.get_by_text("Terminada", exact=False).first).to_be_visible()
    enrolments = Enrolment.objects.filter(cohort__name="Promoción 1 — 2026")
    assert enrolments.count() == 500
    assert set(enrolments.values_list("province", flat=True)) == {"EC-P"}
    assert len(mail.outbox) == 500

    # One firm, on a phone, from the link in its e-mail: two steps.
    enrolment = enrolments.order_by("pk").first()
    (message,) = [m for m in mail.outbox if m.to == [enrolment.email]]
    link = re.search(r"https?://\S+/unirse/\S+/", message.body).group(0)
    phone.goto(link[link.index("/unirse/") :])
    expect(phone.get_by_role("heading", name="Únase a «Promoción 1 — 2026»")).to_be_visible()
    assert no_sideways_scroll(phone)
    phone.get_by_label("Nombre comercial").fill("Tejidos Otavalo")
    phone.get_by_label("¿Cuántas personas trabajan en la empresa?").fill("3")
    phone.get_by_role("button", name="Confirmar y seguir").click()
    expect(phone.get_by_role("heading", name="Paso 2 de 2: Cree su contraseña")).to_be_visible()
    phone.get_by_label("Su nombre y apellido").fill("María Rosa Quishpe")
    phone.locator("input[name=password]").fill("tejidos-otavalo-2026")
    phone.get_by_label("Repita la contraseña").fill("tejidos-otavalo-2026")
    phone.get_by_label(re.compile("Acepto el tratamiento de mis datos")).check()
    phone.get_by_role("button", name="Crear mi cuenta y unirme").click()
    expect(phone.get_by_text("se unió", exact=False).first).to_be_visible()
    assert no_sideways_scroll(phone)
    enrolment.refresh_from_db()
    assert enrolment.state == Enrolment.State.JOINED
    assert FirmMembership.objects.get(firm=enrolment.firm).user.full_name == "María Rosa Quishpe"

    # The ministry's dashboard counts it as joined.
    page.goto(f"/tablero/?programa={programme.public_id}")
    assert funnel_count(page, "Invitadas") == "500"
    assert funnel_count(page, "Se unieron") == "1"
    laptop.close()

    # The same staff pages on a phone: tables scroll inside their frame, the page does not.
    staff_phone = chromium.new_context(
        viewport={"width": 360, "height": 740}, base_url=live_server.url
    )
    small = staff_phone.new_page()
    small.goto(f"/programas/{programme.public_id}/")
    small.get_by_label("Correo electrónico").fill(staff.email)
    small.get_by_label("Contraseña").fill(PASSWORD)
    small.get_by_role("button", name="Ingresar").click()
    cohort = enrolment.cohort
    for path in (
        f"/promociones/{cohort.public_id}/",
        f"/promociones/{cohort.public_id}/invitar/",
        f"/tablero/?programa={programme.public_id}",
        f"/tablero/resumen/?programa={programme.public_id}",
    ):
        small.goto(path)
        expect(small.get_by_role("heading", level=1)).to_be_visible()
        assert no_sideways_scroll(small), path
    staff_phone.close()


def funnel_count(page, stage: str) -> str:
    """The count in the funnel table's row for `stage`."""
    header = page.get_by_role("rowheader", name=stage, exact=True).first
    expect(header).to_be_visible()
    return header.locator("xpath=..").locator("td").first.inner_text().strip()
