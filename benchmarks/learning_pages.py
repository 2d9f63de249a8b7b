#!/usr/bin/env python3
"""Time the learner's pages (route, course, lesson) over a million firms and 10M lesson views.

    .venv/bin/python benchmarks/learning_pages.py                      # SQLite under /tmp
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rutapyme_learnbench \\
        .venv/bin/python benchmarks/learning_pages.py
    ... --firms 1000000 --learners 400000 --views 10000000 --diagnosed-share 0.3 --scale 0.1
    ... --runs 10 --people-per-kind 5 --explain --no-seed

It migrates the database (never drops anything), then creates, if they are not there yet:
firms with tax IDs `BENCHLRN…`, one owner account each (`benchlrn-…@example.org`, unusable
password) and its membership; for a share of the firms a latest submitted diagnosis (one in
eleven of those also an earlier one), whose answers, result and signature are one of a few
hundred computed with `fakes.random_answers`, `scoring.compute_result` and
`signature.encode`, stored as `diagnosis_submit` stores them; course progress for the
learners (1–7 courses each, lessons opened in course order), exactly `--views` lesson views
with the keys of the published lessons, a quiz attempt for every module whose lessons were
all opened (a fifth fail the first time and pass the second), `percent`, `last_lesson_key`
and `completed_at` as the services keep them, and a certificate for every completed course.
Rows are written by `INSERT … SELECT` in the database (a series, joins with small temporary
tables of the diagnoses, the published lessons and the plan of who learns what); each step
checks the counts first, so a rerun reuses the data and an interrupted seed resumes. On
PostgreSQL the bulk inserts skip the foreign-key triggers (`session_replication_role =
replica`, within their transaction; the joins make every reference valid), then the tables
are vacuumed and analysed. 1M firms and 10M views take about 6 minutes on PostgreSQL and 5
on SQLite (2 cores).

Then it signs in a sample of owners of six kinds (with and without a diagnosis; much, little
and no progress), and through Django's test client (a browser's `Accept-Encoding: gzip`)
requests the route page, the page of the course they were last in and its lessons, one after
the other from where they left off — a lesson request records the view, as in production —
`--runs` times each after one cold request per page. It prints the server time (around
`client.get`) as median, p95 and max, the number of queries and their time, the response
size, the slowest query shapes of each page and, with `--explain`, their plans. It prints
figures and never fails a build.
"""

import argparse
import array
import collections
import contextlib
import datetime
import gzip
import json
import math
import random
import re
import statistics
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import open_database, peak_rss_mb, prepare_environment  # noqa: E402

PREFIX = "BENCHLRN"  # 8 characters: the firm's index is substr(tax_id, 9), nine digits
EMAIL = "benchlrn-{:09d}@example.org"
COUNTRIES = ["EC", "PE", "CO", "CL", "MX", "AR", "UY", "PY", "BO"]
COUNTRY_WEIGHTS = [40, 15, 12, 10, 8, 6, 4, 3, 2]
SECTORS = [
    "artesanias", "calzado", "textil", "autopartes", "alimentos", "bebidas", "cosmetica",
    "accesorios", "tecnologia", "otros",
]  # fmt: skip
SIZES = ["0-5", "6-25", "26-50", "51-100", "100+"]
SIZE_WEIGHTS = [55, 25, 10, 6, 4]
OFFER_TYPES = ["products", "services", "both"]
# Courses per learner (1–7): most who start take several.
COURSES_PER_LEARNER = [1, 2, 3, 4, 5, 6, 7]
COURSES_WEIGHTS = [1, 1, 2, 2, 3, 4, 5]
COMPLETE_SHARE = 0.35  # of course progress rows: every lesson opened, every quiz passed
VIEW_CHUNK = 200_000  # course progress rows per transaction when writing views and attempts
KINDS = [
    ("diag-much", "diagnosis, much progress"),
    ("diag-little", "diagnosis, little progress"),
    ("diag-none", "diagnosis, no progress"),
    ("nodiag-much", "no diagnosis, much progress"),
    ("nodiag-little", "no diagnosis, little progress"),
    ("nodiag-none", "no diagnosis, no progress"),
]


# --- SQL that differs between PostgreSQL and SQLite ------------------------------------------


class _Sql:
    def __init__(self, connection):
        self.connection = connection
        self.pg = connection.vendor == "postgresql"
        if self.pg:
            self.series = (
                "WITH s(g) AS (SELECT generate_series(CAST(%s AS bigint), CAST(%s AS bigint)))"
            )
            self.uuid = "gen_random_uuid()"
            # What set_unusable_password stores: "!" and 40 random characters.
            self.random40 = (
                "substr(replace(CAST(gen_random_uuid() AS text), '-', '') || "
                "replace(CAST(gen_random_uuid() AS text), '-', ''), 1, 40)"
            )
            self.code16 = "upper(substr(replace(CAST(gen_random_uuid() AS text), '-', ''), 1, 16))"
            self.insert, self.ignore = "INSERT INTO", "ON CONFLICT DO NOTHING"
            self.types = {"uuid": "uuid", "json": "jsonb", "ts": "timestamptz", "date": "date"}
        else:
            self.series = (
                "WITH RECURSIVE s(g) AS (SELECT %s UNION ALL SELECT g + 1 FROM s WHERE g < %s)"
            )
            # A version 4 UUID as Django keeps it on SQLite: 32 hex digits.
            self.uuid = (
                "lower(hex(randomblob(6)) || '4' || substr(hex(randomblob(2)), 2) || "
                "substr('89ab', 1 + abs(random()) %% 4, 1) || substr(hex(randomblob(2)), 2) || "
                "hex(randomblob(6)))"
            )
            self.random40 = "lower(hex(randomblob(20)))"
            self.code16 = "upper(hex(randomblob(8)))"  # hex digits are Crockford characters
            self.insert, self.ignore = "INSERT OR IGNORE INTO", ""
            self.types = {"uuid": "char(32)", "json": "text", "ts": "text", "date": "text"}

    def pad(self, expr: str) -> str:
        if self.pg:
            return f"lpad(CAST({expr} AS text), 9, '0')"
        return f"printf('%%09d', {expr})"

    def value(self, value):
        """A Python value as this database takes it in a raw statement."""
        import uuid

        ops = self.connection.ops
        if self.pg:
            return value
        if isinstance(value, uuid.UUID):
            return value.hex
        if isinstance(value, datetime.datetime):
            return ops.adapt_datetimefield_value(value)
        if isinstance(value, datetime.date):
            return ops.adapt_datefield_value(value)
        return value

    def execute(self, sql: str, params=()) -> int:
        with self.connection.cursor() as cursor:
            cursor.execute(sql, [self.value(p) for p in params])
            return cursor.rowcount

    def fetch(self, sql: str, params=()):
        with self.connection.cursor() as cursor:
            cursor.execute(sql, [self.value(p) for p in params])
            return cursor.fetchone()

    def scalar(self, sql: str, params=()):
        return self.fetch(sql, params)[0]

    def temp_table(self, name: str, columns: list[tuple[str, str]], rows) -> int:
        """(Re)create a temporary table and fill it: COPY on PostgreSQL, executemany on SQLite."""
        ddl = ", ".join(f"{column} {self.types.get(kind, kind)}" for column, kind in columns)
        names = ", ".join(column for column, _kind in columns)
        count = 0
        with self.connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {name}")
            cursor.execute(f"CREATE TEMP TABLE {name} ({ddl})")
            if self.pg:
                with cursor.cursor.copy(f"COPY {name} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                        count += 1
            else:
                marks = ", ".join(["%s"] * len(columns))
                batch = []
                for row in rows:
                    batch.append([self.value(v) for v in row])
                    if len(batch) == 50_000:
                        cursor.executemany(f"INSERT INTO {name} VALUES ({marks})", batch)
                        count += len(batch)
                        batch = []
                if batch:
                    cursor.executemany(f"INSERT INTO {name} VALUES ({marks})", batch)
                    count += len(batch)
        return count

    @contextlib.contextmanager
    def bulk(self):
        """A transaction for a bulk insert; on PostgreSQL without foreign-key triggers."""
        from django.db import transaction

        with transaction.atomic():
            if self.pg:
                self.execute("SET LOCAL session_replication_role = replica")
            else:  # a large page cache for the index inserts (the timing uses the default)
                self.execute("PRAGMA cache_size = -1000000")
            yield


# --- Seeding ---------------------------------------------------------------------------------


@contextlib.contextmanager
def _step(label: str):
    print(f"  {label} …", end="", flush=True)
    started = time.perf_counter()
    yield
    print(f" {time.perf_counter() - started:.0f} s", flush=True)


def _templates(sql: _Sql, count: int, questionnaire) -> None:
    """`count` diagnoses in pairs sharing a firm profile and two days: either of a pair is a
    firm's latest diagnosis (the later day), the other its earlier one if it has one."""
    from django.utils import timezone

    from rutapyme.diagnosis import scoring, signature
    from rutapyme.diagnosis.fakes import random_answers

    spec = questionnaire.spec
    today = timezone.localdate()
    rows = []
    for pair in range(count // 2):
        rng = random.Random(pair * 7919 + 3)
        profile = {
            "country": rng.choices(COUNTRIES, COUNTRY_WEIGHTS)[0],
            "sector": rng.choice(SECTORS),
            "size_band": rng.choices(SIZES, SIZE_WEIGHTS)[0],
            "offer_type": rng.choice(OFFER_TYPES),
        }
        answered = today - datetime.timedelta(days=rng.randrange(10, 500))
        earlier = answered - datetime.timedelta(days=rng.randrange(30, 120))
        days = []
        for day in (answered, earlier):
            at = datetime.time(9 + rng.randrange(9), rng.randrange(60))
            days += [day, datetime.datetime.combine(day, at, datetime.UTC)]
        for t in (2 * pair, 2 * pair + 1):
            answers = random_answers(spec, rng=rng, **profile)
            result = scoring.compute_result(spec, answers, offer_type=profile["offer_type"])
            rows.append(
                (
                    t, profile["country"], profile["sector"], profile["size_band"],
                    profile["offer_type"], json.dumps(answers), json.dumps(result),
                    signature.encode(spec, answers, result), result["level"], result["rules"],
                    *days,
                )
            )  # fmt: skip
    columns = [
        ("t", "integer"), ("country", "text"), ("sector", "text"), ("size_band", "text"),
        ("offer_type", "text"), ("answers", "json"), ("result", "json"), ("signature", "text"),
        ("level", "integer"), ("rules_version", "text"), ("answered_on", "date"),
        ("submitted_at", "ts"), ("earlier_on", "date"), ("earlier_at", "ts"),
    ]  # fmt: skip
    sql.temp_table("bench_template", columns, rows)
    sql.execute("CREATE INDEX bench_template_t ON bench_template (t)")


def _curriculum():
    """Published courses in catalogue order, each with its lessons and quizzes in course order."""
    from rutapyme.learning import grading
    from rutapyme.learning.models import Course, Lesson, Module, Question

    courses = []
    for course in Course.objects.filter(published__isnull=False).select_related("published"):
        version = course.published
        lessons = list(
            Lesson.objects.filter(version=version)
            .order_by("module__position", "module_id", "position", "pk")
            .only("key", "slug", "module_id")
        )
        modules = list(
            Module.objects.filter(version=version)
            .select_related("quiz")
            .prefetch_related("quiz__questions__choices")
            .order_by("position", "pk")
        )
        quizzes = []
        ordinal = 0
        for position, module in enumerate(modules, start=1):
            ordinal += sum(1 for lesson in lessons if lesson.module_id == module.pk)
            quiz = getattr(module, "quiz", None)
            if quiz is None:
                continue
            answers = []  # (question, choices, a right answer, a wrong one)
            for question in quiz.questions.all():
                choices = list(question.choices.all())
                if question.kind == Question.Kind.NUMERIC:
                    good, bad = question.answer, question.answer + question.tolerance + 1
                else:
                    correct = [c.code for c in choices if c.is_correct]
                    other = [c.code for c in choices if not c.is_correct][:1] or correct
                    if question.kind == Question.Kind.MULTIPLE:
                        good, bad = correct, other
                    else:
                        good, bad = correct[0], other[0]
                answers.append((question, choices, good, bad))
            right = [grading.mark(q, good, choices) for q, choices, good, _bad in answers]
            # A failed first attempt: every other question wrong (all of them if that passes).
            wrong = [
                grading.mark(q, bad if n % 2 == 0 else good, choices)
                for n, (q, choices, good, bad) in enumerate(answers)
            ]
            if grading.score(wrong) >= quiz.pass_mark:
                wrong = [grading.mark(q, bad, choices) for q, choices, _good, bad in answers]
            quizzes.append(
                {
                    "position": position,
                    "last_ordinal": ordinal,
                    "key": quiz.key,
                    "version_id": version.pk,
                    "total": len(right),
                    "pass": ({m.code: m.answer for m in right}, len(right), grading.score(right)),
                    "fail": (
                        {m.code: m.answer for m in wrong},
                        sum(1 for m in wrong if m.correct),
                        grading.score(wrong),
                    ),
                }
            )
        courses.append({"course": course, "lessons": lessons, "quizzes": quizzes})
    return courses


def _percent_table(entry: dict) -> list[int]:
    """percent[v]: lessons 1…v opened, the quiz of every module they complete passed."""
    lessons, quizzes = len(entry["lessons"]), len(entry["quizzes"])
    table = []
    for viewed in range(lessons + 1):
        passed = sum(1 for q in entry["quizzes"] if q["last_ordinal"] <= viewed)
        table.append((viewed + passed) * 100 // (lessons + quizzes))
    return table


def _learner(i: int, threshold: int) -> bool:
    return (i * 61) % 1000 < threshold  # 61 is prime to 1000: exact shares per 1,000 firms


def _plan(firms: int, learners: int, views: int, courses: list[dict]):
    """Who learns what: (firm index, course, lessons opened) with exactly `views` in all."""
    threshold = round(1000 * learners / firms)
    ids = [c["course"].pk for c in courses]
    size = {c["course"].pk: len(c["lessons"]) for c in courses}
    plan_i, plan_c, plan_v = array.array("l"), array.array("l"), array.array("h")
    for i in range(1, firms + 1):
        if not _learner(i, threshold):
            continue
        rng = random.Random(i)
        k = rng.choices(COURSES_PER_LEARNER, COURSES_WEIGHTS)[0]
        for course_id in rng.sample(ids, k):
            n = size[course_id]
            viewed = n if rng.random() < COMPLETE_SHARE else rng.randint(1, n - 1)
            plan_i.append(i)
            plan_c.append(course_id)
            plan_v.append(viewed)
    total = sum(plan_v)
    possible = sum(size[c] for c in plan_c)
    wanted = max(len(plan_v), min(views, possible))
    if wanted != views:
        print(f"\n  note: {views:,} views cannot fit this plan; making {wanted:,}", end="")
    rng = random.Random(1)
    count = len(plan_v)
    while total != wanted:  # one view more or less on random rows until the total is exact
        j = rng.randrange(count)
        if total < wanted and plan_v[j] < size[plan_c[j]]:
            plan_v[j] += 1
            total += 1
        elif total > wanted and plan_v[j] > 1:
            plan_v[j] -= 1
            total -= 1
    return plan_i, plan_c, plan_v


def _plan_rows(plan, courses: list[dict], now: datetime.datetime):
    plan_i, plan_c, plan_v = plan
    percent = {c["course"].pk: _percent_table(c) for c in courses}
    size = {c["course"].pk: len(c["lessons"]) for c in courses}
    minute = datetime.timedelta(minutes=1)
    for i, course_id, viewed in zip(plan_i, plan_c, plan_v, strict=True):
        # Last activity 2 to 402 days ago, started up to 30 days before that.
        age = (i * 7919 + course_id * 104729) % (400 * 24 * 60) + 2 * 24 * 60
        took = (i * 31 + course_id * 17) % (30 * 24 * 60)
        updated = now - age * minute
        completed = updated if viewed == size[course_id] else None
        yield (
            i, course_id, viewed, percent[course_id][viewed], updated - took * minute, updated,
            completed,
        )  # fmt: skip


def _firm_index_table(sql: _Sql) -> None:
    sql.execute("DROP TABLE IF EXISTS bench_firm")
    sql.execute(
        "CREATE TEMP TABLE bench_firm AS "
        "SELECT CAST(substr(f.tax_id, 9) AS bigint) AS i, f.id AS firm_id, m.user_id "
        "FROM firms_firm f JOIN firms_firmmembership m ON m.firm_id = f.id AND m.role = 'owner' "
        "WHERE f.tax_id LIKE %s",
        [PREFIX + "%"],
    )
    sql.execute("CREATE INDEX bench_firm_i ON bench_firm (i)")
    sql.execute("ANALYZE bench_firm")


def _lesson_tables(sql: _Sql, courses: list[dict]) -> None:
    lessons = [
        (c["course"].pk, ordinal, lesson.key)
        for c in courses
        for ordinal, lesson in enumerate(c["lessons"], start=1)
    ]
    sql.temp_table(
        "bench_lesson", [("course_id", "integer"), ("ordinal", "integer"), ("key", "uuid")], lessons
    )
    sql.execute("CREATE INDEX bench_lesson_key ON bench_lesson (key)")
    sql.execute("CREATE INDEX bench_lesson_course ON bench_lesson (course_id, ordinal)")
    quizzes = [
        (
            c["course"].pk, q["position"], q["last_ordinal"], q["key"], q["version_id"],
            q["total"], json.dumps(q["pass"][0]), q["pass"][1], q["pass"][2],
            json.dumps(q["fail"][0]), q["fail"][1], q["fail"][2],
        )
        for c in courses
        for q in c["quizzes"]
    ]  # fmt: skip
    sql.temp_table(
        "bench_quiz",
        [
            ("course_id", "integer"), ("position", "integer"), ("last_ordinal", "integer"),
            ("quiz_key", "uuid"), ("version_id", "integer"), ("total", "integer"),
            ("answers_pass", "json"), ("correct_pass", "integer"), ("score_pass", "integer"),
            ("answers_fail", "json"), ("correct_fail", "integer"), ("score_fail", "integer"),
        ],
        quizzes,
    )  # fmt: skip
    sql.execute("ANALYZE bench_lesson")
    sql.execute("ANALYZE bench_quiz")


# One course progress row's lessons opened (1…ordinal of its last lesson) and quiz attempts.
# Views go in shuffled within a chunk: one person's rows land on different pages, as when
# thousands of people read at the same time.
_VIEWS_SELECT = """
    SELECT cp.id, l.key,
           CASE WHEN l.ordinal = last.ordinal THEN cp.updated_at ELSE cp.started_at END
    FROM learning_courseprogress cp
    JOIN bench_lesson last ON last.course_id = cp.course_id AND last.key = cp.last_lesson_key
    JOIN bench_lesson l ON l.course_id = cp.course_id AND l.ordinal <= last.ordinal
    WHERE cp.id BETWEEN %s AND %s
    ORDER BY (cp.id * 1103515245 + l.ordinal * 12345) %% 2147483647
"""
_ATTEMPTS_SELECT = """
    SELECT cp.id AS progress_id, q.quiz_key, 1 AS number,
           CASE WHEN (cp.id + q.position) %% 5 = 0 THEN q.answers_fail ELSE q.answers_pass END
               AS answers,
           CASE WHEN (cp.id + q.position) %% 5 = 0 THEN q.correct_fail ELSE q.correct_pass END
               AS correct,
           q.total,
           CASE WHEN (cp.id + q.position) %% 5 = 0 THEN q.score_fail ELSE q.score_pass END
               AS score,
           (cp.id + q.position) %% 5 <> 0 AS passed, q.version_id, cp.started_at AS at
    FROM learning_courseprogress cp
    JOIN bench_lesson last ON last.course_id = cp.course_id AND last.key = cp.last_lesson_key
    JOIN bench_quiz q ON q.course_id = cp.course_id AND q.last_ordinal <= last.ordinal
    WHERE cp.id BETWEEN %s AND %s
    UNION ALL
    SELECT cp.id, q.quiz_key, 2, q.answers_pass, q.correct_pass, q.total, q.score_pass,
           true, q.version_id, cp.updated_at
    FROM learning_courseprogress cp
    JOIN bench_lesson last ON last.course_id = cp.course_id AND last.key = cp.last_lesson_key
    JOIN bench_quiz q ON q.course_id = cp.course_id AND q.last_ordinal <= last.ordinal
    WHERE cp.id BETWEEN %s AND %s AND (cp.id + q.position) %% 5 = 0
"""


def _fill_by_chunks(sql: _Sql, table: str, columns: str, select: str, pairs: int, cutoff) -> int:
    """Insert `select` chunk by chunk of seeded course progress ids, one transaction each.

    Seeded progress started before `cutoff` (rows the timing adds start today). A chunk with
    any row in `table` was written in full by an earlier run and is left as it is.
    """
    low, high = sql.fetch(
        "SELECT min(id), max(id) FROM learning_courseprogress WHERE started_at < %s", [cutoff]
    )
    if low is None:
        return 0
    started = time.perf_counter()
    written = 0
    for start in range(low, high + 1, VIEW_CHUNK):
        stop = min(start + VIEW_CHUNK - 1, high)
        there = sql.fetch(
            f"SELECT 1 FROM {table} WHERE progress_id BETWEEN %s AND %s LIMIT 1", [start, stop]
        )
        if there:
            continue
        with sql.bulk():
            written += sql.execute(
                f"{sql.insert} {table} ({columns}) {select} {sql.ignore}", [start, stop] * pairs
            )
        print(
            f"\n    {table}: {written:,} written, up to progress id {stop:,}, "
            f"{time.perf_counter() - started:.0f} s",
            end="",
            flush=True,
        )
    if written:
        print("\n  ", end="")
    return written


def seed(args) -> None:
    from django.db import connection
    from django.utils import timezone

    from rutapyme.diagnosis.services import current_questionnaire

    sql = _Sql(connection)
    firms, learners, views = args.firms, args.learners, args.views
    now = timezone.now().replace(microsecond=0)
    diagnosed = round(1000 * args.diagnosed_share)
    started = time.perf_counter()
    print("seed:", flush=True)

    have = sql.scalar("SELECT count(*) FROM firms_firm WHERE tax_id LIKE %s", [PREFIX + "%"])
    need_templates = have < firms
    expected_diagnoses = sum(1 for i in range(1, firms + 1) if i % 1000 < diagnosed)
    expected_diagnoses += sum(1 for i in range(11, firms + 1, 11) if i % 1000 < diagnosed)
    have_diagnoses = sql.scalar(
        "SELECT count(*) FROM diagnosis_diagnosis d JOIN firms_firm f ON f.id = d.firm_id "
        "WHERE f.tax_id LIKE %s",
        [PREFIX + "%"],
    )
    questionnaire = current_questionnaire()
    if need_templates or have_diagnoses < expected_diagnoses:
        with _step(f"{args.templates} diagnosis results (random answers, computed)"):
            _templates(sql, args.templates, questionnaire)
    half = args.templates // 2

    if have < firms:
        with _step(f"firms {have:,} → {firms:,}"), sql.bulk():
            sql.execute(
                f"""{sql.series}
                {sql.insert} firms_firm (public_id, country, tax_id, tax_id_status, legal_name,
                    trade_name, province, canton, sector, offer_type, size_band, employees,
                    legal_representative, email, phone, website, sells_online, source,
                    created_at, updated_at)
                SELECT {sql.uuid}, t.country, %s || {sql.pad("s.g")}, 'valid',
                    'Empresa de prueba ' || s.g, '', '', '', t.sector, t.offer_type, t.size_band,
                    NULL, '', '', '', '', NULL, 'staff', %s, %s
                FROM s JOIN bench_template t ON t.t = 2 * ((s.g * 7919) %% {half})
                {sql.ignore}""",
                [1, firms, PREFIX, now, now],
            )
    have = sql.scalar("SELECT count(*) FROM accounts_user WHERE email LIKE 'benchlrn-%%'")
    if have < firms:
        with _step(f"owners {have:,} → {firms:,}"), sql.bulk():
            sql.execute(
                f"""{sql.series}
                {sql.insert} accounts_user (password, last_login, is_superuser, email, full_name,
                    role, phone, language, is_active, is_staff, date_joined, organisation_id)
                SELECT '!' || {sql.random40}, NULL, false,
                    'benchlrn-' || {sql.pad("s.g")} || '@example.org',
                    'Persona de prueba ' || s.g, 'firm_member', '', '', true, false, %s, NULL
                FROM s {sql.ignore}""",
                [1, firms, now],
            )
    have = sql.scalar(
        "SELECT count(*) FROM firms_firmmembership m JOIN firms_firm f ON f.id = m.firm_id "
        "WHERE f.tax_id LIKE %s",
        [PREFIX + "%"],
    )
    if have < firms:
        with _step(f"memberships {have:,} → {firms:,}"), sql.bulk():
            sql.execute(
                f"""{sql.insert} firms_firmmembership (role, created_at, firm_id, user_id)
                SELECT 'owner', %s, f.id, u.id
                FROM firms_firm f
                JOIN accounts_user u
                    ON u.email = 'benchlrn-' || substr(f.tax_id, 9) || '@example.org'
                WHERE f.tax_id LIKE %s {sql.ignore}""",
                [now, PREFIX + "%"],
            )
    with _step("index of the benchmark firms (temporary table)"):
        _firm_index_table(sql)

    if have_diagnoses < expected_diagnoses:
        label = f"diagnoses {have_diagnoses:,} → {expected_diagnoses:,}"
        columns = """(public_id, status, channel, offer_type, answers, current_step, interviewer,
            created_at, updated_at, submitted_at, answered_on, country, sector, size_band,
            rules_version, level, result, signature, attempt, is_latest, first_level, firm_id,
            started_by_id, submitted_by_id, source_import_id, questionnaire_id)"""

        def values(alias: str, day: str, at: str) -> str:
            return f"""{sql.uuid}, 'submitted', 'en_linea', {alias}.offer_type, {alias}.answers,
                '', '', {alias}.{at}, {alias}.{at}, {alias}.{at}, {alias}.{day}, {alias}.country,
                {alias}.sector, {alias}.size_band, {alias}.rules_version, {alias}.level,
                {alias}.result, {alias}.signature"""

        # Either diagnosis of a pair is the latest (i mod 7 decides), the other the earlier one
        # of the firms that have two (one in eleven: 7 and 11 are prime to the 150 pairs).
        joins = f"""FROM bench_firm b
            JOIN bench_template t ON t.t = 2 * ((b.i * 7919) %% {half}) + (b.i %% 7) %% 2
            JOIN bench_template e ON e.t = 2 * ((b.i * 7919) %% {half}) + 1 - (b.i %% 7) %% 2
            WHERE b.i %% 1000 < %s AND NOT EXISTS (
                SELECT 1 FROM diagnosis_diagnosis d WHERE d.firm_id = b.firm_id)"""
        with _step(label), sql.bulk():
            # The earlier diagnoses first (attempt 1), then every latest one.
            sql.execute(
                f"""{sql.insert} diagnosis_diagnosis {columns}
                SELECT {values("e", "earlier_on", "earlier_at")}, 1, false, e.level,
                    b.firm_id, b.user_id, b.user_id, NULL, %s
                {joins} AND b.i %% 11 = 0""",
                [questionnaire.pk, diagnosed],
            )
            sql.execute(
                f"""{sql.insert} diagnosis_diagnosis {columns}
                SELECT {values("t", "answered_on", "submitted_at")},
                    CASE WHEN b.i %% 11 = 0 THEN 2 ELSE 1 END, true,
                    CASE WHEN b.i %% 11 = 0 THEN e.level ELSE t.level END,
                    b.firm_id, b.user_id, b.user_id, NULL, %s
                {joins.replace("= b.firm_id", "= b.firm_id AND d.is_latest")}""",
                [questionnaire.pk, diagnosed],
            )

    courses = _curriculum()
    _lesson_tables(sql, courses)
    have = sql.scalar("SELECT count(*) FROM learning_courseprogress")
    if have < learners:
        with _step("plan of who learns what"):
            plan = _plan(firms, learners, views, courses)
            count = sql.temp_table(
                "bench_plan",
                [
                    ("i", "integer"), ("course_id", "integer"), ("viewed", "integer"),
                    ("percent", "integer"), ("started_at", "ts"), ("updated_at", "ts"),
                    ("completed_at", "ts"),
                ],
                _plan_rows(plan, courses, now),
            )  # fmt: skip
            del plan
        with _step(f"course progress {have:,} → {count:,}"), sql.bulk():
            sql.execute(
                f"""{sql.insert} learning_courseprogress (user_id, firm_id, course_id, started_at,
                    updated_at, last_lesson_key, percent, completed_at)
                SELECT b.user_id, b.firm_id, p.course_id, p.started_at, p.updated_at, l.key,
                    p.percent, p.completed_at
                FROM bench_plan p
                JOIN bench_firm b ON b.i = p.i
                JOIN bench_lesson l ON l.course_id = p.course_id AND l.ordinal = p.viewed
                ORDER BY (CAST(p.i AS bigint) * 1103515245 + p.course_id * 12345) %% 2147483647
                {sql.ignore}""",
            )
            sql.execute("DROP TABLE bench_plan")
    cutoff = now - datetime.timedelta(days=1)
    with _step("lesson views"):
        _fill_by_chunks(
            sql,
            "learning_lessonview",
            "progress_id, lesson_key, viewed_at",
            _VIEWS_SELECT,
            1,
            cutoff,
        )
    with _step("quiz attempts"):
        _fill_by_chunks(
            sql,
            "learning_quizattempt",
            "progress_id, quiz_key, number, answers, correct, total, score, passed, version_id, "
            "submitted_at",
            _ATTEMPTS_SELECT,
            2,
            cutoff,
        )
    completed = sql.scalar(
        "SELECT count(*) FROM learning_courseprogress WHERE completed_at IS NOT NULL"
    )
    have = sql.scalar("SELECT count(*) FROM learning_certificate")
    if have < completed:
        with _step(f"certificates {have:,} → {completed:,}"), sql.bulk():
            sql.execute(
                f"""{sql.insert} learning_certificate (code, person_name, firm_name, course_title,
                    hours, issued_at, revoked_at, revoked_reason, firm_id, revoked_by_id, user_id,
                    course_id, version_id)
                SELECT {sql.code16}, u.full_name, f.legal_name, v.title, v.hours,
                    cp.completed_at, NULL, '', cp.firm_id, NULL, cp.user_id, cp.course_id, v.id
                FROM learning_courseprogress cp
                JOIN accounts_user u ON u.id = cp.user_id
                JOIN firms_firm f ON f.id = cp.firm_id
                JOIN learning_course c ON c.id = cp.course_id
                JOIN learning_courseversion v ON v.id = c.published_id
                WHERE cp.completed_at IS NOT NULL AND NOT EXISTS (
                    SELECT 1 FROM learning_certificate x WHERE x.user_id = cp.user_id
                    AND x.firm_id = cp.firm_id AND x.course_id = cp.course_id)
                {sql.ignore}""",
            )
    if time.perf_counter() - started > 60 or args.analyze:
        with _step("vacuum and analyse" if sql.pg else "analyse"):
            if sql.pg:
                for table in (
                    "firms_firm", "accounts_user", "firms_firmmembership", "diagnosis_diagnosis",
                    "learning_courseprogress", "learning_lessonview", "learning_quizattempt",
                    "learning_certificate", "django_session",
                ):  # fmt: skip
                    sql.execute(f"VACUUM ANALYZE {table}")
            else:
                sql.execute("ANALYZE")
    if not sql.pg:
        sql.execute("PRAGMA cache_size = -2000")  # SQLite's default again
        sql.fetch("PRAGMA wal_checkpoint(TRUNCATE)")  # the big transactions' log, emptied
    print(f"seed: done in {time.perf_counter() - started:.0f} s", flush=True)


def data_sizes() -> None:
    from django.db import connection

    sql = _Sql(connection)
    count = {
        table: sql.scalar(f"SELECT count(*) FROM {table}")
        for table in (
            "firms_firm", "accounts_user", "firms_firmmembership", "learning_courseprogress",
            "learning_lessonview", "learning_quizattempt", "learning_certificate",
        )
    }  # fmt: skip
    latest = sql.scalar("SELECT count(*) FROM diagnosis_diagnosis WHERE is_latest = true")
    diagnoses = sql.scalar("SELECT count(*) FROM diagnosis_diagnosis WHERE status = 'submitted'")
    learners = sql.scalar(
        "SELECT count(*) FROM (SELECT DISTINCT user_id, firm_id FROM learning_courseprogress) x"
    )
    print(
        f"data: firms {count['firms_firm']:,}, people {count['accounts_user']:,}, "
        f"memberships {count['firms_firmmembership']:,}; diagnoses {latest:,} latest "
        f"({diagnoses:,} submitted in all)"
    )
    print(
        f"      course progress {count['learning_courseprogress']:,} ({learners:,} learners), "
        f"lesson views {count['learning_lessonview']:,}, quiz attempts "
        f"{count['learning_quizattempt']:,}, certificates {count['learning_certificate']:,}"
    )
    if sql.pg:
        sizes = []
        for table in (
            "firms_firm", "accounts_user", "diagnosis_diagnosis", "learning_courseprogress",
            "learning_lessonview", "learning_quizattempt", "learning_certificate",
        ):  # fmt: skip
            size = sql.scalar("SELECT pg_total_relation_size(%s)", [table])
            sizes.append(f"{table} {size / 1024**2:,.0f} MB")
        total = sql.scalar("SELECT pg_database_size(current_database())")
        sizes.append(f"whole database {total / 1024**3:.1f} GB")
        print(
            textwrap.fill(
                "on disk (with indexes): " + ", ".join(sizes),
                width=96,
                initial_indent=" " * 6,
                subsequent_indent=" " * 8,
            )
        )
        settings = [
            f"{name} {sql.scalar(f'SHOW {name}')}"
            for name in ("shared_buffers", "work_mem", "random_page_cost")
        ]
        print(f"      server settings: {', '.join(settings)}")
    else:
        name = Path(connection.settings_dict["NAME"])
        wal = Path(f"{name}-wal")
        wal_size = wal.stat().st_size if wal.exists() else 0
        print(
            f"      file {name.stat().st_size / 1024**3:.1f} GB "
            f"(write-ahead log {wal_size / 1024**2:.0f} MB)"
        )


# --- Timing ----------------------------------------------------------------------------------


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def _stats(times: list[float]) -> str:
    return (
        f"median {statistics.median(times) * 1000:5.1f} ms   p95 {_p95(times) * 1000:5.1f} ms   "
        f"max {max(times) * 1000:6.1f} ms"
    )


def _shape(sql: str) -> str:
    """A statement with its placeholders, lists of them folded: one shape per query site."""
    return re.sub(r"%s(?:, %s)+", "%s, …", sql)


def _brief(sql: str, width: int = 110) -> str:
    """A statement without its column list, cut to `width`: what it reads and how."""
    text = re.sub(r"^SELECT (DISTINCT )?.*? FROM ", r"SELECT \1… FROM ", sql, count=1, flags=re.S)
    text = text.replace('"', "")
    return text if len(text) <= width else text[: width - 1] + "…"


class _QueryTimer:
    """An execute wrapper: each statement, its parameters and its time, to the microsecond
    (the debug cursor rounds to the millisecond)."""

    def __init__(self):
        self.calls: list[tuple[str, object, float]] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.calls.append((sql, None if many else params, time.perf_counter() - started))


def _sample(per_kind: int, seed: int = 2026) -> list[dict]:
    """Owners of each kind, found among a deterministic random pool of benchmark firms."""
    from django.db import connection

    from rutapyme.accounts.models import User

    sql = _Sql(connection)
    firms = sql.scalar("SELECT count(*) FROM firms_firm WHERE tax_id LIKE %s", [PREFIX + "%"])
    rng = random.Random(seed)
    # Each run's lesson requests move some people to another kind: a large pool, read in
    # batches until every kind is filled.
    pool = rng.sample(range(1, firms + 1), min(firms, 200_000))
    chosen: dict[str, list] = {kind: [] for kind, _label in KINDS}
    for start in range(0, len(pool), 500):
        emails = [EMAIL.format(i) for i in pool[start : start + 500]]
        marks = ", ".join(["%s"] * len(emails))
        with connection.cursor() as cursor:
            cursor.execute(
                f"""SELECT u.id, m.firm_id, u.email,
                    (SELECT count(*) FROM diagnosis_diagnosis d
                     WHERE d.firm_id = m.firm_id AND d.is_latest = true),
                    (SELECT count(*) FROM learning_courseprogress p
                     WHERE p.firm_id = m.firm_id AND p.user_id = u.id),
                    (SELECT count(*) FROM learning_lessonview v
                     JOIN learning_courseprogress p ON p.id = v.progress_id
                     WHERE p.firm_id = m.firm_id AND p.user_id = u.id)
                FROM accounts_user u JOIN firms_firmmembership m ON m.user_id = u.id
                WHERE u.email IN ({marks})""",
                emails,
            )
            rows = {row[2]: row for row in cursor.fetchall()}
        for email in emails:
            if email not in rows:
                continue
            user_id, firm_id, _email, diagnosis, courses, views = rows[email]
            if courses == 0:
                amount = "none"
            elif courses >= 5 and views >= 30:
                amount = "much"
            elif courses == 1 and views <= 3:
                amount = "little"
            else:
                continue
            kind = f"{'diag' if diagnosis else 'nodiag'}-{amount}"
            if len(chosen[kind]) < per_kind:
                chosen[kind].append(
                    {"user_id": user_id, "firm_id": firm_id, "courses": courses, "views": views}
                )
        if all(len(people) >= per_kind for people in chosen.values()):
            break
    people = []
    for kind, _label in KINDS:
        for person in chosen[kind]:
            person["kind"] = kind
            person["user"] = User.objects.get(pk=person["user_id"])
            people.append(person)
    return people


def _lesson_walk(person: dict, courses: list[dict]) -> tuple[str, list[str]]:
    """The course the person was last in and its lessons from where they left off."""
    from rutapyme.learning.models import CourseProgress

    last = (
        CourseProgress.objects.filter(user_id=person["user_id"], firm_id=person["firm_id"])
        .order_by("completed_at", "-updated_at")  # an unfinished course first (NULLs last)
        .first()
    )
    entry = courses[0]
    if last is not None:
        entry = next(c for c in courses if c["course"].pk == last.course_id)
    slugs = [lesson.slug for lesson in entry["lessons"]]
    keys = [lesson.key for lesson in entry["lessons"]]
    start = keys.index(last.last_lesson_key) if last and last.last_lesson_key in keys else 0
    return entry["course"].slug, slugs[start:] + slugs[:start]


def measure(args) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    courses = _curriculum()
    people = _sample(args.people_per_kind)
    counts = collections.Counter(p["kind"] for p in people)
    print(f"\nsample: {len(people)} owners, each of another firm:")
    for kind, label in KINDS:
        mine = [p for p in people if p["kind"] == kind]
        if not mine:
            print(f"  {label:32} none found in the pool")
            continue
        print(
            f"  {label:32} {counts[kind]} people, courses {min(p['courses'] for p in mine)}–"
            f"{max(p['courses'] for p in mine)}, lessons viewed {min(p['views'] for p in mine)}–"
            f"{max(p['views'] for p in mine)}"
        )

    client = Client(headers={"Accept-Encoding": "gzip"})
    pages = ["route", "course", "lesson"]
    paths = {
        "route": "/aprender/",
        "course": "/aprender/cursos/<slug>/",
        "lesson": "/aprender/cursos/<slug>/<lesson>/",
    }
    times = {page: [] for page in pages}
    firsts = {page: [] for page in pages}
    by_kind = {page: collections.defaultdict(list) for page in pages}
    queries = {page: [] for page in pages}
    sql_time = {page: [] for page in pages}
    sizes = {page: [] for page in pages}
    shapes = {page: collections.defaultdict(list) for page in pages}
    cold = {}

    def get(page: str, url: str):
        timer = _QueryTimer()
        connection.queries_log.clear()  # CaptureQueriesContext counts within a 9,000-entry log
        with connection.execute_wrapper(timer), CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - started
        assert response.status_code == 200, (url, response.status_code)
        body = response.content
        plain = gzip.decompress(body) if response.get("Content-Encoding") == "gzip" else body
        sizes[page].append((len(plain), len(body)))
        queries[page].append(len(captured.captured_queries))
        sql_time[page].append(sum(spent for _sql, _params, spent in timer.calls))
        for statement, params, spent in timer.calls:
            shapes[page][_shape(statement)].append((spent, statement, params))
        return elapsed

    walks = []
    for index, person in enumerate(people):
        client.force_login(person["user"])
        slug, lessons = _lesson_walk(person, courses)
        urls = {
            "route": [reverse("learning:route")],
            "course": [reverse("learning:course", args=[slug])],
            "lesson": [reverse("learning:lesson", args=[slug, lesson]) for lesson in lessons],
        }
        walks.append(len(lessons))
        if index == 0:  # one cold request per page: the first of the process
            for page in pages:
                cold[page] = get(page, urls[page][0])
        for run in range(args.runs):
            for page in pages:
                choices = urls[page]
                elapsed = get(page, choices[(run + (1 if index == 0 else 0)) % len(choices)])
                times[page].append(elapsed)
                by_kind[page][person["kind"]].append(elapsed)
                if run == 0:
                    firsts[page].append(elapsed)

    print(
        f"\npages: {args.runs} requests per person and page after one cold request "
        f"({sum(len(t) for t in times.values()):,} timed); server time around client.get:"
    )
    for page in pages:
        plain = statistics.median(s[0] for s in sizes[page]) / 1024
        packed = statistics.median(s[1] for s in sizes[page]) / 1024
        low, high = min(queries[page]), max(queries[page])
        print(
            f"  {page:6} {paths[page]:34} cold {cold[page] * 1000:6.1f} ms  {_stats(times[page])}"
        )
        print(f"  {'':6} {'first request of each person':34} {'':14} {_stats(firsts[page])}")
        print(
            f"  {'':6} queries {low}–{high} (median {statistics.median(queries[page]):.0f}), "
            f"their time median {statistics.median(sql_time[page]) * 1000:.1f} ms, "
            f"p95 {_p95(sql_time[page]) * 1000:.1f} ms; HTML {plain:.0f} KB ({packed:.0f} KB gzip)"
        )
    print("\nby kind of person (median / p95 / max, ms):")
    print(f"  {'':32}" + "".join(f"{page:>24}" for page in pages))
    for kind, label in KINDS:
        cells = []
        for page in pages:
            values = by_kind[page].get(kind)
            cells.append(
                f"{statistics.median(values) * 1000:6.1f} / {_p95(values) * 1000:5.1f} / "
                f"{max(values) * 1000:5.1f}"
                if values
                else "—"
            )
        print(f"  {label:32}" + "".join(f"{cell:>24}" for cell in cells))

    print("\nslowest query shapes per page (by total time; n, median, max):")
    worst = []
    for page in pages:
        ranked = sorted(shapes[page].items(), key=lambda item: -sum(call[0] for call in item[1]))[
            : args.top
        ]
        for shape, seen in ranked:
            spent = [t for t, _s, _p in seen]
            print(
                f"  {page:6} n={len(seen):4}  median {statistics.median(spent) * 1000:5.2f} ms  "
                f"max {max(spent) * 1000:6.2f} ms  {_brief(shape)}"
            )
            slowest = max(seen, key=lambda call: call[0])
            worst.append((page, slowest[1], slowest[2]))
    if args.explain:
        _explain(worst)
    print(f"\npeak RSS of this process (Django included): {peak_rss_mb():.0f} MB")
    connection.close()


def _explain(statements: list[tuple[str, str, object]]) -> None:
    from django.db import connection, transaction

    print("\nplans of the slowest instance of each of those shapes:")
    for page, statement, params in statements:
        if not statement.lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE", "DELETE")):
            continue
        print(f"\n[{page}] {statement[:300]}{' …' if len(statement) > 300 else ''}")
        print(f"    parameters: {params!r}"[:300])
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {statement}", params)
            else:
                cursor.execute(f"EXPLAIN QUERY PLAN {statement}", params)
            for row in cursor.fetchall():
                print("    " + " | ".join(str(v) for v in row))
            transaction.set_rollback(True)  # an explained write is not kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--firms", type=int, default=1_000_000)
    parser.add_argument("--learners", type=int, default=400_000, help="firms whose owner learns")
    parser.add_argument("--views", type=int, default=10_000_000, help="lesson views in all")
    parser.add_argument(
        "--scale", type=float, default=1.0, help="multiplies firms, learners and views"
    )
    parser.add_argument("--diagnosed-share", type=float, default=0.3)
    parser.add_argument("--templates", type=int, default=300, help="distinct diagnosis results")
    parser.add_argument("--runs", type=int, default=10, help="requests per person and page")
    parser.add_argument("--people-per-kind", type=int, default=5)
    parser.add_argument("--top", type=int, default=3, help="slowest query shapes per page")
    parser.add_argument("--explain", action="store_true", help="print their plans")
    parser.add_argument("--analyze", action="store_true", help="vacuum/analyse even after a rerun")
    parser.add_argument("--no-seed", action="store_true", help="time what is in the database")
    args = parser.parse_args()
    args.firms = round(args.firms * args.scale)
    args.learners = round(args.learners * args.scale)
    args.views = round(args.views * args.scale)

    prepare_environment("rutapyme-learnbench.sqlite3")
    open_database()
    if not args.no_seed:
        seed(args)
    data_sizes()
    measure(args)


if __name__ == "__main__":
    main()
