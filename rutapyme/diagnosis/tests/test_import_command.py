"""manage.py import_diagnoses: the same import from the command line."""

import csv
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from rutapyme.accounts.tests.factories import AdminFactory, PartnerStaffFactory
from rutapyme.diagnosis.models import Diagnosis, DiagnosisImport
from rutapyme.diagnosis.tests.data import create_import, example_firms

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).parent / "data" / "ejemplo.csv"


def _run(*args) -> str:
    out = StringIO()
    call_command("import_diagnoses", *args, stdout=out)
    return out.getvalue()


def test_command_imports_the_documents_example_and_prints_the_summary():
    example_firms()
    AdminFactory(email="admin@example.ec")

    output = _run(str(SAMPLE), "--user", "ADMIN@example.ec")

    diagnosis_import = DiagnosisImport.objects.get()
    assert output == (
        f"Importación {diagnosis_import.pk} terminada\n"
        "  Filas leídas:              2\n"
        "  nuevas:                    2\n"
        "  actualizadas:              0\n"
        "  sin cambios:               0\n"
        "  rechazadas:                0\n"
        "  vacías (ignoradas):        0\n"
        "  Avisos:                    0\n"
        "Todas las filas con datos se importaron, sin avisos.\n"
    )
    assert sorted(Diagnosis.objects.values_list("level", flat=True)) == [1, 5]


def test_command_lists_problems_and_writes_the_report(tmp_path):
    example_firms()
    AdminFactory(email="admin@example.ec")
    source = tmp_path / "respuestas.csv"
    source.write_text(SAMPLE.read_text().replace(",2026-11-03,", ",2099-11-03,"))
    report = tmp_path / "informe.csv"

    output = _run(str(source), "--user", "admin@example.ec", "--report", str(report))

    assert "  rechazadas:                1\n" in output
    assert (
        "Problemas (primeros 1 de 1):\n"
        "  línea 2 [error date_invalid] ANSWERED_ON: La fecha está en el futuro.\n"
    ) in output
    rows = list(csv.reader(StringIO(report.read_text(encoding="utf-8-sig"))))
    assert rows == [
        ["line", "tax_id", "country", "column", "value", "severity", "code", "message"],
        [
            "2",
            "1004321871001",
            "EC",
            "ANSWERED_ON",
            "2099-11-03",
            "error",
            "date_invalid",
            "La fecha está en el futuro.",
        ],
    ]


def test_command_resumes_an_interrupted_import():
    example_firms()
    diagnosis_import = create_import(SAMPLE.read_bytes(), user=AdminFactory())
    DiagnosisImport.objects.filter(pk=diagnosis_import.pk).update(status="running")

    output = _run("--resume", str(diagnosis_import.pk))

    assert output.startswith(f"Importación {diagnosis_import.pk} terminada\n")
    assert Diagnosis.objects.count() == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "Indique el archivo a importar (o --resume IMPORT_ID)."),
        ([str(SAMPLE)], "Indique con --user el correo de la persona que importa."),
        ([str(SAMPLE), "--user", "nadie@example.ec"], "No existe ninguna cuenta con el correo"),
        ([str(SAMPLE), "--user", "aliado@example.ec"], "aliado@example.ec no puede importar"),
        (["no-existe.csv", "--user", "admin@example.ec"], "No existe el archivo no-existe.csv."),
        (
            [str(SAMPLE), "--user", "admin@example.ec", "--questionnaire-version", "9"],
            "No existe la versión 9",
        ),
        (["--resume", "999"], "No existe la importación 999."),
    ],
)
def test_command_errors_record_nothing(args, message):
    AdminFactory(email="admin@example.ec")
    PartnerStaffFactory(email="aliado@example.ec")

    with pytest.raises(CommandError) as error:
        _run(*args)

    assert str(error.value).startswith(message)
    assert DiagnosisImport.objects.count() == 0


def test_command_refuses_a_bad_header_before_recording_anything(tmp_path):
    AdminFactory(email="admin@example.ec")
    source = tmp_path / "respuestas.csv"
    source.write_text(SAMPLE.read_text().replace("q06_online_sales", "q06_ventas", 1))

    with pytest.raises(CommandError) as error:
        _run(str(source), "--user", "admin@example.ec")

    assert str(error.value) == (
        "La columna «q06_ventas» no es de la versión 1 del cuestionario: escríbala exactamente "
        "como en la plantilla. Falta la columna obligatoria «q06_online_sales»."
    )
    assert DiagnosisImport.objects.count() == 0
