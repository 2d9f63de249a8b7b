"""Who may see and change which firm, walked as a matrix of roles over every firms URL.

The world: firms A and B in Ecuador, C in Chile. A is a member of the chamber X, B of the
chamber Y. Each firm member belongs to one firm. Programme staff work for a ministry of
Ecuador or of Chile. Rules: rutapyme/firms/permissions.py.
"""

import csv
import io
from dataclasses import dataclass

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse
from openpyxl import load_workbook

from rutapyme.accounts.models import Organisation
from rutapyme.accounts.tests.factories import (
    AdminFactory,
    ConsultantFactory,
    EditorFactory,
    OrganisationFactory,
    PartnerStaffFactory,
    ProgrammeStaffFactory,
    UserFactory,
)
from rutapyme.firms import permissions
from rutapyme.firms.models import Firm, FirmMembership
from rutapyme.firms.tests.factories import (
    FirmAffiliationFactory,
    FirmFactory,
    FirmMembershipFactory,
    edit_payload,
)

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "member_a",
    "member_b",
    "partner_x",
    "partner_y",
    "programme_ec",
    "programme_cl",
    "consultant",
    "editor",
    "admin",
]


@dataclass
class World:
    a: Firm
    b: Firm
    c: Firm
    users: dict


@pytest.fixture
def world() -> World:
    chamber_x = OrganisationFactory(name="Cámara X")
    chamber_y = OrganisationFactory(name="Cámara Y")
    ministry_cl = OrganisationFactory(
        name="Ministerio de Economía", country="CL", kind=Organisation.Kind.GOVERNMENT
    )
    a = FirmFactory(
        legal_name="Artesanías A S.A.", trade_name="Artesanías A", tax_id="1790011674001"
    )
    b = FirmFactory(legal_name="Bordados B S.A.", trade_name="Bordados B", tax_id="1710034065001")
    c = FirmFactory(
        country="CL", legal_name="Cueros C SpA", trade_name="Cueros C", tax_id="760864283",
        province="", canton="Santiago",
    )  # fmt: skip
    FirmAffiliationFactory(firm=a, organisation=chamber_x)
    FirmAffiliationFactory(firm=b, organisation=chamber_y)
    member_a = FirmMembershipFactory(firm=a).user
    member_b = FirmMembershipFactory(firm=b).user
    users = {
        "anonymous": None,
        "member_a": member_a,
        "member_b": member_b,
        "partner_x": PartnerStaffFactory(organisation=chamber_x),
        "partner_y": PartnerStaffFactory(organisation=chamber_y),
        "programme_ec": ProgrammeStaffFactory(),
        "programme_cl": ProgrammeStaffFactory(organisation=ministry_cl),
        "consultant": ConsultantFactory(),
        "editor": EditorFactory(),
        "admin": AdminFactory(),
    }
    return World(a=a, b=b, c=c, users=users)


def client_for(client, world: World, role: str):
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    return client


def login_redirect(path: str) -> str:
    return f"{reverse('accounts:login')}?next={path}"


def snapshot(firm: Firm) -> dict:
    firm.refresh_from_db()
    return {**model_to_dict(firm), "updated_at": firm.updated_at}


# --- The matrix -------------------------------------------------------------------------------

LOGIN = "302 → sign in"
TO_DETAIL_A = "302 → detail A"
TO_DETAIL_B = "302 → detail B"
TO_LIST = "302 → list"
URLS = ["list", "csv", "xlsx", "detail", "edit", "edit_post", "dashboard", "api_list", "api_detail"]

# fmt: off
EXPECTED = {
    #                list   csv    xlsx   detail  edit   edit_post    dashboard    api      api/A
    "anonymous":    (LOGIN, LOGIN, LOGIN, LOGIN,  LOGIN, LOGIN,       LOGIN,       401,     401),
    "member_a":     (403,   403,   403,   200,    200,   TO_DETAIL_A, TO_DETAIL_A, 200,     200),
    "member_b":     (403,   403,   403,   404,    404,   404,         TO_DETAIL_B, 200,     404),
    "partner_x":    (200,   200,   200,   200,    403,   403,         TO_LIST,     200,     200),
    "partner_y":    (200,   200,   200,   404,    404,   404,         TO_LIST,     200,     404),
    "programme_ec": (200,   200,   200,   200,    200,   TO_DETAIL_A, TO_LIST,     200,     200),
    "programme_cl": (200,   200,   200,   404,    404,   404,         TO_LIST,     200,     404),
    "consultant":   (403,   403,   403,   404,    404,   404,         200,         200,     404),
    "editor":       (403,   403,   403,   404,    404,   404,         200,         200,     404),
    "admin":        (200,   200,   200,   200,    200,   TO_DETAIL_A, TO_LIST,     200,     200),
}
# fmt: on


def url_of(name: str, world: World) -> str:
    a = world.a.public_id
    return {
        "list": reverse("firms:list"),
        "csv": reverse("firms:export_csv"),
        "xlsx": reverse("firms:export_xlsx"),
        "detail": reverse("firms:detail", args=[a]),
        "edit": reverse("firms:edit", args=[a]),
        "edit_post": reverse("firms:edit", args=[a]),
        "dashboard": reverse("firms:dashboard"),
        "api_list": "/api/v1/firms/",
        "api_detail": f"/api/v1/firms/{a}",
    }[name]


def outcome(response, world: World, path: str):
    if response.status_code != 302:
        return response.status_code
    return {
        login_redirect(path): LOGIN,
        reverse("firms:detail", args=[world.a.public_id]): TO_DETAIL_A,
        reverse("firms:detail", args=[world.b.public_id]): TO_DETAIL_B,
        reverse("firms:list"): TO_LIST,
    }.get(response["Location"], f"302 → {response['Location']}")


@pytest.mark.parametrize("url_name", URLS)
@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(client, world, role, url_name):
    client = client_for(client, world, role)
    path = url_of(url_name, world)
    before = snapshot(world.a)
    if url_name == "edit_post":
        response = client.post(path, edit_payload(world.a, legal_name="Cambiada S.A."))
    else:
        response = client.get(path)
    expected = EXPECTED[role][URLS.index(url_name)]
    assert outcome(response, world, path) == expected

    after = snapshot(world.a)
    if url_name == "edit_post" and expected == TO_DETAIL_A:
        assert after["legal_name"] == "Cambiada S.A."
        assert {k: v for k, v in after.items() if k not in ("legal_name", "updated_at")} == {
            k: v for k, v in before.items() if k not in ("legal_name", "updated_at")
        }
    else:
        assert after == before  # a refusal (or a read) changes nothing


# --- What each role sees in the lists ---------------------------------------------------------

VISIBLE = {
    "member_a": ["a"],
    "member_b": ["b"],
    "partner_x": ["a"],
    "partner_y": ["b"],
    "programme_ec": ["a", "b"],
    "programme_cl": ["c"],
    "consultant": [],
    "editor": [],
    "admin": ["a", "b", "c"],
}


def names(world: World, keys: list[str]) -> list[str]:
    return sorted(getattr(world, key).legal_name for key in keys)


@pytest.mark.parametrize("role", list(VISIBLE))
def test_api_list_holds_exactly_what_the_role_may_see(client, world, role):
    response = client_for(client, world, role).get("/api/v1/firms/")
    body = response.json()
    assert sorted(item["legal_name"] for item in body["items"]) == names(world, VISIBLE[role])
    assert body["count"] == len(VISIBLE[role])


@pytest.mark.parametrize(
    "role", ["partner_x", "partner_y", "programme_ec", "programme_cl", "admin"]
)
def test_list_page_holds_exactly_what_the_role_may_see(client, world, role):
    response = client_for(client, world, role).get(reverse("firms:list"))
    shown = sorted(firm.legal_name for firm in response.context["page"].object_list)
    assert shown == names(world, VISIBLE[role])


@pytest.mark.parametrize(
    "role", ["partner_x", "partner_y", "programme_ec", "programme_cl", "admin"]
)
def test_csv_export_holds_exactly_what_the_role_may_see(client, world, role):
    response = client_for(client, world, role).get(reverse("firms:export_csv"))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert sorted(row[1] for row in rows[1:]) == names(world, VISIBLE[role])
    for key in {"a", "b", "c"} - set(VISIBLE[role]):
        hidden = getattr(world, key)
        assert hidden.tax_id not in text
        assert hidden.legal_name not in text


def test_xlsx_export_of_partner_x_holds_only_its_members(client, world):
    response = client_for(client, world, "partner_x").get(reverse("firms:export_xlsx"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert [(row[0], row[1]) for row in rows[1:]] == [(world.a.tax_id, world.a.legal_name)]


def test_partner_filter_cannot_widen_what_partner_staff_see(client, world):
    """Asking the API for another chamber's members returns nothing of theirs."""
    client = client_for(client, world, "partner_x")
    response = client.get("/api/v1/firms/", {"q": world.b.legal_name})
    assert response.json()["items"] == []
    response = client.get(reverse("firms:list"), {"q": world.b.legal_name})
    assert list(response.context["page"].object_list) == []


# --- Firm members and firms they do not belong to ---------------------------------------------


def test_a_member_cannot_read_another_firm_anywhere(client, world):
    client = client_for(client, world, "member_a")
    b = world.b.public_id
    assert client.get(reverse("firms:detail", args=[b])).status_code == 404
    assert client.get(reverse("firms:edit", args=[b])).status_code == 404
    assert client.get(f"/api/v1/firms/{b}").status_code == 404
    assert world.b.legal_name not in client.get("/api/v1/firms/").content.decode()


def test_a_member_cannot_change_another_firm(client, world):
    before = snapshot(world.b)
    client = client_for(client, world, "member_a")
    response = client.post(
        reverse("firms:edit", args=[world.b.public_id]),
        edit_payload(world.b, legal_name="Robada S.A.", phone="+593987654321"),
    )
    assert response.status_code == 404
    assert snapshot(world.b) == before


def test_a_collaborator_of_a_firm_may_edit_it_too(client, world):
    collaborator = FirmMembershipFactory(firm=world.a, role=FirmMembership.Role.STAFF).user
    client.force_login(collaborator)
    response = client.post(
        reverse("firms:edit", args=[world.a.public_id]), edit_payload(world.a, canton="Cuenca")
    )
    assert response.status_code == 302
    world.a.refresh_from_db()
    assert world.a.canton == "Cuenca"


def test_an_unknown_firm_is_404_for_everyone(client, world):
    client = client_for(client, world, "admin")
    missing = "00000000-0000-0000-0000-000000000000"
    assert client.get(reverse("firms:detail", args=[missing])).status_code == 404
    assert client.get(f"/api/v1/firms/{missing}").status_code == 404
    assert client.get("/api/v1/firms/not-a-uuid").status_code == 422


# --- People with a staff role who are also members of a firm ----------------------------------


def test_partner_staff_who_own_a_firm_see_and_edit_it(client, world):
    own = FirmFactory(legal_name="Dulces D", tax_id="0992397535001")
    partner = world.users["partner_x"]
    FirmMembershipFactory(firm=own, user=partner)
    client.force_login(partner)
    response = client.get(reverse("firms:list"))
    assert sorted(f.legal_name for f in response.context["page"].object_list) == sorted(
        [world.a.legal_name, "Dulces D"]
    )
    assert client.get(reverse("firms:edit", args=[own.public_id])).status_code == 200
    # …but still not the chamber's members.
    assert client.get(reverse("firms:edit", args=[world.a.public_id])).status_code == 403


def test_programme_staff_see_their_own_firm_in_another_country(client, world):
    staff = world.users["programme_cl"]
    FirmMembershipFactory(firm=world.a, user=staff)
    client.force_login(staff)
    body = client.get("/api/v1/firms/").json()
    assert sorted(item["legal_name"] for item in body["items"]) == sorted(
        [world.a.legal_name, world.c.legal_name]
    )


def test_a_firm_with_many_members_is_listed_once(client, world):
    for _n in range(3):
        FirmMembershipFactory(firm=world.a, role=FirmMembership.Role.STAFF)
    FirmMembershipFactory(firm=world.a, user=world.users["programme_ec"])
    client = client_for(client, world, "programme_ec")
    body = client.get("/api/v1/firms/").json()
    assert sorted(item["legal_name"] for item in body["items"]) == names(world, ["a", "b"])
    assert body["count"] == 2


def test_programme_staff_without_organisation_see_only_their_own_firms(world):
    staff = ProgrammeStaffFactory(organisation=None)
    assert list(permissions.firms_visible_to(staff)) == []
    FirmMembershipFactory(firm=world.b, user=staff)
    assert list(permissions.firms_visible_to(staff)) == [world.b]


def test_a_regional_body_without_country_sees_every_country(world):
    staff = ProgrammeStaffFactory(
        organisation=OrganisationFactory(
            name="Secretaría General de ALADI", country="", kind=Organisation.Kind.INTERNATIONAL
        )
    )
    assert sorted(f.legal_name for f in permissions.firms_visible_to(staff)) == names(
        world, ["a", "b", "c"]
    )


def test_deactivated_people_see_nothing(world):
    for role in ["member_a", "partner_x", "programme_ec", "admin"]:
        user = world.users[role]
        user.is_active = False
        assert list(permissions.firms_visible_to(user)) == [], role
        assert permissions.can_edit_firm(user, world.a) is False, role


def test_firm_member_role_with_no_firm_sees_nothing(world):
    assert list(permissions.firms_visible_to(UserFactory())) == []
