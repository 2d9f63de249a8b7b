"""Generate a synthetic base of N firms with members, for benchmarks.

    python manage.py seed_scale --firms 1000000 [--members-per-firm 1] [--batch 5000] [--seed 1]

Additive and resumable: the firms of earlier runs are counted (their contact email is
scale+<i>@example.test) and only the missing ones are added, so `--firms 1000000` after a run
of 200,000 adds 800,000. Every batch is one transaction, so an interrupted run resumes cleanly.

Fast and memory-bounded: rows are generated batch by batch (nothing accumulates), every user
gets the same password hash (computed once), and RUCs come from the firm's index (see
`fakes.ec_scale_ruc`), so a million distinct valid RUCs need no uniqueness round trip per row;
one query per batch only checks that no other firm (a demo or imported one) holds them.

Three ways to write (`--method`): `copy`, PostgreSQL's COPY through psycopg with ids reserved
from the tables' sequences; `executemany` on SQLite's driver; `bulk`, Django's bulk_create on
any database, the reference the other two are tested against. `auto` picks the first two where
they apply: bulk_create is about 2x slower on PostgreSQL and 3x on SQLite (benchmarks/SEED.md).
The data is deterministic per (seed, index): batch size, method and interruptions do not
change it.
"""

import random
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, connection, reset_queries, transaction
from django.db.models import Model
from django.utils import timezone

from rutapyme.accounts.models import Organisation, User
from rutapyme.firms import demo_data, fakes
from rutapyme.firms.models import (
    Firm,
    FirmAffiliation,
    FirmMembership,
    OfferType,
    Sector,
    SizeBand,
    Source,
    TaxIdStatus,
)

PASSWORD = "rutapyme-demo"  # noqa: S105 - synthetic accounts, the demo's published password
EMAIL_DOMAIN = "example.test"
PARTNER_KEYS = ("mercadolibre", "ccq", "ccg", "capia")
BLOCK = 1000  # indices that share one random generator; independent of --batch
SPREAD_SECONDS = 730 * 24 * 3600  # firms joined over the last two years

FIRM_COLUMNS = (
    "public_id", "country", "tax_id", "tax_id_status", "legal_name", "trade_name", "province",
    "canton", "sector", "offer_type", "size_band", "employees", "legal_representative", "email",
    "phone", "website", "sells_online", "source", "created_at", "updated_at",
)  # fmt: skip
USER_COLUMNS = (
    "email", "full_name", "role", "organisation_id", "phone", "language", "is_active",
    "is_staff", "is_superuser", "password", "date_joined", "last_login",
)  # fmt: skip
# Memberships and affiliations point at rows of the same batch by position until ids exist.
MEMBERSHIP_COLUMNS = ("firm_id", "user_id", "role", "created_at")
AFFILIATION_COLUMNS = ("firm_id", "organisation_id", "member_reference", "created_at")

_OFFERS = [str(OfferType.PRODUCTS), str(OfferType.BOTH), str(OfferType.SERVICES)]
_SERVICE_SECTORS = {str(Sector.TECNOLOGIA), str(Sector.OTROS)}


def scale_email(index: int, member: int = 0) -> str:
    return (
        f"scale+{index}@{EMAIL_DOMAIN}" if member == 0 else f"scale+{index}.{member}@{EMAIL_DOMAIN}"
    )


def scale_firms():
    return Firm.objects.filter(email__startswith="scale+", email__endswith=f"@{EMAIL_DOMAIN}")


@dataclass
class Batch:
    """Rows of one batch as tuples in the *_COLUMNS order (ids not yet known)."""

    firms: list[tuple] = field(default_factory=list)
    users: list[tuple] = field(default_factory=list)
    memberships: list[tuple] = field(default_factory=list)  # (firm pos, user pos, role)
    affiliations: list[tuple] = field(default_factory=list)  # (firm pos, organisation id, ref)

    @property
    def rows(self) -> int:
        return len(self.firms) + len(self.users) + len(self.memberships) + len(self.affiliations)


class Generator:
    """Deterministic rows for firm indices: the same (seed, index) always gives the same firm."""

    def __init__(self, *, seed: int, members_per_firm: int, password: str, partners: dict):
        self.seed = seed
        self.members = members_per_firm
        self.password = password
        self.partners = partners  # key -> organisation id
        self.now = timezone.now()

    def batch(self, start: int, stop: int, spare_for: set[int]) -> Batch:
        """Rows for indices start..stop-1; indices in `spare_for` get their spare RUC."""
        batch = Batch()
        for index, rng in self._generators(start, stop):
            self._firm(batch, index, rng, spare=index in spare_for)
        return batch

    def _generators(self, start: int, stop: int) -> Iterator[tuple[int, random.Random]]:
        block = start // BLOCK
        while block * BLOCK < stop:
            rng = random.Random(self.seed * 1_000_003 + block)
            for index in range(block * BLOCK, min(stop, (block + 1) * BLOCK)):
                if index >= start:
                    yield index, rng
                else:
                    self._firm(Batch(), index, rng, spare=False)  # advance the stream
            block += 1

    def _firm(self, batch: Batch, index: int, rng: random.Random, *, spare: bool) -> None:
        province, ruc = fakes.ec_scale_ruc(index)
        if spare:
            ruc = fakes.ec_scale_ruc_spare(index)
        canton = fakes.ec_canton(rng, province)
        sector = fakes.ec_sector(rng, province)
        owner, _ = fakes.ec_person_name(rng)
        trade_name = fakes.ec_trade_name(
            rng, sector=sector, canton=canton, surname=owner.split(" ")[2]
        )
        employees = fakes.ec_employees(rng)
        if sector in _SERVICE_SECTORS and rng.random() < 0.6:
            offer = _OFFERS[2]
        else:
            offer = rng.choices(_OFFERS, cum_weights=(80, 92, 100))[0]
        online = rng.random()
        phone = fakes.ec_mobile(rng)
        public_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        partners = fakes.ec_partner_keys(rng, province)
        references = [fakes.member_reference(rng, key) for key in partners]
        extra = [fakes.ec_person_name(rng)[0] for _ in range(self.members - 1)]
        # Joined over the last two years, more of them recently (the programme grows).
        now = self.now - timedelta(seconds=int(SPREAD_SECONDS * rng.random() ** 1.5))
        email = scale_email(index)
        firm_pos = len(batch.firms)
        batch.firms.append((
            public_id, "EC", ruc, str(TaxIdStatus.VALID), owner, trade_name, province, canton,
            sector, offer, str(SizeBand.for_employees(employees)), employees, owner, email, phone,
            "", True if online < 0.3 else (False if online < 0.8 else None), str(Source.IMPORTED),
            now, now,
        ))  # fmt: skip
        for member, full_name in enumerate([owner, *extra]):
            batch.memberships.append(
                (firm_pos, len(batch.users), "owner" if member == 0 else "staff", now)
            )
            batch.users.append((
                scale_email(index, member), full_name, str(User.Role.FIRM_MEMBER), None,
                phone if member == 0 else "", "es", True, False, False, self.password, now, None,
            ))  # fmt: skip
        for key, reference in zip(partners, references, strict=True):
            batch.affiliations.append((firm_pos, self.partners[key], reference, now))


@contextmanager
def generated_timestamps(*models: type[Model]):
    """Let bulk_create keep the dates the generator gave instead of stamping "now".

    auto_now/auto_now_add fields take the current time in pre_save; with both flags off for
    the duration, pre_save returns the value already on the instance. Only this command's
    process is affected, and the flags come back even if a batch fails.
    """
    fields = [
        f
        for model in models
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


class BulkCreateWriter:
    """Django's bulk_create: portable, the reference the fast paths are checked against."""

    def write(self, batch: Batch) -> None:
        with generated_timestamps(Firm, FirmMembership, FirmAffiliation):
            firms = Firm.objects.bulk_create(
                [Firm(**dict(zip(FIRM_COLUMNS, row, strict=True))) for row in batch.firms]
            )
            users = User.objects.bulk_create(
                [User(**dict(zip(USER_COLUMNS, row, strict=True))) for row in batch.users]
            )
            FirmMembership.objects.bulk_create(
                [
                    FirmMembership(
                        firm_id=firms[f].pk, user_id=users[u].pk, role=role, created_at=at
                    )
                    for f, u, role, at in batch.memberships
                ]
            )
            FirmAffiliation.objects.bulk_create(
                [
                    FirmAffiliation(
                        firm_id=firms[f].pk, organisation_id=org, member_reference=ref,
                        created_at=at,
                    )
                    for f, org, ref, at in batch.affiliations
                ]
            )  # fmt: skip


class RawWriter:
    """Writes through the driver, below the ORM: ids are reserved first, then rows streamed.

    Columns the generator does not fill (a field added to a model later) get the field's
    default; a new required field without one stops the run with a clear message.
    """

    def write(self, batch: Batch) -> None:
        # Driver errors become Django's (IntegrityError…), as through a Django cursor.
        with connection.wrap_database_errors:
            cursor = connection.connection.cursor()  # inside Django's transaction
            try:
                firm_ids = self.reserve_ids(cursor, Firm, len(batch.firms))
                user_ids = self.reserve_ids(cursor, User, len(batch.users))
                self.insert(cursor, Firm, FIRM_COLUMNS, batch.firms, firm_ids)
                self.insert(cursor, User, USER_COLUMNS, batch.users, user_ids)
                memberships = [
                    (firm_ids[f], user_ids[u], role, at) for f, u, role, at in batch.memberships
                ]
                self.insert(cursor, FirmMembership, MEMBERSHIP_COLUMNS, memberships)
                affiliations = [
                    (firm_ids[f], org, ref, at) for f, org, ref, at in batch.affiliations
                ]
                self.insert(cursor, FirmAffiliation, AFFILIATION_COLUMNS, affiliations)
            finally:
                cursor.close()

    def reserve_ids(self, cursor, model: type[Model], count: int) -> list[int]:
        raise NotImplementedError

    def insert(self, cursor, model, columns, rows: list[tuple], ids=None) -> None:
        raise NotImplementedError

    @staticmethod
    def plan(model: type[Model], columns: Sequence[str], with_id: bool):
        """(fields in column order, default makers for the fields the generator leaves out)."""
        meta = model._meta
        by_attname = {f.attname: f for f in meta.concrete_fields}
        missing = [f for f in meta.concrete_fields if f.attname not in (*columns, "id")]
        for f in missing:
            if not f.has_default() and not f.null:
                raise CommandError(f"{meta.label}.{f.name} has no default: teach seed_scale it.")
        fields = [by_attname[c] for c in columns] + missing
        if with_id:
            fields.insert(0, meta.pk)
        defaults: list[Callable] = [f.get_default for f in missing]
        return fields, defaults


class CopyWriter(RawWriter):
    """PostgreSQL: COPY through psycopg, ids drawn from each table's sequence in one query."""

    def reserve_ids(self, cursor, model, count):
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]

    def insert(self, cursor, model, columns, rows, ids=None):
        fields, defaults = self.plan(model, columns, with_id=ids is not None)
        names = ", ".join(f'"{f.column}"' for f in fields)
        with cursor.copy(f'COPY "{model._meta.db_table}" ({names}) FROM STDIN') as copy:
            for position, row in enumerate(rows):
                values = (*row, *(default() for default in defaults))
                copy.write_row((ids[position], *values) if ids is not None else values)


# Field types whose Python values sqlite3 stores exactly as Django would.
PASS_THROUGH_TYPES = {
    "CharField", "EmailField", "URLField", "TextField", "BooleanField", "PositiveIntegerField",
    "IntegerField", "BigIntegerField", "BigAutoField", "AutoField", "ForeignKey",
}  # fmt: skip


class ExecutemanyWriter(RawWriter):
    """SQLite: executemany on the sqlite3 connection, ids after the current maximum.

    The transaction is BEGIN IMMEDIATE (settings), so no other writer can take those ids.
    Values are converted as Django would store them (UUID as hex, datetimes as UTC text).
    """

    def reserve_ids(self, cursor, model, count):
        table = connection.ops.quote_name(model._meta.db_table)  # a model's, not user input
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
        first = cursor.fetchone()[0] + 1
        return list(range(first, first + count))

    def write(self, batch: Batch) -> None:
        # A firm's rows share one timestamp object (firm, owner, membership, affiliations):
        # convert it once per batch. Values stay referenced, so their ids stay unique.
        self.converted: dict[tuple[int, str], tuple] = {}
        super().write(batch)
        self.converted = {}

    def insert(self, cursor, model, columns, rows, ids=None):
        fields, defaults = self.plan(model, columns, with_id=ids is not None)
        convert = [self._converter(f) for f in fields]
        names = ", ".join(f'"{f.column}"' for f in fields)
        marks = ", ".join("?" for _ in fields)

        def values():
            for position, row in enumerate(rows):
                raw = (*row, *(default() for default in defaults))
                if ids is not None:
                    raw = (ids[position], *raw)
                yield [
                    value if fn is None else fn(value)
                    for fn, value in zip(convert, raw, strict=True)
                ]

        table = connection.ops.quote_name(model._meta.db_table)
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", values())  # noqa: S608

    def _converter(self, field) -> Callable | None:
        kind = field.get_internal_type()
        if kind in PASS_THROUGH_TYPES:
            return None  # sqlite3 stores these Python values as Django does
        converted = self.converted

        def convert(value):
            key = (id(value), kind)
            if key not in converted:
                converted[key] = (value, field.get_db_prep_save(value, connection))
            return converted[key][1]

        return convert


# --method -> (writer, the only database vendor it works on)
WRITERS = {
    "bulk": (BulkCreateWriter, None),
    "copy": (CopyWriter, "postgresql"),
    "executemany": (ExecutemanyWriter, "sqlite"),
}


class Command(BaseCommand):
    help = "Add synthetic firms (with members and partner affiliations) up to --firms in total."

    def add_arguments(self, parser):
        parser.add_argument("--firms", type=int, required=True, help="scale firms wanted in all")
        parser.add_argument("--members-per-firm", type=int, default=1)
        parser.add_argument("--batch", type=int, default=5000, help="firms per transaction")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--method",
            choices=["auto", *WRITERS],
            default="auto",
            help="auto: copy on PostgreSQL, executemany on SQLite, bulk (bulk_create) elsewhere",
        )

    def handle(self, *args, firms: int, members_per_firm: int, batch: int, seed: int, **options):
        if firms < 0 or members_per_firm < 1 or batch < 1:
            raise CommandError("--firms must be ≥ 0, --members-per-firm and --batch ≥ 1.")
        if firms > fakes.SCALE_RUC_CAPACITY:
            raise CommandError(f"At most {fakes.SCALE_RUC_CAPACITY:,} scale firms.")
        is_postgres = connection.vendor == "postgresql"
        method = options["method"]
        if method == "auto":
            method = {"postgresql": "copy", "sqlite": "executemany"}.get(connection.vendor, "bulk")
        writer_class, vendor = WRITERS[method]
        if vendor and connection.vendor != vendor:
            raise CommandError(f"--method {method} needs {vendor}; this is {connection.vendor}.")

        existing = scale_firms().count()
        if existing >= firms:
            self.stdout.write(
                f"{existing:,} scale firms already exist (≥ {firms:,}): nothing to add."
            )
            return
        todo = firms - existing
        self.stdout.write(
            f"Adding {todo:,} scale firms ({existing:,} exist) with {members_per_firm} member(s) "
            f"each, {batch:,} per batch, by {method} on {connection.vendor}."
        )
        generator = Generator(
            seed=seed,
            members_per_firm=members_per_firm,
            password=make_password(PASSWORD),  # hashed once for every account
            partners=self.partners(),
        )
        writer = writer_class()

        started = time.perf_counter()
        rows = 0
        for start in range(existing, firms, batch):
            stop = min(start + batch, firms)
            batch_started = time.perf_counter()
            try:
                with transaction.atomic():
                    spare = self.indices_with_taken_ruc(start, stop)
                    rows_batch = generator.batch(start, stop, spare)
                    writer.write(rows_batch)
            except IntegrityError as exc:
                raise CommandError(
                    f"Batch {start:,}-{stop - 1:,} collided with existing rows ({exc}). Were "
                    "scale firms deleted by hand? Delete every firm and user with an email "
                    f"scale+…@{EMAIL_DOMAIN} and start again."
                ) from exc
            rows += rows_batch.rows
            reset_queries()  # with DEBUG on, Django would keep every query's SQL in memory
            elapsed = time.perf_counter() - started
            self.stdout.write(
                f"  {stop:>10,} / {firms:,} firms | batch {rows_batch.rows:,} rows in "
                f"{time.perf_counter() - batch_started:.1f} s | {rows / elapsed:,.0f} rows/s, "
                f"{(stop - existing) / elapsed:,.0f} firms/s"
            )
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"Done: {todo:,} firms and {rows:,} rows (firms, users, memberships, affiliations) "
            f"in {elapsed:.1f} s: {rows / elapsed:,.0f} rows/s, {todo / elapsed:,.0f} firms/s."
        )
        if is_postgres:
            self.tidy_up_postgres()

    def tidy_up_postgres(self) -> None:
        """Planner statistics (and, outside a transaction, the visibility map) for benchmarks.

        Autovacuum would get there in its own time; benchmarks run right after a load.
        """
        statement = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for model in (Firm, User, FirmMembership, FirmAffiliation):
                cursor.execute(f"{statement} {connection.ops.quote_name(model._meta.db_table)}")
        self.stdout.write(f"{statement} in {time.perf_counter() - started:.1f} s.")

    def partners(self) -> dict[str, int]:
        """The partners of scale firms, created if missing (with the names seed_demo uses)."""
        ids = {}
        for key in PARTNER_KEYS:
            name, short_name, kind, country = demo_data.ORGANISATIONS[key]
            organisation, _ = Organisation.objects.get_or_create(
                name=name, country=country, defaults={"short_name": short_name, "kind": kind}
            )
            ids[key] = organisation.pk
        return ids

    @staticmethod
    def indices_with_taken_ruc(start: int, stop: int) -> set[int]:
        """Indices whose RUC another firm (demo, import, registration) already holds: one query."""
        rucs = {fakes.ec_scale_ruc(index)[1]: index for index in range(start, stop)}
        taken = Firm.objects.filter(country="EC", tax_id__in=list(rucs)).values_list(
            "tax_id", flat=True
        )
        spare = {rucs[ruc] for ruc in taken}
        if (
            spare
            and Firm.objects.filter(
                country="EC", tax_id__in=[fakes.ec_scale_ruc_spare(i) for i in spare]
            ).exists()
        ):
            raise CommandError("Both RUC spaces of a scale firm are taken; use a fresh database.")
        return spare
