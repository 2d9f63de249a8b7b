#!/usr/bin/env python3
"""Time the programme dashboard over 100 cohorts, 100,000 enrolments and a million firms.

    .venv/bin/python benchmarks/programme_dashboard.py                 # SQLite under /tmp
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rutapyme_progbench \\
        .venv/bin/python benchmarks/programme_dashboard.py
    ... --firms 1000000 --cohorts 100 --enrolments 100000 --sessions 5 --runs 10
    ... --explain --no-seed --no-refresh

It creates the PostgreSQL database when it is missing, migrates (never drops anything), then
seeds what is not there yet, each step checking its counts first, so a rerun reuses the data
and an interrupted seed resumes:

1. the learner's base of `learning_pages.py`, through its own `seed` (1,000,000 firms with an
   owner each, 30 % with a latest diagnosis, 2 million course progress rows, 10,000,000
   lesson views, quiz attempts and certificates; about 6 minutes on PostgreSQL);
2. what a programme needs of the Ecuadorian firms among them (about 40 %): a province
   (Guayas a third, so that about 70,000 of them are eligible: invite_firms.py's selection),
   a contact e-mail (nine in ten), a web page (one in eight); three partner organisations
   with their members (Mercado Libre 15 % of the firms, each chamber 40 % of its
   province's); a ministry with a programme staff account and a partner staff account
   (Mercado Libre's);
3. the programme "Ecuador vende en línea (benchmark)" (products or both, priority sectors
   artesanías, textil, alimentos) with `--cohorts` weekly cohorts of 12 weeks, two courses
   each, the newest still to start; `--enrolments` eligible firms, one cohort each, invited
   in three waves three weeks before the start, most of them answering within ten days:
   invited, declined, waitlisted, joined, dropped after joining (the newest cohorts with more
   unanswered invitations and no drops); `--sessions` live sessions per cohort with the
   attendance of the ones held (72 % present) and each enrolment's `sessions_attended`,
   milestones for a share of the joined firms
   (9 % a first online sale, 6 % a marketplace sale, 1.5 % an export); the stage columns
   (diagnosed, learning, certified, online, first sale, first export, levels, courses
   completed) computed in SQL with the rules of `stages.refresh`, the joined moved to active
   or completed with them, each cohort's capacity its joined firms (so the waiting lists wait).
   Everything is `INSERT … SELECT` or `UPDATE` in the database, as in learning_pages.py.

Then `stages.refresh_cohort` runs over every cohort (timed: it is what the background task
does; a change count of 0 shows the SQL agrees with the service) and, signed in with
`force_login` as the ministry's programme staff and as Mercado Libre's partner staff, it
requests through Django's test client (a browser's `Accept-Encoding: gzip`) the dashboard
over a set of filters (whole programme, one cohort, province, sector, size, partner, date
range, a combination), the lists of firms at a stage and the monthly summary, `--runs` times
each after one cold request, and prints median, p95 and max of the server time, the query
count and time, the response size and the slowest query shapes (their plans with
`--explain`). Refresh tasks the pages enqueue for cohorts gone stale meanwhile are removed at
the end (no worker runs here). It prints figures and never fails a build.
"""

import argparse
import collections
import datetime
import gzip
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import open_database, peak_rss_mb, prepare_environment  # noqa: E402

SQLITE_NAME = "rutapyme-progbench.sqlite3"
PREFIX = "BENCHLRN"  # the firms of learning_pages.py: the index is substr(tax_id, 9)
PROGRAMME = "Ecuador vende en línea (benchmark)"
MINISTRY = ("Ministerio de Producción (benchmark)", "MPCEIP-B", "government")
PARTNERS = {
    "mercadolibre": ("Mercado Libre Ecuador (benchmark)", "ML-B", "marketplace"),
    "ccg": ("Cámara de Comercio de Guayaquil (benchmark)", "CCG-B", "chamber"),
    "ccq": ("Cámara de Comercio de Quito (benchmark)", "CCQ-B", "chamber"),
}
STAFF_EMAIL = "benchprog-staff@example.org"
PARTNER_EMAIL = "benchprog-partner@example.org"  # Mercado Libre's staff
OFFER_TYPES = ["products", "both"]
PRIORITY_SECTORS = ["artesanias", "textil", "alimentos"]
TZ = "America/Guayaquil"  # UTC-5 all year: noon there is 17:00 UTC
# Where the Ecuadorian firms are (per thousand): Guayas and Pichincha first, as in the country;
# Guayas a third, so that its eligible firms are about 70,000 (invite_firms.py's selection).
PROVINCE_WEIGHTS = {
    "EC-G": 330, "EC-P": 230, "EC-A": 60, "EC-M": 55, "EC-T": 45, "EC-O": 35, "EC-L": 26,
    "EC-H": 26, "EC-I": 26, "EC-X": 24, "EC-R": 24, "EC-E": 17, "EC-SD": 17, "EC-SE": 13,
    "EC-F": 13, "EC-C": 10, "EC-B": 9, "EC-U": 7, "EC-S": 7, "EC-N": 6, "EC-D": 6, "EC-Z": 5,
    "EC-Y": 4, "EC-W": 5,
}  # fmt: skip
COHORT_WEEKS = 12
COURSES_PER_COHORT = 2
WAVES_MINUTES = 5 * 24 * 60  # invitations go out in waves over five days
JOINED = "('joined', 'active', 'completed')"


def _sql():
    import learning_pages
    from django.db import connection

    return learning_pages._Sql(connection)


def _step(label: str):
    import learning_pages

    return learning_pages._step(label)


def ensure_database() -> None:
    """Create the PostgreSQL database of DATABASE_URL when it is not there (never drops)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    server = {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "user": parts.username or "postgres",
        "password": parts.password,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**{k: v for k, v in server.items() if v is not None}) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


# --- SQL that differs between PostgreSQL and SQLite ------------------------------------------


def _plus_minutes(sql, ts: str, minutes: str) -> str:
    if sql.pg:
        return f"({ts} + ({minutes}) * interval '1 minute')"
    return f"datetime({ts}, '+' || ({minutes}) || ' minutes')"


def _greatest(sql, *exprs: str) -> str:
    return f"{'GREATEST' if sql.pg else 'max'}({', '.join(exprs)})"


def _least(sql, *exprs: str) -> str:
    return f"{'LEAST' if sql.pg else 'min'}({', '.join(exprs)})"


def _noon(sql, day: str) -> str:
    """What `stages._as_datetime` makes of a date: noon in the programme's time zone."""
    if sql.pg:
        return f"(({day}) + time '12:00') AT TIME ZONE '{TZ}'"
    return f"(({day}) || ' 17:00:00')"


def _local_date_plus(sql, ts: str, days: str) -> str:
    if sql.pg:
        return f"(CAST(({ts}) AT TIME ZONE '{TZ}' AS date) + CAST(({days}) AS integer))"
    return f"date({ts}, '-5 hours', '+' || ({days}) || ' days')"


def _token(sql) -> str:
    """64 random hex characters (an invitation token; the service's are 43 URL-safe ones)."""
    if sql.pg:
        return (
            "replace(CAST(gen_random_uuid() AS text), '-', '') || "
            "replace(CAST(gen_random_uuid() AS text), '-', '')"
        )
    return "lower(hex(randomblob(32)))"


def _index(column: str = "f.tax_id") -> str:
    return f"CAST(substr({column}, 9) AS bigint)"


# --- Seeding ---------------------------------------------------------------------------------


def seed_learning_base(args) -> None:
    """learning_pages.py's own seed: firms, owners, diagnoses, progress, views, certificates."""
    import learning_pages

    learning_pages.seed(
        argparse.Namespace(
            firms=args.firms,
            learners=args.learners,
            views=args.views,
            diagnosed_share=args.diagnosed_share,
            templates=args.templates,
            analyze=False,
        )
    )


def seed_firm_details(sql) -> int:
    """Province, contact e-mail and web page of the Ecuadorian benchmark firms."""
    missing = sql.scalar(
        "SELECT count(*) FROM firms_firm WHERE tax_id LIKE %s AND country = 'EC' AND province = ''",
        [PREFIX + "%"],
    )
    if not missing:
        return 0
    buckets = []
    for province, weight in PROVINCE_WEIGHTS.items():
        buckets += [province] * weight
    i = _index("tax_id")
    with _step(f"province, e-mail and web page of {missing:,} Ecuadorian firms"), sql.bulk():
        sql.temp_table(
            "bench_province",
            [("bucket", "integer"), ("province", "text")],
            list(enumerate(buckets)),
        )
        sql.execute("CREATE INDEX bench_province_bucket ON bench_province (bucket)")
        changed = sql.execute(
            f"""UPDATE firms_firm SET
                province = (SELECT p.province FROM bench_province p
                            WHERE p.bucket = ({i} * 7919) %% 1000),
                email = CASE WHEN {i} %% 10 <> 3
                    THEN 'contacto-' || substr(tax_id, 9) || '@example.ec' ELSE '' END,
                website = CASE WHEN ({i} * 13) %% 100 < 12
                    THEN 'https://empresa-' || substr(tax_id, 9) || '.example.ec' ELSE '' END
            WHERE tax_id LIKE %s AND country = 'EC' AND province = ''""",
            [PREFIX + "%"],
        )
    return changed


def seed_people():
    """The ministry, the partners, their staff accounts; returns (ministry, partners, staff,
    partner staff)."""
    from rutapyme.accounts.models import Organisation, User

    def organisation(name, short, kind):
        return Organisation.objects.get_or_create(
            name=name, country="EC", defaults={"short_name": short, "kind": kind}
        )[0]

    ministry = organisation(*MINISTRY)
    partners = {key: organisation(*spec) for key, spec in PARTNERS.items()}

    def person(email, role, org, name):
        user, created = User.objects.get_or_create(
            email=email, defaults={"role": role, "organisation": org, "full_name": name}
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        return user

    staff = person(STAFF_EMAIL, User.Role.PROGRAMME_STAFF, ministry, "Equipo del programa")
    partner = person(
        PARTNER_EMAIL, User.Role.PARTNER_STAFF, partners["mercadolibre"], "Equipo de Mercado Libre"
    )
    return ministry, partners, staff, partner


def seed_affiliations(sql, partners) -> None:
    from django.utils import timezone

    i = _index()
    rules = {
        "mercadolibre": ("", f"({i} * 37) %% 100 < 15"),
        "ccg": ("EC-G", f"({i} * 53) %% 100 < 40"),
        "ccq": ("EC-P", f"({i} * 53) %% 100 < 40"),
    }
    now = timezone.now()
    for key, (province, rule) in rules.items():
        org = partners[key]
        if sql.scalar(
            "SELECT count(*) FROM firms_firmaffiliation WHERE organisation_id = %s", [org.pk]
        ):
            continue
        where = "AND f.province = %s" if province else ""
        params = [org.short_name, now, org.pk, PREFIX + "%"] + ([province] if province else [])
        with _step(f"members of {org.name}"), sql.bulk():
            sql.execute(
                f"""{sql.insert} firms_firmaffiliation (member_reference, created_at, firm_id,
                    organisation_id)
                SELECT %s || '-' || substr(f.tax_id, 9), %s, f.id, %s
                FROM firms_firm f
                WHERE f.tax_id LIKE %s AND f.country = 'EC' AND {rule} {where} {sql.ignore}""",
                params,
            )


def seed_programme(args, staff, ministry, partners):
    """The programme and its cohorts (the ORM: a hundred rows)."""
    from django.utils import timezone

    from rutapyme.learning.models import Course
    from rutapyme.programmes.models import Cohort, Programme

    programme, _created = Programme.objects.get_or_create(
        name=PROGRAMME,
        organisation=ministry,
        defaults={
            "country": "EC",
            "offer_types": OFFER_TYPES,
            "priority_sectors": PRIORITY_SECTORS,
            "description": "Programa de prueba de rendimiento.",
        },
    )
    programme.partners.set(partners.values())
    have = {c.name for c in programme.cohorts.all()}
    courses = list(Course.objects.filter(published__isnull=False).order_by("position", "slug"))
    today = timezone.localdate()
    created = []
    for k in range(args.cohorts):
        name = f"Promoción {k + 1:03d}"
        if name in have:
            continue
        # Weekly: the newest five start in the coming weeks, the others started already.
        starts_on = today - datetime.timedelta(weeks=args.cohorts - 5 - k)
        cohort = Cohort.objects.create(
            programme=programme,
            name=name,
            starts_on=starts_on,
            ends_on=starts_on + datetime.timedelta(weeks=COHORT_WEEKS),
            capacity=1,  # set to the joined firms once they are in
            created_by=staff,
        )
        cohort.courses.set([courses[(k + 3 * j) % len(courses)] for j in range(COURSES_PER_COHORT)])
        created.append(cohort)
    if created:
        print(f"  cohorts {len(have):,} → {len(have) + len(created):,}")
    return programme


def _cohort_table(sql, programme) -> list:
    """bench_cohort: per cohort its number, whether it started, when its invitations went out
    and how long answers and drops may take (never later than an hour ago)."""
    from django.utils import timezone

    now = timezone.now().replace(microsecond=0)
    today = timezone.localdate()
    local = timezone.get_current_timezone()
    rows = []
    cohorts = list(programme.cohorts.order_by("starts_on", "name"))
    for k, cohort in enumerate(cohorts):
        start = datetime.datetime.combine(cohort.starts_on, datetime.time(9), tzinfo=local)
        base = min(start - datetime.timedelta(days=21), now - datetime.timedelta(days=7))
        waves_end = base + datetime.timedelta(minutes=WAVES_MINUTES)
        room = (now - datetime.timedelta(hours=1) - waves_end).total_seconds() / 60
        answer = int(max(60, min(10 * 24 * 60, room)))
        drop = int(max(60, min(40 * 24 * 60, room - answer)))
        rows.append((k, cohort.pk, int(cohort.starts_on <= today), base, answer, drop))
    sql.temp_table(
        "bench_cohort",
        [
            ("k", "integer"), ("cohort_id", "bigint"), ("started", "integer"),
            ("invited_base", "ts"), ("answer_minutes", "integer"), ("drop_minutes", "integer"),
        ],
        rows,
    )  # fmt: skip
    sql.execute("CREATE INDEX bench_cohort_k ON bench_cohort (k)")
    sql.execute("CREATE INDEX bench_cohort_id ON bench_cohort (cohort_id)")
    return cohorts


def seed_enrolments(args, sql, programme, staff) -> bool:
    """Enrolments, milestones, sessions, attendance and the stage columns; True if written."""
    from django.utils import timezone

    from rutapyme.programmes.models import Enrolment, LiveSession

    cohorts = _cohort_table(sql, programme)
    ids = ", ".join(str(c.pk) for c in cohorts)
    in_programme = f"cohort_id IN ({ids})"
    now = timezone.now().replace(microsecond=0)
    today = timezone.localdate()
    wrote = False

    have = sql.scalar(f"SELECT count(*) FROM programmes_enrolment WHERE {in_programme}")
    if have < args.enrolments:
        eligible = sql.scalar(
            "SELECT count(*) FROM firms_firm WHERE tax_id LIKE %s AND country = 'EC' "
            "AND offer_type IN ('products', 'both')",
            [PREFIX + "%"],
        )
        wanted = min(args.enrolments, eligible)
        i = _index()
        state = """CASE WHEN c.started = 1 THEN
                CASE WHEN p.h < 14 THEN 'invited' WHEN p.h < 21 THEN 'declined'
                     WHEN p.h < 27 THEN 'dropped' WHEN p.h < 30 THEN 'waitlisted'
                     ELSE 'joined' END
            ELSE
                CASE WHEN p.h < 45 THEN 'invited' WHEN p.h < 50 THEN 'declined'
                     WHEN p.h < 53 THEN 'waitlisted' ELSE 'joined' END
            END"""
        x_at = "x.invited_at"
        label = f"enrolments {have:,} → {wanted:,} (of {eligible:,} eligible firms)"
        with _step(label), sql.bulk():
            sql.execute(
                f"""WITH picked AS (
                    SELECT f.id AS firm_id, {i} AS i, f.email, f.province, f.sector,
                        f.size_band,
                        ROW_NUMBER() OVER (ORDER BY ({i} * 2654435761) %% 4294967291) AS rn
                    FROM firms_firm f
                    WHERE f.tax_id LIKE %s AND f.country = 'EC'
                        AND f.offer_type IN ('products', 'both'))
                {sql.insert} programmes_enrolment (public_id, cohort_id, firm_id, state,
                    token, email, invited_by_id, batch_id, invited_at, email_sent_at,
                    joined_at, joined_by_id, waitlisted_at, active_at, completed_at,
                    declined_at, dropped_at, state_note, province, sector, size_band,
                    courses_completed)
                SELECT {sql.uuid}, x.cohort_id, x.firm_id, x.state, {_token(sql)}, x.email,
                    %s, NULL, {x_at},
                    CASE WHEN x.email <> '' THEN {_plus_minutes(sql, x_at, "2")} END,
                    CASE WHEN x.state IN ('joined', 'dropped')
                        THEN {_plus_minutes(sql, x_at, "x.answer")} END,
                    NULL,
                    CASE WHEN x.state = 'waitlisted'
                        THEN {_plus_minutes(sql, x_at, "x.answer")} END,
                    NULL, NULL,
                    CASE WHEN x.state = 'declined'
                        THEN {_plus_minutes(sql, x_at, "x.answer")} END,
                    CASE WHEN x.state = 'dropped'
                        THEN {_plus_minutes(sql, x_at, "x.answer + x.drop_m")} END,
                    '', x.province, x.sector, x.size_band, 0
                FROM (
                    SELECT c.cohort_id, p.firm_id, p.email, p.province, p.sector,
                        p.size_band, {state} AS state,
                        {_plus_minutes(sql, "c.invited_base", f"(p.i * 37) %% {WAVES_MINUTES}")}
                            AS invited_at,
                        30 + (p.i * 104729) %% c.answer_minutes AS answer,
                        60 + (p.i * 7) %% c.drop_minutes AS drop_m
                    FROM (SELECT picked.*, (i * 7919 + rn * 31) %% 100 AS h FROM picked
                          WHERE rn <= %s) p
                    JOIN bench_cohort c ON c.k = p.rn %% %s
                ) x
                {sql.ignore}""",
                [PREFIX + "%", staff.pk, wanted, len(cohorts)],
            )
        wrote = True

    firm_ids = f"SELECT firm_id FROM programmes_enrolment WHERE {in_programme}"
    have = sql.scalar(f"SELECT count(*) FROM programmes_outcome WHERE firm_id IN ({firm_ids})")
    if not have:
        i = _index()
        occurred = _least(sql, _local_date_plus(sql, "e.joined_at", f"{i} %% 90"), "%s")
        kinds = [
            ("online_sale", "(i * 193) %% 1000 < 90",
             "CASE WHEN i %% 2 = 0 THEN 'own_site' ELSE 'social' END", "''", "''",
             "20 + i %% 300"),
            ("marketplace_sale", "(i * 389) %% 1000 < 60", "'marketplace'", "'Mercado Libre'",
             "''", "15 + i %% 200"),
            ("export", "(i * 571) %% 1000 < 15", "'marketplace'", "'Mercado Libre'",
             "CASE i %% 5 WHEN 0 THEN 'CO' WHEN 1 THEN 'US' WHEN 2 THEN 'PE' WHEN 3 THEN 'CL' "
             "ELSE 'MX' END", "200 + (i * 7) %% 5000"),
        ]  # fmt: skip
        with _step("milestones of the joined firms"), sql.bulk():
            for kind, rule, channel, detail, country, amount in kinds:
                sql.execute(
                    f"""{sql.insert} programmes_outcome (firm_id, kind, occurred_on, channel,
                        channel_detail, destination_country, amount, currency, reported_by_id,
                        reported_at)
                    SELECT y.firm_id, %s, y.occurred, {channel}, {detail}, {country}, {amount},
                        'USD', NULL, {_least(sql, _noon(sql, "y.occurred"), "%s")}
                    FROM (SELECT e.firm_id, {i} AS i, {occurred} AS occurred
                          FROM programmes_enrolment e JOIN firms_firm f ON f.id = e.firm_id
                          WHERE e.{in_programme} AND e.joined_at IS NOT NULL) y
                    WHERE {rule} {sql.ignore}""",
                    [kind, now, today],
                )
        wrote = True

    stamped = sql.scalar(
        "SELECT count(*) FROM programmes_cohort WHERE programme_id = %s "
        "AND stages_refreshed_at IS NOT NULL",
        [programme.pk],
    )
    if stamped < len(cohorts):
        courses_of = (
            "SELECT cc.course_id FROM programmes_cohort_courses cc WHERE cc.cohort_id = e.cohort_id"
        )
        cohort_courses = (
            "(SELECT count(*) FROM programmes_cohort_courses cc WHERE cc.cohort_id = e.cohort_id)"
        )
        with _step("stages of the enrolments (the rules of stages.refresh, in SQL)"):
            with sql.bulk():
                sql.execute(
                    f"""UPDATE programmes_enrolment AS e SET
                    diagnosed_at = (SELECT min(d.submitted_at) FROM diagnosis_diagnosis d
                        WHERE d.firm_id = e.firm_id AND d.status = 'submitted'),
                    first_level = (SELECT d.first_level FROM diagnosis_diagnosis d
                        WHERE d.firm_id = e.firm_id AND d.is_latest = true),
                    latest_level = (SELECT d.level FROM diagnosis_diagnosis d
                        WHERE d.firm_id = e.firm_id AND d.is_latest = true),
                    learning_at = (SELECT min(p.started_at) FROM learning_courseprogress p
                        WHERE p.firm_id = e.firm_id),
                    certified_at = (SELECT min(c.issued_at) FROM learning_certificate c
                        WHERE c.firm_id = e.firm_id AND c.revoked_at IS NULL),
                    online_at = CASE WHEN (SELECT f.website FROM firms_firm f
                        WHERE f.id = e.firm_id) <> ''
                        THEN {_least(sql, _plus_minutes(sql, "e.invited_at", "20 * 1440"), "%s")}
                        END,
                    first_sale_at = (SELECT {_noon(sql, "min(o.occurred_on)")}
                        FROM programmes_outcome o WHERE o.firm_id = e.firm_id
                        AND o.kind IN ('online_sale', 'marketplace_sale')),
                    first_export_at = (SELECT {_noon(sql, "min(o.occurred_on)")}
                        FROM programmes_outcome o WHERE o.firm_id = e.firm_id
                        AND o.kind = 'export'),
                    courses_completed = (SELECT count(DISTINCT c.course_id)
                        FROM learning_certificate c
                        WHERE c.firm_id = e.firm_id AND c.revoked_at IS NULL
                        AND c.course_id IN ({courses_of}))
                    WHERE e.{in_programme}""",
                    [now],
                )
            # Joined firms: completed with every course of the cohort certified, active once
            # someone of the firm started a course (dated when both had happened).
            with sql.bulk():
                sql.execute(
                    f"""UPDATE programmes_enrolment AS e SET state = CASE
                        WHEN e.courses_completed > 0
                            AND e.courses_completed = {cohort_courses} THEN 'completed'
                        WHEN e.learning_at IS NOT NULL THEN 'active' ELSE 'joined' END
                    WHERE e.{in_programme} AND e.state IN {JOINED}"""
                )
                sql.execute(
                    f"""UPDATE programmes_enrolment AS e
                    SET active_at = {_greatest(sql, "e.joined_at", "e.learning_at")}
                    WHERE e.{in_programme} AND e.state IN ('active', 'completed')"""
                )
                last_certificate = f"""(SELECT max(c.issued_at) FROM learning_certificate c
                    WHERE c.firm_id = e.firm_id AND c.revoked_at IS NULL
                    AND c.course_id IN ({courses_of}))"""
                sql.execute(
                    f"""UPDATE programmes_enrolment AS e
                    SET completed_at = {_greatest(sql, "e.active_at", last_certificate)}
                    WHERE e.{in_programme} AND e.state = 'completed'"""
                )
                # Full cohorts: the firms that joined took every place; the waitlisted wait.
                joined = (
                    "(SELECT count(*) FROM programmes_enrolment e "
                    f"WHERE e.cohort_id = programmes_cohort.id AND e.state IN {JOINED})"
                )
                sql.execute(
                    f"""UPDATE programmes_cohort SET capacity = {_greatest(sql, "1", joined)},
                        stages_refreshed_at = %s
                    WHERE programme_id = %s""",
                    [now, programme.pk],
                )
        wrote = True

    have = LiveSession.objects.filter(cohort__programme=programme).count()
    if have < len(cohorts) * args.sessions:
        local = timezone.get_current_timezone()
        with _step(f"live sessions {have:,} → {len(cohorts) * args.sessions:,}"):
            existing = set(
                LiveSession.objects.filter(cohort__programme=programme).values_list(
                    "cohort_id", "title"
                )
            )
            rows = []
            for cohort in cohorts:
                for j in range(args.sessions):
                    title = f"Sesión {j + 1}"
                    if (cohort.pk, title) in existing:
                        continue
                    day = cohort.starts_on + datetime.timedelta(days=2 + 14 * j)
                    online = j % 2 == 0
                    rows.append(
                        LiveSession(
                            cohort=cohort,
                            title=title,
                            starts_at=datetime.datetime.combine(
                                day, datetime.time(10), tzinfo=local
                            ),
                            duration_minutes=90,
                            online_url=f"https://reuniones.example.ec/b{cohort.pk}-{j}"
                            if online
                            else "",
                            place="" if online else "Cámara de Comercio, sala 2",
                            teacher=f"Docente {j + 1}",
                        )
                    )
            LiveSession.objects.bulk_create(rows, batch_size=500)
        wrote = True
    have = sql.scalar(
        "SELECT count(*) FROM programmes_attendance a JOIN programmes_livesession s "
        f"ON s.id = a.session_id WHERE s.{in_programme}"
    )
    if not have:
        with _step("attendance of the sessions held"), sql.bulk():
            sql.execute(
                f"""{sql.insert} programmes_attendance (session_id, enrolment_id, present,
                    recorded_by_id, recorded_at)
                SELECT s.id, e.id, (e.id * 31 + s.id * 17) %% 100 < 72, NULL, s.starts_at
                FROM programmes_livesession s
                JOIN programmes_enrolment e ON e.cohort_id = s.cohort_id
                WHERE s.{in_programme} AND s.starts_at < %s AND e.joined_at < s.starts_at
                    AND (e.state IN {JOINED} OR (e.state = 'dropped'
                         AND e.dropped_at > s.starts_at))
                {sql.ignore}""",
                [now],
            )
        wrote = True
    # The presence count each enrolment carries for the dashboard, as attendance_record keeps
    # it (when the model has it).
    fields = {f.name for f in Enrolment._meta.get_fields()}
    if "sessions_attended" in fields and not sql.scalar(
        f"SELECT count(*) FROM programmes_enrolment WHERE {in_programme} AND sessions_attended > 0"
    ):
        with _step("sessions attended of each enrolment"), sql.bulk():
            sql.execute(
                f"""UPDATE programmes_enrolment AS e SET sessions_attended = (
                    SELECT count(*) FROM programmes_attendance a
                    WHERE a.enrolment_id = e.id AND a.present = true)
                WHERE e.{in_programme}"""
            )
        wrote = True
    return wrote


def seed(args) -> dict:
    """Everything the dashboard and the invitations need; returns the people and programme."""
    from django.db import connection

    sql = _sql()
    seed_learning_base(args)
    started = time.perf_counter()
    print("programme seed:", flush=True)
    wrote = bool(seed_firm_details(sql))
    ministry, partners, staff, partner = seed_people()
    seed_affiliations(sql, partners)
    programme = seed_programme(args, staff, ministry, partners)
    wrote = seed_enrolments(args, sql, programme, staff) or wrote
    if wrote or args.analyze:
        with _step("vacuum and analyse" if sql.pg else "analyse"):
            if sql.pg:
                for table in (
                    "firms_firm", "firms_firmaffiliation", "programmes_enrolment",
                    "programmes_outcome", "programmes_attendance", "programmes_livesession",
                    "programmes_cohort",
                ):  # fmt: skip
                    sql.execute(f"VACUUM ANALYZE {table}")
            else:
                sql.execute("ANALYZE")
    if not sql.pg:
        sql.fetch("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()  # the temporary tables go with it
    print(f"programme seed: done in {time.perf_counter() - started:.0f} s", flush=True)
    return people()


def people() -> dict:
    from rutapyme.accounts.models import Organisation, User
    from rutapyme.programmes.models import Programme

    staff = User.objects.select_related("organisation").get(email=STAFF_EMAIL)
    return {
        "staff": staff,
        "partner": User.objects.select_related("organisation").get(email=PARTNER_EMAIL),
        "programme": Programme.objects.get(name=PROGRAMME, organisation=staff.organisation),
        "partners": {
            key: Organisation.objects.get(name=name, country="EC")
            for key, (name, _short, _kind) in PARTNERS.items()
        },
    }


def data_sizes(programme) -> None:
    from django.db.models import Count, Q

    from rutapyme.programmes.models import Attendance, Enrolment, LiveSession, Outcome

    sql = _sql()
    enrolments = Enrolment.objects.filter(cohort__programme=programme)
    states = dict(enrolments.values_list("state").annotate(n=Count("pk")).order_by())
    firms = sql.scalar("SELECT count(*) FROM firms_firm")
    ec = sql.scalar("SELECT count(*) FROM firms_firm WHERE country = 'EC'")
    print(
        f"data: firms {firms:,} ({ec:,} in Ecuador), lesson views "
        f"{sql.scalar('SELECT count(*) FROM learning_lessonview'):,}, course progress "
        f"{sql.scalar('SELECT count(*) FROM learning_courseprogress'):,}, certificates "
        f"{sql.scalar('SELECT count(*) FROM learning_certificate'):,}"
    )
    print(
        f"      programme: {programme.cohorts.count()} cohorts, {sum(states.values()):,} "
        "enrolments (" + ", ".join(f"{s} {n:,}" for s, n in sorted(states.items())) + ")"
    )
    stages = enrolments.aggregate(
        **{
            name: Count("pk", filter=Q(**{f"{name}__isnull": False}))
            for name in ("diagnosed_at", "learning_at", "certified_at", "online_at",
                         "first_sale_at", "first_export_at")
        }
    )  # fmt: skip
    print("      stages: " + ", ".join(f"{k[:-3]} {v:,}" for k, v in stages.items()))
    print(
        f"      sessions {LiveSession.objects.filter(cohort__programme=programme).count():,}, "
        f"attendance {Attendance.objects.filter(session__cohort__programme=programme).count():,},"
        f" milestones {Outcome.objects.count():,}, all enrolments in the database "
        f"{Enrolment.objects.count():,}"
    )
    if sql.pg:
        sizes = [
            f"{table} {sql.scalar('SELECT pg_total_relation_size(%s)', [table]) / 1024**2:,.0f} MB"
            for table in ("programmes_enrolment", "programmes_attendance", "firms_firmaffiliation")
        ]
        total = sql.scalar("SELECT pg_database_size(current_database())") / 1024**3
        print(f"      on disk (with indexes): {', '.join(sizes)}, whole database {total:.1f} GB")


def refresh_all(programme) -> None:
    """`stages.refresh_cohort` over every cohort, as the background task does, timed."""
    from rutapyme.programmes import stages

    cohorts = list(programme.cohorts.order_by("starts_on"))
    times, changed, rows = [], 0, 0
    started = time.perf_counter()
    for cohort in cohorts:
        t = time.perf_counter()
        changed += stages.refresh_cohort(cohort)
        times.append(time.perf_counter() - t)
        rows += cohort.enrolments.count()
    total = time.perf_counter() - started
    print(
        f"\nstages.refresh_cohort over {len(cohorts)} cohorts ({rows:,} enrolments): {total:.1f} s,"
        f" {rows / total:,.0f} enrolments/s; per cohort median {statistics.median(times):.2f} s,"
        f" max {max(times):.2f} s; {changed:,} changed (0: the seeded stages agree with "
        "the service)"
    )


# --- Timing ----------------------------------------------------------------------------------


def _cases(data) -> list[tuple[str, str, object, dict]]:
    """(page, label, user, query) of every timed request."""
    from django.utils import timezone

    programme, staff, partner = data["programme"], data["staff"], data["partner"]
    cohorts = list(programme.cohorts.order_by("starts_on"))
    today = timezone.localdate()
    running = [c for c in cohorts if c.starts_on <= today <= c.ends_on]
    cohort = running[len(running) // 2] if running else cohorts[-1]
    ml = data["partners"]["mercadolibre"]
    p = {"programa": str(programme.public_id)}
    half_year = {"desde": f"{today - datetime.timedelta(days=182):%Y-%m-%d}", "hasta": f"{today}"}
    last_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    return [
        ("dashboard", "whole programme", staff, p),
        ("dashboard", "one cohort (running)", staff, {**p, "promocion": str(cohort.public_id)}),
        ("dashboard", "province Guayas", staff, {**p, "provincia": "EC-G"}),
        ("dashboard", "sector artesanías", staff, {**p, "sector": "artesanias"}),
        ("dashboard", "size 0-5", staff, {**p, "tamano": "0-5"}),
        ("dashboard", "partner Mercado Libre", staff, {**p, "aliado": str(ml.pk)}),
        ("dashboard", "invited in the last 6 months", staff, {**p, **half_year}),
        ("dashboard", "Guayas + textil + 6 months", staff,
         {**p, "provincia": "EC-G", "sector": "textil", **half_year}),
        ("dashboard", "partner staff: its members", partner, p),
        ("dashboard", "partner staff: one cohort", partner,
         {**p, "promocion": str(cohort.public_id)}),
        ("dashboard", "partner staff: Guayas", partner, {**p, "provincia": "EC-G"}),
        ("firms", "invited, not joined (default)", staff, p),
        ("firms", "learning without certificate", staff,
         {**p, "etapa": "aprendiendo-sin-certificado"}),
        ("firms", "first sale, page 20", staff, {**p, "etapa": "con-primera-venta", "page": "20"}),
        ("firms", "partner staff: joined", partner, {**p, "etapa": "unidas"}),
        ("summary", "this month", staff, p),
        ("summary", "last month", staff, {**p, "mes": f"{last_month:%Y-%m}"}),
        ("summary", "partner staff: this month", partner, p),
    ]  # fmt: skip


def measure(args, data) -> None:
    import learning_pages
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse

    try:
        urls = {
            "dashboard": reverse("programmes:dashboard"),
            "firms": reverse("programmes:dashboard_firms"),
            "summary": reverse("programmes:dashboard_summary"),
        }
    except NoReverseMatch:
        print("\nthe dashboard pages are not there yet (programmes:dashboard): nothing timed")
        return
    cases = _cases(data)
    clients = {}
    for user in (data["staff"], data["partner"]):
        client = Client(headers={"Accept-Encoding": "gzip"}, raise_request_exception=False)
        client.force_login(user)
        clients[user.pk] = client

    results = []
    shapes = collections.defaultdict(list)
    for page, label, user, query in cases:
        url = f"{urls[page]}?{urlencode(query)}"
        client = clients[user.pk]
        times, counts, sql_times, sizes = [], [], [], []
        for run in range(args.runs + 1):
            timer = learning_pages._QueryTimer()
            connection.queries_log.clear()
            with connection.execute_wrapper(timer), CaptureQueriesContext(connection) as seen:
                started = time.perf_counter()
                response = client.get(url)
                elapsed = time.perf_counter() - started
            if response.status_code != 200:
                print(f"  {page} {label}: HTTP {response.status_code} for {url}", flush=True)
                break
            body = response.content
            plain = gzip.decompress(body) if response.get("Content-Encoding") == "gzip" else body
            if run == 0:
                cold = elapsed
                continue
            times.append(elapsed)
            counts.append(len(seen.captured_queries))
            sql_times.append(sum(spent for _s, _p, spent in timer.calls))
            sizes.append((len(plain), len(body)))
            for statement, params, spent in timer.calls:
                shapes[(page, learning_pages._shape(statement))].append(
                    (spent, statement, params, label)
                )
        if times:
            results.append((page, label, cold, times, counts, sql_times, sizes))

    print(
        f"\npages: {args.runs} requests per case after one cold request; server time around "
        "client.get (ms):"
    )
    print(
        f"  {'page':9} {'case':32} {'cold':>7} {'median':>7} {'p95':>7} {'max':>7} "
        f"{'queries':>8} {'SQL med':>8} {'HTML KB':>8}"
    )
    by_page = collections.defaultdict(list)
    for page, label, cold, times, counts, sql_times, sizes in results:
        by_page[page] += times
        low, high = min(counts), max(counts)
        queries = f"{low}" if low == high else f"{low}–{high}"
        print(
            f"  {page:9} {label:32} {cold * 1000:7.0f} {statistics.median(times) * 1000:7.0f} "
            f"{learning_pages._p95(times) * 1000:7.0f} {max(times) * 1000:7.0f} {queries:>8} "
            f"{statistics.median(sql_times) * 1000:8.0f} "
            f"{statistics.median(s[0] for s in sizes) / 1024:5.0f} "
            f"({statistics.median(s[1] for s in sizes) / 1024:.0f})"
        )
    print("\nall requests of a page together:")
    for page, times in by_page.items():
        print(f"  {page:9} n={len(times):4}  {learning_pages._stats(times)}")

    print("\nslowest query shapes (by total time; n, median, max, the case of the max):")
    ranked = sorted(shapes.items(), key=lambda item: -sum(call[0] for call in item[1]))
    worst = []
    for (page, shape), seen in ranked[: args.top]:
        spent = [call[0] for call in seen]
        slowest = max(seen, key=lambda call: call[0])
        print(
            f"  {page:9} n={len(seen):4}  median {statistics.median(spent) * 1000:6.1f} ms  "
            f"max {max(spent) * 1000:6.1f} ms  [{slowest[3]}]  {learning_pages._brief(shape)}"
        )
        worst.append((f"{page}: {slowest[3]}", slowest[1], slowest[2]))
    if args.explain:
        learning_pages._explain(worst)


def _drop_enqueued_refreshes(since) -> None:
    """The pages enqueue a stages refresh for stale cohorts; no worker runs here."""
    from django_tasks_db.models import DBTaskResult

    stale = DBTaskResult.objects.filter(
        enqueued_at__gte=since, task_path__endswith="cohort_stages_refresh", status="READY"
    )
    count = stale.count()
    if count:
        stale.delete()
        print(f"\n(removed {count} stages refresh tasks the pages enqueued for stale cohorts)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--firms", type=int, default=1_000_000)
    parser.add_argument("--learners", type=int, help="default: 40 %% of the firms")
    parser.add_argument("--views", type=int, help="lesson views; default: 10 per firm")
    parser.add_argument("--diagnosed-share", type=float, default=0.3)
    parser.add_argument("--templates", type=int, default=300, help="distinct diagnosis results")
    parser.add_argument("--cohorts", type=int, default=100)
    parser.add_argument("--enrolments", type=int, default=100_000)
    parser.add_argument("--sessions", type=int, default=5, help="live sessions per cohort")
    parser.add_argument("--runs", type=int, default=10, help="requests per case")
    parser.add_argument("--top", type=int, default=8, help="slowest query shapes shown")
    parser.add_argument("--explain", action="store_true", help="print their plans")
    parser.add_argument("--analyze", action="store_true", help="vacuum/analyse even after a rerun")
    parser.add_argument("--no-seed", action="store_true", help="time what is in the database")
    parser.add_argument(
        "--no-refresh", action="store_true", help="skip the timed stages.refresh of every cohort"
    )
    args = parser.parse_args()
    args.learners = args.learners if args.learners is not None else round(0.4 * args.firms)
    args.views = args.views if args.views is not None else 10 * args.firms

    prepare_environment(SQLITE_NAME)
    ensure_database()
    open_database()
    from django.utils import timezone

    data = people() if args.no_seed else seed(args)
    data_sizes(data["programme"])
    started = timezone.now()
    if not args.no_refresh:
        refresh_all(data["programme"])
    measure(args, data)
    _drop_enqueued_refreshes(started)
    print(f"\npeak RSS of this process (Django included): {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
