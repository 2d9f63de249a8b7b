"""python manage.py import_firms FILE [--country EC] [--dry-run] [--organisation ID] [--report CSV]

The same import as the upload page, run synchronously. Exit status 0 when the import finished
(even with rejected rows: they are listed, and written to --report); 1 on a file-level error
(unreadable file, missing columns). `--resume ID` finishes an import whose worker was killed.
"""

from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from rutapyme.accounts.models import Organisation
from rutapyme.core.countries import ALADI_COUNTRIES
from rutapyme.core.exports import csv_rows
from rutapyme.firms import importing
from rutapyme.firms.models import FirmImport

SHOWN_ISSUES = 20


class Command(BaseCommand):
    help = "Importa una base de empresas (CSV o XLSX del ministerio) al registro."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="Archivo CSV o XLSX.")
        parser.add_argument(
            "--country",
            default=settings.DEFAULT_COUNTRY,
            help="País de las empresas (código ISO, p. ej. EC). Por omisión: DEFAULT_COUNTRY.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Solo revisa el archivo e informa; no guarda ninguna empresa.",
        )
        parser.add_argument(
            "--organisation",
            type=int,
            help="Id de la organización aliada a la que quedan afiliadas las empresas.",
        )
        parser.add_argument(
            "--report", help="Ruta donde escribir el informe completo de filas no importadas (CSV)."
        )
        parser.add_argument(
            "--resume",
            type=int,
            metavar="IMPORT_ID",
            help="Reanuda una importación interrumpida (su archivo ya está guardado).",
        )

    def handle(self, *args, **options):
        if options["resume"]:
            try:
                firm_import = FirmImport.objects.get(pk=options["resume"])
            except FirmImport.DoesNotExist as exc:
                raise CommandError(f"No existe la importación {options['resume']}.") from exc
        else:
            firm_import = self._create(options)
        firm_import = importing.firm_import_process(firm_import_id=firm_import.pk)
        if firm_import.status == FirmImport.Status.FAILED:
            raise CommandError(firm_import.error_message)
        self._print_summary(firm_import)
        self._print_issues(firm_import, options.get("report"))

    def _create(self, options) -> FirmImport:
        if not options["file"]:
            raise CommandError("Indique el archivo a importar (o --resume IMPORT_ID).")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No existe el archivo {path}.")
        country = options["country"].upper()
        if country not in ALADI_COUNTRIES:
            raise CommandError(f"País no admitido: {country}.")
        organisation = None
        if options["organisation"]:
            organisation = Organisation.objects.filter(pk=options["organisation"]).first()
            if organisation is None:
                raise CommandError(f"No existe la organización {options['organisation']}.")
        with path.open("rb") as fileobj:
            try:
                layout = importing.read_layout(fileobj, path.name)
            except importing.ImportFileError as exc:
                raise CommandError(exc.message) from exc
            self.stdout.write(self._describe(path.name, layout))
            return importing.firm_import_create(
                file=File(fileobj, name=path.name),
                original_name=path.name,
                country=country,
                dry_run=options["dry_run"],
                organisation=organisation,
            )

    @staticmethod
    def _describe(name: str, layout: importing.Layout) -> str:
        if layout.kind == "xlsx":
            text = f"Archivo: {name} (Excel, primera hoja)"
        else:
            separator = "tab" if layout.delimiter == "\t" else layout.delimiter
            text = f"Archivo: {name} (CSV, {layout.encoding}, separador «{separator}»)"
        if layout.ignored_columns:
            text += f"\nColumnas ignoradas: {', '.join(layout.ignored_columns)}"
        return text

    def _print_summary(self, firm_import: FirmImport) -> None:
        summary = importing.firm_import_summary(firm_import)
        title = f"Importación {firm_import.pk} terminada"
        if firm_import.dry_run:
            title += " (simulación: no se guardó ninguna empresa)"
        self.stdout.write(self.style.SUCCESS(title))
        lines = [
            ("Filas leídas", summary.rows_done),
            ("creadas", summary.created),
            ("actualizadas", summary.updated),
            ("sin cambios", summary.unchanged),
            ("rechazadas", summary.rejected),
            ("repetidas", summary.duplicates),
            ("vacías (ignoradas)", summary.empty),
        ]
        for label, value in lines:
            self.stdout.write(f"  {label + ':':<20}{value:>8}")

    def _print_issues(self, firm_import: FirmImport, report: str | None) -> None:
        issues = firm_import.issues.order_by("line")
        total = issues.count()
        if not total:
            self.stdout.write("Todas las filas con datos se importaron.")
            return
        shown = min(total, SHOWN_ISSUES)
        self.stdout.write(f"Filas no importadas (primeras {shown} de {total}):")
        for issue in issues[:SHOWN_ISSUES]:
            self.stdout.write(
                f"  línea {issue.line} [{issue.get_kind_display()}] {issue.tax_id}: {issue.reason}"
            )
        if report:
            path = Path(report)
            with path.open("w", encoding="utf-8", newline="") as out:
                for chunk in csv_rows(
                    importing.REPORT_HEADER, importing.issue_report_rows(firm_import)
                ):
                    out.write(chunk)
            self.stdout.write(f"Informe completo en {path}")
        else:
            url = reverse("firms:import_issues", kwargs={"public_id": firm_import.public_id})
            self.stdout.write(
                f"Informe completo: --report ARCHIVO.csv, o en {settings.SITE_URL}{url}"
            )
