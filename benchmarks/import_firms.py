#!/usr/bin/env python3
"""Time the bulk import of the ministry's base, end to end, on a fresh database.

    python benchmarks/import_firms.py                      # SQLite in a temporary folder
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rutapyme_bench python benchmarks/import_firms.py
    ... --rows 70000 --file var/bench/ministerio.csv --kill-check

It migrates a fresh database (SQLite: a new file; PostgreSQL: the database in DATABASE_URL is
dropped and created again, so never point it at real data), generates the messy file with
make_ministry_file.py if needed, imports it through the same service the background task
uses (`importing.firm_import_create` + `firm_import_process`), then imports it again, and
prints the figures. With --kill-check it also imports the file in a child process that is
SIGKILLed in the middle of a chunk, resumes it here, and checks that the result equals the
clean run's. It measures; it never fails a build.
"""

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

SNAPSHOT_FIELDS = (
    "tax_id", "tax_id_status", "legal_name", "trade_name", "province", "canton", "sector",
    "offer_type", "size_band", "employees", "legal_representative", "email", "phone",
    "sells_online", "source",
)  # fmt: skip


def _prepare_environment(database_url: str, workdir: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "rutapyme.settings"
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-0123456789abcdefghijklmnop")
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["SQLITE_PATH"] = str(workdir / "bench.sqlite3")


def _recreate_postgres(database_url: str) -> None:
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(database_url)
    name = config["NAME"]
    admin = psycopg.connect(
        dbname="postgres",
        user=config["USER"],
        password=config["PASSWORD"] or None,
        host=config["HOST"],
        port=config["PORT"] or 5432,
        autocommit=True,
    )
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _import(path: Path):
    from django.core.files import File

    from rutapyme.firms import importing

    started = time.perf_counter()
    with path.open("rb") as fileobj:
        firm_import = importing.firm_import_create(
            file=File(fileobj, name=path.name), original_name=path.name, country="EC"
        )
    firm_import = importing.firm_import_process(firm_import_id=firm_import.pk)
    return firm_import, time.perf_counter() - started


def _snapshot(firm_import) -> dict:
    from rutapyme.firms import importing
    from rutapyme.firms.models import ConsentRecord, Firm

    firm_import.refresh_from_db()
    summary = importing.firm_import_summary(firm_import)
    return {
        "summary": (
            firm_import.status,
            summary.rows_done,
            summary.created,
            summary.updated,
            summary.unchanged,
            summary.rejected,
            summary.duplicates,
            summary.empty,
        ),
        "issues": list(
            firm_import.issues.order_by("line").values_list("line", "kind", "tax_id", "reason")
        ),
        "firms": sorted(Firm.objects.values_list(*SNAPSHOT_FIELDS)),
        "consents": ConsentRecord.objects.count(),
    }


def _print_import(label: str, firm_import, seconds: float) -> None:
    from rutapyme.firms import importing

    summary = importing.firm_import_summary(firm_import)
    print(
        f"{label}: {seconds:.2f} s, {summary.rows_done / seconds:,.0f} rows/s, "
        f"status={firm_import.status} created={summary.created} updated={summary.updated} "
        f"unchanged={summary.unchanged} rejected={summary.rejected} "
        f"duplicates={summary.duplicates} empty={summary.empty}"
    )


def _child(import_id: int, kill_in_chunk: int) -> None:
    """Run an import and SIGKILL this process after chunk N is written but not committed."""
    import django

    django.setup()
    from rutapyme.firms import importing

    real_write_issues = importing.write_issues
    calls = []

    def write_issues_then_die(firm_import, rows):
        count = real_write_issues(firm_import, rows)
        calls.append(1)
        if len(calls) == kill_in_chunk:
            os.kill(os.getpid(), signal.SIGKILL)
        return count

    importing.write_issues = write_issues_then_die
    importing.firm_import_process(firm_import_id=import_id)


def _kill_check(path: Path, clean: dict, kill_in_chunk: int) -> None:
    from django.core.files import File
    from django.db import connection

    from rutapyme.firms import importing
    from rutapyme.firms.models import Firm, FirmImport

    Firm.objects.all().delete()
    FirmImport.objects.all().delete()
    with path.open("rb") as fileobj:
        firm_import = importing.firm_import_create(
            file=File(fileobj, name=path.name), original_name=path.name, country="EC"
        )
    connection.close()  # the child must not share this connection
    child = subprocess.run(  # noqa: S603 - this very script, with two integers
        [sys.executable, __file__, "--child", str(firm_import.pk), str(kill_in_chunk)],
        env=os.environ.copy(),
        check=False,
    )
    firm_import.refresh_from_db()
    print(
        f"kill check: child exited with {child.returncode} (SIGKILL is -9) in chunk "
        f"{kill_in_chunk}; import left {firm_import.status} at rows_done={firm_import.rows_done}, "
        f"{Firm.objects.count()} firms committed"
    )
    started = time.perf_counter()
    importing.firm_import_process(firm_import_id=firm_import.pk)
    seconds = time.perf_counter() - started
    resumed = _snapshot(firm_import)
    same = {key: resumed[key] == clean[key] for key in clean}
    print(f"kill check: resumed in {seconds:.2f} s; equal to the clean run: {same}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=70_000)
    parser.add_argument("--file", type=Path, help="import this file instead of generating one")
    parser.add_argument("--kill-check", action="store_true", help="also kill and resume a run")
    parser.add_argument("--kill-in-chunk", type=int, default=12)
    parser.add_argument("--child", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        _child(*args.child)
        return

    database_url = os.environ.get("DATABASE_URL", "")
    workdir = Path(tempfile.mkdtemp(prefix="rutapyme-bench-"))
    _prepare_environment(database_url, workdir)
    if database_url:
        _recreate_postgres(database_url)

    import django

    django.setup()
    import make_ministry_file
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    path = args.file
    expected = None
    if path is None:
        path = ROOT / "var" / "bench" / f"ministerio-{args.rows}.csv"
        if not path.exists():
            make_ministry_file.generate(args.rows, 2026, path)
    sidecar = path.with_name(path.name + ".expected.json")
    if sidecar.exists():
        expected = json.loads(sidecar.read_text())

    call_command("migrate", verbosity=0)
    engine = connection.vendor
    version = (
        connection.cursor().connection.info.server_version
        if engine == "postgresql"
        else __import__("sqlite3").sqlite_version
    )
    print(f"database: {engine} {version} ({settings.DATABASES['default']['NAME']})")
    print(f"file: {path} ({path.stat().st_size / 1e6:.1f} MB)")

    first, first_seconds = _import(path)
    _print_import("first import", first, first_seconds)
    peak_first = _peak_rss_mb()
    second, second_seconds = _import(path)
    _print_import("re-import   ", second, second_seconds)
    print(
        f"rows: {first.rows_done}; peak RSS of this process (Django included): "
        f"{peak_first:.0f} MB after the first import, {_peak_rss_mb():.0f} MB after the second"
    )
    clean = _snapshot(first)

    if expected:
        summary = clean["summary"]
        wanted = (
            "done",
            expected["lines"],
            expected["valid"],
            0,
            0,
            expected["rejected"] + expected["conflicting"],
            expected["duplicate"],
            expected["empty"],
        )
        print(f"every line accounted for as the generator wrote it: {summary == wanted}")
    after_second = _snapshot(second)
    unchanged = after_second["firms"] == clean["firms"]
    unchanged = unchanged and after_second["consents"] == clean["consents"]
    print(f"second import changed nothing (firms, consents): {unchanged}")
    if args.kill_check:
        _kill_check(path, clean, args.kill_in_chunk)


if __name__ == "__main__":
    main()
