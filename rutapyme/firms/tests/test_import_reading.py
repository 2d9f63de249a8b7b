"""Reading the ministry's files: encodings, separators, XLSX, headers, file-level errors."""

import io
import re
import zipfile

import pytest

from rutapyme.firms import importing
from rutapyme.firms.models import Firm, FirmImport
from rutapyme.firms.tests.data import (
    HEADER,
    counts,
    csv_bytes,
    row,
    ruc,
    run_import,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db


def test_windows_1252_semicolon_file_keeps_accents():
    content = csv_bytes(
        [row(ruc(1), "Artesanías Cañar Cía. Ltda.", PROVINCIA="Cañar", CANTON="AZOGUES")],
        encoding="cp1252",
    )
    assert b"\xed" in content  # "í" as one Windows-1252 byte: not UTF-8

    firm_import = run_import(content)

    firm = Firm.objects.get()
    assert (firm.legal_name, firm.province, firm.canton) == (
        "Artesanías Cañar Cía. Ltda.",
        "EC-F",
        "Azogues",
    )
    assert counts(firm_import)["created"] == 1


def test_utf8_with_bom_and_commas():
    content = csv_bytes([row(ruc(1), "Calzado Ñusta, S.A.")], delimiter=",", bom=True)

    layout = importing.read_layout(io.BytesIO(content), "base.csv")
    run_import(content)

    assert (layout.encoding, layout.delimiter, layout.columns["RUC"]) == ("utf-8-sig", ",", 0)
    assert Firm.objects.get().legal_name == "Calzado Ñusta, S.A."


def test_utf16_tab_separated_text_from_excel():
    content = "\ufeff" + "\t".join(HEADER) + "\r\n" + "\t".join(row(ruc(1))) + "\r\n"

    firm_import = run_import(content.encode("utf-16-le"), "base.txt")

    assert counts(firm_import)["created"] == 1


def test_xlsx_numbers_are_read_as_text_typed():
    lost_zero = ruc(5, province="09")[1:]  # 12 digits: Excel stored the RUC as a number
    content = xlsx_bytes(
        [
            [
                int(lost_zero),
                "Cacao Fino del Guayas",
                None,
                "guayas",
                "Guayaquil",
                "Alimentos",
                "productos",
                5.0,
                None,
                None,
                991234567,
                True,
            ]
        ]
    )

    firm_import = run_import(content, "base.xlsx")

    firm = Firm.objects.get()
    assert (firm.tax_id, firm.employees, firm.phone, firm.sells_online) == (
        "0" + lost_zero,
        5,
        "+593991234567",
        True,
    )
    assert counts(firm_import)["created"] == 1


def test_xlsx_formula_cell_is_stored_as_its_text():
    cells = row(ruc(1), NOMBRE_COMERCIAL='=HYPERLINK("http://malo.example","clic")')

    run_import(xlsx_bytes([cells]), "base.xlsx")

    assert Firm.objects.get().trade_name == '=HYPERLINK("http://malo.example","clic")'


def test_header_names_in_any_case_with_accents_and_extra_columns():
    header = [
        "ruc",
        "Razón Social",
        "Nombre comercial",
        "Provincia",
        "Cantón",
        "Sector",
        "Tipo de oferta",
        "Número de empleados",
        "Representante legal",
        "Correo electrónico",
        "Teléfono",
        "Vende en línea",
        "OBSERVACIONES",
    ]
    content = csv_bytes([[*row(ruc(1)), "llamar en la tarde"]], header=header)

    layout = importing.read_layout(io.BytesIO(content), "base.csv")
    run_import(content)

    assert list(layout.columns) == list(importing.COLUMNS)
    assert layout.ignored_columns == ["OBSERVACIONES"]
    assert Firm.objects.get().email == "ventas@tejidos.ec"


def test_optional_columns_may_be_missing():
    header = ["RUC", "RAZON_SOCIAL", "SECTOR", "TIPO_OFERTA", "NUM_EMPLEADOS"]
    content = csv_bytes([[ruc(1), "Bordados Zuleta", "textil", "productos", "3"]], header=header)

    run_import(content)

    firm = Firm.objects.get()
    assert (firm.legal_name, firm.phone, firm.province) == ("Bordados Zuleta", "", "")


def test_lines_before_the_header_keep_spreadsheet_line_numbers():
    content = b"\r\n;;;\r\n" + csv_bytes([row(ruc(1)), row("123", "Mala")])

    firm_import = run_import(content)

    issue = firm_import.issues.get()
    assert (issue.line, issue.reason) == (5, "El RUC debe tener 13 dígitos; tiene 3.")


def test_missing_required_columns_fail_the_file_with_their_names():
    header = ["RUC", "NOMBRE", "SECTOR"]
    content = csv_bytes([[ruc(1), "X", "textil"]], header=header)

    with pytest.raises(importing.ImportFileError) as error:
        importing.read_layout(io.BytesIO(content), "base.csv")

    assert error.value.message == (
        "Faltan columnas obligatorias: RAZON_SOCIAL, TIPO_OFERTA, NUM_EMPLEADOS. La primera "
        "fila debe tener los títulos: RUC;RAZON_SOCIAL;NOMBRE_COMERCIAL;PROVINCIA;CANTON;SECTOR;"
        "TIPO_OFERTA;NUM_EMPLEADOS;REPRESENTANTE_LEGAL;EMAIL;TELEFONO;VENDE_EN_LINEA."
    )


def test_failed_file_marks_the_import_failed_and_writes_nothing():
    content = csv_bytes([["a", "b"]], header=["NOMBRE", "DIRECCION"])

    firm_import = run_import(content)

    assert firm_import.status == FirmImport.Status.FAILED
    assert firm_import.error_message == (
        "No se encontraron los nombres de las columnas en «base.csv». La primera fila debe "
        "tener los títulos: RUC;RAZON_SOCIAL;NOMBRE_COMERCIAL;PROVINCIA;CANTON;SECTOR;"
        "TIPO_OFERTA;NUM_EMPLEADOS;REPRESENTANTE_LEGAL;EMAIL;TELEFONO;VENDE_EN_LINEA."
    )
    assert (Firm.objects.count(), firm_import.issues.count()) == (0, 0)


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "vacio.csv", "El archivo «vacio.csv» está vacío."),
        (b"\r\n  \r\n", "blancos.csv", "El archivo «blancos.csv» está vacío."),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200),
            "foto.csv",
            "«foto.csv» es una imagen, no una hoja de cálculo. Suba el archivo en CSV o en "
            "Excel (.xlsx).",
        ),
        (
            bytes(range(256)) * 4,
            "datos.csv",
            "«datos.csv» no es un archivo CSV ni Excel (.xlsx) legible. Revise que sea el "
            "archivo correcto.",
        ),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100),
            "base.xlsx",
            "«base.xlsx» es un Excel antiguo (.xls). Ábralo en Excel y guárdelo como «Libro de "
            "Excel (.xlsx)» o como «CSV».",
        ),
        (
            b"PK\x03\x04 not really a workbook",
            "base.xlsx",
            "«base.xlsx» no es un Excel (.xlsx) válido o está dañado. Ábralo y guárdelo de "
            "nuevo como .xlsx, o como CSV.",
        ),
        (
            ";".join(HEADER).encode() + b"\r\n;;;\r\n",
            "titulos.csv",
            "«titulos.csv» solo tiene la fila de títulos: no hay empresas que importar.",
        ),
    ],
)
def test_files_that_are_not_a_table_get_a_clear_message(content, name, message):
    with pytest.raises(importing.ImportFileError) as error:
        importing.read_layout(io.BytesIO(content), name)

    assert error.value.message == message


def _with_declared_size(content: bytes, ref: str) -> bytes:
    """The workbook with a wrong <dimension>, as some exporters write it."""
    source, buffer = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(
                    rb'<dimension ref="[^"]+" ?/>', f'<dimension ref="{ref}"/>'.encode(), data
                )
            target.writestr(item, data)
    return buffer.getvalue()


def test_xlsx_rows_beyond_the_declared_size_are_not_lost():
    content = _with_declared_size(xlsx_bytes([row(ruc(n)) for n in range(1, 6)]), "A1:L2")

    firm_import = run_import(content, "base.xlsx")

    assert (counts(firm_import)["created"], firm_import.total_rows) == (5, 5)


def test_xlsx_with_only_the_header_is_refused():
    with pytest.raises(importing.ImportFileError) as error:
        importing.read_layout(io.BytesIO(xlsx_bytes([[], []])), "titulos.xlsx")

    assert error.value.message == (
        "«titulos.xlsx» solo tiene la fila de títulos: no hay empresas que importar."
    )
