#!/usr/bin/env python3
"""Time the programme report of the self-diagnosis over many firms' latest diagnoses.

    .venv/bin/python benchmarks/diagnosis_report.py                    # SQLite under /tmp
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rutapyme_diagreport \\
        .venv/bin/python benchmarks/diagnosis_report.py --firms 100000
    ... --runs 10 --retake-share 0.1 --partner-share 0.2

It migrates the database (never drops anything), then creates, if they are not there yet,
N benchmark firms (tax IDs `BENCHDIAG…`) each with a latest submitted diagnosis — complete
random answers (`fakes.random_answers`), their real result (`scoring.compute_result`) and
signature, as the platform stores them; a share of the firms also get an earlier diagnosis
(a retake, for "before and after") and a share are members of a benchmark chamber. The
answers, results and signatures are computed (and serialised) in worker processes; firms are
written with `bulk_create`, diagnoses with COPY on PostgreSQL and `executemany` on SQLite.

Then it times `report.build_report` — every table of the report — for the full set and for
filtered selections, `--runs` times each after one cold run, and prints the median, p95,
where the time goes (the database query, the counting, the tables), the peak of Python
memory during one report, and the time of the whole page and of the all-tables workbook
through Django's test client. It prints figures and never fails a build.
"""

import argparse
import collections
import datetime
import itertools
import json
import math
import multiprocessing
import os
import random
import statistics
import sys
import time
import tracemalloc
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import open_database, peak_rss_mb, prepare_environment  # noqa: E402

PREFIX = "BENCHDIAG"
BATCH = 2000
COUNTRIES = ["EC", "PE", "CO", "CL", "MX", "AR", "UY", "PY", "BO"]
COUNTRY_WEIGHTS = [40, 15, 12, 10, 8, 6, 4, 3, 2]
SECTORS = [
    "artesanias", "calzado", "textil", "autopartes", "alimentos", "bebidas", "cosmetica",
    "accesorios", "tecnologia", "otros",
]  # fmt: skip
SIZES = ["0-5", "6-25", "26-50", "51-100", "100+"]
SIZE_WEIGHTS = [55, 25, 10, 6, 4]
OFFER_TYPES = ["products", "services", "both"]
FIRST_DAY = datetime.date(2025, 1, 1)


# --- Seeding ---------------------------------------------------------------------------------

_SPEC = None


def _init_worker(definition) -> None:
    global _SPEC
    from rutapyme.diagnosis.questionnaire import parse

    _SPEC = parse(definition)


def _one(spec, firm: dict, rng: random.Random, day: datetime.date) -> dict:
    from rutapyme.diagnosis import scoring, signature
    from rutapyme.diagnosis.fakes import random_answers

    answers = random_answers(
        spec,
        offer_type=firm["offer_type"],
        country=firm["country"],
        sector=firm["sector"],
        size_band=firm["size_band"],
        rng=rng,
    )
    result = scoring.compute_result(spec, answers, offer_type=firm["offer_type"])
    return {
        # Serialised here, in the worker: the writer only streams text to the database.
        "answers": json.dumps(answers, ensure_ascii=False),
        "result": json.dumps(result, ensure_ascii=False),
        "signature": signature.encode(spec, answers, result),
        "level": result["level"],
        "rules_version": result["rules"],
        "answered_on": day,
    }


def _generate(task: tuple[int, int, float, float]) -> list[dict]:
    """Firms start…stop-1 with their diagnoses (deterministic per index)."""
    start, stop, retake_share, partner_share = task
    made = []
    for index in range(start, stop):
        rng = random.Random(index * 7919 + 17)
        firm = {
            "index": index,
            "country": rng.choices(COUNTRIES, COUNTRY_WEIGHTS)[0],
            "sector": rng.choice(SECTORS),
            "size_band": rng.choices(SIZES, SIZE_WEIGHTS)[0],
            "offer_type": rng.choice(OFFER_TYPES),
            "partner": rng.random() < partner_share,
        }
        day = FIRST_DAY + datetime.timedelta(days=rng.randrange(120, 700))
        diagnoses = []
        if rng.random() < retake_share:
            earlier = day - datetime.timedelta(days=rng.randrange(30, 119))
            diagnoses.append(_one(_SPEC, firm, rng, earlier))
        diagnoses.append(_one(_SPEC, firm, rng, day))
        firm["diagnoses"] = diagnoses
        made.append(firm)
    return made


def _diagnosis_rows(firm_ids: list[int], batch: list[dict], questionnaire_id: int, now):
    """One dict per diagnosis, keyed by column, answers and result as JSON text."""
    for firm_id, data in zip(firm_ids, batch, strict=True):
        first_level = data["diagnoses"][0]["level"]
        count = len(data["diagnoses"])
        for attempt, d in enumerate(data["diagnoses"], start=1):
            yield {
                "public_id": uuid.uuid4(),
                "firm_id": firm_id,
                "questionnaire_id": questionnaire_id,
                "status": "submitted",
                "channel": "telefono",
                "offer_type": data["offer_type"],
                "answers": d["answers"],
                "current_step": "",
                "started_by_id": None,
                "submitted_by_id": None,
                "interviewer": "",
                "source_import_id": None,
                "created_at": now,
                "updated_at": now,
                "submitted_at": now,
                "answered_on": d["answered_on"],
                "country": data["country"],
                "sector": data["sector"],
                "size_band": data["size_band"],
                "rules_version": d["rules_version"],
                "level": d["level"],
                "result": d["result"],
                "signature": d["signature"],
                "attempt": attempt,
                "is_latest": attempt == count,
                "first_level": first_level,
            }


def _same(value):
    return value


def _write(batch: list[dict], questionnaire, chamber) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from rutapyme.diagnosis.models import Diagnosis
    from rutapyme.firms.models import Firm, FirmAffiliation

    columns = [f.column for f in Diagnosis._meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    with transaction.atomic():
        firms = Firm.objects.bulk_create(
            [
                Firm(
                    country=f["country"],
                    tax_id=f"{PREFIX}{f['index']:09d}",
                    legal_name=f"Empresa de prueba {f['index']}",
                    sector=f["sector"],
                    offer_type=f["offer_type"],
                    size_band=f["size_band"],
                    source="staff",
                )
                for f in batch
            ]
        )
        rows = _diagnosis_rows([f.pk for f in firms], batch, questionnaire.pk, now)
        table = Diagnosis._meta.db_table
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                names = ", ".join(columns)
                with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row([row[c] for c in columns])
            else:
                # Values as Django stores them on SQLite (UUIDs as hex, naive UTC datetimes).
                ops = connection.ops
                adapt = {
                    "public_id": lambda value: value.hex,
                    "created_at": ops.adapt_datetimefield_value,
                    "updated_at": ops.adapt_datetimefield_value,
                    "submitted_at": ops.adapt_datetimefield_value,
                    "answered_on": ops.adapt_datefield_value,
                }
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                    [[adapt.get(c, _same)(row[c]) for c in columns] for row in rows],
                )
        FirmAffiliation.objects.bulk_create(
            [
                FirmAffiliation(firm=firm, organisation=chamber)
                for firm, data in zip(firms, batch, strict=True)
                if data["partner"]
            ]
        )


def seed(firms: int, retake_share: float, partner_share: float, workers: int) -> None:
    from django.db import connections

    from rutapyme.accounts.models import Organisation
    from rutapyme.diagnosis.services import current_questionnaire
    from rutapyme.firms.models import Firm

    chamber, _ = Organisation.objects.get_or_create(
        name="Cámara de prueba (benchmark)",
        country="EC",
        defaults={"kind": Organisation.Kind.CHAMBER},
    )
    existing = Firm.objects.filter(tax_id__startswith=PREFIX).count()
    if existing >= firms:
        print(f"seed: {existing:,} benchmark firms already there")
        return
    questionnaire = current_questionnaire()
    tasks = [
        (start, min(start + BATCH, firms), retake_share, partner_share)
        for start in range(existing, firms, BATCH)
    ]
    print(f"seed: creating firms {existing:,}…{firms - 1:,} in {len(tasks)} batches", flush=True)
    started = time.perf_counter()
    connections.close_all()  # no connection crosses the fork
    context = multiprocessing.get_context("fork")
    with context.Pool(
        workers, initializer=_init_worker, initargs=(questionnaire.definition,)
    ) as pool:
        pending: collections.deque = collections.deque()
        queue = iter(tasks)
        for task in itertools.islice(queue, workers + 1):  # a few batches ahead, no more
            pending.append(pool.apply_async(_generate, (task,)))
        done = 0
        while pending:
            batch = pending.popleft().get()
            for task in itertools.islice(queue, 1):
                pending.append(pool.apply_async(_generate, (task,)))
            _write(batch, questionnaire, chamber)
            done += 1
            if done % 5 == 0 or not pending:
                elapsed = time.perf_counter() - started
                made = tasks[done - 1][1] - existing
                print(f"  {made:,} firms in {elapsed:.0f} s", flush=True)
    connections.close_all()
    if connections["default"].vendor == "postgresql":
        with connections["default"].cursor() as cursor:
            for table in ("diagnosis_diagnosis", "firms_firm", "firms_firmaffiliation"):
                cursor.execute(f"VACUUM ANALYZE {table}")
    else:
        with connections["default"].cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"seed: done in {time.perf_counter() - started:.0f} s", flush=True)


# --- Timing ----------------------------------------------------------------------------------


def _stats(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
    return (
        f"median {statistics.median(times) * 1000:7.0f} ms   p95 {p95 * 1000:7.0f} ms   "
        f"min {ordered[0] * 1000:6.0f} ms"
    )


def _timed(fn, runs: int) -> tuple[float, list[float], object]:
    started = time.perf_counter()
    value = fn()
    cold = time.perf_counter() - started
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - started)
    return cold, times, value


def _users():
    from rutapyme.accounts.models import Organisation, User

    admin, _ = User.objects.get_or_create(
        email="bench-admin@example.org",
        defaults={"role": User.Role.ADMIN, "full_name": "Benchmark admin", "is_superuser": True},
    )
    chamber = Organisation.objects.get(name="Cámara de prueba (benchmark)", country="EC")
    partner, _ = User.objects.get_or_create(
        email="bench-partner@example.org",
        defaults={
            "role": User.Role.PARTNER_STAFF,
            "full_name": "Benchmark partner",
            "organisation": chamber,
        },
    )
    return admin, partner, chamber


def measure(runs: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from rutapyme.diagnosis import report
    from rutapyme.diagnosis.models import Diagnosis
    from rutapyme.diagnosis.report import ReportSelection, build_report

    admin, partner, chamber = _users()
    latest = Diagnosis.objects.filter(is_latest=True).count()
    total = Diagnosis.objects.filter(status="submitted").count()
    print(f"diagnoses: {latest:,} latest (one per firm), {total:,} submitted in all")

    cases = [
        ("all tables, every firm (admin)", admin, ReportSelection()),
        ("country EC + sector alimentos", admin, ReportSelection(country="EC", sector="alimentos")),
        ("one organisation (admin)", admin, ReportSelection(organisation_id=chamber.pk)),
        ("partner staff (its members)", partner, ReportSelection()),
        (
            "country EC, answered in 2026",
            admin,
            ReportSelection(country="EC", date_from=datetime.date(2026, 1, 1)),
        ),
    ]
    print(f"\nbuild_report, {runs} runs after one cold run:")
    for label, user, selection in cases:
        cold, times, built = _timed(
            lambda u=user, s=selection: build_report(user=u, selection=s), runs
        )
        print(f"  {label:32} n={built.firms:>7,}  cold {cold * 1000:5.0f} ms   {_stats(times)}")

    # Where the time goes, full set.
    questionnaires = report._questionnaires()
    specs = {q.pk: q.spec for q in questionnaires}
    population = report.report_diagnoses(user=admin, selection=ReportSelection()).filter(
        questionnaire_id__in=list(specs)
    )
    query = population.order_by().values_list(
        "questionnaire_id", "signature", "first_level", "level", "attempt"
    )
    _c, fetch_times, rows = _timed(lambda: list(query.all()), runs)  # .all(): no cache
    _c, tally_times, counts = _timed(lambda: report.tally(rows, specs), runs)

    def tables():
        context = report._Context(counts, [q.spec for q in questionnaires])
        return [table.finish() for table in report._tables(context)]

    _c, table_times, _t = _timed(tables, runs)
    print("\nwhere the time goes (every firm):")
    print(f"  database query + rows to Python  {_stats(fetch_times)}")
    print(f"  counting the signatures          {_stats(tally_times)}")
    print(f"  27 tables from the counts        {_stats(table_times)}")

    tracemalloc.start()
    build_report(user=admin, selection=ReportSelection())
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"\npeak Python memory during one full report: {peak / 1024 / 1024:.0f} MB")

    client = Client()
    client.force_login(admin)
    page = reverse("diagnosis:report")
    workbook = reverse("diagnosis:report_workbook")
    _c, page_times, response = _timed(lambda: client.get(page), max(3, runs // 2))
    size = len(response.content) / 1024
    print(f"\nwhole page (HTML {size:.0f} KB) {_stats(page_times)}")
    _c, book_times, response = _timed(lambda: client.get(workbook), max(3, runs // 2))
    size = len(response.content) / 1024
    print(f"all-tables XLSX ({size:.0f} KB)  {_stats(book_times)}")
    print(f"\npeak RSS of this process (Django included): {peak_rss_mb():.0f} MB")
    connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--firms", type=int, default=100_000, help="firms (latest diagnoses)")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--retake-share", type=float, default=0.1)
    parser.add_argument("--partner-share", type=float, default=0.2)
    parser.add_argument("--workers", type=int, default=max(1, (os.cpu_count() or 2)))
    parser.add_argument("--no-seed", action="store_true", help="time what is there")
    args = parser.parse_args()

    prepare_environment("rutapyme-diagreport.sqlite3")
    open_database()
    if not args.no_seed:
        seed(args.firms, args.retake_share, args.partner_share, args.workers)
    measure(args.runs)


if __name__ == "__main__":
    main()
