"""Pages of the answer import: upload, progress, problems, downloads, templates, roles, queries."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from rutapyme.accounts.models import Organisation
from rutapyme.accounts.tests.factories import (
    AdminFactory,
    OrganisationFactory,
    PartnerStaffFactory,
    ProgrammeStaffFactory,
    UserFactory,
)
from rutapyme.core.testing import queries_for, upload
from rutapyme.diagnosis import importing
from rutapyme.diagnosis.models import (
    Diagnosis,
    DiagnosisImport,
    DiagnosisImportIssue,
    Questionnaire,
)
from rutapyme.diagnosis.tests.data import (
    answer_row,
    create_import,
    csv_bytes,
    header,
    messy_rows,
    report_of,
    run_import,
    xlsx_bytes,
)
from rutapyme.diagnosis.tests.factories import answers_for
from rutapyme.firms.tests.factories import FirmFactory, FirmMembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = ProgrammeStaffFactory()
    client.force_login(user)
    return user


def _two_rows() -> bytes:
    """A good row and a row with a scale value out of range (firms created in Ecuador)."""
    good, bad = FirmFactory(), FirmFactory()
    return csv_bytes(
        [
            answer_row(good, answers_for(good, seed=1)),
            answer_row(bad, answers_for(bad, seed=2, q07_area_experience__logistics=7)),
        ]
    )


def _post(client, content: bytes, name: str = "respuestas.csv", **data):
    return client.post(reverse("diagnosis:import_new"), {"file": upload(name, content), **data})


def _peru_staff():
    ministry = OrganisationFactory(
        name="Ministerio de la Producción", kind=Organisation.Kind.GOVERNMENT, country="PE"
    )
    return ProgrammeStaffFactory(organisation=ministry)


# --- Upload -----------------------------------------------------------------------------------


def test_staff_uploads_a_file_and_the_task_imports_it(
    client, staff, immediate_tasks, django_capture_on_commit_callbacks
):
    content = _two_rows()

    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, content)

    diagnosis_import = DiagnosisImport.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("diagnosis:import_detail", args=[diagnosis_import.public_id])
    assert (
        diagnosis_import.status,
        diagnosis_import.created_by,
        diagnosis_import.organisation,
        diagnosis_import.original_name,
        diagnosis_import.questionnaire.is_current,
    ) == ("done", staff, staff.organisation, "respuestas.csv", True)
    assert (diagnosis_import.created_count, diagnosis_import.rejected_count) == (1, 1)
    assert diagnosis_import.file.read() == content  # what was uploaded is kept
    page = client.get(response.url)
    assert page.status_code == 200
    assert "Terminada" in page.text
    assert 'hx-trigger="every 2s"' not in page.text
    assert "Elija un valor de la escala (1 a 4)." in page.text
    assert "Descargar la fila rechazada (Excel)" in page.text


def test_staff_uploads_an_xlsx_file(
    client, staff, immediate_tasks, django_capture_on_commit_callbacks
):
    firm = FirmFactory()
    content = xlsx_bytes([answer_row(firm, answers_for(firm, seed=1))])

    with django_capture_on_commit_callbacks(execute=True):
        _post(client, content, "respuestas.xlsx")

    diagnosis_import = DiagnosisImport.objects.get()
    assert (diagnosis_import.status, diagnosis_import.created_count) == ("done", 1)
    assert Diagnosis.objects.get().firm == firm


def test_upload_is_queued_on_the_imports_queue(client, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        _post(client, _two_rows())

    diagnosis_import = DiagnosisImport.objects.get()
    assert (len(callbacks), diagnosis_import.status) == (1, "pending")
    assert callbacks[0].func.__self__.queue_name == "imports"
    assert callbacks[0].args == (diagnosis_import.pk,)


def test_the_form_offers_the_current_version_first(client, staff):
    response = client.get(reverse("diagnosis:import_new"))

    field = response.context["form"]["questionnaire"]
    assert response.status_code == 200
    assert [label for _value, label in field.field.choices] == [
        "Autodiagnóstico: vender en línea y exportar por comercio electrónico, versión 1 (vigente)"
    ]
    assert field.initial == Questionnaire.objects.get(is_current=True).pk


@pytest.mark.parametrize(
    ("name", "content", "messages"),
    [
        (
            "respuestas.xls",
            b"\xd0\xcf\x11\xe0",
            [
                "«respuestas.xls» no es un archivo CSV ni Excel (.xlsx). Si es un Excel antiguo "
                "(.xls), ábralo y guárdelo como «Libro de Excel (.xlsx)»."
            ],
        ),
        ("vacio.csv", b"", ["El archivo está vacío."]),
        (
            "titulos.csv",
            ",".join(["TAX_ID", "COUNTRY", "ANSWERED_ON", "q06_ventas"]).encode() + b"\r\nx\r\n",
            None,
        ),
    ],
)
def test_bad_files_keep_the_user_on_the_form_with_the_message(
    client, staff, django_capture_on_commit_callbacks, name, content, messages
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = _post(client, content, name)

    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    if messages is None:  # a bad header: each problem, then how many more
        assert errors[0] == (
            "La columna «q06_ventas» no es de la versión 1 del cuestionario: escríbala "
            "exactamente como en la plantilla."
        )
        assert errors[1] == "Falta la columna obligatoria «q05_customer_segment»."
        assert errors[-1].endswith(" problemas más en la fila de títulos.")
    else:
        assert errors == messages
    assert (DiagnosisImport.objects.count(), len(callbacks)) == (0, 0)


# --- Roles ------------------------------------------------------------------------------------


def _import_urls(diagnosis_import) -> list[tuple[str, str]]:
    key = [diagnosis_import.public_id]
    return [
        ("get", reverse("diagnosis:import_list")),
        ("get", reverse("diagnosis:import_new")),
        ("post", reverse("diagnosis:import_new")),
        ("get", reverse("diagnosis:import_template")),
        ("get", reverse("diagnosis:import_template_csv")),
        ("get", reverse("diagnosis:import_detail", args=key)),
        ("get", reverse("diagnosis:import_progress", args=key)),
        ("get", reverse("diagnosis:import_issues", args=key)),
        ("get", reverse("diagnosis:import_issues_csv", args=key)),
        ("get", reverse("diagnosis:import_issues_xlsx", args=key)),
        ("get", reverse("diagnosis:import_rejected_csv", args=key)),
        ("get", reverse("diagnosis:import_rejected_xlsx", args=key)),
        ("post", reverse("diagnosis:import_resume", args=key)),
    ]


def _failed_import():
    diagnosis_import = create_import(_two_rows())
    DiagnosisImport.objects.filter(pk=diagnosis_import.pk).update(
        status=DiagnosisImport.Status.FAILED, total_rows=2
    )
    return diagnosis_import


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
    diagnosis_import = _failed_import()
    client.force_login(make_user())

    with django_capture_on_commit_callbacks() as callbacks:
        for method, url in _import_urls(diagnosis_import):
            data = {"file": upload("r.csv", _two_rows())}
            response = getattr(client, method)(url, data) if method == "post" else client.get(url)
            assert (url, response.status_code) == (url, 403)

    assert (DiagnosisImport.objects.count(), len(callbacks)) == (1, 0)
    assert Diagnosis.objects.count() == 0
    diagnosis_import.refresh_from_db()
    assert diagnosis_import.status == "failed"


def test_staff_of_another_country_cannot_see_an_import(client, django_capture_on_commit_callbacks):
    diagnosis_import = _failed_import()
    client.force_login(_peru_staff())

    with django_capture_on_commit_callbacks() as callbacks:
        for method, url in _import_urls(diagnosis_import)[5:]:
            response = getattr(client, method)(url)
            assert (url, response.status_code) == (url, 404)

    assert len(callbacks) == 0
    assert client.get(reverse("diagnosis:import_list")).context["rows"] == []
    diagnosis_import.refresh_from_db()
    assert diagnosis_import.status == "failed"


def test_staff_of_another_country_importing_ecuadorian_firms_finds_none(
    client, immediate_tasks, django_capture_on_commit_callbacks
):
    content = _two_rows()
    client.force_login(_peru_staff())

    with django_capture_on_commit_callbacks(execute=True):
        _post(client, content)

    diagnosis_import = DiagnosisImport.objects.get()
    assert [code for _l, _c, _s, code in report_of(diagnosis_import)] == [
        "unknown_firm",
        "unknown_firm",
        "out_of_range",
    ]
    assert Diagnosis.objects.count() == 0


@pytest.mark.parametrize("make_user", [ProgrammeStaffFactory, AdminFactory], ids=["staff", "admin"])
def test_programme_staff_and_admins_reach_every_page(client, make_user):
    diagnosis_import = run_import(_two_rows())
    client.force_login(make_user())

    for method, url in _import_urls(diagnosis_import):
        if method == "get":
            response = client.get(url, headers={"HX-Request": "true"})
            assert (url, response.status_code) == (url, 200)


# --- Progress, problems and resuming ----------------------------------------------------------


def test_a_running_import_polls_and_a_finished_one_reloads_the_page(client, staff):
    diagnosis_import = create_import(_two_rows(), user=staff)
    url = reverse("diagnosis:import_progress", args=[diagnosis_import.public_id])

    running = client.get(url, headers={"HX-Request": "true"})
    importing.diagnosis_import_process(diagnosis_import_id=diagnosis_import.pk)
    finished = client.get(url, headers={"HX-Request": "true"})

    assert 'hx-trigger="every 2s"' in running.text
    assert "HX-Refresh" not in running.headers
    assert finished.headers["HX-Refresh"] == "true"
    assert 'hx-trigger="every 2s"' not in finished.text


def test_problems_are_paginated_and_filtered_by_severity(client, staff):
    diagnosis_import = run_import(csv_bytes(messy_rows()), user=staff)
    url = reverse("diagnosis:import_issues", args=[diagnosis_import.public_id])

    everything = client.get(url, headers={"HX-Request": "true"})
    warnings = client.get(url, {"gravedad": "avisos"}, headers={"HX-Request": "true"})
    without_htmx = client.get(url, {"gravedad": "avisos", "page": "1"})

    assert everything.context["page"].paginator.count == 14
    assert [i.code for i in warnings.context["page"]] == [
        "prefill_mismatch",
        "not_applicable",
        "text_without_option",
        "staff_exceeds_size",
    ]
    assert 'id="import-issues"' in warnings.text and "<html" not in warnings.text
    detail = reverse("diagnosis:import_detail", args=[diagnosis_import.public_id])
    assert without_htmx.url == f"{detail}?gravedad=avisos&page=1#problemas"
    page = client.get(detail, {"gravedad": "errores"})
    assert page.context["page"].paginator.count == 10


def test_a_stalled_import_can_be_resumed(
    client, staff, immediate_tasks, django_capture_on_commit_callbacks
):
    diagnosis_import = create_import(_two_rows(), user=staff)
    stalled = timezone.now() - importing.RESUMABLE_AFTER - timedelta(seconds=1)
    DiagnosisImport.objects.filter(pk=diagnosis_import.pk).update(
        status=DiagnosisImport.Status.RUNNING, started_at=stalled, progress_at=stalled
    )
    detail = reverse("diagnosis:import_detail", args=[diagnosis_import.public_id])
    assert "Reanudar" in client.get(detail).text

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("diagnosis:import_resume", args=[diagnosis_import.public_id])
        )

    diagnosis_import.refresh_from_db()
    assert response.url == detail
    assert (diagnosis_import.status, diagnosis_import.created_count) == ("done", 1)


def test_an_import_that_needs_no_resuming_is_left_alone(
    client, staff, django_capture_on_commit_callbacks
):
    diagnosis_import = run_import(_two_rows(), user=staff)

    with django_capture_on_commit_callbacks() as callbacks:
        client.post(reverse("diagnosis:import_resume", args=[diagnosis_import.public_id]))

    assert len(callbacks) == 0


# --- Downloads --------------------------------------------------------------------------------


def _csv_of(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_the_problem_report_has_one_line_per_problem(client, staff):
    content = _two_rows()
    diagnosis_import = run_import(content, user=staff)
    bad = list(csv.DictReader(io.StringIO(content.decode())))[1]

    response = client.get(reverse("diagnosis:import_issues_csv", args=[diagnosis_import.public_id]))

    problem = [
        bad["TAX_ID"],
        "EC",
        "q07_area_experience__logistics",
        "7",
        "error",
        "out_of_range",
        "Elija un valor de la escala (1 a 4).",
    ]
    assert _csv_of(response) == [importing.PROBLEM_HEADER, ["3", *problem]]
    xlsx = client.get(reverse("diagnosis:import_issues_xlsx", args=[diagnosis_import.public_id]))
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert rows == [tuple(importing.PROBLEM_HEADER), (3, *problem)]


def test_rejected_rows_come_back_as_they_were_and_import_once_corrected(
    client, staff, immediate_tasks, django_capture_on_commit_callbacks
):
    content = _two_rows()
    diagnosis_import = run_import(content, user=staff)
    original = list(csv.reader(io.StringIO(content.decode())))

    response = client.get(
        reverse("diagnosis:import_rejected_csv", args=[diagnosis_import.public_id])
    )
    rows = _csv_of(response)

    assert rows[0] == ["LINEA", "TIPO", "MOTIVO", *original[0]]
    assert rows[1] == [
        "3",
        "out_of_range",
        "q07_area_experience__logistics: Elija un valor de la escala (1 a 4).",
        *original[2],
    ]
    assert len(rows) == 2
    # corrected in the spreadsheet and uploaded again as it is
    rows[1][3 + original[0].index("q07_area_experience__logistics")] = "2"
    corrected = io.StringIO()
    csv.writer(corrected).writerows(rows)
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, corrected.getvalue().encode(), "corregido.csv")
    again = DiagnosisImport.objects.latest("created_at")
    assert (again.created_count, again.rejected_count) == (1, 0)
    assert Diagnosis.objects.count() == 2


def test_rejected_rows_list_every_reason_of_a_row(client, staff):
    diagnosis_import = run_import(csv_bytes(messy_rows()), user=staff)

    rows = _csv_of(
        client.get(reverse("diagnosis:import_rejected_csv", args=[diagnosis_import.public_id]))
    )
    xlsx = client.get(reverse("diagnosis:import_rejected_xlsx", args=[diagnosis_import.public_id]))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active

    assert [row[:2] for row in rows[1:]] == [
        ["3", "unknown_firm"],
        ["4", "tax_id_invalid"],
        ["5", "duplicate_row"],
        ["6", "version_unknown"],
        ["7", "date_invalid"],
        ["8", "required_missing"],
        ["9", "invalid_option"],
        ["10", "exclusive_conflict"],
        ["11", "out_of_range"],
        ["12", "country_mismatch"],
    ]
    assert sheet.max_row == 11
    assert [c.value for c in sheet[1]][:4] == ["LINEA", "TIPO", "MOTIVO", "TAX_ID"]


def test_templates(client, staff):
    xlsx = client.get(reverse("diagnosis:import_template"))
    csv_response = client.get(reverse("diagnosis:import_template_csv"))

    assert (
        xlsx["Content-Disposition"] == 'attachment; filename="respuestas-cepal-ecommerce-v1.xlsx"'
    )
    assert load_workbook(io.BytesIO(xlsx.content)).sheetnames == ["respuestas", "codigos"]
    rows = _csv_of(csv_response)
    assert rows[0] == header()
    assert [row[:2] for row in rows[1:]] == [["1004321871001", "EC"], ["20601234565", "PE"]]


# --- Queries ----------------------------------------------------------------------------------


def _issues(diagnosis_import, n: int) -> None:
    DiagnosisImportIssue.objects.bulk_create(
        DiagnosisImportIssue(
            diagnosis_import=diagnosis_import,
            line=i + 2,
            tax_id="1710034065001",
            country="EC",
            column="q06_online_sales",
            value="x",
            severity="error",
            code="invalid_option",
            message="«x» no es una de las opciones de esta pregunta.",
            raw=["1710034065001", "EC"],
        )
        for i in range(n)
    )


@pytest.mark.parametrize("n", [1, 30])
def test_import_list_queries_do_not_grow_with_imports(client, staff, n):
    for _ in range(n):
        _issues(create_import(b"x", user=staff), 3)

    count, response = queries_for(client, reverse("diagnosis:import_list"))

    assert count == 3  # user, count, page (with questionnaire and author)
    assert len(response.context["rows"]) == min(n, 25)


@pytest.mark.parametrize("n", [1, 120])
def test_problems_partial_queries_do_not_grow_with_problems(client, staff, n):
    diagnosis_import = create_import(b"x", user=staff)
    _issues(diagnosis_import, n)

    count, response = queries_for(
        client,
        reverse("diagnosis:import_issues", args=[diagnosis_import.public_id]),
        headers={"HX-Request": "true"},
    )

    assert count == 4  # user, import, count, page
    assert len(response.context["page"]) == min(n, 50)


@pytest.mark.parametrize("n", [1, 120])
def test_progress_partial_and_detail_queries_do_not_grow_with_problems(client, staff, n):
    diagnosis_import = create_import(b"x", user=staff)
    _issues(diagnosis_import, n)

    progress, _response = queries_for(
        client,
        reverse("diagnosis:import_progress", args=[diagnosis_import.public_id]),
        headers={"HX-Request": "true"},
    )
    detail, _response = queries_for(
        client, reverse("diagnosis:import_detail", args=[diagnosis_import.public_id])
    )

    assert progress == 2  # user, import
    assert detail == 4  # user, import, count, page
