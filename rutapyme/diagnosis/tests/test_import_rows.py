"""The answer import service: row checks, results, re-imports, scope, and runs killed half-way."""

import datetime
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rutapyme.accounts.models import Organisation
from rutapyme.accounts.tests.factories import (
    AdminFactory,
    OrganisationFactory,
    ProgrammeStaffFactory,
)
from rutapyme.diagnosis import importing, services
from rutapyme.diagnosis.models import Diagnosis, DiagnosisImport, DiagnosisImportIssue
from rutapyme.diagnosis.tests.data import (
    MESSY_COUNTS,
    MESSY_REPORT,
    UNKNOWN_RUC,
    answer_row,
    counts,
    create_import,
    csv_bytes,
    example_firms,
    example_rows,
    messy_rows,
    report_of,
    run_import,
)
from rutapyme.diagnosis.tests.factories import answers_for, submitted_diagnosis
from rutapyme.firms.fakes import ec_personal_ruc
from rutapyme.firms.tests.factories import FirmFactory

pytestmark = pytest.mark.django_db


class WorkerKilled(BaseException):
    """The worker process dies: nothing after this line of the run is executed."""


def _snapshot() -> list[tuple]:
    """Every diagnosis, without ids or timestamps: what a run leaves behind."""
    return sorted(
        Diagnosis.objects.values_list(
            "firm__tax_id",
            "status",
            "channel",
            "interviewer",
            "answered_on",
            "answers",
            "level",
            "attempt",
            "is_latest",
            "first_level",
            "country",
            "sector",
            "size_band",
        ),
        key=repr,
    )


def _issues(diagnosis_import) -> list[tuple]:
    return list(
        diagnosis_import.issues.order_by("line", "id").values_list(
            "line",
            "tax_id",
            "country",
            "column",
            "value",
            "severity",
            "code",
            "message",
            "raw",
        )
    )


def _state(diagnosis_import) -> tuple:
    diagnosis_import.refresh_from_db()
    return counts(diagnosis_import), _issues(diagnosis_import), _snapshot()


# --- The document's examples ------------------------------------------------------------------


def test_the_documents_two_example_rows_import_with_their_levels():
    firm_a, firm_b = example_firms()

    diagnosis_import = run_import(csv_bytes(example_rows()), user=AdminFactory())

    assert counts(diagnosis_import) == {
        "status": "done",
        "rows": 2,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
        "warnings": 0,
        "empty": 0,
    }
    a = Diagnosis.objects.get(firm=firm_a)
    b = Diagnosis.objects.get(firm=firm_b)
    assert (a.level, a.channel, a.interviewer, a.answered_on) == (
        1,
        "telefono",
        "mgarcia",
        datetime.date(2026, 11, 3),
    )
    assert (b.level, b.channel, b.interviewer, b.answered_on) == (
        5,
        "papel",
        "",
        datetime.date(2026, 11, 4),
    )
    assert sorted(a.answers["q13_promotion_media"]) == ["facebook", "instagram", "whatsapp"]
    assert b.answers["q01_country"] == "PE"  # left empty: taken from the registry
    assert b.answers["q21_known_support__knows__text"] == "Promperú, Exporta Fácil"
    assert (a.status, a.is_latest, a.attempt, a.first_level) == ("submitted", True, 1, 1)
    assert a.source_import == diagnosis_import
    assert a.submitted_by == diagnosis_import.created_by


# --- One row per problem ----------------------------------------------------------------------


def test_a_messy_file_reports_one_line_per_problem_and_keeps_the_valid_rows():
    rows = messy_rows()

    diagnosis_import = run_import(csv_bytes(rows))

    assert report_of(diagnosis_import) == MESSY_REPORT
    assert counts(diagnosis_import) == MESSY_COUNTS
    imported = set(Diagnosis.objects.values_list("firm__tax_id", flat=True))
    assert imported == {rows[i]["TAX_ID"] for i in (0, 11, 12, 13, 14)}
    # every data line is imported or rejected, with its line
    rejected_lines = set(
        diagnosis_import.issues.filter(severity="error").values_list("line", flat=True)
    )
    assert rejected_lines == set(range(3, 13))
    assert len(imported) + len(rejected_lines) == len(rows)


def test_the_report_gives_the_value_as_written_and_a_message():
    diagnosis_import = run_import(csv_bytes(messy_rows()))

    issue = diagnosis_import.issues.get(code="exclusive_conflict")
    assert (issue.value, issue.message) == (
        "none;instagram",
        "«No promociono mis productos o servicios a través de medios digitales» no se puede "
        "combinar con otras opciones.",
    )
    issue = diagnosis_import.issues.get(code="prefill_mismatch")
    assert (issue.value, issue.message) == (
        "6-25",
        "El registro dice 0-5; se guarda 6-25 en esta respuesta.",
    )
    issue = diagnosis_import.issues.get(code="date_invalid")
    assert issue.value == "31/02/2026"
    assert issue.raw is not None  # the row as it was, for the rejected-rows download
    assert diagnosis_import.issues.get(code="not_applicable").raw is None  # warnings: no row


def test_warnings_keep_the_row_and_what_they_say_is_applied():
    rows = messy_rows()

    run_import(csv_bytes(rows))

    prefill = Diagnosis.objects.get(firm__tax_id=rows[11]["TAX_ID"])
    assert prefill.answers["q03_size_band"] == "6-25"  # the answer is kept for this response
    assert prefill.firm.size_band == "0-5"  # the registry is not changed
    services_row = Diagnosis.objects.get(firm__tax_id=rows[12]["TAX_ID"])
    assert "q17_return_policy" not in services_row.answers  # not applicable: ignored
    text = Diagnosis.objects.get(firm__tax_id=rows[13]["TAX_ID"])
    assert "q11_relevant_platforms__other__text" not in text.answers


def test_a_row_with_several_problems_reports_them_all():
    firm = FirmFactory(offer_type="products")
    answers = answers_for(
        firm,
        seed=1,
        q06_online_sales="x",
        q07_area_experience__logistics=0,
        q12_digital_tools=None,
    )
    row = answer_row(firm, answers, ANSWERED_ON="2099-01-01", CHANNEL="fax")

    diagnosis_import = run_import(csv_bytes([row]))

    assert report_of(diagnosis_import) == [
        (2, "ANSWERED_ON", "error", "date_invalid"),
        (2, "CHANNEL", "error", "invalid_option"),
        (2, "q06_online_sales", "error", "invalid_option"),
        (2, "q07_area_experience__logistics", "error", "out_of_range"),
        (2, "q12_digital_tools", "error", "required_missing"),
    ]
    assert Diagnosis.objects.count() == 0


def test_an_unknown_firm_still_gets_its_answer_problems_but_not_the_registry_ones():
    unknown = FirmFactory.build(tax_id=UNKNOWN_RUC, offer_type="products")
    answers = answers_for(unknown, seed=1, q02_sector=None, q07_area_experience__logistics=9)
    for key in [k for k in answers if k.startswith(("q16", "q17", "q18", "q19"))]:
        del answers[key]

    diagnosis_import = run_import(csv_bytes([answer_row(unknown, answers)]))

    assert report_of(diagnosis_import) == [
        (2, "TAX_ID", "error", "unknown_firm"),
        (2, "q07_area_experience__logistics", "error", "out_of_range"),
    ]


@pytest.mark.parametrize(
    ("meta", "code"),
    [
        ({"TAX_ID": ""}, "required_missing"),
        ({"COUNTRY": ""}, "required_missing"),
        ({"COUNTRY": "US"}, "invalid_option"),
        ({"QUESTIONNAIRE": "otro"}, "version_unknown"),
        ({"ANSWERED_ON": ""}, "date_invalid"),
        ({"ANSWERED_ON": "3 de marzo"}, "date_invalid"),
        ({"INTERVIEWER": "x" * 121}, "out_of_range"),
    ],
)
def test_metadata_problems(meta, code):
    firm = FirmFactory()
    row = answer_row(firm, answers_for(firm, seed=1), **meta)

    diagnosis_import = run_import(csv_bytes([row]))

    assert [issue[3] for issue in report_of(diagnosis_import)] == [code]
    assert Diagnosis.objects.count() == 0


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        ({"ANSWERED_ON": "3/2/2026", "CHANNEL": "Presencial"}, ("2026-02-03", "presencial")),
        ({"ANSWERED_ON": "2026-02-03", "CHANNEL": ""}, ("2026-02-03", "papel")),
        ({"ANSWERED_ON": "2026-02-03 00:00:00", "CHANNEL": "TELÉFONO"}, ("2026-02-03", "telefono")),
        ({"QUESTIONNAIRE": "CEPAL-ECOMMERCE", "VERSION": "1.0"}, ("2026-03-02", "telefono")),
    ],
)
def test_accepted_ways_of_writing_metadata(meta, expected):
    firm = FirmFactory()
    row = answer_row(firm, answers_for(firm, seed=1), **meta)

    diagnosis_import = run_import(csv_bytes([row]))

    assert report_of(diagnosis_import) == []
    diagnosis = Diagnosis.objects.get()
    assert (diagnosis.answered_on.isoformat(), diagnosis.channel) == expected


def test_codes_are_read_in_any_case_and_with_spaces():
    firm = FirmFactory(offer_type="products")
    answers = answers_for(firm, seed=2, q13_promotion_media=["facebook", "instagram"])
    row = answer_row(firm, answers, q13_promotion_media=" Instagram ; FACEBOOK ", q01_country="ec")

    run_import(csv_bytes([row]))

    stored = Diagnosis.objects.get().answers
    assert stored["q13_promotion_media"] == ["instagram", "facebook"]  # questionnaire order
    assert stored["q01_country"] == "EC"


def test_a_tax_id_is_found_however_it_is_written():
    firm = FirmFactory(country="EC", tax_id=ec_personal_ruc(random.Random(5), "09"))
    assert firm.tax_id.startswith("09")
    answers = answers_for(firm, seed=1)
    rows = [answer_row(firm, answers, TAX_ID=firm.tax_id[1:])]  # Excel ate the leading zero

    diagnosis_import = run_import(csv_bytes(rows))

    assert report_of(diagnosis_import) == []
    assert Diagnosis.objects.get().firm == firm


# --- Re-importing -----------------------------------------------------------------------------


def test_importing_the_same_file_again_changes_nothing():
    content = csv_bytes(messy_rows())
    user = ProgrammeStaffFactory()
    run_import(content, user=user)
    before = _snapshot()
    stamps = list(Diagnosis.objects.order_by("pk").values_list("pk", "updated_at"))

    again = run_import(content, user=user)

    assert counts(again) == MESSY_COUNTS | {"created": 0, "unchanged": 5}
    assert _snapshot() == before
    assert list(Diagnosis.objects.order_by("pk").values_list("pk", "updated_at")) == stamps


def test_a_corrected_file_updates_the_response_and_its_result():
    firm_a, _firm_b = example_firms()
    rows = example_rows()
    run_import(csv_bytes(rows[:1]))
    rows[0]["q06_online_sales"] = "marketplace"
    rows[0]["q13_promotion_media"] = "instagram"

    again = run_import(csv_bytes(rows[:1]))

    assert (again.created_count, again.updated_count) == (0, 1)
    diagnosis = Diagnosis.objects.get(firm=firm_a)
    assert diagnosis.answers["q06_online_sales"] == "marketplace"
    assert diagnosis.source_import == again
    assert (diagnosis.attempt, diagnosis.is_latest) == (1, True)


def test_an_earlier_interview_takes_its_place_in_the_firms_sequence():
    firm = FirmFactory()
    online = submitted_diagnosis(
        firm, answered_on=datetime.date(2026, 5, 1), channel=Diagnosis.Channel.ONLINE
    )
    row = answer_row(firm, answers_for(firm, seed=3), ANSWERED_ON="2026-03-02")

    run_import(csv_bytes([row]))

    imported = Diagnosis.objects.get(channel="telefono")
    online.refresh_from_db()
    assert (imported.attempt, imported.is_latest) == (1, False)
    assert (online.attempt, online.is_latest, online.first_level) == (2, True, imported.level)


def test_an_online_response_exported_and_imported_again_is_unchanged():
    firm = FirmFactory()
    answers = answers_for(firm, seed=4)
    online = submitted_diagnosis(
        firm,
        answers=answers,
        answered_on=datetime.date(2026, 5, 1),
        channel=Diagnosis.Channel.ONLINE,
    )
    same = answer_row(firm, answers, ANSWERED_ON="2026-05-01", CHANNEL="en_linea")
    other = "short_term" if answers["q10_export_intent"] != "short_term" else "medium_term"
    changed = dict(same, q10_export_intent=other)  # would replace what the firm answered

    first = run_import(csv_bytes([same]))
    second = run_import(csv_bytes([changed]))

    assert (first.unchanged_count, first.created_count) == (1, 0)
    assert report_of(second) == [(2, "CHANNEL", "error", "answered_online")]
    assert list(Diagnosis.objects.values_list("pk", flat=True)) == [online.pk]


# --- Scope ------------------------------------------------------------------------------------


def test_a_firm_outside_the_importers_scope_is_an_unknown_firm():
    peru_ministry = OrganisationFactory(
        name="Ministerio de la Producción", kind=Organisation.Kind.GOVERNMENT, country="PE"
    )
    peru_staff = ProgrammeStaffFactory(organisation=peru_ministry)
    ecuador_firm = FirmFactory(country="EC")
    peru_firm = FirmFactory(country="PE", tax_id="20601234565", province="", canton="Lima")
    rows = [
        answer_row(ecuador_firm, answers_for(ecuador_firm, seed=1)),
        answer_row(peru_firm, answers_for(peru_firm, seed=2)),
    ]

    diagnosis_import = run_import(csv_bytes(rows), user=peru_staff)

    assert report_of(diagnosis_import) == [(2, "TAX_ID", "error", "unknown_firm")]
    issue = diagnosis_import.issues.get()
    assert issue.message == (
        "No hay ninguna empresa con este número en Ecuador entre las que usted gestiona: "
        "impórtela primero en la base de empresas."
    )
    assert list(Diagnosis.objects.values_list("firm", flat=True)) == [peru_firm.pk]


def test_an_importer_who_lost_the_right_to_import_gets_a_failed_import():
    user = ProgrammeStaffFactory()
    firm = FirmFactory()
    diagnosis_import = create_import(
        csv_bytes([answer_row(firm, answers_for(firm, seed=1))]), user=user
    )
    user.role = user.Role.FIRM_MEMBER
    user.save()

    result = importing.diagnosis_import_process(diagnosis_import_id=diagnosis_import.pk)

    assert result.status == "failed"
    assert (
        result.error_message == "La persona que subió el archivo ya no puede importar respuestas."
    )
    assert Diagnosis.objects.count() == 0


# --- Batching ---------------------------------------------------------------------------------


def test_firms_are_looked_up_once_per_chunk_and_sequences_refreshed_once_per_firm(monkeypatch):
    monkeypatch.setattr(importing, "CHUNK_SIZE", 3)
    firms = [FirmFactory() for _ in range(7)]
    content = csv_bytes([answer_row(f, answers_for(f, seed=i)) for i, f in enumerate(firms)])
    diagnosis_import = create_import(content)
    refreshed = []
    real_refresh = services.firms_refresh_sequence

    def refresh(*, firm_ids):
        refreshed.append(sorted(firm_ids))
        real_refresh(firm_ids=firm_ids)

    monkeypatch.setattr(services, "firms_refresh_sequence", refresh)
    with CaptureQueriesContext(connection) as context:
        importing.diagnosis_import_process(diagnosis_import_id=diagnosis_import.pk)

    firm_queries = [q for q in context.captured_queries if 'FROM "firms_firm"' in q["sql"]]
    assert len(firm_queries) == 3  # chunks of 3, 3 and 1 rows
    pks = [f.pk for f in firms]
    assert refreshed == [sorted(pks[0:3]), sorted(pks[3:6]), [pks[6]]]  # once per chunk
    assert Diagnosis.objects.filter(is_latest=True, attempt=1).count() == 7


# --- Runs killed half-way ---------------------------------------------------------------------


def _clean_run() -> tuple:
    rows = messy_rows()
    user = ProgrammeStaffFactory()
    clean = _state(run_import(csv_bytes(rows), user=user))
    Diagnosis.objects.all().delete()
    DiagnosisImport.objects.all().delete()
    return csv_bytes(rows), user, clean


@pytest.mark.parametrize("killed_after", [1, 2, 4])
def test_run_killed_after_a_checkpoint_resumes_to_the_clean_result(monkeypatch, killed_after):
    monkeypatch.setattr(importing, "CHUNK_SIZE", 3)
    content, user, clean = _clean_run()
    diagnosis_import = create_import(content, user=user)
    checkpoints = []

    def kill(rows_done):
        checkpoints.append(rows_done)
        if len(checkpoints) == killed_after:
            raise WorkerKilled

    with pytest.raises(WorkerKilled):
        importing.diagnosis_import_process(
            diagnosis_import_id=diagnosis_import.pk, after_chunk=kill
        )

    diagnosis_import.refresh_from_db()
    assert (diagnosis_import.status, diagnosis_import.rows_done) == ("running", 3 * killed_after)
    assert not importing.diagnosis_import_is_resumable(diagnosis_import)
    later = timezone.now() + importing.RESUMABLE_AFTER + datetime.timedelta(seconds=1)
    assert importing.diagnosis_import_is_resumable(diagnosis_import, now=later)
    importing.diagnosis_import_process(diagnosis_import_id=diagnosis_import.pk)
    assert _state(diagnosis_import) == clean


@pytest.mark.parametrize("killed_in_chunk", [1, 3, 5])
def test_run_killed_inside_a_chunk_rolls_it_back_and_resumes(monkeypatch, killed_in_chunk):
    monkeypatch.setattr(importing, "CHUNK_SIZE", 3)
    content, user, clean = _clean_run()
    diagnosis_import = create_import(content, user=user)
    real_write_issues = importing.write_issues
    calls = []

    def write_issues_then_die(di, results):
        calls.append(di.pk)
        warnings = real_write_issues(di, results)  # diagnoses and problems are written…
        if len(calls) == killed_in_chunk:
            raise WorkerKilled  # …and the worker dies before the commit
        return warnings

    monkeypatch.setattr(importing, "write_issues", write_issues_then_die)
    with pytest.raises(WorkerKilled):
        importing.diagnosis_import_process(diagnosis_import_id=diagnosis_import.pk)
    diagnosis_import.refresh_from_db()
    done = 3 * (killed_in_chunk - 1)
    assert diagnosis_import.rows_done == done
    assert diagnosis_import.issues.filter(line__gt=done + 1).count() == 0
    imported_lines = [2, 13, 14, 15, 16]
    assert Diagnosis.objects.count() == sum(1 for line in imported_lines if line <= done + 1)

    monkeypatch.setattr(importing, "write_issues", real_write_issues)
    importing.diagnosis_import_process(diagnosis_import_id=diagnosis_import.pk)
    assert _state(diagnosis_import) == clean


def test_a_second_runner_of_the_same_import_stops_quietly(monkeypatch):
    monkeypatch.setattr(importing, "CHUNK_SIZE", 3)
    content, user, clean = _clean_run()
    diagnosis_import = create_import(content, user=user)
    state = {}

    def other_runner_takes_over(rows_done):
        if rows_done == 3 and not state:
            state["done"] = True
            importing.diagnosis_import_process(diagnosis_import_id=diagnosis_import.pk)

    importing.diagnosis_import_process(
        diagnosis_import_id=diagnosis_import.pk, after_chunk=other_runner_takes_over
    )

    assert _state(diagnosis_import) == clean


def test_a_finished_import_is_not_run_again():
    diagnosis_import = run_import(csv_bytes(messy_rows()))
    before = _state(diagnosis_import)

    importing.diagnosis_import_process(diagnosis_import_id=diagnosis_import.pk)

    assert _state(diagnosis_import) == before
    assert not importing.diagnosis_import_is_resumable(diagnosis_import)


def test_a_bad_header_fails_the_import_with_its_problems_and_is_not_resumable():
    firm = FirmFactory()
    row = answer_row(firm, answers_for(firm, seed=1), q06_ventas="x")
    content = csv_bytes([row], columns=[*row.keys()])

    diagnosis_import = run_import(content)

    assert diagnosis_import.status == "failed"
    assert diagnosis_import.error_message == (
        "La columna «q06_ventas» no es de la versión 1 del cuestionario: escríbala exactamente "
        "como en la plantilla."
    )
    assert report_of(diagnosis_import) == [(1, "q06_ventas", "error", "unknown_column")]
    assert not importing.diagnosis_import_is_resumable(diagnosis_import)
    assert DiagnosisImportIssue.objects.count() == 1


def test_an_unexpected_error_fails_the_import_and_a_rerun_finishes_it(monkeypatch):
    monkeypatch.setattr(importing, "CHUNK_SIZE", 3)
    content, user, clean = _clean_run()
    diagnosis_import = create_import(content, user=user)
    real_record = services.diagnoses_record_many
    calls = []

    def record_then_fail(**kwargs):
        calls.append(len(kwargs["interviews"]))
        if len(calls) == 2:
            raise RuntimeError("database went away")
        return real_record(**kwargs)

    monkeypatch.setattr(services, "diagnoses_record_many", record_then_fail)
    with pytest.raises(RuntimeError):
        importing.diagnosis_import_process(diagnosis_import_id=diagnosis_import.pk)
    diagnosis_import.refresh_from_db()
    assert diagnosis_import.status == "failed"
    assert diagnosis_import.error_message.startswith("La importación se detuvo por un error")
    assert importing.diagnosis_import_is_resumable(diagnosis_import)

    monkeypatch.setattr(services, "diagnoses_record_many", real_record)
    importing.diagnosis_import_process(diagnosis_import_id=diagnosis_import.pk)
    assert _state(diagnosis_import) == clean
