"""manage.py import_diagnoses FILE --user EMAIL [--questionnaire-version N] [--report CSV]

The same import as the upload page, run synchronously, as the person given by --user (only the
firms that person may see are found). Exit status 0 when the import finished, even with rejected
rows (they are listed, and every problem is written to --report); 1 on a file-level error
(unreadable file, bad header). `--resume ID` finishes an import whose worker was killed.
"""

from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from rutapyme.accounts.models import User
from rutapyme.core.exports import csv_rows
from rutapyme.diagnosis import importing
from rutapyme.diagnosis.models import DiagnosisImport, Questionnaire
from rutapyme.diagnosis.permissions import can_import_diagnoses

SHOWN_ISSUES = 20


class Command(BaseCommand):
    help = "Importa respuestas del autodiagnóstico recogidas por teléfono o en papel (CSV o XLSX)."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="Archivo CSV o XLSX.")
        parser.add_argument(
            "--user", help="Correo de la persona que importa (define qué empresas se encuentran)."
        )
        parser.add_argument(
            "--questionnaire-version",
            type=int,
            dest="questionnaire_version",
            help="Versión del cuestionario con la que se respondió. Por omisión: la vigente.",
        )
        parser.add_argument("--report", help="Ruta donde escribir el informe de problemas (CSV).")
        parser.add_argument(
            "--resume",
            type=int,
            metavar="IMPORT_ID",
            help="Reanuda una importación interrumpida (su archivo ya está guardado).",
        )

    def handle(self, *args, **options):
        if options["resume"]:
            diagnosis_import = DiagnosisImport.objects.filter(pk=options["resume"]).first()
            if diagnosis_import is None:
                raise CommandError(f"No existe la importación {options['resume']}.")
        else:
            diagnosis_import = self._create(options)
        diagnosis_import = importing.diagnosis_import_process(
            diagnosis_import_id=diagnosis_import.pk
        )
        if diagnosis_import.status == DiagnosisImport.Status.FAILED:
            raise CommandError(diagnosis_import.error_message)
        self._print_summary(diagnosis_import)
        self._print_issues(diagnosis_import, options.get("report"))

    def _create(self, options) -> DiagnosisImport:
        if not options["file"]:
            raise CommandError("Indique el archivo a importar (o --resume IMPORT_ID).")
        if not options["user"]:
            raise CommandError("Indique con --user el correo de la persona que importa.")
        user = User.objects.filter(email__iexact=options["user"].strip()).first()
        if user is None:
            raise CommandError(f"No existe ninguna cuenta con el correo {options['user']}.")
        if not user.is_active or not can_import_diagnoses(user):
            raise CommandError(f"{user.email} no puede importar respuestas.")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No existe el archivo {path}.")
        questionnaire = self._questionnaire(options["questionnaire_version"])
        with path.open("rb") as fileobj:
            try:
                importing.read_layout(fileobj, path.name, questionnaire.spec)
            except importing.ImportFileError as exc:
                raise CommandError(exc.message) from exc
            return importing.diagnosis_import_create(
                file=File(fileobj, name=path.name),
                original_name=path.name,
                questionnaire=questionnaire,
                created_by=user,
            )

    @staticmethod
    def _questionnaire(version: int | None) -> Questionnaire:
        questionnaires = Questionnaire.objects.filter(code="cepal-ecommerce")
        found = (
            questionnaires.filter(version=version).first()
            if version
            else questionnaires.filter(is_current=True).first()
        )
        if found is None:
            raise CommandError(f"No existe la versión {version} del cuestionario.")
        return found

    def _print_summary(self, diagnosis_import: DiagnosisImport) -> None:
        summary = importing.ImportSummary.of(diagnosis_import)
        self.stdout.write(self.style.SUCCESS(f"Importación {diagnosis_import.pk} terminada"))
        lines = [
            ("Filas leídas", summary.rows_done),
            ("nuevas", summary.created),
            ("actualizadas", summary.updated),
            ("sin cambios", summary.unchanged),
            ("rechazadas", summary.rejected),
            ("vacías (ignoradas)", summary.empty),
            ("Avisos", summary.warnings),
        ]
        for label, value in lines:
            self.stdout.write(f"  {label + ':':<20}{value:>8}")

    def _print_issues(self, diagnosis_import: DiagnosisImport, report: str | None) -> None:
        issues = diagnosis_import.issues.order_by("line", "id")
        total = issues.count()
        if not total:
            self.stdout.write("Todas las filas con datos se importaron, sin avisos.")
            return
        shown = min(total, SHOWN_ISSUES)
        self.stdout.write(f"Problemas (primeros {shown} de {total}):")
        for issue in issues[:SHOWN_ISSUES]:
            self.stdout.write(
                f"  línea {issue.line} [{issue.severity} {issue.code}] {issue.column}: "
                f"{issue.message}"
            )
        if report:
            path = Path(report)
            with path.open("w", encoding="utf-8", newline="") as out:
                for chunk in csv_rows(
                    importing.PROBLEM_HEADER, importing.problem_rows(diagnosis_import)
                ):
                    out.write(chunk)
            self.stdout.write(f"Informe completo en {path}")
        else:
            url = reverse("diagnosis:import_detail", args=[diagnosis_import.public_id])
            self.stdout.write(
                f"Informe completo: --report ARCHIVO.csv, o en {settings.SITE_URL}{url}"
            )
