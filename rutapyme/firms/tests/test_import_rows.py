"""Each messy-cell rule of the import, one small file per rule."""

import random

import pytest

from rutapyme.firms import importing, normalise
from rutapyme.firms.models import Firm, FirmImportIssue, TaxIdStatus
from rutapyme.firms.tests.data import (
    company_ruc,
    counts,
    csv_bytes,
    issues_of,
    row,
    ruc,
    run_import,
)

pytestmark = pytest.mark.django_db


def _import_one(**overrides) -> Firm:
    firm_import = run_import(csv_bytes([row(ruc(1), **overrides)], encoding="cp1252"))
    assert issues_of(firm_import) == []
    return Firm.objects.get()


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("PICHINCHA", "EC-P"),
        ("pichincha", "EC-P"),
        ("  Pichincha ", "EC-P"),
        ("GALÁPAGOS", "EC-W"),
        ("galapagos", "EC-W"),
        ("Santo Domingo", "EC-SD"),
        ("LOS RIOS", "EC-R"),
        ("Manabi", "EC-M"),
    ],
)
def test_province_in_any_case_and_accents(written, code):
    assert _import_one(PROVINCIA=written).province == code


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("ARTESANIAS", "artesanias"),
        ("artesanía", "artesanias"),
        ("Artesanías", "artesanias"),
        ("TEXTIL Y CONFECCIÓN", "textil"),
        ("Alimentos y bebidas", "alimentos"),
        ("COSMETICOS", "cosmetica"),
    ],
)
def test_sector_in_any_case_and_accents(written, value):
    assert _import_one(SECTOR=written).sector == value


@pytest.mark.parametrize(
    ("written", "phone"),
    [
        ("099 123 4567", "+593991234567"),
        ("0991234567", "+593991234567"),
        ("991234567", "+593991234567"),
        ("+593 99 123 4567", "+593991234567"),
        ("593991234567", "+593991234567"),
        ("0991234567.0", "+593991234567"),
        ("(02) 234-5678", "+59322345678"),
        ("22345678", "+59322345678"),
        ("04-2345678", "+59342345678"),
    ],
)
def test_ecuadorian_phones_in_any_common_format_become_e164(written, phone):
    assert _import_one(TELEFONO=written).phone == phone


@pytest.mark.parametrize(
    ("written", "employees", "band"),
    [
        ("5", 5, "0-5"),
        ("5.0", 5, "0-5"),
        ("7,0", 7, "6-25"),
        ("6-25", None, "6-25"),
        ("1 a 5", None, "0-5"),
        ("+100", None, "100+"),
        ("Más de 100", None, "100+"),
    ],
)
def test_employees_as_numbers_floats_and_ranges(written, employees, band):
    firm = _import_one(NUM_EMPLEADOS=written)
    assert (firm.employees, firm.size_band) == (employees, band)


def test_ruc_that_lost_its_leading_zero_is_restored():
    full = ruc(7, province="09")
    firm_import = run_import(csv_bytes([row(full[1:])]))

    assert Firm.objects.get().tax_id == full
    assert counts(firm_import)["created"] == 1


def test_ruc_written_as_float_or_with_separators():
    first, second = ruc(1), ruc(2)
    run_import(csv_bytes([row(first + ".0"), row(f"{second[:10]}-{second[10:]}")]))

    assert sorted(Firm.objects.values_list("tax_id", flat=True)) == sorted([first, second])


def test_company_ruc_without_algorithmic_check_digit_is_imported_to_verify():
    run_import(csv_bytes([row("1793213150001")]))

    assert Firm.objects.get().tax_id_status == TaxIdStatus.TO_VERIFY


def test_extra_spaces_are_removed_and_case_is_kept_for_names():
    firm = _import_one(
        RAZON_SOCIAL="  Tejidos   Andinos  S.A. ",
        CANTON="  SAN MIGUEL DE URCUQUÍ ",
        EMAIL=" Ventas@Tejidos.EC ",
        TIPO_OFERTA=" servicios ",
    )

    assert (firm.legal_name, firm.canton, firm.email, firm.offer_type) == (
        "Tejidos Andinos S.A.",
        "San Miguel De Urcuquí",
        "ventas@tejidos.ec",
        "services",
    )


@pytest.mark.parametrize(("written", "value"), [("SI", True), ("sí", True), ("No", False)])
def test_sells_online_yes_no(written, value):
    assert _import_one(VENDE_EN_LINEA=written).sells_online is value


def test_cells_starting_with_formula_characters_are_stored_as_text():
    firm = _import_one(
        NOMBRE_COMERCIAL='=HYPERLINK("http://malo.example","clic")',
        REPRESENTANTE_LEGAL="@Juan Pérez",
    )

    assert (firm.trade_name, firm.legal_representative) == (
        '=HYPERLINK("http://malo.example","clic")',
        "@Juan Pérez",
    )


def test_imported_firm_has_source_import_and_a_consent_record():
    firm = _import_one()

    consent = firm.consents.get()
    assert (firm.source, consent.channel, consent.user_id) == ("import", "import", None)


def test_rejected_rows_have_their_line_and_every_reason():
    good = ruc(1)
    content = csv_bytes(
        [
            row(good),
            row("1710034066001", "Dígito Malo"),
            row(ruc(2), ""),
            row(ruc(3), SECTOR="Minería", TELEFONO="123"),
            row(ruc(4), PROVINCIA="Narnia", NUM_EMPLEADOS="muchos", EMAIL="no-es-correo"),
            row(ruc(5), NUM_EMPLEADOS="-3", VENDE_EN_LINEA="quizás", TIPO_OFERTA=""),
            row("", "Sin RUC"),
        ],
        encoding="cp1252",
    )

    firm_import = run_import(content)

    assert list(Firm.objects.values_list("tax_id", flat=True)) == [good]
    assert issues_of(firm_import) == [
        (3, "rejected", "El dígito verificador no corresponde: revise el RUC (persona natural)."),
        (4, "rejected", "Falta la razón social."),
        (5, "rejected", "Sector desconocido: «Minería». Teléfono no válido: «123»."),
        (
            6,
            "rejected",
            "Correo no válido: «no-es-correo». Provincia desconocida: «Narnia». "
            "Número de empleados no válido: «muchos».",
        ),
        (
            7,
            "rejected",
            "Falta el tipo de oferta (productos, servicios o ambos). Número de empleados no "
            "válido: «-3». VENDE_EN_LINEA: Valor no reconocido: «quizás» (use SI o NO).",
        ),
        (8, "rejected", "Falta el RUC."),
    ]
    assert counts(firm_import) == {
        "status": "done",
        "rows": 7,
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "rejected": 6,
        "duplicates": 0,
        "empty": 0,
    }


def test_rejected_row_keeps_the_cells_as_they_were():
    content = csv_bytes([row("1710034066001", "  Dígito   Malo ", TELEFONO="099 123 4567")])

    firm_import = run_import(content)

    issue = firm_import.issues.get()
    assert (issue.kind, issue.tax_id) == (FirmImportIssue.Kind.REJECTED, "1710034066001")
    assert issue.raw.startswith('["1710034066001", "  Dígito   Malo ", "Tejidos Andinos"')


def test_too_long_values_are_rejected_not_truncated():
    firm_import = run_import(csv_bytes([row(ruc(1), "x" * 251)]))

    assert issues_of(firm_import) == [
        (2, "rejected", "La razón social tiene más de 250 caracteres.")
    ]


def test_empty_rows_are_counted_not_reported():
    content = csv_bytes([row(ruc(1)), [""] * 12, [], ["", " ", ""], row(ruc(2))])

    firm_import = run_import(content)

    assert issues_of(firm_import) == []
    assert counts(firm_import) == {
        "status": "done",
        "rows": 5,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
        "duplicates": 0,
        "empty": 3,
    }


def test_row_with_data_only_in_an_extra_column_is_reported():
    header = ["RUC", "RAZON_SOCIAL", "SECTOR", "TIPO_OFERTA", "NUM_EMPLEADOS", "NOTAS"]
    content = csv_bytes([["", "", "", "", "", "cerró en 2024"]], header=header)

    firm_import = run_import(content)

    assert issues_of(firm_import)[0][:2] == (2, "rejected")
    assert counts(firm_import)["empty"] == 0


def test_company_rucs_and_personal_rucs_in_other_provinces():
    rows = [row(company_ruc(1, "01")), row(ruc(9, "24"), PROVINCIA="SANTA ELENA")]
    firm_import = run_import(csv_bytes(rows))

    assert counts(firm_import)["created"] == 2


def _phone_spellings() -> list[str]:
    rng = random.Random(7)
    spellings = [
        "", "123", "099-12", "sin teléfono", "0991234567/0987654321", "+1 202 555 0143",
        "00593991234567", "0593991234567", "5932345678", "1800123456", "+593 2 234 5678",
        "099.123.4567", "0991234567.0", "022345678.00", "+59399123456789", "0000000000",
        "099 123 4567 ext 2", "(593) 99 123 4567", "+(593) 991234567", "593 02 234 5678",
    ]  # fmt: skip
    for _ in range(300):
        mobile = f"9{rng.randint(0, 99_999_999):08d}"
        landline = f"{rng.randint(2, 7)}{rng.randint(0, 9_999_999):07d}"
        spellings += [
            f"0{mobile}", mobile, f"593{mobile}", f"+593 {mobile[:2]} {mobile[2:5]} {mobile[5:]}",
            f"0{mobile[:2]} {mobile[2:5]} {mobile[5:]}", f"(0{landline[0]}) {landline[1:4]}-"
            f"{landline[4:]}", landline, f"0{landline}", f"593{landline}", f"0{mobile}.0",
        ]  # fmt: skip
    return spellings


def test_fast_phone_parser_agrees_with_the_shared_one():
    spellings = _phone_spellings()

    assert [importing.parse_phone("EC", s) for s in spellings] == [
        normalise.parse_phone("EC", s) for s in spellings
    ]
