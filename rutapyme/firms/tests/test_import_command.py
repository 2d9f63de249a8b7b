"""manage.py import_firms: the same import from the command line."""

import csv
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from rutapyme.accounts.tests.factories import OrganisationFactory
from rutapyme.firms import importing
from rutapyme.firms.models import ConsentRecord, Firm, FirmAffiliation, FirmImport
from rutapyme.firms.tests.data import create_import, csv_bytes, row

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).parent / "data" / "ministerio_muestra.csv"


def _run(*args) -> str:
    out = StringIO()
    call_command("import_firms", *args, stdout=out)
    return out.getvalue()


def test_command_imports_the_sample_and_prints_the_summary():
    output = _run(str(SAMPLE))

    firm_import = FirmImport.objects.get()
    assert output == (
        "Archivo: ministerio_muestra.csv (CSV, cp1252, separador «;»)\n"
        f"Importación {firm_import.pk} terminada\n"
        "  Filas leídas:             11\n"
        "  creadas:                   5\n"
        "  actualizadas:              0\n"
        "  sin cambios:               0\n"
        "  rechazadas:                3\n"
        "  repetidas:                 1\n"
        "  vacías (ignoradas):        2\n"
        "Filas no importadas (primeras 4 de 4):\n"
        "  línea 7 [Rechazada] 1710034066001: El dígito verificador no corresponde: revise el "
        "RUC (persona natural).\n"
        "  línea 8 [Rechazada] 1717091456001: Falta la razón social.\n"
        "  línea 9 [Repetida en el archivo] 1714818505001: Igual a la línea 2: no se importa "
        "dos veces.\n"
        "  línea 11 [Rechazada] 1709142150001: Sector desconocido: «Minería».\n"
        "Informe completo: --report ARCHIVO.csv, o en "
        f"http://127.0.0.1:8000/empresas/importar/{firm_import.public_id}/filas/\n"
    )
    assert Firm.objects.count() == 5
    assert Firm.objects.get(tax_id="0909453615001").phone == "+59342345678"
    assert ConsentRecord.objects.count() == 5


def test_command_second_run_changes_nothing():
    _run(str(SAMPLE))
    updated_at = dict(Firm.objects.values_list("tax_id", "updated_at"))

    output = _run(str(SAMPLE))

    assert "  creadas:                   0\n" in output
    assert "  sin cambios:               5\n" in output
    assert dict(Firm.objects.values_list("tax_id", "updated_at")) == updated_at


def test_command_dry_run_writes_no_firm():
    output = _run(str(SAMPLE), "--dry-run")

    assert "(simulación: no se guardó ninguna empresa)" in output
    assert (Firm.objects.count(), ConsentRecord.objects.count()) == (0, 0)
    assert FirmImport.objects.get().dry_run is True


def test_command_writes_the_full_report_with_neutralised_cells(tmp_path):
    content = csv_bytes(
        [row("1710034066001", "=1+1", NOMBRE_COMERCIAL='=HYPERLINK("http://malo.example")')]
    )
    source = tmp_path / "base.csv"
    source.write_bytes(content)
    report = tmp_path / "informe.csv"

    output = _run(str(source), "--report", str(report))

    assert f"Informe completo en {report}\n" in output
    with report.open(encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.reader(handle))
    assert lines[0] == importing.REPORT_HEADER
    assert lines[1][:5] == [
        "2",
        "Rechazada",
        "El dígito verificador no corresponde: revise el RUC (persona natural).",
        "1710034066001",
        "'=1+1",
    ]
    assert lines[1][5] == '\'=HYPERLINK("http://malo.example")'


def test_command_affiliates_with_an_organisation():
    organisation = OrganisationFactory()

    _run(str(SAMPLE), "--organisation", str(organisation.pk))

    assert FirmAffiliation.objects.filter(organisation=organisation).count() == 5


def test_command_resumes_an_interrupted_import():
    firm_import = create_import(SAMPLE.read_bytes(), "ministerio_muestra.csv")
    FirmImport.objects.filter(pk=firm_import.pk).update(status=FirmImport.Status.RUNNING)

    output = _run("--resume", str(firm_import.pk))

    assert f"Importación {firm_import.pk} terminada\n" in output
    assert Firm.objects.count() == 5


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b"NOMBRE;RUC\r\nx;1\r\n",
            "Faltan columnas obligatorias: RAZON_SOCIAL, SECTOR, TIPO_OFERTA, NUM_EMPLEADOS.",
        ),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "«base.csv» es una imagen"),
    ],
)
def test_command_fails_on_file_level_errors_without_recording_an_import(tmp_path, content, message):
    source = tmp_path / "base.csv"
    source.write_bytes(content)

    with pytest.raises(CommandError) as error:
        _run(str(source))

    assert str(error.value).startswith(message)
    assert FirmImport.objects.count() == 0


def test_command_refuses_a_missing_file_and_an_unknown_country(tmp_path):
    with pytest.raises(CommandError, match="No existe el archivo"):
        _run(str(tmp_path / "no-existe.csv"))
    with pytest.raises(CommandError, match="País no admitido: US."):
        _run(str(SAMPLE), "--country", "US")
    assert FirmImport.objects.count() == 0


def test_command_imports_into_another_country(tmp_path):
    source = tmp_path / "peru.csv"
    source.write_bytes(csv_bytes([row("20100047218", PROVINCIA="Lima", TELEFONO="01 4115000")]))

    _run(str(source), "--country", "PE")

    firm = Firm.objects.get()
    assert (firm.country, firm.tax_id, firm.province, firm.phone) == (
        "PE",
        "20100047218",
        "Lima",
        "+5114115000",
    )
