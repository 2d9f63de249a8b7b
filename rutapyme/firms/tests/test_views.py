"""Firm pages: self-registration, editing, the registry list with its filters, HTMX partial and
exports, and the number of queries each list costs."""

import csv
import io

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from openpyxl import load_workbook

from rutapyme.accounts.models import User
from rutapyme.accounts.tests.factories import (
    AdminFactory,
    OrganisationFactory,
    PartnerStaffFactory,
    UserFactory,
)
from rutapyme.accounts.tests.html import field_errors, form_values
from rutapyme.core.testing import queries_for
from rutapyme.firms.models import ConsentRecord, Firm, FirmMembership, TaxIdStatus
from rutapyme.firms.tests.factories import (
    FirmAffiliationFactory,
    FirmFactory,
    FirmMembershipFactory,
    edit_payload,
)

pytestmark = pytest.mark.django_db

REGISTER = reverse("firms:register")

VALID = {
    "full_name": "María Quishpe",
    "email": "maria@example.ec",
    "password": "tejidos-otavalo-2026",
    "country": "EC",
    "tax_id": "1710034065001",
    "legal_name": "Quishpe Maria",
    "trade_name": "Tejidos Otavalo",
    "province": "EC-I",
    "canton": "Otavalo",
    "sector": "artesanias",
    "offer_type": "products",
    "employees": "3",
    "phone": "099 123 4567",
    "consent": "on",
}
TYPED_TEXT = ["full_name", "email", "password", "tax_id", "legal_name", "trade_name", "canton",
              "employees", "phone"]  # fmt: skip


# --- Self-registration ------------------------------------------------------------------------


def test_registration_form_renders(client):
    response = client.get(REGISTER)
    assert response.status_code == 200
    values = form_values(response)
    assert values["country"] == "EC"
    assert values["tax_id"] is None
    assert 'name="consent"' in response.content.decode()


def test_valid_registration_creates_the_account_the_firm_and_the_consent(client):
    response = client.post(REGISTER, VALID, REMOTE_ADDR="190.152.10.20")
    firm = Firm.objects.get()
    user = User.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("firms:detail", args=[firm.public_id])
    assert client.session[SESSION_KEY] == str(user.pk)

    assert (user.email, user.full_name, user.role, user.phone) == (
        "maria@example.ec",
        "María Quishpe",
        User.Role.FIRM_MEMBER,
        "+593991234567",
    )
    assert user.check_password("tejidos-otavalo-2026")
    assert (
        firm.country, firm.tax_id, firm.tax_id_status, firm.legal_name, firm.trade_name,
        firm.province, firm.canton, firm.sector, firm.offer_type, firm.employees,
        firm.size_band, firm.phone, firm.email, firm.source,
    ) == (
        "EC", "1710034065001", TaxIdStatus.VALID, "Quishpe Maria", "Tejidos Otavalo",
        "EC-I", "Otavalo", "artesanias", "products", 3,
        "0-5", "+593991234567", "maria@example.ec", "self",
    )  # fmt: skip
    membership = FirmMembership.objects.get()
    assert (membership.firm, membership.user, membership.role) == (firm, user, "owner")
    consent = ConsentRecord.objects.get()
    assert (consent.firm, consent.user, consent.text_version, consent.channel) == (
        firm,
        user,
        settings.CONSENT_TEXT_VERSION,
        ConsentRecord.Channel.WEB,
    )
    assert consent.ip_address == "190.152.10.20"

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "¡Bienvenida/o! Su empresa quedó registrada." in page.content.decode()


def test_a_company_ruc_failing_the_check_digit_is_accepted_to_verify(client):
    response = client.post(REGISTER, {**VALID, "tax_id": "1793213150001"})
    firm = Firm.objects.get()
    assert response.status_code == 302
    assert (firm.tax_id, firm.tax_id_status) == ("1793213150001", TaxIdStatus.TO_VERIFY)
    page = client.get(response["Location"]).content.decode()
    assert '<span class="badge warn"' in page
    assert "Por verificar</span>" in page


BAD_INPUTS = [
    pytest.param(
        {"tax_id": "1710034066001"},
        "tax_id",
        "El dígito verificador no corresponde: revise el RUC (persona natural).",
        id="personal-ruc-check-digit",
    ),
    pytest.param(
        {"tax_id": "17100340"},
        "tax_id",
        "El RUC debe tener 13 dígitos; tiene 8.",
        id="ruc-too-short",
    ),
    pytest.param(
        {"password": "12345678"},
        "password",
        ["Esta contraseña es demasiado común.", "Esta contraseña es completamente numérica."],
        id="weak-password",
    ),
    pytest.param(
        {"password": "maria@example.ec"},
        "password",
        "La contraseña es demasiado similar a la de correo electrónico.",
        id="password-like-email",
    ),
    pytest.param(
        {"consent": ""},
        "consent",
        "Debe aceptar el tratamiento de datos para registrarse.",
        id="no-consent",
    ),
    pytest.param({"phone": "12345"}, "phone", "Teléfono no válido: «12345».", id="bad-phone"),
    pytest.param(
        {"email": "maria@"},
        "email",
        "Introduzca una dirección de correo electrónico válida.",
        id="bad-email",
    ),
    pytest.param(
        {"employees": "-2"},
        "employees",
        "Asegúrese de que este valor es mayor o igual a 0.",
        id="negative-employees",
    ),
    pytest.param(
        {"province": "EC-ZZ"},
        "province",
        "Escoja una opción válida. EC-ZZ no es una de las opciones disponibles.",
        id="unknown-province",
    ),
]


@pytest.mark.parametrize(("changes", "field", "message"), BAD_INPUTS)
def test_bad_input_is_explained_next_to_its_field_and_nothing_is_created(
    client, changes, field, message
):
    data = {**VALID, **changes}
    if data["consent"] == "":
        del data["consent"]  # an unchecked box is not sent
    response = client.post(REGISTER, data)
    assert response.status_code == 200
    assert field_errors(response, field) == (message if isinstance(message, list) else [message])
    values = form_values(response)
    for name in TYPED_TEXT:
        assert values[name] == data[name], name
    assert values["province"] == data["province"] or field == "province"
    assert (User.objects.count(), Firm.objects.count(), ConsentRecord.objects.count()) == (0, 0, 0)
    assert SESSION_KEY not in client.session


def test_missing_fields_are_each_marked(client):
    data = dict.fromkeys(VALID, "")
    del data["consent"]
    data["country"] = "EC"
    response = client.post(REGISTER, data)
    assert response.status_code == 200
    required = "Este campo es obligatorio."
    for name in ["full_name", "email", "password", "tax_id", "legal_name", "province", "sector",
                 "offer_type", "employees"]:  # fmt: skip
        assert field_errors(response, name) == [required], name
    assert field_errors(response, "consent") == [
        "Debe aceptar el tratamiento de datos para registrarse."
    ]
    assert field_errors(response, "trade_name") == []
    assert field_errors(response, "phone") == []
    assert (User.objects.count(), Firm.objects.count()) == (0, 0)


def test_an_already_registered_ruc_is_refused(client):
    FirmFactory(tax_id="1710034065001")
    response = client.post(REGISTER, VALID)
    assert field_errors(response, "tax_id") == [
        "Esta empresa ya está registrada. Si es suya, use el enlace de su invitación "
        "o pida acceso al equipo del programa."
    ]
    assert form_values(response)["tax_id"] == "1710034065001"
    assert (User.objects.count(), Firm.objects.count()) == (0, 1)


def test_an_existing_email_in_other_letters_is_refused(client):
    UserFactory(email="maria@example.ec")
    response = client.post(REGISTER, {**VALID, "email": "MARIA@Example.EC"})
    assert field_errors(response, "email") == [
        "Ya existe una cuenta con este correo. Inicie sesión o recupere su contraseña."
    ]
    assert form_values(response)["email"] == "MARIA@Example.EC"
    assert (User.objects.count(), Firm.objects.count()) == (1, 0)


def test_signed_in_people_are_sent_to_their_dashboard(client):
    client.force_login(UserFactory())
    response = client.get(REGISTER)
    assert response["Location"] == reverse("firms:dashboard")


# --- Editing ----------------------------------------------------------------------------------


def test_owner_edits_their_firm(client):
    membership = FirmMembershipFactory(firm__employees=3, firm__size_band="0-5")
    firm = membership.firm
    client.force_login(membership.user)
    edit_url = reverse("firms:edit", args=[firm.public_id])
    page = client.get(edit_url)
    assert page.status_code == 200
    assert form_values(page)["legal_name"] == firm.legal_name

    response = client.post(
        edit_url,
        edit_payload(
            firm,
            trade_name="Tejidos del Norte",
            employees="12",
            phone="02 234 5678",
            sells_online="true",
            website="tejidos.ec",
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("firms:detail", args=[firm.public_id])
    firm.refresh_from_db()
    assert (firm.trade_name, firm.employees, firm.size_band, firm.phone, firm.sells_online) == (
        "Tejidos del Norte",
        12,
        "6-25",
        "+59322345678",
        True,
    )
    assert firm.website == "https://tejidos.ec"
    assert "Datos guardados." in client.get(response["Location"]).content.decode()


def test_a_bad_phone_on_edit_is_explained_and_nothing_is_saved(client):
    membership = FirmMembershipFactory()
    firm = membership.firm
    before = (firm.legal_name, firm.phone, firm.updated_at)
    client.force_login(membership.user)
    response = client.post(
        reverse("firms:edit", args=[firm.public_id]),
        edit_payload(firm, legal_name="Nombre Nuevo", phone="abc"),
    )
    assert response.status_code == 200
    assert field_errors(response, "phone") == ["Teléfono no válido: «abc»."]
    values = form_values(response)
    assert (values["legal_name"], values["phone"]) == ("Nombre Nuevo", "abc")
    firm.refresh_from_db()
    assert (firm.legal_name, firm.phone, firm.updated_at) == before


def test_edit_requires_the_number_of_people(client):
    membership = FirmMembershipFactory()
    client.force_login(membership.user)
    response = client.post(
        reverse("firms:edit", args=[membership.firm.public_id]),
        edit_payload(membership.firm, employees=""),
    )
    assert field_errors(response, "employees") == ["Este campo es obligatorio."]


# --- The registry list, its filters and its HTMX partial --------------------------------------


@pytest.fixture
def admin_client(client):
    client.force_login(AdminFactory())
    return client


def listed(response) -> list[str]:
    return [firm.legal_name for firm in response.context["page"].object_list]


def test_list_filters(admin_client):
    FirmFactory(
        legal_name="Alfa Calzado", sector="calzado", province="EC-A", tax_id="0190000001001"
    )
    FirmFactory(legal_name="Beta Textil", sector="textil", province="EC-P", tax_id="1790011674001")
    FirmFactory(
        legal_name="Gamma Textil", sector="textil", province="EC-A",
        tax_id="1793213150001", tax_id_status=TaxIdStatus.TO_VERIFY,
    )  # fmt: skip
    url = reverse("firms:list")
    assert listed(admin_client.get(url)) == ["Alfa Calzado", "Beta Textil", "Gamma Textil"]
    assert listed(admin_client.get(url, {"sector": "textil"})) == ["Beta Textil", "Gamma Textil"]
    assert listed(admin_client.get(url, {"province": "EC-A"})) == ["Alfa Calzado", "Gamma Textil"]
    assert listed(admin_client.get(url, {"q": "gamma"})) == ["Gamma Textil"]
    assert listed(admin_client.get(url, {"q": "1790011"})) == ["Beta Textil"]
    assert listed(admin_client.get(url, {"tax_id_status": "to_verify"})) == ["Gamma Textil"]
    assert listed(admin_client.get(url, {"sector": "textil", "province": "EC-P"})) == [
        "Beta Textil"
    ]


def test_a_bad_filter_value_is_ignored_not_an_error(admin_client):
    FirmFactory(legal_name="Alfa")
    response = admin_client.get(reverse("firms:list"), {"sector": "inventado", "page": "x"})
    assert response.status_code == 200
    assert listed(response) == ["Alfa"]


def test_htmx_request_gets_only_the_table(admin_client):
    FirmFactory(legal_name="Alfa", trade_name="Alfa")
    response = admin_client.get(reverse("firms:list"), {"q": "alfa"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert [t.name for t in response.templates] == ["firms/partials/firm_table.html"]
    assert "<html" not in html
    assert "<table>" in html
    assert ">Alfa</a></td>" in html
    full = admin_client.get(reverse("firms:list"), {"q": "alfa"}).content.decode()
    assert "<html" in full and 'id="firm-results"' in full


# --- Query counts: they must not grow with the number of firms --------------------------------


def make_firms(count: int, organisation=None):
    for firm in FirmFactory.create_batch(count):
        FirmMembershipFactory(firm=firm)
        if organisation is not None:
            FirmAffiliationFactory(firm=firm, organisation=organisation)


@pytest.mark.parametrize(
    ("url", "extra", "expected"),
    [
        pytest.param(reverse("firms:list"), {}, 3, id="list-page"),
        pytest.param(reverse("firms:list"), {"HTTP_HX_REQUEST": "true"}, 3, id="htmx-partial"),
        pytest.param("/api/v1/firms/", {}, 3, id="api-list"),
    ],
)
def test_list_query_count_is_fixed_for_admins(admin_client, url, extra, expected):
    make_firms(3)
    assert queries_for(admin_client, url, **extra)[0] == expected
    make_firms(27)
    assert queries_for(admin_client, url, **extra)[0] == expected


@pytest.mark.parametrize(
    ("url", "extra", "expected"),
    [
        pytest.param(reverse("firms:list"), {}, 4, id="list-page"),
        pytest.param(reverse("firms:list"), {"HTTP_HX_REQUEST": "true"}, 4, id="htmx-partial"),
        pytest.param("/api/v1/firms/", {}, 3, id="api-list"),
    ],
)
def test_list_query_count_is_fixed_for_partner_staff(client, url, extra, expected):
    chamber = OrganisationFactory()
    client.force_login(PartnerStaffFactory(organisation=chamber))
    make_firms(3, organisation=chamber)
    assert queries_for(client, url, **extra)[0] == expected
    make_firms(27, organisation=chamber)
    assert queries_for(client, url, **extra)[0] == expected


# --- Exports ----------------------------------------------------------------------------------


def csv_rows(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_csv_export_contents(admin_client):
    FirmFactory(
        tax_id="1790011674001", legal_name="Alfa S.A.", trade_name="Alfa", province="EC-P",
        canton="Quito", sector="textil", offer_type="both", size_band="6-25", employees=12,
        email="alfa@example.ec", phone="+593991234567",
    )  # fmt: skip
    response = admin_client.get(reverse("firms:export_csv"))
    assert response["Content-Disposition"] == 'attachment; filename="empresas.csv"'
    assert csv_rows(response) == [
        ["RUC", "RAZON_SOCIAL", "NOMBRE_COMERCIAL", "PROVINCIA", "CANTON", "SECTOR",
         "TIPO_OFERTA", "TAMANO", "NUM_EMPLEADOS", "EMAIL", "TELEFONO", "ESTADO_RUC"],
        ["1790011674001", "Alfa S.A.", "Alfa", "Pichincha", "Quito", "Textil y confección",
         "Productos y servicios", "6-25", "12", "alfa@example.ec", "'+593991234567",
         "Verificado"],
    ]  # fmt: skip


def test_csv_export_follows_the_filters(admin_client):
    FirmFactory(legal_name="Alfa", sector="calzado")
    FirmFactory(legal_name="Beta", sector="textil")
    rows = csv_rows(admin_client.get(reverse("firms:export_csv"), {"sector": "textil"}))
    assert [row[1] for row in rows[1:]] == ["Beta"]


def test_exports_neutralise_formulas(admin_client):
    FirmFactory(legal_name='=HYPERLINK("http://evil.example","x")', trade_name="@SUM(A1)")
    rows = csv_rows(admin_client.get(reverse("firms:export_csv")))
    assert rows[1][1:3] == ['\'=HYPERLINK("http://evil.example","x")', "'@SUM(A1)"]

    response = admin_client.get(reverse("firms:export_xlsx"))
    assert response["Content-Disposition"] == 'attachment; filename="empresas.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    legal_name = sheet.cell(row=2, column=2)
    assert legal_name.value == '\'=HYPERLINK("http://evil.example","x")'
    assert legal_name.data_type == "s"
    assert sheet.cell(row=2, column=3).value == "'@SUM(A1)"
    assert sheet.cell(row=2, column=3).data_type == "s"


def test_xlsx_export_keeps_numbers_as_numbers(admin_client):
    FirmFactory(employees=12, tax_id="1790011674001")
    sheet = load_workbook(io.BytesIO(admin_client.get(reverse("firms:export_xlsx")).content)).active
    assert [cell.value for cell in sheet[1]][:2] == ["RUC", "RAZON_SOCIAL"]
    assert sheet.cell(row=2, column=1).value == "1790011674001"
    assert sheet.cell(row=2, column=1).data_type == "s"
    assert sheet.cell(row=2, column=9).value == 12
    assert sheet.cell(row=2, column=9).data_type == "n"
