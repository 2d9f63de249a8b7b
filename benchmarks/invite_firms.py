#!/usr/bin/env python3
"""Invite 70,000 firms in one action, end to end, with real workers; then kill one of them.

    .venv/bin/python benchmarks/invite_firms.py                        # SQLite under /tmp
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rutapyme_progbench \\
        .venv/bin/python benchmarks/invite_firms.py
    ... --province EC-G --sector '' --size-band '' --workers 2
    ... --kill batch      # kill -9 the worker running the batch (default), `email` the one
                          # sending e-mails, `none` to skip the kill test
    ... --kill-at 0.4 --resume-after 0 --timeout 600 --cleanup --firms 1000000

It works on the database of programme_dashboard.py (the same DATABASE_URL, or the same SQLite
file), seeding it through that script when the base is not there, and adds a programme of its
own ("… invitaciones (benchmark)", the same rules), so the dashboard's figures stay as seeded.

1. A new cohort; the selection (by default the eligible firms of Guayas: Ecuadorian, selling
   products or both) is counted and printed, with how many have an e-mail.
2. Two `manage.py db_worker --queue-name '*'` processes start (the project's settings and
   django-tasks-db; e-mails go to files under /tmp with Django's file backend, whose folder
   comes from BENCH_MAIL_DIR through `FolderEmailBackend` below: the settings have no
   EMAIL_FILE_PATH). Once they are up, the programme staff account calls
   `services.invitation_batch_create` and the clock runs until the batch is DONE and every
   enrolment with an e-mail has `email_sent_at`. It prints the total time, enrolments/s,
   e-mails/s, the time the last chunk was written, the workers' peak RSS (VmHWM from /proc),
   the messages found in the mail files and any address written twice.
3. The kill test: another new cohort and batch; when `--kill-at` of it is invited, the worker
   running the batch task (or an e-mail task, `--kill email`) gets SIGKILL and a new worker
   starts. django-tasks-db leaves the killed task RUNNING for good, so the batch resumes the
   way the staff page offers once the batch shows no progress for
   `services.STALE_BATCH_AFTER`: `services.invitation_batch_resume` (immediately by default;
   `--resume-after SECONDS` waits first). It then checks one enrolment per firm, every firm of
   the selection invited, e-mails sent exactly once (missing ones and re-sent ones counted),
   and how long the batch took.

The cohorts, enrolments, batches and tasks it creates stay (they are in their own programme)
unless `--cleanup` is given, which deletes every cohort of that programme at the end. It
prints figures and never fails a build.
"""

import argparse
import collections
import datetime
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.core.mail.backends.filebased import EmailBackend as FileEmailBackend

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from common import open_database, peak_rss_mb, prepare_environment  # noqa: E402

PROGRAMME = "Ecuador vende en línea — invitaciones (benchmark)"
MAIL_ROOT = Path(tempfile.gettempdir()) / "rutapyme-invite-mail"
BATCH_TASK = "rutapyme.programmes.tasks.invitation_batch_run"
EMAIL_TASK = "rutapyme.programmes.tasks.invitation_emails_send"


class FolderEmailBackend(FileEmailBackend):
    """Django's file-based e-mail backend writing to BENCH_MAIL_DIR (for the workers)."""

    def __init__(self, *args, file_path=None, **kwargs):
        super().__init__(*args, file_path=file_path or os.environ["BENCH_MAIL_DIR"], **kwargs)


# --- Workers ---------------------------------------------------------------------------------


class Worker:
    """One `manage.py db_worker --queue-name '*'` process, its log and its peak RSS."""

    def __init__(self, name: str, mail_dir: Path, log_dir: Path):
        self.name = name
        self.log = open(log_dir / f"{name}.log", "w")  # noqa: SIM115 - closed in stop()
        env = dict(os.environ)
        env.update(
            EMAIL_BACKEND="invite_firms.FolderEmailBackend",
            BENCH_MAIL_DIR=str(mail_dir),
            PYTHONPATH=os.pathsep.join([str(ROOT), str(BENCH)]),
            PYTHONUNBUFFERED="1",
        )
        self.process = subprocess.Popen(  # noqa: S603 - manage.py with fixed arguments
            [
                sys.executable, str(ROOT / "manage.py"), "db_worker", "--queue-name", "*",
                "--worker-id", name, "--no-reload",
            ],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.peak_kb = 0
        self.killed = False

    def sample(self) -> None:
        try:
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    self.peak_kb = max(self.peak_kb, int(line.split()[1]))
        except (FileNotFoundError, ProcessLookupError):
            pass

    def started(self) -> bool:
        return "Starting worker" in Path(self.log.name).read_text()

    def kill(self) -> None:
        self.sample()
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.killed = True

    def stop(self) -> None:
        if self.process.poll() is None:
            self.sample()
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def start_workers(names: list[str], mail_dir: Path, log_dir: Path) -> list[Worker]:
    workers = [Worker(name, mail_dir, log_dir) for name in names]
    deadline = time.monotonic() + 60
    while not all(w.started() for w in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    return workers


def worker_running(task_path: str, batch_id: int | None = None) -> str | None:
    """The id of the worker running a task of `task_path` (for the batch: this batch's)."""
    from django_tasks_db.models import DBTaskResult

    for row in DBTaskResult.objects.filter(status="RUNNING", task_path=task_path).order_by(
        "-started_at"
    ):
        if batch_id is not None and row.args_kwargs.get("args") != [batch_id]:
            continue
        if row.worker_ids:
            return row.worker_ids[-1]
    return None


# --- The mail folder -------------------------------------------------------------------------


def mail_count(mail_dir: Path) -> tuple[int, int]:
    """(messages, addresses written more than once) in the file backend's files."""
    addresses: collections.Counter = collections.Counter()
    for path in mail_dir.glob("*.log"):
        with path.open("rb") as stream:
            for line in stream:
                if line.startswith(b"To: "):
                    addresses[line[4:].strip()] += 1
    return sum(addresses.values()), sum(1 for n in addresses.values() if n > 1)


# --- One run ---------------------------------------------------------------------------------


def new_cohort(programme, staff, label: str):
    from django.utils import timezone

    from rutapyme.learning.models import Course
    from rutapyme.programmes import services

    today = timezone.localdate()
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M:%S")
    return services.cohort_create(
        programme=programme,
        name=f"Invitación masiva {stamp} ({label})",
        starts_on=today + datetime.timedelta(days=30),
        ends_on=today + datetime.timedelta(days=120),
        capacity=5000,
        courses=list(Course.objects.filter(published__isnull=False).order_by("position")[:2]),
        by=staff,
    )


def selection(staff, cohort, filters):
    from rutapyme.programmes.selectors import invitable_firms

    return invitable_firms(user=staff, cohort=cohort, filters=filters)


def run(args, data, *, label: str, kill: str) -> dict:
    from django.db import connection
    from django.db.models import Count

    from rutapyme.programmes import services
    from rutapyme.programmes.models import Enrolment, InvitationBatch
    from rutapyme.programmes.selectors import InviteFilters

    staff, programme = data["staff"], data["programme"]
    filters = InviteFilters(province=args.province, sector=args.sector, size_band=args.size_band)
    cohort = new_cohort(programme, staff, label)
    started = time.perf_counter()
    firms = selection(staff, cohort, filters)
    total = firms.count()
    with_email = firms.exclude(email="").count()
    counted = time.perf_counter() - started
    print(
        f"\n[{label}] cohort «{cohort.name}»; selection {filters.as_json()}: {total:,} eligible "
        f"firms, {with_email:,} with an e-mail (counted in {counted:.1f} s)",
        flush=True,
    )
    database = Path(str(connection.settings_dict["NAME"])).name
    run_dir = MAIL_ROOT / f"{connection.vendor}-{database}-cohort-{cohort.pk}"
    shutil.rmtree(run_dir, ignore_errors=True)  # a database made again reuses the ids
    mail_dir, log_dir = run_dir / "mail", run_dir / "logs"
    mail_dir.mkdir(parents=True, exist_ok=True)
    log_dir.mkdir(parents=True, exist_ok=True)
    names = [f"bench-{cohort.pk}-{n}" for n in range(1, args.workers + 1)]
    workers = start_workers(names, mail_dir, log_dir)

    result = {"label": label, "total": total, "with_email": with_email, "killed": None}
    started = time.perf_counter()
    batch = services.invitation_batch_create(cohort=cohort, by=staff, filters=filters)
    created = time.perf_counter() - started
    enrolments = Enrolment.objects.filter(cohort=cohort)
    done_at = sent_at = None
    resumed = False
    last_progress, last_sent = time.perf_counter(), -1
    while True:
        time.sleep(args.poll)
        for worker in workers:
            worker.sample()
        now = time.perf_counter()
        batch.refresh_from_db()
        sent = enrolments.filter(email_sent_at__isnull=False).count()
        if batch.status == InvitationBatch.Status.DONE and done_at is None:
            done_at = now - started
        if sent != last_sent:
            last_progress, last_sent = now, sent
        if batch.status == InvitationBatch.Status.DONE and sent >= batch.invited_count - (
            batch.without_email_count
        ):
            sent_at = now - started
            break
        if kill != "none" and result["killed"] is None:
            target = None
            if batch.invited_count >= args.kill_at * total:
                if kill == "batch":
                    target = worker_running(BATCH_TASK, batch.pk)
                else:
                    target = worker_running(EMAIL_TASK)
            victim = next((w for w in workers if w.name == target and not w.killed), None)
            if victim is not None:
                victim.kill()
                result["killed"] = (
                    f"SIGKILL to {victim.name} running the {kill} task at "
                    f"{batch.invited_count:,} invited, {sent:,} e-mails sent, "
                    f"{now - started:.1f} s"
                )
                print(f"  {result['killed']}", flush=True)
                workers += start_workers([f"{victim.name}-b"], mail_dir, log_dir)
                print(f"  started {workers[-1].name}", flush=True)
                result["killed_at"] = now - started
        if (
            kill == "batch"
            and result["killed"]
            and not resumed
            and now - started - result["killed_at"] >= args.resume_after
        ):
            # The staff page's "resume": offered when the batch shows no progress for
            # STALE_BATCH_AFTER; the killed task stays RUNNING in django-tasks-db.
            services.invitation_batch_resume(batch=batch)
            resumed = True
            print(f"  batch resumed (invitation_batch_resume) at {now - started:.1f} s", flush=True)
        if now - started > args.timeout or (
            batch.status == InvitationBatch.Status.DONE and now - last_progress > args.stall
        ):
            print(
                f"  stopped waiting at {now - started:.0f} s: batch {batch.status}, "
                f"{batch.invited_count:,} invited, {sent:,} e-mails sent",
                flush=True,
            )
            break
    elapsed = time.perf_counter() - started
    for worker in workers:
        worker.stop()

    batch.refresh_from_db()
    rows = enrolments.count()
    firms_twice = enrolments.values("firm_id").annotate(n=Count("pk")).filter(n__gt=1).count()
    unsent = enrolments.filter(email_sent_at__isnull=True).exclude(email="").count()
    left = selection(staff, cohort, filters).count()
    messages, written_twice = mail_count(mail_dir)
    last_chunk = (batch.finished_at - batch.started_at).total_seconds() if batch.finished_at else 0
    sent = rows - unsent - enrolments.filter(email="").count()
    result.update(
        rows=rows, firms_twice=firms_twice, unsent=unsent, left=left, messages=messages,
        written_twice=written_twice, elapsed=elapsed, done_at=done_at, sent_at=sent_at,
        status=batch.status, batch_seconds=last_chunk, created=created, sent=sent,
    )  # fmt: skip
    print(
        f"  batch {batch.status}: {batch.invited_count:,} invited, {batch.skipped_count:,} "
        f"skipped, {batch.without_email_count:,} without e-mail; invitation_batch_create "
        f"{created:.1f} s; chunks written in {last_chunk:.1f} s (batch started → finished)"
    )
    if sent_at is not None:
        print(
            f"  end to end: {sent_at:.1f} s (batch DONE at {done_at:.1f} s), "
            f"{rows / sent_at:,.0f} enrolments/s, {sent / sent_at:,.0f} e-mails/s"
        )
    print(
        f"  checks: {rows:,} enrolments for {total:,} firms selected, firms enrolled twice "
        f"{firms_twice}, firms of the selection not invited {left}, e-mails not sent {unsent:,},"
        f" messages in the mail files {messages:,} (addresses written twice: {written_twice})"
    )
    rss = ", ".join(
        f"{w.name} {w.peak_kb / 1024:.0f} MB{' (killed)' if w.killed else ''}" for w in workers
    )
    print(f"  peak RSS of the workers: {rss}", flush=True)
    print(f"  worker logs and mail files: {run_dir}")
    return result


def cleanup(programme) -> None:
    """Delete this script's cohorts with their batches, enrolments and tasks, in SQL: the
    ORM's cascade would load hundreds of thousands of enrolments first."""
    from django.db import connection, transaction

    ids = list(programme.cohorts.values_list("pk", flat=True))
    if not ids:
        print(f"\ncleanup: no cohorts in «{programme.name}»")
        return
    marks = ", ".join(["%s"] * len(ids))
    enrolments = f"SELECT id FROM programmes_enrolment WHERE cohort_id IN ({marks})"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM programmes_attendance WHERE enrolment_id IN ({enrolments})", ids
        )
        cursor.execute(f"DELETE FROM programmes_enrolment WHERE cohort_id IN ({marks})", ids)
        removed = cursor.rowcount
        cursor.execute(f"DELETE FROM programmes_invitationbatch WHERE cohort_id IN ({marks})", ids)
        cursor.execute(
            "DELETE FROM programmes_attendance WHERE session_id IN (SELECT id FROM "
            f"programmes_livesession WHERE cohort_id IN ({marks}))",
            ids,
        )
        cursor.execute(f"DELETE FROM programmes_livesession WHERE cohort_id IN ({marks})", ids)
        cursor.execute(f"DELETE FROM programmes_cohort_courses WHERE cohort_id IN ({marks})", ids)
        cursor.execute(f"DELETE FROM programmes_cohort WHERE id IN ({marks})", ids)
        cursor.execute(
            "DELETE FROM django_tasks_database_dbtaskresult WHERE task_path IN (%s, %s)",
            [BATCH_TASK, EMAIL_TASK],
        )
        tasks = cursor.rowcount
    print(
        f"\ncleanup: deleted {len(ids)} cohorts of «{programme.name}», {removed:,} enrolments "
        f"and {tasks:,} invitation task results"
    )


def prepare(args) -> dict:
    """The database of programme_dashboard.py (seeded if needed) and this script's programme."""
    import programme_dashboard

    from rutapyme.programmes.models import Programme

    seeded = Programme.objects.filter(
        name=programme_dashboard.PROGRAMME,
        organisation__people__email=programme_dashboard.STAFF_EMAIL,
    ).exists()
    if seeded and not args.seed:
        data = programme_dashboard.people()
    else:
        seed_args = argparse.Namespace(
            firms=args.firms, learners=round(0.4 * args.firms), views=10 * args.firms,
            diagnosed_share=0.3, templates=300, cohorts=100, enrolments=100_000, sessions=5,
            analyze=False,
        )  # fmt: skip
        data = programme_dashboard.seed(seed_args)
    programme, _created = Programme.objects.get_or_create(
        name=PROGRAMME,
        organisation=data["staff"].organisation,
        defaults={
            "country": "EC",
            "offer_types": programme_dashboard.OFFER_TYPES,
            "priority_sectors": programme_dashboard.PRIORITY_SECTORS,
            "description": "Programa de prueba de las invitaciones masivas.",
        },
    )
    return {**data, "programme": programme}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--province", default="EC-G", help="'' for every province")
    parser.add_argument("--sector", default="")
    parser.add_argument("--size-band", default="")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--kill", choices=["batch", "email", "none"], default="batch")
    parser.add_argument("--kill-at", type=float, default=0.4, help="share invited at the kill")
    parser.add_argument(
        "--resume-after", type=float, default=0, help="seconds after the kill before resuming"
    )
    parser.add_argument("--timeout", type=float, default=600, help="seconds per run at most")
    parser.add_argument(
        "--stall", type=float, default=60, help="stop once DONE and no e-mail for this long"
    )
    parser.add_argument("--poll", type=float, default=0.5, help="seconds between checks")
    parser.add_argument("--cleanup", action="store_true", help="delete the cohorts at the end")
    parser.add_argument("--no-clean-run", action="store_true", help="only the kill test")
    parser.add_argument("--seed", action="store_true", help="run programme_dashboard's seed")
    parser.add_argument("--firms", type=int, default=1_000_000, help="when seeding")
    args = parser.parse_args()

    import programme_dashboard

    prepare_environment(programme_dashboard.SQLITE_NAME)
    programme_dashboard.ensure_database()
    open_database()
    from django_tasks_db.models import DBTaskResult

    data = prepare(args)
    waiting = DBTaskResult.objects.filter(status="READY").count()
    if waiting:
        print(f"note: {waiting} tasks were already waiting; the workers run them too")
    results = []
    if not args.no_clean_run:
        results.append(run(args, data, label="clean run", kill="none"))
    if args.kill != "none":
        results.append(run(args, data, label=f"kill test ({args.kill})", kill=args.kill))
    if args.cleanup:
        cleanup(data["programme"])
    print(f"\npeak RSS of this process (Django included): {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
