"""The demo programme (seed_demo) and the synthetic scale base (seed_scale)."""

import random
from io import StringIO
from unittest import mock

import phonenumbers
import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from rutapyme.accounts.models import Organisation, User
from rutapyme.firms import demo_data, fakes
from rutapyme.firms.management.commands import seed_demo, seed_scale
from rutapyme.firms.models import (
    ConsentRecord,
    Firm,
    FirmAffiliation,
    FirmMembership,
    SizeBand,
    TaxIdStatus,
)
from rutapyme.firms.permissions import firms_visible_to
from rutapyme.firms.taxids import check_tax_id

pytestmark = pytest.mark.django_db

PASSWORD = seed_demo.DEMO_PASSWORD


def demo(email_local_part: str) -> User:
    return User.objects.get(email=f"{email_local_part}@{seed_demo.DEMO_DOMAIN}")


def run(command: str, **options) -> str:
    out = StringIO()
    call_command(command, stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def table_counts() -> dict[str, int]:
    models = (Organisation, User, Firm, FirmMembership, FirmAffiliation, ConsentRecord)
    return {model.__name__: model.objects.count() for model in models}


# --- seed_demo ---------------------------------------------------------------------------------


def test_seed_demo_creates_the_programme_organisations():
    run("seed_demo")
    organisations = {o.name: (o.kind, o.country) for o in Organisation.objects.all()}
    assert organisations == {
        "Ministerio de Producción, Comercio Exterior, Inversiones y Pesca": ("government", "EC"),
        "Mercado Libre Ecuador": ("marketplace", "EC"),
        "Cámara de Comercio de Quito": ("chamber", "EC"),
        "Cámara de Comercio de Guayaquil": ("chamber", "EC"),
        "Cámara de la Pequeña Industria del Azuay": ("guild", "EC"),
        "Secretaría General de la ALADI": ("international", ""),
    }


def test_seed_demo_creates_a_user_for_every_role():
    run("seed_demo")
    assert set(User.objects.values_list("role", flat=True)) == set(User.Role.values)
    admin = demo("admin")
    assert (admin.role, admin.is_staff, admin.is_superuser) == (User.Role.ADMIN, True, True)
    staff = demo("staff")
    assert staff.role == User.Role.PROGRAMME_STAFF
    assert staff.organisation.short_name == "MPCEIP"
    regional = demo("aladi")
    assert regional.role == User.Role.PROGRAMME_STAFF
    assert (regional.organisation.short_name, regional.organisation.country) == ("ALADI", "")
    assert demo("mercadolibre").organisation.name == "Mercado Libre Ecuador"
    assert demo("ccq").organisation.name == "Cámara de Comercio de Quito"
    assert {demo("mercadolibre").role, demo("ccq").role} == {User.Role.PARTNER_STAFF}
    assert demo("consultor").role == User.Role.CONSULTANT
    assert demo("editor").role == User.Role.EDITOR
    # Only the platform administrator and the content editor (courses) enter the Django admin.
    assert set(User.objects.filter(is_staff=True).values_list("email", flat=True)) == {
        admin.email,
        demo("editor").email,
    }


def test_seed_demo_firms_are_plausible_and_pass_the_tax_id_rules():
    run("seed_demo")
    firms = list(Firm.objects.all())
    assert len(firms) == seed_demo.FIRM_COUNT
    for firm in firms:
        check = check_tax_id(firm.country, firm.tax_id)
        assert check.ok, (firm.tax_id, check.error)
        assert (check.value, check.status) == (firm.tax_id, firm.tax_id_status)
        assert firm.canton in demo_data.EC_CANTONS[firm.province]
        assert phonenumbers.is_valid_number(phonenumbers.parse(firm.phone)), firm.phone
        assert firm.email.endswith(("@example.ec", "@example.com"))
        assert firm.website in ("", f"https://{firm.email.split('@')[0]}.example.com")
    statuses = [firm.tax_id_status for firm in firms]
    assert statuses.count(TaxIdStatus.TO_VERIFY) == seed_demo.TO_VERIFY_COUNT
    assert {firm.tax_id[2] for firm in firms if firm.tax_id_status == TaxIdStatus.TO_VERIFY} == {
        "9"
    }
    assert {firm.province for firm in firms} == set(demo_data.EC_CANTONS)  # all 24 provinces
    assert len({firm.trade_name for firm in firms}) == len(firms)
    micro = sum(firm.size_band == SizeBand.S0_5 for firm in firms)
    assert micro > 0.6 * len(firms)
    assert sum(firm.offer_type == "products" for firm in firms) > 0.6 * len(firms)


def test_seed_demo_named_owners_and_their_firms():
    run("seed_demo")
    assert [f.legal_name for f in demo("empresa").firms.all()] == ["Artesanías Chordeleg S.A.S."]
    memberships = FirmMembership.objects.filter(user=demo("socia")).select_related("firm")
    assert sorted((m.firm.legal_name, m.role) for m in memberships) == [
        ("Calzado Andino Cía. Ltda.", "owner"),
        ("Chocolates del Pacífico S.A.", "staff"),
    ]
    quishpe = Firm.objects.get(trade_name="Tejidos Sumak Otavalo")
    assert quishpe.legal_name == "María Rosa Quishpe Cabascango"
    assert quishpe.tax_id[2] in "012345"  # a person's RUC: her cédula plus 001
    assert list(quishpe.members.all()) == [demo("maria.quishpe")]


def test_seed_demo_owners_have_consent_records_and_other_firms_none():
    run("seed_demo")
    owners = dict(
        FirmMembership.objects.filter(role=FirmMembership.Role.OWNER).values_list(
            "firm_id", "user_id"
        )
    )
    assert 0.5 * seed_demo.FIRM_COUNT < len(owners) < 0.7 * seed_demo.FIRM_COUNT
    consents = list(ConsentRecord.objects.all())
    assert sorted(c.firm_id for c in consents) == sorted(owners)
    for consent in consents:
        assert consent.user_id == owners[consent.firm_id]
        assert consent.text_version == settings.CONSENT_TEXT_VERSION
    # Every owner user but the named ones is owner<n>@demo…, owner of exactly one firm.
    generated = User.objects.filter(email__startswith="owner")
    assert generated.count() == len(set(owners.values())) - 3
    assert all(user.firms.count() == 1 for user in generated)


def test_seed_demo_affiliations_and_what_partners_see():
    run("seed_demo")
    total = seed_demo.FIRM_COUNT
    chambers = Firm.objects.filter(affiliations__organisation__kind__in=["chamber", "guild"])
    marketplace = Firm.objects.filter(affiliations__organisation__name="Mercado Libre Ecuador")
    assert 0.3 * total < chambers.distinct().count() < 0.5 * total
    assert 0.2 * total < marketplace.count() < 0.4 * total
    # Partner staff see exactly their members; ministry and ALADI staff see every firm.
    assert set(firms_visible_to(demo("mercadolibre"))) == set(marketplace)
    quito = Firm.objects.filter(affiliations__organisation__short_name="CCQ")
    assert set(firms_visible_to(demo("ccq"))) == set(quito)
    assert firms_visible_to(demo("staff")).count() == total
    assert firms_visible_to(demo("aladi")).count() == total
    assert firms_visible_to(demo("consultor")).count() == 0


def test_seed_demo_twice_changes_nothing_and_says_so():
    first = run("seed_demo")
    counts = table_counts()
    second = run("seed_demo")
    assert table_counts() == counts
    assert "already loaded" in second
    assert "already loaded" not in first
    # Both runs print the logins.
    for output in (first, second):
        assert f"admin@{seed_demo.DEMO_DOMAIN}" in output
        assert PASSWORD in output


def test_seed_demo_reuses_organisations_that_already_exist():
    Organisation.objects.create(
        name="Cámara de Comercio de Quito", short_name="CCQ", kind="chamber", country="EC"
    )
    run("seed_demo")
    assert Organisation.objects.filter(name="Cámara de Comercio de Quito").count() == 1
    assert Organisation.objects.count() == 6


def test_seed_demo_refuses_a_production_database_unless_forced(settings, monkeypatch):
    settings.DEBUG = False
    settings.TESTING = False
    monkeypatch.setattr(connection, "vendor", "postgresql")
    with pytest.raises(CommandError, match="production database"):
        run("seed_demo")
    assert table_counts() == dict.fromkeys(table_counts(), 0)
    run("seed_demo", force=True)
    assert Firm.objects.count() == seed_demo.FIRM_COUNT


def test_seed_demo_redraws_a_ruc_that_someone_already_registered():
    specs = seed_demo.DemoLoader(random.Random(seed_demo.SEED)).firm_specs()
    taken = specs[10]["firm"].tax_id
    registered = Firm.objects.create(
        country="EC", tax_id=taken, legal_name="Registrada antes", sector="otros",
        offer_type="products", size_band="0-5",
    )  # fmt: skip
    run("seed_demo")
    assert Firm.objects.count() == seed_demo.FIRM_COUNT + 1
    assert Firm.objects.get(tax_id=taken) == registered
    assert all(
        check_tax_id("EC", tax_id).ok for tax_id in Firm.objects.values_list("tax_id", flat=True)
    )


def test_seed_demo_is_deterministic():
    first = seed_demo.DemoLoader(random.Random(seed_demo.SEED)).firm_specs()
    second = seed_demo.DemoLoader(random.Random(seed_demo.SEED)).firm_specs()
    fields = ("public_id", "tax_id", "legal_name", "trade_name", "canton", "phone")
    assert [[getattr(s["firm"], f) for f in fields] for s in first] == [
        [getattr(s["firm"], f) for f in fields] for s in second
    ]


def test_demo_password_signs_in_through_the_login_page(client):
    run("seed_demo")
    user = demo("empresa")
    response = client.post(
        reverse("accounts:login"),
        {"username": user.email, "password": PASSWORD},
        REMOTE_ADDR="198.51.100.21",
    )
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(user.pk)


@pytest.mark.parametrize("local_part", ["admin", "staff", "aladi", "ccq", "owner1"])
def test_demo_password_works_for_every_kind_of_account(client, local_part):
    run("seed_demo")
    assert client.login(username=demo(local_part).email, password=PASSWORD)


# --- seed_scale --------------------------------------------------------------------------------


def scale_rows() -> list[tuple]:
    """Everything a scale run wrote, without ids and timestamps."""
    firms = list(
        seed_scale.scale_firms()
        .order_by("email")
        .values_list(
            "public_id", "tax_id", "tax_id_status", "legal_name", "trade_name", "province",
            "canton", "sector", "offer_type", "size_band", "employees", "email", "phone",
            "sells_online",
        )
    )  # fmt: skip
    users = list(
        User.objects.filter(email__endswith="@example.test")
        .order_by("email")
        .values_list("email", "full_name", "role", "phone")  # each run salts its one hash
    )
    memberships = list(
        FirmMembership.objects.filter(user__email__endswith="@example.test")
        .order_by("user__email")
        .values_list("firm__tax_id", "user__email", "role")
    )
    affiliations = list(
        FirmAffiliation.objects.filter(firm__email__endswith="@example.test")
        .order_by("firm__tax_id", "organisation__name")
        .values_list("firm__tax_id", "organisation__name", "member_reference")
    )
    stamps = list(
        FirmAffiliation.objects.filter(firm__email__endswith="@example.test")
        .order_by("firm__tax_id", "organisation__name")
        .values_list("firm__created_at", "firm__updated_at", "created_at")
    )
    return [firms, users, memberships, affiliations, stamps]


def test_seed_scale_creates_exactly_n_firms_users_and_memberships_with_valid_rucs():
    run("seed_scale", firms=250, batch=100)
    firms = list(seed_scale.scale_firms())
    assert len(firms) == 250
    assert len({firm.tax_id for firm in firms}) == 250
    for firm in firms:
        assert check_tax_id("EC", firm.tax_id).status == TaxIdStatus.VALID == firm.tax_id_status
        assert firm.canton in demo_data.EC_CANTONS[firm.province]
    assert User.objects.filter(email__endswith="@example.test").count() == 250
    memberships = FirmMembership.objects.filter(firm__in=firms)
    assert memberships.count() == 250
    assert set(memberships.values_list("role", flat=True)) == {FirmMembership.Role.OWNER}
    for membership in memberships.select_related("firm", "user"):
        assert membership.user.email == membership.firm.email
        # Joined over two years: the firm, its owner's account and the membership together.
        assert membership.created_at == membership.user.date_joined == membership.firm.created_at
    dates = [firm.created_at for firm in firms]
    assert (max(dates) - min(dates)).days > 365
    partners = set(
        FirmAffiliation.objects.filter(firm__in=firms).values_list("organisation__name", flat=True)
    )
    assert "Mercado Libre Ecuador" in partners
    # One password hash for everyone, and it is the demo password.
    hashes = set(User.objects.filter(email__endswith="@example.test").values_list("password"))
    assert len(hashes) == 1
    assert User.objects.get(email="scale+0@example.test").check_password(PASSWORD)


def test_seed_scale_adds_only_the_missing_firms():
    run("seed_scale", firms=250, batch=100)
    first_ids = set(seed_scale.scale_firms().values_list("pk", flat=True))
    output = run("seed_scale", firms=400, batch=100)
    assert "Adding 150 scale firms (250 exist)" in output
    assert seed_scale.scale_firms().count() == 400
    assert first_ids < set(seed_scale.scale_firms().values_list("pk", flat=True))
    assert User.objects.filter(email__endswith="@example.test").count() == 400
    assert FirmMembership.objects.filter(user__email__endswith="@example.test").count() == 400
    assert len(set(seed_scale.scale_firms().values_list("tax_id", flat=True))) == 400
    counts = table_counts()
    assert "nothing to add" in run("seed_scale", firms=400)
    assert table_counts() == counts


def test_seed_scale_data_does_not_depend_on_method_batch_or_interruptions():
    # Dates count back from the moment a run starts: hold that moment still.
    moment = timezone.now()
    with mock.patch.object(seed_scale.timezone, "now", return_value=moment):
        run("seed_scale", firms=120, batch=1000, method="bulk")
        reference = scale_rows()
        seed_scale.scale_firms().delete()
        User.objects.filter(email__endswith="@example.test").delete()
        run("seed_scale", firms=45, batch=20)  # the database's fast path (COPY or executemany)
        run("seed_scale", firms=120, batch=33)
    assert scale_rows() == reference


def test_seed_scale_gives_a_spare_ruc_when_another_firm_holds_one():
    _, taken = fakes.ec_scale_ruc(3)
    Firm.objects.create(
        country="EC", tax_id=taken, legal_name="Registrada antes", sector="otros",
        offer_type="products", size_band="0-5",
    )  # fmt: skip
    run("seed_scale", firms=10)
    assert seed_scale.scale_firms().count() == 10
    spare = seed_scale.scale_firms().get(email="scale+3@example.test")
    assert spare.tax_id == fakes.ec_scale_ruc_spare(3)
    assert check_tax_id("EC", spare.tax_id).status == TaxIdStatus.VALID


def test_seed_scale_members_per_firm():
    run("seed_scale", firms=20, members_per_firm=3)
    memberships = FirmMembership.objects.filter(firm__in=seed_scale.scale_firms())
    assert memberships.count() == 60
    assert memberships.filter(role=FirmMembership.Role.OWNER).count() == 20
    assert User.objects.filter(email__endswith="@example.test").count() == 60


def test_scale_rucs_are_distinct_and_valid_across_the_counter():
    indices = [*range(0, 5000), *range(999_000, 1_001_000)]
    rucs = [fakes.ec_scale_ruc(i)[1] for i in indices]
    assert len(set(rucs)) == len(rucs)
    assert all(check_tax_id("EC", ruc).status == TaxIdStatus.VALID for ruc in rucs[::97])
    assert fakes.SCALE_RUC_CAPACITY > 20_000_000
