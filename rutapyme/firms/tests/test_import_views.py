"""Upload, progress, report and history pages of the import: validation, roles, queries."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from rutapyme.accounts.tests.factories import (
    AdminFactory,
    OrganisationFactory,
    PartnerStaffFactory,
    ProgrammeStaffFactory,
    UserFactory,
)
from rutapyme.core.testing import queries_for, upload
from rutapyme.firms import importing
from rutapyme.firms.models import Firm, FirmImport, FirmImportIssue
from rutapyme.firms.tests.data import create_import, csv_bytes, row, ruc, run_import
from rutapyme.firms.tests.factories import FirmFactory, FirmMembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = ProgrammeStaffFactory()
    client.force_login(user)
    return user


def _good_file() -> bytes:
    return csv_bytes(
        [row(ruc(1), "Uno S.A."), row("1710034066001", "Malo"), row(ruc(1), "Uno S.A.")],
        encoding="cp1252",
    )


def _post(client, content: bytes, name: str = "base.csv", **data):
    return client.post(
        reverse("firms:import_new"), {"file": upload(name, content), "country": "EC", **data}
    )


# --- Upload ---------------------------------------------------------------------------------


def test_staff_uploads_a_file_and_the_task_imports_it(
    client, staff, immediate_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, _good_file())

    firm_import = FirmImport.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("firms:import_detail", args=[firm_import.public_id])
    assert (firm_import.status, firm_import.created_by, firm_import.original_name) == (
        "done",
        staff,
        "base.csv",
    )
    assert (firm_import.created_count, firm_import.rejected_count) == (1, 1)
    assert firm_import.file.read() == _good_file()  # what was uploaded is kept
    page = client.get(response.url)
    assert page.status_code == 200
    assert "Terminada" in page.text
    assert 'hx-trigger="every 2s"' not in page.text
    assert "Ver las 2 filas no importadas" in page.text


def test_upload_is_queued_on_the_imports_queue(client, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        _post(client, _good_file(), dry_run="on")

    firm_import = FirmImport.objects.get()
    assert (len(callbacks), firm_import.status, firm_import.dry_run) == (1, "pending", True)
    assert callbacks[0].func.__self__.queue_name == "imports"
    assert callbacks[0].args == (firm_import.pk,)


def test_upload_with_partner_organisation(
    client, staff, immediate_tasks, django_capture_on_commit_callbacks
):
    chamber = OrganisationFactory(name="Cámara de la Pequeña Industria", country="EC")

    with django_capture_on_commit_callbacks(execute=True):
        _post(client, _good_file(), organisation=chamber.pk)

    assert list(Firm.objects.get().partners.all()) == [chamber]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "base.pdf",
            b"%PDF-1.4",
            "«base.pdf» no es un archivo CSV ni Excel: suba un archivo .csv o .xlsx.",
        ),
        (
            "base.xls",
            b"\xd0\xcf\x11\xe0",
            "«base.xls» es un Excel antiguo (.xls). Ábralo en Excel y guárdelo como «Libro de "
            "Excel (.xlsx)» o como CSV.",
        ),
        (
            "foto.csv",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64),
            "«foto.csv» es una imagen, no una hoja de cálculo. Suba el archivo en CSV o en "
            "Excel (.xlsx).",
        ),
        (
            "binario.csv",
            bytes(range(256)) * 8,
            "«binario.csv» no es un archivo CSV ni Excel (.xlsx) legible. Revise que sea el "
            "archivo correcto.",
        ),
        ("vacio.csv", b"", "El archivo está vacío."),
        (
            "columnas.csv",
            b"RUC;NOMBRE\r\n1710034065001;X\r\n",
            "Faltan columnas obligatorias: RAZON_SOCIAL, SECTOR, TIPO_OFERTA, NUM_EMPLEADOS. "
            "La primera fila debe tener los títulos: RUC;RAZON_SOCIAL;NOMBRE_COMERCIAL;"
            "PROVINCIA;CANTON;SECTOR;TIPO_OFERTA;NUM_EMPLEADOS;REPRESENTANTE_LEGAL;EMAIL;"
            "TELEFONO;VENDE_EN_LINEA.",
        ),
    ],
)
def test_bad_files_keep_the_user_on_the_form_with_the_message(
    client, staff, django_capture_on_commit_callbacks, name, content, message
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = _post(client, content, name, dry_run="on")

    assert response.status_code == 200
    assert response.context["form"].errors == {"file": [message]}
    assert 'name="dry_run" id="id_dry_run" checked' in response.text  # the choices are kept
    assert (FirmImport.objects.count(), len(callbacks)) == (0, 0)


def test_missing_file_and_too_large_file(client, staff, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 100

    missing = client.post(reverse("firms:import_new"), {"country": "EC"})
    too_large = _post(client, _good_file())

    assert missing.context["form"].errors == {"file": ["Elija el archivo a importar."]}
    assert too_large.context["form"].errors == {
        "file": [
            f"«base.csv» pesa {len(_good_file())}\xa0bytes; el máximo es 100\xa0bytes. "
            "Divídalo en partes."
        ]
    }
    assert FirmImport.objects.count() == 0


def test_upload_form_offers_staff_only_their_country(client):
    client.force_login(ProgrammeStaffFactory(organisation=OrganisationFactory(country="PE")))

    response = client.get(reverse("firms:import_new"))

    assert response.status_code == 200
    assert response.context["form"].fields["country"].choices == [("PE", "Perú")]


def test_staff_of_another_country_cannot_import_into_ecuador(client):
    client.force_login(ProgrammeStaffFactory(organisation=OrganisationFactory(country="PE")))

    response = _post(client, _good_file())

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "country": ["No puede importar empresas de ese país. Su cuenta puede importar en: Perú."]
    }
    assert FirmImport.objects.count() == 0


def test_partner_organisation_of_another_country_is_refused(client, staff):
    peruvian = OrganisationFactory(name="Cámara de Lima", country="PE")

    response = _post(client, _good_file(), organisation=peruvian.pk)

    assert response.context["form"].errors == {
        "organisation": ["Elija una organización de la lista."]
    }
    assert FirmImport.objects.count() == 0


def test_admin_may_import_into_any_country(
    client, immediate_tasks, django_capture_on_commit_callbacks
):
    client.force_login(AdminFactory())
    content = csv_bytes([row("20100047218", PROVINCIA="Lima", TELEFONO="")])

    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, content, country="PE")

    assert response.status_code == 302
    assert Firm.objects.get().country == "PE"


def test_firm_list_links_to_the_import_for_staff_only(client):
    client.force_login(ProgrammeStaffFactory())
    staff_page = client.get(reverse("firms:list"))
    client.force_login(PartnerStaffFactory())
    partner_page = client.get(reverse("firms:list"))

    link = f'href="{reverse("firms:import_new")}"'
    assert (link in staff_page.text, link in partner_page.text) == (True, False)


# --- Permissions ------------------------------------------------------------------------------


def _import_urls(firm_import) -> list[tuple[str, str]]:
    key = [firm_import.public_id]
    return [
        ("get", reverse("firms:import_list")),
        ("get", reverse("firms:import_new")),
        ("post", reverse("firms:import_new")),
        ("get", reverse("firms:import_detail", args=key)),
        ("get", reverse("firms:import_progress", args=key)),
        ("get", reverse("firms:import_issues", args=key)),
        ("get", reverse("firms:import_issues_export", args=key)),
        ("get", reverse("firms:import_issues_export_xlsx", args=key)),
        ("post", reverse("firms:import_resume", args=key)),
    ]


def _failed_import():
    firm_import = create_import(_good_file())
    FirmImport.objects.filter(pk=firm_import.pk).update(status=FirmImport.Status.FAILED)
    return firm_import


def test_anonymous_is_sent_to_login_everywhere(client):
    for method, url in _import_urls(_failed_import()):
        response = getattr(client, method)(url)
        assert (url, response.status_code) == (url, 302)
        assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    "make_user",
    [
        UserFactory,
        PartnerStaffFactory,
        lambda: FirmMembershipFactory(firm=FirmFactory()).user,
    ],
    ids=["firm-member-without-firm", "partner-staff", "firm-owner"],
)
def test_people_outside_the_programme_are_refused_and_nothing_happens(
    client, django_capture_on_commit_callbacks, make_user
):
    firm_import = _failed_import()
    client.force_login(make_user())

    with django_capture_on_commit_callbacks() as callbacks:
        for method, url in _import_urls(firm_import):
            data = {"file": upload("b.csv", _good_file()), "country": "EC"}
            response = getattr(client, method)(url, data) if method == "post" else client.get(url)
            assert (url, response.status_code) == (url, 403)

    assert (FirmImport.objects.count(), len(callbacks)) == (1, 0)
    firm_import.refresh_from_db()
    assert firm_import.status == "failed"


def test_staff_of_another_country_cannot_see_an_ecuadorian_import(
    client, django_capture_on_commit_callbacks
):
    firm_import = _failed_import()
    client.force_login(ProgrammeStaffFactory(organisation=OrganisationFactory(country="PE")))

    with django_capture_on_commit_callbacks() as callbacks:
        for method, url in _import_urls(firm_import)[3:]:
            response = getattr(client, method)(url)
            assert (url, response.status_code) == (url, 404)

    assert len(callbacks) == 0
    assert client.get(reverse("firms:import_list")).context["rows"] == []


@pytest.mark.parametrize(
    "make_user",
    [ProgrammeStaffFactory, AdminFactory],
    ids=["programme-staff", "admin"],
)
def test_programme_staff_and_admins_reach_every_page(client, make_user):
    firm_import = run_import(_good_file())
    client.force_login(make_user())

    for method, url in _import_urls(firm_import):
        if method == "get":
            assert (url, client.get(url).status_code) == (url, 200)


# --- Progress, resume, report ----------------------------------------------------------------


def test_progress_partial_polls_while_running_and_stops_when_done(client, staff):
    firm_import = create_import(_good_file())
    FirmImport.objects.filter(pk=firm_import.pk).update(
        status=FirmImport.Status.RUNNING, total_rows=4000, rows_done=1000, created_count=990
    )
    url = reverse("firms:import_progress", args=[firm_import.public_id])

    running = client.get(url, headers={"HX-Request": "true"})
    FirmImport.objects.filter(pk=firm_import.pk).update(
        status=FirmImport.Status.DONE, rows_done=4000
    )
    done = client.get(url, headers={"HX-Request": "true"})

    assert running.text.startswith('<section id="import-status"')
    assert f'hx-get="{url}" hx-trigger="every 2s" hx-swap="outerHTML"' in running.text
    assert '<progress max="100" value="25"' in running.text
    assert "1\xa0000 de 4\xa0000 filas (25 %)" in running.text
    assert "hx-trigger" not in done.text
    assert '<progress max="100" value="100"' in done.text


def test_detail_page_refreshes_without_javascript_while_running(client, staff):
    firm_import = create_import(_good_file())

    response = client.get(reverse("firms:import_detail", args=[firm_import.public_id]))

    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in response.text
    assert "Actualizar" in response.text
    assert "<script>" not in response.text and "style=" not in response.text


def test_resume_reruns_a_failed_import(
    client, staff, immediate_tasks, django_capture_on_commit_callbacks
):
    firm_import = _failed_import()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("firms:import_resume", args=[firm_import.public_id]))

    firm_import.refresh_from_db()
    assert response.status_code == 302
    assert (firm_import.status, firm_import.created_count) == ("done", 1)


def test_resume_does_not_rerun_a_finished_import(client, staff, django_capture_on_commit_callbacks):
    firm_import = run_import(_good_file())

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("firms:import_resume", args=[firm_import.public_id]), follow=True
        )

    assert len(callbacks) == 0
    assert "Esta importación no necesita reanudarse." in response.text


def test_issues_page_lists_rejected_and_repeated_rows(client, staff):
    firm_import = run_import(_good_file())
    url = reverse("firms:import_issues", args=[firm_import.public_id])

    every = client.get(url)
    rejected = client.get(url, {"tipo": "rechazadas"})

    assert [(i.line, i.kind) for i, _cells in every.context["rows"]] == [
        (3, "rejected"),
        (4, "duplicate"),
    ]
    assert [i.line for i, _cells in rejected.context["rows"]] == [3]
    assert "El dígito verificador no corresponde" in every.text


def test_report_download_neutralises_formula_cells(client, staff):
    content = csv_bytes(
        [row("1710034066001", "=1+1", NOMBRE_COMERCIAL='=HYPERLINK("http://malo.example")')]
    )
    firm_import = run_import(content)

    response = client.get(reverse("firms:import_issues_export", args=[firm_import.public_id]))

    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert lines[0] == importing.REPORT_HEADER
    assert lines[1][3:6] == ["1710034066001", "'=1+1", '\'=HYPERLINK("http://malo.example")']


def test_report_download_as_excel_keeps_formulas_as_text(client, staff):
    content = csv_bytes([row("1710034066001", "@SUM(A1)", NOMBRE_COMERCIAL="+593 cosa")])
    firm_import = run_import(content)

    response = client.get(reverse("firms:import_issues_export_xlsx", args=[firm_import.public_id]))

    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [cell.value for cell in sheet[2]][4:6] == ["'@SUM(A1)", "'+593 cosa"]
    assert sheet["E2"].data_type == "s"


def test_firm_export_neutralises_an_imported_formula_cell(client, staff):
    run_import(csv_bytes([row(ruc(1), "-2+3", NOMBRE_COMERCIAL='=HYPERLINK("http://x")')]))

    response = client.get(reverse("firms:export_csv"))

    text = b"".join(response.streaming_content).decode("utf-8-sig")
    firm_row = list(csv.reader(io.StringIO(text)))[1]
    assert firm_row[1:3] == ["'-2+3", '\'=HYPERLINK("http://x")']
    assert Firm.objects.get().trade_name == '=HYPERLINK("http://x")'  # stored as typed


# --- Query counts -----------------------------------------------------------------------------


def _issues(firm_import, n: int) -> None:
    FirmImportIssue.objects.bulk_create(
        FirmImportIssue(
            firm_import=firm_import,
            line=line,
            kind=FirmImportIssue.Kind.DUPLICATE if line % 2 else FirmImportIssue.Kind.REJECTED,
            tax_id="1710034066001",
            reason="El dígito verificador no corresponde.",
            raw='["1710034066001", "Malo"]',
        )
        for line in range(2, n + 2)
    )


@pytest.mark.parametrize("n", [1, 40])
def test_import_list_queries_do_not_grow_with_imports(client, staff, n):
    organisation = OrganisationFactory()
    for _ in range(n):
        firm_import = create_import(b"x", created_by=staff, organisation=organisation)
        _issues(firm_import, 3)

    count, response = queries_for(client, reverse("firms:import_list"))

    assert count == 4  # user, organisation, count, page

    assert len(response.context["rows"]) == min(n, 25)


@pytest.mark.parametrize("n", [1, 120])
def test_issues_page_queries_do_not_grow_with_issues(client, staff, n):
    firm_import = create_import(b"x")
    _issues(firm_import, n)

    count, response = queries_for(
        client, reverse("firms:import_issues", args=[firm_import.public_id])
    )

    assert count == 5  # user, organisation, import, count, page

    assert len(response.context["rows"]) == min(n, 50)


@pytest.mark.parametrize("n", [1, 120])
def test_progress_partial_queries_do_not_grow_with_issues(client, staff, n):
    firm_import = create_import(b"x", created_by=staff)
    _issues(firm_import, n)

    count, response = queries_for(
        client,
        reverse("firms:import_progress", args=[firm_import.public_id]),
        headers={"HX-Request": "true"},
    )

    assert count == 4  # user, organisation, import, duplicates
    assert response.status_code == 200
