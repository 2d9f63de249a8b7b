"""The import service: upserts, repeats, re-imports, dry runs, and runs killed half-way."""

from datetime import timedelta

import pytest

from rutapyme.accounts.tests.factories import OrganisationFactory
from rutapyme.firms import importing
from rutapyme.firms.models import (
    ConsentRecord,
    Firm,
    FirmAffiliation,
    FirmImport,
    FirmImportIssue,
    Source,
)
from rutapyme.firms.tests.data import (
    counts,
    create_import,
    csv_bytes,
    issues_of,
    row,
    ruc,
    run_import,
)
from rutapyme.firms.tests.factories import FirmFactory

pytestmark = pytest.mark.django_db

SNAPSHOT_FIELDS = (
    "country",
    "tax_id",
    "tax_id_status",
    "legal_name",
    "trade_name",
    "province",
    "canton",
    "sector",
    "offer_type",
    "size_band",
    "employees",
    "legal_representative",
    "email",
    "phone",
    "sells_online",
    "source",
)


class WorkerKilled(BaseException):
    """Stands for SIGKILL: not an Exception, so nothing in the service catches it."""


def _firms() -> list[tuple]:
    return sorted(Firm.objects.values_list(*SNAPSHOT_FIELDS))


def _state(firm_import) -> dict:
    firm_import.refresh_from_db()
    return {
        "counts": counts(firm_import),
        "issues": list(
            firm_import.issues.order_by("line").values_list(
                "line", "kind", "tax_id", "reason", "raw"
            )
        ),
        "firms": _firms(),
        "consents": sorted(ConsentRecord.objects.values_list("firm__tax_id", "channel")),
        "affiliations": sorted(FirmAffiliation.objects.values_list("firm__tax_id", flat=True)),
    }


def _existing_firm():
    return FirmFactory(
        tax_id=ruc(5),
        legal_name="Cerámica Vieja",
        trade_name="",
        phone="+593987654321",
        email="antes@ceramica.ec",
        source=Source.SELF_REGISTERED,
    )


def _messy_file() -> bytes:
    """11 data lines: new firms, an existing one, a bad row, an empty row and repeats."""
    return csv_bytes(
        [
            row(ruc(1), "Uno S.A."),  # 2
            row(ruc(2), "Dos S.A."),  # 3
            [],  # 4 empty
            row("1710034066001", "Dígito Malo"),  # 5 rejected
            row(ruc(1), "Uno S.A.", TELEFONO="099 123 4567"),  # 6 same as line 2
            row(ruc(3), "Tres S.A."),  # 7
            row(ruc(2), "Dos S.A.", TELEFONO="0987777777"),  # 8 conflicts with line 3
            row(ruc(4), "Cuatro S.A.", NUM_EMPLEADOS="6-25"),  # 9
            row(ruc(5), "Cerámica Nueva", EMAIL=""),  # 10 updates the existing firm
            row(ruc(6), "Seis S.A."),  # 11
            row(ruc(1), "Uno S.A."),  # 12 same as line 2
        ],
        encoding="cp1252",
    )


def _clean_run(organisation=None) -> dict:
    _existing_firm()
    firm_import = run_import(_messy_file(), organisation=organisation)
    return _state(firm_import)


def _reset_world():
    Firm.objects.all().delete()
    _existing_firm()


# What one clean run of _messy_file() reports (with its one pre-existing firm).
MESSY_FILE_COUNTS = {
    "status": "done",
    "rows": 11,
    "created": 5,
    "updated": 1,
    "unchanged": 0,
    "rejected": 2,
    "duplicates": 2,
    "empty": 1,
}


def test_clean_run_of_the_messy_file():
    state = _clean_run()

    assert state["counts"] == MESSY_FILE_COUNTS
    assert [(line, kind, reason) for line, kind, _tax, reason, _raw in state["issues"]] == [
        (5, "rejected", "El dígito verificador no corresponde: revise el RUC (persona natural)."),
        (6, "duplicate", "Igual a la línea 2: no se importa dos veces."),
        (
            8,
            "rejected",
            "El RUC ya aparece en la línea 3 con otros datos (TELEFONO). Se importó la línea 3 "
            "y esta no: corrija el archivo si esta es la correcta.",
        ),
        (12, "duplicate", "Igual a la línea 2: no se importa dos veces."),
    ]
    assert len(state["consents"]) == 5  # new firms only


def test_existing_firm_is_updated_not_duplicated_and_empty_cells_erase_nothing():
    firm = _existing_firm()
    before = firm.updated_at

    firm_import = run_import(csv_bytes([row(ruc(5), "Cerámica Nueva", EMAIL="", TELEFONO="")]))

    firm.refresh_from_db()
    assert Firm.objects.count() == 1
    assert (firm.legal_name, firm.email, firm.phone, firm.source) == (
        "Cerámica Nueva",
        "antes@ceramica.ec",
        "+593987654321",
        Source.SELF_REGISTERED,
    )
    assert firm.updated_at > before
    assert firm.consents.count() == 0
    assert (counts(firm_import)["created"], counts(firm_import)["updated"]) == (0, 1)


def test_employee_range_matching_the_known_number_changes_nothing():
    FirmFactory(tax_id=ruc(1), employees=3, size_band="0-5", **_row_values())

    firm_import = run_import(csv_bytes([row(ruc(1), NUM_EMPLEADOS="1 a 5")]))

    assert counts(firm_import)["unchanged"] == 1
    assert Firm.objects.get().employees == 3


def _row_values() -> dict:
    return {
        "legal_name": "Tejidos Andinos S.A.",
        "trade_name": "Tejidos Andinos",
        "province": "EC-P",
        "canton": "Quito",
        "sector": "textil",
        "offer_type": "products",
        "legal_representative": "María Quishpe",
        "email": "ventas@tejidos.ec",
        "phone": "+593991234567",
        "sells_online": True,
        "source": Source.IMPORTED,
    }


def test_second_import_of_the_same_file_changes_nothing():
    organisation = OrganisationFactory()
    first = _clean_run(organisation=organisation)
    updated_at = dict(Firm.objects.values_list("tax_id", "updated_at"))

    second_import = run_import(_messy_file(), organisation=organisation)

    second = _state(second_import)
    assert second["counts"] == {
        "status": "done",
        "rows": 11,
        "created": 0,
        "updated": 0,
        "unchanged": 6,
        "rejected": 2,
        "duplicates": 2,
        "empty": 1,
    }
    assert second["issues"] == first["issues"]
    assert second["firms"] == first["firms"]
    assert second["consents"] == first["consents"]
    assert second["affiliations"] == first["affiliations"]
    assert dict(Firm.objects.values_list("tax_id", "updated_at")) == updated_at


def test_repeats_that_differ_only_in_how_they_are_written_are_duplicates():
    full = ruc(8, province="09")
    content = csv_bytes(
        [
            row(full, TELEFONO="0991234567", PROVINCIA="Guayas", SECTOR="Artesanías"),
            row(full[1:], TELEFONO="+593 99 123 4567", PROVINCIA="GUAYAS", SECTOR="ARTESANIA"),
        ]
    )

    firm_import = run_import(content)

    assert issues_of(firm_import) == [
        (3, "duplicate", "Igual a la línea 2: no se importa dos veces.")
    ]
    assert Firm.objects.count() == 1


def test_first_valid_row_of_a_tax_id_wins():
    content = csv_bytes(
        [
            row(ruc(1), ""),  # rejected: no legal name
            row(ruc(1), "Segunda S.A."),
            row(ruc(1), "Tercera S.A.", NUM_EMPLEADOS="30", SECTOR="calzado"),
        ]
    )

    firm_import = run_import(content)

    assert Firm.objects.get().legal_name == "Segunda S.A."
    assert issues_of(firm_import) == [
        (2, "rejected", "Falta la razón social."),
        (
            4,
            "rejected",
            "El RUC ya aparece en la línea 3 con otros datos (RAZON_SOCIAL, SECTOR, "
            "NUM_EMPLEADOS). Se importó la línea 3 y esta no: corrija el archivo si esta es la "
            "correcta.",
        ),
    ]


def test_organisation_gets_every_imported_firm_affiliated_once():
    organisation = OrganisationFactory()
    existing = _existing_firm()

    run_import(_messy_file(), organisation=organisation)
    run_import(_messy_file(), organisation=organisation)

    assert FirmAffiliation.objects.filter(organisation=organisation).count() == 6
    assert FirmAffiliation.objects.filter(firm=existing).count() == 1


def test_dry_run_reports_but_writes_no_firm():
    existing = _existing_firm()
    before = _firms()

    firm_import = run_import(_messy_file(), dry_run=True, organisation=OrganisationFactory())

    assert _firms() == before
    existing.refresh_from_db()
    assert existing.legal_name == "Cerámica Vieja"
    assert (ConsentRecord.objects.count(), FirmAffiliation.objects.count()) == (0, 0)
    assert counts(firm_import) == MESSY_FILE_COUNTS


@pytest.mark.parametrize("killed_after", [1, 2, 3])
def test_run_killed_after_a_checkpoint_resumes_to_the_clean_result(monkeypatch, killed_after):
    monkeypatch.setattr(importing, "CHUNK_SIZE", 3)
    clean = _clean_run()
    _reset_world()
    firm_import = create_import(_messy_file())
    checkpoints = []

    def kill(rows_done):
        checkpoints.append(rows_done)
        if len(checkpoints) == killed_after:
            raise WorkerKilled

    with pytest.raises(WorkerKilled):
        importing.firm_import_process(firm_import_id=firm_import.pk, after_chunk=kill)

    firm_import.refresh_from_db()
    assert (firm_import.status, firm_import.rows_done) == ("running", 3 * killed_after)
    importing.firm_import_process(firm_import_id=firm_import.pk)
    assert _state(firm_import) == clean


@pytest.mark.parametrize("killed_in_chunk", [1, 2, 3, 4])
def test_run_killed_inside_a_chunk_rolls_it_back_and_resumes(monkeypatch, killed_in_chunk):
    monkeypatch.setattr(importing, "CHUNK_SIZE", 3)
    clean = _clean_run()
    _reset_world()
    firm_import = create_import(_messy_file())
    real_write_issues = importing.write_issues
    calls = []

    def write_issues_then_die(fi, rows):
        calls.append(fi.pk)
        real_write_issues(fi, rows)  # firms and issues of the chunk are written…
        if len(calls) == killed_in_chunk:
            raise WorkerKilled  # …and the worker dies before the commit

    monkeypatch.setattr(importing, "write_issues", write_issues_then_die)
    with pytest.raises(WorkerKilled):
        importing.firm_import_process(firm_import_id=firm_import.pk)
    firm_import.refresh_from_db()
    assert firm_import.rows_done == 3 * (killed_in_chunk - 1)
    assert firm_import.issues.filter(line__gt=firm_import.rows_done + 1).count() == 0

    monkeypatch.setattr(importing, "write_issues", real_write_issues)
    importing.firm_import_process(firm_import_id=firm_import.pk)
    assert _state(firm_import) == clean


def test_unexpected_error_fails_the_import_and_a_rerun_finishes_it(monkeypatch):
    monkeypatch.setattr(importing, "CHUNK_SIZE", 3)
    clean = _clean_run()
    _reset_world()
    firm_import = create_import(_messy_file())
    real_write_firms = importing.write_firms
    calls = []

    def write_firms_failing_once(*args):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disco lleno")
        real_write_firms(*args)

    monkeypatch.setattr(importing, "write_firms", write_firms_failing_once)
    with pytest.raises(RuntimeError):
        importing.firm_import_process(firm_import_id=firm_import.pk)
    firm_import.refresh_from_db()
    assert (firm_import.status, firm_import.rows_done) == ("failed", 3)
    assert firm_import.error_message == (
        "La importación se detuvo por un error inesperado. Lo ya importado se conserva; puede "
        "reanudarla y continuará desde donde quedó."
    )
    assert importing.firm_import_is_resumable(firm_import)

    importing.firm_import_process(firm_import_id=firm_import.pk)
    assert _state(firm_import) == clean
    assert firm_import.error_message == ""


def test_a_runner_that_lost_the_chunk_to_another_writes_nothing(monkeypatch):
    monkeypatch.setattr(importing, "CHUNK_SIZE", 3)
    firm_import = create_import(_messy_file())
    with pytest.raises(WorkerKilled):
        importing.firm_import_process(
            firm_import_id=firm_import.pk,
            after_chunk=lambda rows_done: (_ for _ in ()).throw(WorkerKilled()),
        )
    firm_import.refresh_from_db()
    firms_before, issues_before = _firms(), issues_of(firm_import)
    stale_rows = [importing.RowOutcome(line=2, kind=importing.ACCEPTED, tax_id=ruc(9), values={})]

    with pytest.raises(importing.ImportRunSuperseded):
        importing.commit_chunk(firm_import, stale_rows, start=0, end=3)

    assert (_firms(), issues_of(firm_import)) == (firms_before, issues_before)
    firm_import.refresh_from_db()
    assert firm_import.rows_done == 3


def test_running_a_finished_import_again_changes_nothing():
    firm_import = run_import(_messy_file())
    before = _state(firm_import)

    importing.firm_import_process(firm_import_id=firm_import.pk)

    assert _state(firm_import) == before


def test_import_is_resumable_only_when_failed_or_stale():
    firm_import = create_import(_messy_file())
    stale = firm_import.created_at + importing.RESUMABLE_AFTER + timedelta(seconds=1)

    assert not importing.firm_import_is_resumable(firm_import)
    assert importing.firm_import_is_resumable(firm_import, now=stale)
    FirmImport.objects.filter(pk=firm_import.pk).update(status=FirmImport.Status.DONE)
    firm_import.refresh_from_db()
    assert not importing.firm_import_is_resumable(firm_import, now=stale)


def test_a_run_that_keeps_checkpointing_is_not_offered_for_resuming(monkeypatch):
    monkeypatch.setattr(importing, "CHUNK_SIZE", 2)
    firm_import = create_import(_messy_file())
    seen = []

    def after_chunk(rows_done):
        current = FirmImport.objects.get(pk=firm_import.pk)
        seen.append(current.progress_at)
        later = current.progress_at + importing.RESUMABLE_AFTER - timedelta(seconds=1)
        assert not importing.firm_import_is_resumable(current, now=later)

    importing.firm_import_process(firm_import_id=firm_import.pk, after_chunk=after_chunk)

    assert len(seen) >= 2
    assert seen == sorted(seen)


def test_every_line_of_a_larger_file_is_accounted_for(monkeypatch):
    monkeypatch.setattr(importing, "CHUNK_SIZE", 50)
    rows = []
    for n in range(300):
        if n % 25 == 0:
            rows.append([])
        elif n % 20 == 0:
            rows.append(row("1710034066001", f"Malo {n}"))
        elif n % 30 == 0:
            rows.append(row(ruc(n - 1), f"Firma {n - 1}"))  # repeat of the previous row
        else:
            rows.append(row(ruc(n), f"Firma {n}"))
    firm_import = run_import(csv_bytes(rows, encoding="cp1252"))

    summary = importing.firm_import_summary(firm_import)
    issue_lines = set(firm_import.issues.values_list("line", flat=True))
    assert (summary.rows_done, summary.empty, summary.rejected, summary.duplicates) == (
        300,
        12,
        12,
        4,
    )
    assert summary.created == Firm.objects.count() == 272
    assert len(issue_lines) == firm_import.issues.count() == 16
    assert firm_import.issues.filter(kind=FirmImportIssue.Kind.DUPLICATE).count() == 4
