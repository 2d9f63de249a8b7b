"""Load the demo programme: Ecuador's Ministry of Production and its partners, ~300 mipymes.

    python manage.py seed_demo

`python3 dev.py start` runs it after every migrate, so it must be quick (bulk inserts, one
password hash for every account) and idempotent: once the demo administrator exists it changes
nothing and only prints the logins again. Everything is drawn from a fixed random seed, so two
fresh databases get the same firms, names, RUCs and public ids.

This writes with bulk_create rather than one service call per row, as Zulip's populate_db does:
the rows are synthetic and consistent by construction (valid RUCs, one owner per firm, consent
recorded for every owned firm), and the per-row services would take far longer on every start.
"""

import random
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from rutapyme.accounts.models import Organisation, User
from rutapyme.firms import demo_data, fakes
from rutapyme.firms.models import (
    ConsentRecord,
    Firm,
    FirmAffiliation,
    FirmMembership,
    OfferType,
    Sector,
    SizeBand,
    Source,
    TaxIdStatus,
)
from rutapyme.firms.permissions import firms_visible_to

DEMO_PASSWORD = "rutapyme-demo"  # noqa: S105 - the demo's one, printed, password
DEMO_DOMAIN = "demo.rutapyme.ec"
MARKER_EMAIL = f"admin@{DEMO_DOMAIN}"
SEED = 20261121
FIRM_COUNT = 300
OWNED_SHARE = 0.6
TO_VERIFY_COUNT = 8


@dataclass(frozen=True)
class Person:
    local_part: str  # before @demo.rutapyme.ec
    full_name: str
    role: str
    organisation: str | None = None  # key of demo_data.ORGANISATIONS
    superuser: bool = False
    staff: bool = False  # enters the Django admin without being a superuser (content editors)
    sees: str = ""  # what the login table says they see ("" = computed from their firms)


PEOPLE = [
    Person("admin", "Administración Ruta Pyme", User.Role.ADMIN, superuser=True,
           sees="everything, every country, and the Django admin (/admin/)"),
    Person("staff", "Gabriela Andrade Paredes", User.Role.PROGRAMME_STAFF, "ministry",
           sees="every Ecuadorian firm ({n}); registers and imports firms"),
    Person("aladi", "Martín Pereira Silva", User.Role.PROGRAMME_STAFF, "aladi",
           sees="firms of every country ({n}): regional body without a country"),
    Person("mercadolibre", "Daniela Mora Salazar", User.Role.PARTNER_STAFF, "mercadolibre",
           sees="only the firms affiliated with Mercado Libre Ecuador ({n})"),
    Person("ccq", "Fernando Jaramillo Proaño", User.Role.PARTNER_STAFF, "ccq",
           sees="only the members of the Cámara de Comercio de Quito ({n})"),
    Person("consultor", "Patricia Ordóñez Vintimilla", User.Role.CONSULTANT,
           sees="own profile, no firm data (assistance requests come with that module)"),
    Person("editor", "Diego Naranjo Yépez", User.Role.EDITOR, staff=True,
           sees="no firm data; edits, previews and publishes courses in the admin (/admin/)"),
    Person("empresa", "Jorge Pesántez Cordero", User.Role.FIRM_MEMBER),
    Person("socia", "Lucía Villacís Naranjo", User.Role.FIRM_MEMBER),
    Person("maria.quishpe", "María Rosa Quishpe Cabascango", User.Role.FIRM_MEMBER),
]  # fmt: skip

# The firms the named owners sign in to. `owner`/`staff`: local parts of PEOPLE; `partners`:
# keys of demo_data.ORGANISATIONS. A firm without a named owner gets a generated one.
NAMED_FIRMS = [
    {
        "trade_name": "Artesanías Chordeleg",
        "legal_name": "Artesanías Chordeleg S.A.S.",
        "company": True,
        "province": "EC-A",
        "canton": "Chordeleg",
        "sector": Sector.ARTESANIAS,
        "offer_type": OfferType.PRODUCTS,
        "employees": 4,
        "owner": "empresa",
        "partners": ["capia", "mercadolibre"],
    },
    {
        "trade_name": "Calzado Andino",
        "legal_name": "Calzado Andino Cía. Ltda.",
        "company": True,
        "province": "EC-T",
        "canton": "Ambato",
        "sector": Sector.CALZADO,
        "offer_type": OfferType.PRODUCTS,
        "employees": 12,
        "owner": "socia",
        "partners": ["mercadolibre"],
    },
    {
        "trade_name": "Chocolates del Pacífico",
        "legal_name": "Chocolates del Pacífico S.A.",
        "company": True,
        "province": "EC-G",
        "canton": "Durán",
        "sector": Sector.ALIMENTOS,
        "offer_type": OfferType.BOTH,
        "employees": 5,
        "staff": "socia",
        "partners": ["ccg"],
    },
    {
        "trade_name": "Tejidos Sumak Otavalo",
        "legal_name": "María Rosa Quishpe Cabascango",
        "company": False,
        "province": "EC-I",
        "canton": "Otavalo",
        "sector": Sector.TEXTIL,
        "offer_type": OfferType.PRODUCTS,
        "employees": 2,
        "owner": "maria.quishpe",
        "partners": ["mercadolibre"],
    },
]


ROLE_LABELS = {
    User.Role.ADMIN: "Platform admin",
    User.Role.PROGRAMME_STAFF: "Programme staff",
    User.Role.PARTNER_STAFF: "Partner staff",
    User.Role.CONSULTANT: "Consultant",
    User.Role.EDITOR: "Content editor",
    User.Role.FIRM_MEMBER: "Firm member",
}


def demo_email(local_part: str) -> str:
    return f"{local_part}@{DEMO_DOMAIN}"


class Command(BaseCommand):
    help = "Load the demo programme (idempotent: does nothing once loaded) and print its logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load even on a production-like database (PostgreSQL without DEBUG).",
        )

    def handle(self, *args, force: bool = False, **options):
        if User.objects.filter(email__iexact=MARKER_EMAIL).exists():
            self.stdout.write(f"Demo programme already loaded ({MARKER_EMAIL} exists): no changes.")
            self.print_logins()
            return
        if User.objects.filter(email__iendswith=f"@{DEMO_DOMAIN}").exists():
            # Someone removed the demo administrator but not the rest: loading again would
            # collide with the remaining accounts. Do not fail `dev.py start` over it.
            self.stderr.write(
                f"Some @{DEMO_DOMAIN} accounts exist but {MARKER_EMAIL} does not: not loading "
                "the demo again. `python3 dev.py clean` starts from an empty database."
            )
            return
        # A server on PostgreSQL without DEBUG is a production server (as settings.py says).
        production_like = connection.vendor == "postgresql" and not (
            settings.DEBUG or getattr(settings, "TESTING", False)
        )
        if production_like and not force:
            raise CommandError(
                "This looks like a production database (PostgreSQL, DEBUG off). The demo "
                f"creates a superuser whose password is printed ({MARKER_EMAIL}). Use --force "
                "if you really mean it."
            )
        started = timezone.now()
        with transaction.atomic():
            counts = DemoLoader(random.Random(SEED)).load()
        seconds = (timezone.now() - started).total_seconds()
        self.stdout.write(
            "Demo programme loaded in {:.1f} s: {organisations} organisations, {firms} firms, "
            "{users} users, {memberships} memberships, {consents} consents, "
            "{affiliations} affiliations.".format(seconds, **counts)
        )
        self.print_logins()

    def print_logins(self) -> None:
        """Role, email, password and what each demo account sees, counted from the database."""
        emails = [demo_email(person.local_part) for person in PEOPLE]
        users = {
            user.email: user
            for user in User.objects.filter(email__in=emails)
            .select_related("organisation")
            .prefetch_related("firms")
        }
        rows = [("Role", "Email", "Password", "What they see")]
        for person in PEOPLE:
            user = users.get(demo_email(person.local_part))
            if user is None:
                continue
            role = ROLE_LABELS[user.role]
            if user.organisation:
                role += f" ({user.organisation})"
            if person.sees:
                sees = person.sees.format(n=firms_visible_to(user).distinct().count())
            else:
                sees = "own firms only: " + ", ".join(
                    sorted(firm.display_name for firm in user.firms.all())
                )
            rows.append((role, user.email, DEMO_PASSWORD, sees))
        owners = User.objects.filter(
            email__startswith="owner", email__endswith=f"@{DEMO_DOMAIN}"
        ).count()
        if owners:
            rows.append(
                (
                    ROLE_LABELS[User.Role.FIRM_MEMBER],
                    f"owner1 … owner{owners}@{DEMO_DOMAIN}",
                    DEMO_PASSWORD,
                    "own firm only (one each)",
                )
            )
        widths = [max(len(row[column]) for row in rows) for column in range(3)]
        lines = [" | ".join([*(c.ljust(w) for c, w in zip(row, widths, strict=False)), row[3]])
                 for row in rows]  # fmt: skip
        lines.insert(1, "-+-".join("-" * w for w in [*widths, 13]))
        self.stdout.write(
            f"\nDemo logins (sign in at {reverse('accounts:login')}, password {DEMO_PASSWORD}):"
        )
        self.stdout.write("\n".join(lines) + "\n")


class DemoLoader:
    """Builds every demo row in memory from one random generator, then inserts in bulk."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.now = timezone.now()

    def load(self) -> dict[str, int]:
        organisations = self.organisations()
        specs = self.firm_specs()
        firms = Firm.objects.bulk_create([spec["firm"] for spec in specs])
        users = self.users(organisations, specs)
        User.objects.bulk_create(users.values())
        memberships, consents = self.memberships_and_consents(specs, users)
        FirmMembership.objects.bulk_create(memberships)
        # bulk_create stamped them "now"; the programme's firms joined over ten months.
        for spec in specs:
            spec["firm"].created_at = spec["firm"].updated_at = spec["joined"]
        for membership in memberships:
            membership.created_at = membership.firm.created_at
        Firm.objects.bulk_update(firms, ["created_at", "updated_at"])
        FirmMembership.objects.bulk_update(memberships, ["created_at"])
        ConsentRecord.objects.bulk_create(consents)
        affiliations = self.affiliations(specs, organisations)
        FirmAffiliation.objects.bulk_create(affiliations)
        return {
            "organisations": len(organisations),
            "firms": len(firms),
            "users": len(users),
            "memberships": len(memberships),
            "consents": len(consents),
            "affiliations": len(affiliations),
        }

    def organisations(self) -> dict[str, Organisation]:
        # They may exist already (created by hand, by an import or by seed_scale).
        return {
            key: Organisation.objects.get_or_create(
                name=name, country=country, defaults={"short_name": short, "kind": kind}
            )[0]
            for key, (name, short, kind, country) in demo_data.ORGANISATIONS.items()
        }

    def firm_specs(self) -> list[dict]:
        """Every firm with its future owner, staff and partners (not yet saved)."""
        rng = self.rng
        taken_tax_ids: set[str] = set()
        taken_names: set[str] = set()

        def draw(**kwargs) -> dict:
            while True:
                fields = fakes.ec_firm(rng, **kwargs)
                if (
                    fields["tax_id"] not in taken_tax_ids
                    and fields["trade_name"] not in taken_names
                ):
                    taken_tax_ids.add(fields["tax_id"])
                    taken_names.add(fields["trade_name"])
                    return fields

        specs = []
        for named in NAMED_FIRMS:
            fields = draw(province=named["province"], company=named["company"])
            for key in ("trade_name", "legal_name", "canton", "sector", "offer_type", "employees"):
                fields[key] = str(named[key]) if key != "employees" else named[key]
            fields["size_band"] = str(SizeBand.for_employees(named["employees"]))
            fields["email"] = f"{fakes.slug(named['trade_name'])}@example.ec"
            owner = next((p for p in PEOPLE if p.local_part == named.get("owner")), None)
            if owner is not None:
                fields["owner_name"] = owner.full_name
                fields["legal_representative"] = owner.full_name
            taken_names.add(fields["trade_name"])
            specs.append(
                self.spec(
                    fields,
                    owner=named.get("owner", "generated"),
                    staff=named.get("staff"),
                    partners=named["partners"],
                    source=Source.SELF_REGISTERED,
                )
            )

        generated = FIRM_COUNT - len(NAMED_FIRMS)
        provinces = list(demo_data.EC_CANTONS)  # every province has at least one firm
        to_verify = set(rng.sample(range(generated), TO_VERIFY_COUNT))
        for index in range(generated):
            province = provinces[index] if index < len(provinces) else None
            fields = draw(province=province, to_verify=index in to_verify)
            owned = rng.random() < OWNED_SHARE
            partners = fakes.ec_partner_keys(rng, fields["province"])
            source = Source.SELF_REGISTERED if owned and rng.random() < 0.4 else Source.IMPORTED
            specs.append(
                self.spec(fields, owner="generated" if owned else None, partners=partners,
                          source=source)
            )  # fmt: skip
        self.avoid_registered_tax_ids(specs, taken_tax_ids)
        return specs

    def avoid_registered_tax_ids(self, specs: list[dict], taken: set[str]) -> None:
        """RUCs are drawn at random: one may belong to a firm someone registered by hand.

        The draw is deterministic, so a collision would fail every later start; redraw the
        RUC of the same kind (personal, company, company to verify) instead.
        """
        registered = set(
            Firm.objects.filter(country="EC", tax_id__in=taken).values_list("tax_id", flat=True)
        )
        for spec in specs:
            firm = spec["firm"]
            if firm.tax_id not in registered:
                continue
            prefix, third = firm.tax_id[:2], firm.tax_id[2]
            while (
                firm.tax_id in taken
                or Firm.objects.filter(country="EC", tax_id=firm.tax_id).exists()
            ):
                if firm.tax_id_status == TaxIdStatus.TO_VERIFY:
                    firm.tax_id = fakes.ec_company_ruc_to_verify(self.rng, prefix)
                elif third == "9":
                    firm.tax_id = fakes.ec_company_ruc(self.rng, prefix)
                else:
                    firm.tax_id = fakes.ec_personal_ruc(self.rng, prefix)
            taken.add(firm.tax_id)

    def spec(self, fields: dict, *, owner, partners, source, staff=None) -> dict:
        owner_name = fields.pop("owner_name")
        fields.pop("owner_short_name")
        firm = Firm(
            public_id=uuid.UUID(int=self.rng.getrandbits(128), version=4), source=source, **fields
        )
        joined = self.now - timedelta(
            days=self.rng.randint(1, 300), minutes=self.rng.randint(0, 1439)
        )
        return {
            "firm": firm,
            "owner": owner,
            "owner_name": owner_name,
            "staff": staff,
            "partners": partners,
            "joined": joined,
        }

    def users(self, organisations, specs) -> dict[str, User]:
        """email -> unsaved User; every one carries the same password hash."""
        password = make_password(DEMO_PASSWORD)
        users = {}
        for person in PEOPLE:
            email = demo_email(person.local_part)
            users[email] = User(
                email=email,
                full_name=person.full_name,
                role=person.role,
                organisation=organisations[person.organisation] if person.organisation else None,
                is_staff=person.superuser or person.staff,
                is_superuser=person.superuser,
                phone=fakes.ec_mobile(self.rng),
                password=password,
                date_joined=self.now - timedelta(days=330),
            )
        number = 0
        for spec in specs:
            if spec["owner"] != "generated":
                continue
            number += 1
            email = demo_email(f"owner{number}")
            spec["owner"] = f"owner{number}"
            users[email] = User(
                email=email,
                full_name=spec["owner_name"],
                role=User.Role.FIRM_MEMBER,
                phone=spec["firm"].phone if spec["firm"].phone.startswith("+5939") else "",
                password=password,
                date_joined=spec["joined"],
            )
        return users

    def memberships_and_consents(self, specs, users):
        memberships, consents = [], []
        for spec in specs:
            firm = spec["firm"]
            if spec["staff"]:
                staff = users[demo_email(spec["staff"])]
                memberships.append(
                    FirmMembership(firm=firm, user=staff, role=FirmMembership.Role.STAFF)
                )
            if not spec["owner"]:
                continue
            owner = users[demo_email(spec["owner"])]
            memberships.append(
                FirmMembership(firm=firm, user=owner, role=FirmMembership.Role.OWNER)
            )
            web = firm.source == Source.SELF_REGISTERED
            consents.append(
                ConsentRecord(
                    firm=firm,
                    user=owner,
                    text_version=settings.CONSENT_TEXT_VERSION,
                    channel=ConsentRecord.Channel.WEB if web else ConsentRecord.Channel.IMPORT,
                    accepted_at=spec["joined"] + timedelta(minutes=self.rng.randint(1, 20)),
                    ip_address=(
                        f"{self.rng.choice(demo_data.DOC_IP_PREFIXES)}{self.rng.randint(1, 254)}"
                        if web
                        else None
                    ),
                )
            )
        return memberships, consents

    def affiliations(self, specs, organisations) -> list[FirmAffiliation]:
        rows = []
        for spec in specs:
            for key in spec["partners"]:
                rows.append(
                    FirmAffiliation(
                        firm=spec["firm"],
                        organisation=organisations[key],
                        member_reference=fakes.member_reference(self.rng, key),
                    )
                )
        return rows
