"""The programme staff's pages: who reaches each of them (a matrix of every role over every URL),
what partner staff never see, the queries each list costs, the forms' messages, and one
journey through the client from a new cohort to the links sent by WhatsApp."""

import csv
import datetime
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

import pytest
from django.core import mail
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from openpyxl import load_workbook

from rutapyme.accounts.models import Organisation
from rutapyme.accounts.tests.factories import (
    AdminFactory,
    OrganisationFactory,
    ProgrammeStaffFactory,
)
from rutapyme.accounts.tests.html import field_errors, form_values, non_field_errors
from rutapyme.core.testing import queries_for
from rutapyme.diagnosis.tests.factories import submitted_diagnosis
from rutapyme.firms.models import Firm
from rutapyme.firms.tests.factories import FirmAffiliationFactory, FirmFactory
from rutapyme.learning.models import Course
from rutapyme.programmes import services
from rutapyme.programmes.models import (
    Attendance,
    Cohort,
    Enrolment,
    InvitationBatch,
    LiveSession,
    Programme,
)
from rutapyme.programmes.views_staff import whatsapp_url

from .conftest import ROLES, ProgrammeWorld, client_for
from .factories import enrol, make_cohort, make_programme, make_session

pytestmark = pytest.mark.django_db


def url(name: str, *args) -> str:
    return reverse(f"programmes:{name}", args=args)


def csv_rows(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def xlsx_rows(response) -> list[list]:
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


# --- The world of the matrix ------------------------------------------------------------------


@pytest.fixture
def world(pworld) -> ProgrammeWorld:
    """pworld, plus firm D (a member of chamber X, eligible, not invited yet) and a batch
    created by partner X that stopped half-way (so it may be resumed)."""
    chamber_x = pworld.users["partner_x"].organisation
    d = FirmFactory(legal_name="Dulces D S.A.", trade_name="Dulces D", tax_id="1790085783001")
    FirmAffiliationFactory(firm=d, organisation=chamber_x)
    stale = timezone.now() - datetime.timedelta(hours=1)
    InvitationBatch.objects.create(
        cohort=pworld.cohort,
        created_by=pworld.users["partner_x"],
        organisation=chamber_x,
        filters={"province": "EC-P"},
        status=InvitationBatch.Status.RUNNING,
        total=3,
        firms_done=1,
        invited_count=1,
        progress_at=stale,
    )
    return pworld


def the_batch(w: ProgrammeWorld) -> InvitationBatch:
    return InvitationBatch.objects.get(cohort=w.cohort)


def snapshot() -> dict:
    """Everything a staff page may change, to assert that a refused request changed nothing."""
    return {
        "programmes": list(
            Programme.objects.order_by("pk").values_list(
                "pk",
                "name",
                "country",
                "description",
                "organisation_id",
                "offer_types",
                "sectors",
                "priority_sectors",
                "provinces",
                "size_bands",
            )
        ),
        "partners": sorted(
            Programme.partners.through.objects.values_list("programme_id", "organisation_id")
        ),
        "cohorts": list(
            Cohort.objects.order_by("pk").values_list(
                "pk", "name", "starts_on", "ends_on", "capacity"
            )
        ),
        "courses": sorted(Cohort.courses.through.objects.values_list("cohort_id", "course_id")),
        "enrolments": list(
            Enrolment.objects.order_by("pk").values_list("pk", "firm_id", "state", "state_note")
        ),
        "batches": list(InvitationBatch.objects.order_by("pk").values_list("pk", "status")),
        "sessions": list(
            LiveSession.objects.order_by("pk").values_list(
                "pk", "title", "starts_at", "online_url", "place", "teacher", "teacher_user_id"
            )
        ),
        "attendance": list(Attendance.objects.order_by("pk").values_list("pk", "present")),
    }


SEEN_BY_PROGRAMME = {"partner_x": 200, "partner_y": 200, "programme_ec": 200, "admin": 200}
RUN_BY_MINISTRY = {"partner_x": 403, "partner_y": 403, "programme_ec": 200, "admin": 200}
RUN_BY_MINISTRY_POST = {"partner_x": 403, "partner_y": 403, "programme_ec": 302, "admin": 302}


@dataclass
class Case:
    method: str
    url: Callable[[ProgrammeWorld], str]
    statuses: dict = field(default_factory=dict)  # roles whose answer is not `default`
    default: int = 404
    data: Callable[[ProgrammeWorld], dict] | None = None
    changes: bool = True  # a successful POST changes the data

    def expected(self, role: str) -> int:
        if role == "anonymous":
            return 302  # to the sign-in page
        return self.statuses.get(role, self.default)


def _programme_data(w):
    return {
        "name": "Ecuador vende en línea 2027",
        "country": "EC",
        "organisation": w.programme.organisation_id,
        "description": "Segunda edición.",
        "partners": [w.users["partner_x"].organisation_id],
        "offer_types": ["products", "both"],
        "provinces": ["EC-P", "EC-G"],
    }


def _cohort_data(name="Promoción 2", capacity="50"):
    return {"name": name, "starts_on": "2027-01-10", "ends_on": "2027-03-10", "capacity": capacity}


def _session_data(title="Fotos de producto con el celular"):
    return {
        "title": title,
        "date": "2027-01-15",
        "time": "10:00",
        "duration_minutes": "90",
        "online_url": "https://reunion.example.ec/fotos",
        "place": "",
        "teacher": "Luis Andrade",
        "teacher_user": "",
    }


CASES = {
    "programme_list": Case(
        "get",
        lambda w: url("programme_list"),
        {**SEEN_BY_PROGRAMME, "partner_z": 200, "programme_cl": 200},
        default=403,
    ),
    "programme_create": Case(
        "get",
        lambda w: url("programme_create"),
        {"programme_ec": 200, "programme_cl": 200, "admin": 200},
        default=403,
    ),
    "programme_create_post": Case(
        "post",
        lambda w: url("programme_create"),
        # Chile's staff may not create a programme in Ecuador: the form says so.
        {"programme_ec": 302, "programme_cl": 200, "admin": 302},
        default=403,
        data=_programme_data,
    ),
    "programme_detail": Case(
        "get", lambda w: url("programme_detail", w.programme.public_id), SEEN_BY_PROGRAMME
    ),
    "programme_edit": Case(
        "get", lambda w: url("programme_edit", w.programme.public_id), RUN_BY_MINISTRY
    ),
    "programme_edit_post": Case(
        "post",
        lambda w: url("programme_edit", w.programme.public_id),
        RUN_BY_MINISTRY_POST,
        data=_programme_data,
    ),
    "cohort_create": Case(
        "get", lambda w: url("cohort_create", w.programme.public_id), RUN_BY_MINISTRY
    ),
    "cohort_create_post": Case(
        "post",
        lambda w: url("cohort_create", w.programme.public_id),
        RUN_BY_MINISTRY_POST,
        data=lambda w: _cohort_data(),
    ),
    "cohort_detail": Case(
        "get", lambda w: url("cohort_detail", w.cohort.public_id), SEEN_BY_PROGRAMME
    ),
    "cohort_edit": Case("get", lambda w: url("cohort_edit", w.cohort.public_id), RUN_BY_MINISTRY),
    "cohort_edit_post": Case(
        "post",
        lambda w: url("cohort_edit", w.cohort.public_id),
        RUN_BY_MINISTRY_POST,
        data=lambda w: _cohort_data(name="Promoción 1 (Quito)", capacity="80"),
    ),
    "enrolment_drop": Case(
        "get",
        lambda w: url("enrolment_drop", w.enrolment_b.public_id),
        # Chamber Y and B's own member see B's enrolment but do not run the cohort.
        {"partner_y": 403, "member_b": 403, "programme_ec": 200, "admin": 200},
    ),
    "enrolment_drop_post": Case(
        "post",
        lambda w: url("enrolment_drop", w.enrolment_b.public_id),
        {"partner_y": 403, "member_b": 403, "programme_ec": 302, "admin": 302},
        data=lambda w: {"reason": "La empresa cerró."},
    ),
    "cohort_invite": Case(
        "get", lambda w: url("cohort_invite", w.cohort.public_id), SEEN_BY_PROGRAMME
    ),
    "cohort_invite_post": Case(
        "post",
        lambda w: url("cohort_invite", w.cohort.public_id),
        # Chamber Y's only member is already in the cohort: nobody to invite, the form says so.
        {"partner_x": 302, "partner_y": 200, "programme_ec": 302, "admin": 302},
        data=lambda w: {"province": "EC-P"},
    ),
    "batch_detail": Case(
        "get",
        lambda w: url("batch_detail", w.cohort.public_id, the_batch(w).public_id),
        {"partner_x": 200, "programme_ec": 200, "admin": 200},
    ),
    "batch_progress": Case(
        "get",
        lambda w: url("batch_progress", w.cohort.public_id, the_batch(w).public_id),
        {"partner_x": 200, "programme_ec": 200, "admin": 200},
    ),
    "batch_resume_post": Case(
        "post",
        lambda w: url("batch_resume", w.cohort.public_id, the_batch(w).public_id),
        {"partner_x": 302, "programme_ec": 302, "admin": 302},
        data=lambda w: {},
        changes=False,  # it enqueues the batch again once the request commits
    ),
    "invitation_links_csv": Case(
        "get", lambda w: url("invitation_links_csv", w.cohort.public_id), SEEN_BY_PROGRAMME
    ),
    "invitation_links_xlsx": Case(
        "get", lambda w: url("invitation_links_xlsx", w.cohort.public_id), SEEN_BY_PROGRAMME
    ),
    "session_create": Case(
        "get", lambda w: url("session_create", w.cohort.public_id), RUN_BY_MINISTRY
    ),
    "session_create_post": Case(
        "post",
        lambda w: url("session_create", w.cohort.public_id),
        RUN_BY_MINISTRY_POST,
        data=lambda w: _session_data(),
    ),
    "session_edit": Case(
        "get", lambda w: url("session_edit", w.session.public_id), RUN_BY_MINISTRY
    ),
    "session_edit_post": Case(
        "post",
        lambda w: url("session_edit", w.session.public_id),
        RUN_BY_MINISTRY_POST,
        data=lambda w: _session_data(title="Sesión cambiada"),
    ),
    "session_attendance": Case(
        "get",
        lambda w: url("session_attendance", w.session.public_id),
        {"programme_ec": 200, "consultant": 200, "admin": 200},
    ),
    "session_attendance_post": Case(
        "post",
        lambda w: url("session_attendance", w.session.public_id),
        {"programme_ec": 302, "consultant": 302, "admin": 302},
        data=lambda w: {"asistio": [str(w.enrolment_a.public_id)]},
    ),
}


def test_every_staff_url_is_in_the_matrix():
    from rutapyme.programmes import urls_staff

    names = {pattern.name for pattern in urls_staff.urlpatterns}
    names.discard("firm_invite")  # its own matrix: test_firm_invite.py
    covered = {name.removesuffix("_post") for name in CASES}
    assert names <= covered, names - covered


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case_name", list(CASES))
def test_role_matrix(client, world, case_name, role):
    case = CASES[case_name]
    client = client_for(client, world, role)
    target = case.url(world)
    before = snapshot()
    send = client.get if case.method == "get" else client.post
    response = send(target, case.data(world) if case.data else None)
    expected = case.expected(role)
    assert response.status_code == expected, (case_name, role)
    if role == "anonymous":
        assert response["Location"].startswith(reverse("accounts:login"))
    if case.method == "post":
        refused = expected != 302 or role == "anonymous"
        if refused or not case.changes:
            assert snapshot() == before, (case_name, role)
        else:
            assert snapshot() != before, (case_name, role)


def test_a_batch_of_the_ministry_is_not_shown_to_partners(client, world):
    batch = InvitationBatch.objects.create(
        cohort=world.cohort, created_by=world.users["programme_ec"], filters={}
    )
    client_for(client, world, "partner_x")
    assert client.get(url("batch_detail", world.cohort.public_id, batch.public_id)).status_code == (
        404
    )
    page = client.get(url("cohort_detail", world.cohort.public_id)).text
    assert str(batch.public_id) not in page
    assert str(the_batch_of_x(world).public_id) in page


def the_batch_of_x(w):
    return InvitationBatch.objects.get(organisation=w.users["partner_x"].organisation)


def test_a_batch_of_another_cohort_is_a_404(client, world):
    other = make_cohort(world.programme, name="Promoción 2")
    client_for(client, world, "programme_ec")
    response = client.get(url("batch_detail", other.public_id, the_batch(world).public_id))
    assert response.status_code == 404


def test_a_refused_drop_by_a_partner_leaves_the_enrolment_as_it_was(client, world):
    client_for(client, world, "partner_x")
    response = client.post(
        url("enrolment_drop", world.enrolment_a.public_id), {"reason": "Ya no participa"}
    )
    assert response.status_code == 403
    world.enrolment_a.refresh_from_db()
    assert (world.enrolment_a.state, world.enrolment_a.dropped_at) == ("joined", None)


def test_unknown_ids_are_404_not_500(client, world):
    client_for(client, world, "admin")
    for name in ["programme_detail", "cohort_detail", "session_attendance", "enrolment_drop"]:
        assert client.get(url(name, "0b7e8f3a-1c1d-4a8e-9a4b-000000000000")).status_code == 404


# --- Partner staff see only their members ---------------------------------------------------


B_TRACES = ["Bordados B", "1710034065001"]


def test_partner_x_never_sees_firm_b(client, world):
    e = FirmFactory(legal_name="Encajes E S.A.", trade_name="Encajes E", tax_id="0190000001001")
    FirmAffiliationFactory(firm=e, organisation=world.users["partner_y"].organisation)
    client_for(client, world, "partner_x")
    pages = [
        client.get(url("cohort_detail", world.cohort.public_id)),
        client.get(url("cohort_detail", world.cohort.public_id), HTTP_HX_REQUEST="true"),
        client.get(url("cohort_detail", world.cohort.public_id), {"estado": "invited"}),
        client.get(url("cohort_invite", world.cohort.public_id)),
        client.get(url("cohort_invite", world.cohort.public_id), {"province": "EC-P"}),
        client.get(
            url("cohort_invite", world.cohort.public_id),
            {"province": "EC-P"},
            HTTP_HX_REQUEST="true",
        ),
        client.get(url("programme_detail", world.programme.public_id)),
    ]
    for response in pages:
        assert response.status_code == 200
        for trace in [*B_TRACES, "Encajes E", "0190000001001"]:
            assert trace not in response.text, (response.request["PATH_INFO"], trace)
    # What they do see: their member A in the cohort, their member D to invite.
    assert "Artesanías A" in pages[0].text
    assert "Dulces D" in pages[4].text and "1 empresa coincide con los filtros." in pages[4].text
    check = client.get(url("programme_detail", world.programme.public_id), {"ruc": "1710034065001"})
    assert field_errors(check, "ruc") == [
        "No encontramos una empresa de Ecuador con ese RUC entre las que usted ve."
    ]
    assert "Bordados B" not in check.text
    # The links: B is the only invited firm, and not theirs.
    rows = csv_rows(client.get(url("invitation_links_csv", world.cohort.public_id)))
    assert rows == [["RUC", "EMPRESA", "TELEFONO", "CORREO", "ESTADO", "ENLACE", "WHATSAPP"]]
    sheet = xlsx_rows(client.get(url("invitation_links_xlsx", world.cohort.public_id)))
    assert len(sheet) == 1
    # Chamber Y sees B where chamber X does not.
    client.force_login(world.users["partner_y"])
    page = client.get(url("cohort_detail", world.cohort.public_id)).text
    assert "Bordados B" in page and "Artesanías A" not in page
    rows = csv_rows(client.get(url("invitation_links_csv", world.cohort.public_id)))
    assert [row[0] for row in rows[1:]] == ["1710034065001"]


def test_partner_z_that_is_not_a_partner_gets_404(client, world):
    client_for(client, world, "partner_z")
    for target in [
        url("programme_detail", world.programme.public_id),
        url("cohort_detail", world.cohort.public_id),
        url("cohort_invite", world.cohort.public_id),
        url("invitation_links_csv", world.cohort.public_id),
        url("batch_detail", world.cohort.public_id, the_batch(world).public_id),
    ]:
        assert client.get(target).status_code == 404, target
    page = client.get(url("programme_list")).text
    assert world.programme.name not in page


def test_a_partner_invites_only_their_members(client, world, django_capture_on_commit_callbacks):
    client_for(client, world, "partner_x")
    stopped = the_batch(world)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(url("cohort_invite", world.cohort.public_id), {})
    batch = InvitationBatch.objects.exclude(pk=stopped.pk).get()
    assert response.status_code == 302
    assert response["Location"] == url("batch_detail", world.cohort.public_id, batch.public_id)
    assert (batch.total, batch.organisation, batch.created_by) == (
        1,
        world.users["partner_x"].organisation,
        world.users["partner_x"],
    )
    assert len(callbacks) == 1


# --- Programmes -------------------------------------------------------------------------------


def test_programme_staff_create_a_programme_of_their_country(client, world):
    OrganisationFactory(name="Cámara de Santiago", country="CL")
    client_for(client, world, "programme_ec")
    page = client.get(url("programme_create"))
    assert 'name="organisation"' not in page.text  # their own organisation
    assert "Cámara X" in page.text and "Ministerio de Economía" not in page.text
    assert "Cámara de Santiago" not in page.text  # a partner of another country
    assert [value for value, _label in page.context["form"].fields["country"].choices] == ["EC"]
    data = {
        **_programme_data(world),
        "sectors": ["textil"],
        "priority_sectors": ["artesanias"],
        "size_bands": ["0-5", "6-25"],
    }
    response = client.post(url("programme_create"), data)
    programme = Programme.objects.get(name="Ecuador vende en línea 2027")
    assert response.status_code == 302
    assert response["Location"] == url("programme_detail", programme.public_id)
    assert (
        programme.country, programme.organisation, programme.offer_types, programme.sectors,
        programme.priority_sectors, programme.provinces, programme.size_bands,
    ) == (
        "EC", world.programme.organisation, ["products", "both"], ["textil"],
        ["artesanias"], ["EC-P", "EC-G"], ["0-5", "6-25"],
    )  # fmt: skip
    assert list(programme.partners.all()) == [world.users["partner_x"].organisation]
    detail = client.get(response["Location"]).text
    assert "Programa creado." in detail
    assert "Provincias: Pichincha, Guayas." in detail
    assert "Sectores prioritarios: Artesanías." in detail


def test_admins_choose_the_organisation_and_any_country(client, world):
    client_for(client, world, "admin")
    page = client.get(url("programme_create"))
    assert form_values(page)["country"] == "EC"  # settings.DEFAULT_COUNTRY
    choices = page.context["form"].fields["country"].choices
    assert len(choices) == 13
    assert "Ministerio de Economía" in page.text and "Cámara X" in page.text
    ministry_cl = world.programme_cl.organisation
    response = client.post(
        url("programme_create"),
        {"name": "Chile Digital", "country": "CL", "organisation": ministry_cl.pk},
    )
    assert response.status_code == 302
    programme = Programme.objects.get(name="Chile Digital")
    assert (programme.country, programme.organisation) == ("CL", ministry_cl)


def test_programme_form_errors_keep_what_was_typed(client, world):
    client_for(client, world, "admin")
    before = snapshot()
    response = client.post(
        url("programme_create"),
        {
            "name": "Pymes del Pacífico",
            "country": "CL",
            "organisation": world.programme.organisation_id,  # Ecuador's ministry
            "description": "Texto escrito.",
            "provinces": ["EC-P"],  # not a subdivision of Chile
            "offer_types": ["products"],
        },
    )
    assert response.status_code == 200
    assert field_errors(response, "organisation") == [
        f"{world.programme.organisation} es de otro país; elija una organización de Chile."
    ]
    assert field_errors(response, "provinces") == [
        "Escoja una opción válida. EC-P no es una de las opciones disponibles."
    ]
    values = form_values(response)
    assert (values["name"], values["country"], values["offer_types"]) == (
        "Pymes del Pacífico",
        "CL",
        "products",
    )
    assert "Texto escrito." in response.text
    assert snapshot() == before


def test_editing_a_programme_changes_its_rules(client, world):
    client_for(client, world, "programme_ec")
    page = client.get(url("programme_edit", world.programme.public_id))
    values = form_values(page)
    assert (values["name"], values["offer_types"]) == ("Ecuador vende en línea", "products,both")
    assert values["partners"] == ",".join(
        str(o.pk) for o in sorted(world.programme.partners.all(), key=lambda o: o.name)
    )
    response = client.post(
        url("programme_edit", world.programme.public_id),
        {"name": "Ecuador vende en línea", "country": "EC", "size_bands": ["0-5"]},
    )
    assert response.status_code == 302
    world.programme.refresh_from_db()
    assert (world.programme.size_bands, world.programme.offer_types) == (["0-5"], [])
    assert list(world.programme.partners.all()) == []


def test_programme_detail_shows_rules_partners_cohorts_and_the_eligibility_check(client, world):
    make_cohort(world.programme, name="Promoción 2")
    client_for(client, world, "programme_ec")
    response = client.get(url("programme_detail", world.programme.public_id))
    page = response.text
    assert "Empresas de Ecuador." in page
    assert "Que ofrecen: Productos, Productos y servicios." in page
    assert "Cámara X" in page and "Cámara Y" in page
    assert "Promoción 1" in page and "Promoción 2" in page
    assert url("cohort_create", world.programme.public_id) in page
    cohort = response.context["cohorts"].get(pk=world.cohort.pk)
    assert (cohort.invited, cohort.joined, cohort.waitlisted) == (2, 1, 0)

    services_firm = FirmFactory(tax_id="1710034065002", offer_type="services", legal_name="S")
    check = client.get(
        url("programme_detail", world.programme.public_id),
        {"ruc": services_firm.tax_id},
        HTTP_HX_REQUEST="true",
    )
    assert check.templates[0].name == "programmes/staff/partials/eligibility_check.html"
    assert "No cumple las reglas del programa:" in check.text
    assert "El programa admite empresas que ofrecen: Productos, Productos y servicios." in (
        check.text
    )
    ok = client.get(url("programme_detail", world.programme.public_id), {"ruc": "1790011674001"})
    assert "Cumple las reglas del programa: se la puede invitar." in ok.text
    bad = client.get(url("programme_detail", world.programme.public_id), {"ruc": "17100340"})
    assert field_errors(bad, "ruc") == ["El RUC debe tener 13 dígitos; tiene 8."]
    assert form_values(bad)["ruc"] == "17100340"


def test_the_dashboard_link_follows_the_dashboard_page(client, world):
    client_for(client, world, "programme_ec")
    response = client.get(url("programme_detail", world.programme.public_id))
    try:
        dashboard = reverse("programmes:dashboard")
    except NoReverseMatch:  # the dashboard is another issue's page
        assert response.context["dashboard_url"] == ""
    else:
        expected = f"{dashboard}?programa={world.programme.public_id}"
        assert response.context["dashboard_url"] == expected
        assert expected in response.text


# --- Cohorts ----------------------------------------------------------------------------------


def published_courses(n=2):
    return list(Course.objects.filter(published__isnull=False).order_by("position", "slug")[:n])


def test_creating_a_cohort_with_courses(client, world):
    courses = published_courses()
    assert len(courses) == 2
    client_for(client, world, "programme_ec")
    data = {**_cohort_data(), "courses": [c.pk for c in courses]}
    response = client.post(url("cohort_create", world.programme.public_id), data)
    cohort = Cohort.objects.get(name="Promoción 2")
    assert response.status_code == 302
    assert response["Location"] == url("cohort_detail", cohort.public_id)
    assert (cohort.starts_on, cohort.ends_on, cohort.capacity, cohort.created_by) == (
        datetime.date(2027, 1, 10),
        datetime.date(2027, 3, 10),
        50,
        world.users["programme_ec"],
    )
    assert set(cohort.courses.all()) == set(courses)
    page = client.get(response["Location"]).text
    for course in courses:
        assert course.published.title in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        pytest.param(
            {"starts_on": "2027-03-10", "ends_on": "2027-01-10"},
            "ends_on",
            "El fin no puede ser antes del inicio.",
            id="end-before-start",
        ),
        pytest.param({"capacity": "0"}, "capacity", "Indique al menos un cupo.", id="capacity-0"),
        pytest.param(
            {"name": "promoción 1"},
            "name",
            "Ya hay una promoción con este nombre en el programa.",
            id="duplicate-name",
        ),
        pytest.param(
            {"starts_on": "2027-02-30"}, "starts_on", "Introduzca una fecha válida.", id="bad-date"
        ),
        pytest.param(
            {"capacity": "muchos"}, "capacity", "Introduzca un número entero.", id="capacity-text"
        ),
        pytest.param(
            {"courses": ["999999"]},
            "courses",
            "Elija cursos publicados de la lista.",
            id="unknown-course",
        ),
    ],
)
def test_cohort_form_errors_are_explained_and_keep_what_was_typed(
    client, world, changes, field, message
):
    client_for(client, world, "programme_ec")
    before = snapshot()
    data = {**_cohort_data(name="Promoción de verano", capacity="25"), **changes}
    response = client.post(url("cohort_create", world.programme.public_id), data)
    assert response.status_code == 200
    assert field_errors(response, field) == [message]
    values = form_values(response)
    for name in ["name", "starts_on", "ends_on", "capacity"]:
        assert values[name] == data[name], name
    assert snapshot() == before


def test_editing_a_cohort_maps_the_service_errors_and_keeps_the_title(client, world):
    make_cohort(world.programme, name="Promoción 2")
    client_for(client, world, "programme_ec")
    response = client.post(
        url("cohort_edit", world.cohort.public_id), _cohort_data(name="Promoción 2")
    )
    assert field_errors(response, "name") == [
        "Ya hay una promoción con este nombre en el programa."
    ]
    assert "<h1>Editar Promoción 1</h1>" in response.text
    world.cohort.refresh_from_db()
    assert world.cohort.name == "Promoción 1"


def test_more_places_admit_the_waiting_list(client, world):
    world.cohort.capacity = 1
    world.cohort.save()
    waiting = enrol(world.cohort, FirmFactory(), Enrolment.State.WAITLISTED)
    client_for(client, world, "programme_ec")
    client.post(
        url("cohort_edit", world.cohort.public_id), _cohort_data(name="Promoción 1", capacity="2")
    )
    waiting.refresh_from_db()
    assert waiting.state == "joined"


def test_cohort_page_shows_places_sessions_in_local_time_and_enrolments(client, world):
    world.session.starts_at = datetime.datetime(2027, 1, 15, 15, 0, tzinfo=datetime.UTC)
    world.session.save()
    client_for(client, world, "programme_ec")
    response = client.get(url("cohort_detail", world.cohort.public_id))
    page = response.text
    assert "1 de 100 ocupados" in page
    assert "Cómo publicar en Mercado Libre" in page
    assert "10:00" in page  # 15:00 UTC is 10:00 in Guayaquil
    assert "Artesanías A" in page and "Bordados B" in page
    assert url("session_attendance", world.session.public_id) in page
    assert url("enrolment_drop", world.enrolment_b.public_id) in page
    assert url("invitation_links_csv", world.cohort.public_id) in page


def test_sessions_of_chile_show_in_santiago_time(client, world):
    session = make_session(
        world.cohort_cl, starts_at=datetime.datetime(2027, 1, 15, 15, 0, tzinfo=datetime.UTC)
    )
    client_for(client, world, "programme_cl")
    page = client.get(url("cohort_detail", world.cohort_cl.public_id)).text
    assert session.title in page
    assert "12:00" in page  # Santiago is UTC-3 in January (summer time)


def test_enrolments_filter_by_state_and_the_htmx_partial(client, world):
    client_for(client, world, "programme_ec")
    response = client.get(
        url("cohort_detail", world.cohort.public_id), {"estado": "joined"}, HTTP_HX_REQUEST="true"
    )
    assert response.templates[0].name == "programmes/staff/partials/enrolment_table.html"
    assert "<html" not in response.text
    assert "Artesanías A" in response.text and "Bordados B" not in response.text
    restored = client.get(
        url("cohort_detail", world.cohort.public_id),
        {"estado": "joined"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
    )
    assert "<html" in restored.text  # htmx restoring a page from its history gets the page
    bad = client.get(url("cohort_detail", world.cohort.public_id), {"estado": "x", "page": "y"})
    assert bad.status_code == 200
    assert "Artesanías A" in bad.text and "Bordados B" in bad.text


def test_enrolments_are_paginated_by_50(client, world):
    for firm in FirmFactory.create_batch(55):
        enrol(world.cohort, firm)
    client_for(client, world, "programme_ec")
    first = client.get(url("cohort_detail", world.cohort.public_id))
    assert len(first.context["page"].object_list) == 50
    assert "Página 1 de 2" in first.text
    second = client.get(url("cohort_detail", world.cohort.public_id), {"page": "2"})
    assert len(second.context["page"].object_list) == 7


def test_dropping_an_enrolment_asks_a_reason_and_frees_the_place(client, world):
    world.cohort.capacity = 1
    world.cohort.save()
    waiting = enrol(world.cohort, FirmFactory(), Enrolment.State.WAITLISTED)
    client_for(client, world, "programme_ec")
    target = url("enrolment_drop", world.enrolment_a.public_id)
    empty = client.post(target, {"reason": "  "})
    assert field_errors(empty, "reason") == ["Indique el motivo del retiro."]
    world.enrolment_a.refresh_from_db()
    assert world.enrolment_a.state == "joined"

    response = client.post(target, {"reason": "La empresa cerró."})
    assert response["Location"] == url("cohort_detail", world.cohort.public_id)
    world.enrolment_a.refresh_from_db()
    waiting.refresh_from_db()
    assert (world.enrolment_a.state, world.enrolment_a.state_note) == (
        "dropped",
        "La empresa cerró.",
    )
    assert world.enrolment_a.dropped_at is not None
    assert waiting.state == "joined"
    page = client.get(response["Location"]).text
    assert "Artesanías A quedó marcada como retirada de la promoción." in page
    # Once dropped, there is nothing more to drop.
    again = client.post(target, {"reason": "Otra vez"})
    assert again.status_code == 302
    world.enrolment_a.refresh_from_db()
    assert world.enrolment_a.state_note == "La empresa cerró."


# --- Invitations ------------------------------------------------------------------------------


def test_the_invite_page_counts_and_lists_the_matching_firms(client, world):
    guayas = [FirmFactory(province="EC-G", legal_name=f"Guayas {n}") for n in range(3)]
    services = FirmFactory(  # not eligible: the programme takes firms that sell goods
        province="EC-G",
        offer_type="services",
        legal_name="Zz Solo Servicios",
        trade_name="Zz Solo Servicios",
    )
    submitted_diagnosis(guayas[0])
    client_for(client, world, "programme_ec")
    target = url("cohort_invite", world.cohort.public_id)
    everyone = client.get(target)
    assert "4 empresas coinciden con los filtros." in everyone.text  # D and the 3 of Guayas
    assert "Que ofrecen: Productos, Productos y servicios." in everyone.text
    response = client.get(target, {"province": "EC-G"}, HTTP_HX_REQUEST="true")
    assert response.templates[0].name == "programmes/staff/partials/invite_preview.html"
    assert "3 empresas coinciden con los filtros." in response.text
    assert "Invitar a las 3 empresas" in response.text
    assert "Zz Solo Servicios" not in response.text and services.tax_id not in response.text
    assert all(firm.tax_id in response.text for firm in guayas)
    assert '<input type="hidden" name="province" value="EC-G">' in response.text
    no_diagnosis = client.get(target, {"province": "EC-G", "level": "none"})
    assert "2 empresas coinciden con los filtros." in no_diagnosis.text
    partner = client.get(target, {"partner": str(world.users["partner_x"].organisation_id)})
    assert "1 empresa coincide con los filtros." in partner.text and "Dulces D" in partner.text
    bad = client.get(target, {"province": "XX", "level": "9"})
    assert bad.status_code == 200
    assert field_errors(bad, "province") == ["Elija una opción de la lista."]
    assert field_errors(bad, "level") == ["Elija una opción de la lista."]
    assert "Invitar a" not in bad.text


def test_the_preview_shows_the_first_20(client, world):
    FirmFactory.create_batch(25, province="EC-G")
    client_for(client, world, "programme_ec")
    response = client.get(url("cohort_invite", world.cohort.public_id), {"province": "EC-G"})
    assert len(response.context["firms"]) == 20
    assert "25 empresas coinciden con los filtros." in response.text
    assert "Se muestran las primeras 20." in response.text


def test_only_never_invited_firms(client, world):
    earlier = make_cohort(world.programme, name="Promoción 0")
    enrol(earlier, Firm.objects.get(trade_name="Dulces D"), Enrolment.State.DECLINED)
    client_for(client, world, "programme_ec")
    target = url("cohort_invite", world.cohort.public_id)
    assert "Dulces D" in client.get(target).text
    FirmFactory(legal_name="Nueva N S.A.", trade_name="Nueva N")
    response = client.get(target, {"not_invited": "on"})
    assert "Dulces D" not in response.text
    assert "Nueva N" in response.text and "1 empresa coincide con los filtros." in response.text
    assert '<input type="hidden" name="not_invited" value="on">' in response.text
    assert form_values(response)["not_invited"] == "on"


def test_inviting_when_no_firm_matches_is_refused_with_a_message(client, world):
    client_for(client, world, "programme_ec")
    before = snapshot()
    response = client.post(
        url("cohort_invite", world.cohort.public_id), {"province": "EC-W", "level": "3"}
    )
    assert response.status_code == 200
    assert non_field_errors(response) == [
        "Ninguna empresa coincide con estos filtros: no hay a quién invitar. Cambie los "
        "filtros e inténtelo de nuevo."
    ]
    values = form_values(response)
    assert (values["province"], values["level"]) == ("EC-W", "3")
    assert snapshot() == before


def test_an_invalid_filter_on_post_invites_nobody(client, world):
    client_for(client, world, "programme_ec")
    before = snapshot()
    response = client.post(url("cohort_invite", world.cohort.public_id), {"partner": "abc"})
    assert response.status_code == 200
    assert field_errors(response, "partner") == ["Elija una opción de la lista."]
    assert snapshot() == before


def test_the_batch_page_polls_while_running_and_offers_to_resume_a_dead_one(client, world):
    client_for(client, world, "programme_ec")
    batch = the_batch(world)
    target = url("batch_detail", world.cohort.public_id, batch.public_id)
    page = client.get(target).text
    assert 'hx-trigger="every 2s"' in page
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in page
    assert "1 de 3 empresas (33 %)" in page
    assert "Reanudar" in page
    progress = client.get(url("batch_progress", world.cohort.public_id, batch.public_id))
    assert progress.templates[0].name == "programmes/staff/partials/batch_progress.html"
    assert "<html" not in progress.text

    InvitationBatch.objects.filter(pk=batch.pk).update(progress_at=timezone.now())
    fresh = client.get(target).text
    assert "Reanudar" not in fresh
    refused = client.post(url("batch_resume", world.cohort.public_id, batch.public_id))
    assert "Este envío no necesita reanudarse." in client.get(refused["Location"]).text

    InvitationBatch.objects.filter(pk=batch.pk).update(
        status=InvitationBatch.Status.FAILED, error_message="Se cayó la base de datos."
    )
    failed = client.get(target).text
    assert 'hx-trigger="every 2s"' not in failed and "<noscript>" not in failed
    assert "Se cayó la base de datos." in failed


def test_resuming_a_dead_batch_finishes_it(
    client, world, immediate_tasks, django_capture_on_commit_callbacks
):
    client_for(client, world, "partner_x")
    batch = the_batch(world)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("batch_resume", world.cohort.public_id, batch.public_id))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == "done"
    assert Enrolment.objects.filter(cohort=world.cohort, firm__trade_name="Dulces D").exists()


# --- Links for WhatsApp -----------------------------------------------------------------------


def test_whatsapp_url():
    assert whatsapp_url("+593 99 123 4567", "Hola: ¿vamos?") == (
        "https://wa.me/593991234567?text=Hola%3A%20%C2%BFvamos%3F"
    )
    assert whatsapp_url("", "Hola") == ""


def test_links_export_only_invited_and_neutralises_formulas(client, world):
    evil = FirmFactory(legal_name='=HYPERLINK("x")', trade_name="", phone="", email="")
    invited = enrol(world.cohort, evil)
    enrol(world.cohort, FirmFactory(legal_name="Declinó"), Enrolment.State.DECLINED)
    client_for(client, world, "programme_ec")
    response = client.get(url("invitation_links_csv", world.cohort.public_id))
    assert response["Content-Disposition"] == 'attachment; filename="enlaces-promocion-1.csv"'
    rows = csv_rows(response)
    by_ruc = {row[0]: row for row in rows[1:]}
    assert set(by_ruc) == {"1710034065001", evil.tax_id}
    assert by_ruc[evil.tax_id][1:] == [
        "'=HYPERLINK(\"x\")", "", "", "Invitada", services.invitation_link(invited), "",
    ]  # fmt: skip
    b = by_ruc["1710034065001"]
    link = services.invitation_link(world.enrolment_b)
    assert b[1:6] == ["Bordados B", "'" + world.b.phone, world.b.email, "Invitada", link]
    assert b[6].startswith("https://wa.me/593991234567?text=")
    assert link in unquote(b[6])
    xlsx = client.get(url("invitation_links_xlsx", world.cohort.public_id))
    assert xlsx["Content-Disposition"] == 'attachment; filename="enlaces-promocion-1.xlsx"'
    sheet = xlsx_rows(xlsx)
    assert sheet[0] == ["RUC", "EMPRESA", "TELEFONO", "CORREO", "ESTADO", "ENLACE", "WHATSAPP"]
    assert sorted(row[5] for row in sheet[1:]) == sorted([link, services.invitation_link(invited)])


# --- Live sessions and attendance -------------------------------------------------------------


def test_a_session_is_typed_in_the_country_time(client, world):
    client_for(client, world, "programme_ec")
    consultant = world.users["consultant_other"]
    data = {
        **_session_data(),
        "online_url": "",
        "place": "Cámara X, sala 2",
        "teacher_user": str(consultant.pk),
    }
    response = client.post(url("session_create", world.cohort.public_id), data)
    assert response["Location"] == url("cohort_detail", world.cohort.public_id)
    session = LiveSession.objects.get(title="Fotos de producto con el celular")
    assert session.starts_at == datetime.datetime(2027, 1, 15, 15, 0, tzinfo=datetime.UTC)
    assert (session.place, session.duration_minutes, session.teacher_user) == (
        "Cámara X, sala 2",
        90,
        consultant,
    )
    edit = client.get(url("session_edit", session.public_id))
    values = form_values(edit)
    assert (values["date"], values["time"]) == ("2027-01-15", "10:00")


def test_a_session_in_chile_is_converted_from_santiago(client, world):
    client_for(client, world, "programme_cl")
    client.post(url("session_create", world.cohort_cl.public_id), _session_data())
    session = LiveSession.objects.get(cohort=world.cohort_cl)
    assert session.starts_at == datetime.datetime(2027, 1, 15, 13, 0, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        pytest.param(
            {"online_url": "", "place": "  "},
            "online_url",
            "Indique el enlace de la sesión en línea o el lugar.",
            id="no-link-no-place",
        ),
        pytest.param({"date": "15/13/2027"}, "date", "Introduzca una fecha válida.", id="bad-date"),
        pytest.param({"time": "25:00"}, "time", "Introduzca una hora válida.", id="bad-time"),
        pytest.param(
            {"online_url": "no es un enlace"},
            "online_url",
            "Introduzca una URL válida.",
            id="bad-url",
        ),
        pytest.param(
            {"teacher_user": "999999"},
            "teacher_user",
            "Elija una persona de la lista.",
            id="unknown-consultant",
        ),
    ],
)
def test_session_form_errors_keep_what_was_typed(client, world, changes, field, message):
    client_for(client, world, "programme_ec")
    before = snapshot()
    data = {**_session_data(), **changes}
    response = client.post(url("session_create", world.cohort.public_id), data)
    assert response.status_code == 200
    assert field_errors(response, field) == [message]
    values = form_values(response)
    for name in ["title", "date", "time", "duration_minutes", "teacher"]:
        assert values[name] == data[name], name
    assert snapshot() == before


def test_editing_a_session_without_link_or_place_is_refused(client, world):
    client_for(client, world, "programme_ec")
    response = client.post(
        url("session_edit", world.session.public_id), {**_session_data(), "online_url": ""}
    )
    assert field_errors(response, "online_url") == [
        "Indique el enlace de la sesión en línea o el lugar."
    ]
    world.session.refresh_from_db()
    assert world.session.online_url == "https://reunion.example.ec/abc"


def test_attendance_lists_joined_firms_and_ignores_others(client, world):
    active = enrol(world.cohort, FirmFactory(legal_name="Activa", trade_name=""), "active")
    Attendance.objects.create(session=world.session, enrolment=active, present=True)
    client_for(client, world, "consultant")
    target = url("session_attendance", world.session.public_id)
    page = client.get(target)
    assert "Artesanías A" in page.text and "Activa" in page.text
    assert "Bordados B" not in page.text  # invited, not joined
    assert form_values(page)["asistio"] == str(active.public_id)

    response = client.post(
        target,
        {
            "asistio": [
                str(world.enrolment_a.public_id),
                str(world.enrolment_b.public_id),  # not joined
                str(world.enrolment_c.public_id),  # another cohort
                "no-es-un-id",
            ]
        },
    )
    assert response.status_code == 302
    assert "Asistencia guardada: 1 de 2 empresas." in client.get(response["Location"]).text
    marks = dict(Attendance.objects.values_list("enrolment_id", "present"))
    assert marks == {world.enrolment_a.pk: True, active.pk: False}


# --- Query counts: they must not grow with rows -----------------------------------------------


def _more_enrolments(w, n, organisation=None):
    for firm in FirmFactory.create_batch(n):
        enrol(w.cohort, firm, Enrolment.State.JOINED if firm.pk % 2 else Enrolment.State.INVITED)
        if organisation is not None:
            FirmAffiliationFactory(firm=firm, organisation=organisation)


@pytest.mark.parametrize("role", ["programme_ec", "partner_x", "admin"])
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "partial"])
def test_cohort_page_query_count_is_fixed(client, world, role, htmx):
    client_for(client, world, role)
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    target = url("cohort_detail", world.cohort.public_id)
    first, response = queries_for(client, target, **extra)
    assert response.status_code == 200
    organisation = world.users["partner_x"].organisation
    _more_enrolments(world, 28, organisation)
    make_session(world.cohort, title="Otra sesión")
    InvitationBatch.objects.create(
        cohort=world.cohort,
        created_by=world.users[role],
        organisation=world.users[role].organisation,
    )
    second, response = queries_for(client, target, **extra)
    assert len(response.context["page"].object_list) >= 15
    assert second == first


def _more_firms(n, organisation=None):
    for firm in FirmFactory.create_batch(n, province="EC-G"):
        if organisation is not None:
            FirmAffiliationFactory(firm=firm, organisation=organisation)


@pytest.mark.parametrize("role", ["programme_ec", "partner_x"])
def test_invite_preview_query_count_is_fixed(client, world, role):
    client_for(client, world, role)
    target = url("cohort_invite", world.cohort.public_id) + "?province=EC-G"
    organisation = world.users["partner_x"].organisation
    _more_firms(2, organisation)
    first, response = queries_for(client, target, HTTP_HX_REQUEST="true")
    assert response.context["count"] == 2
    _more_firms(28, organisation)
    second, response = queries_for(client, target, HTTP_HX_REQUEST="true")
    assert response.context["count"] == 30
    assert second == first


def test_programme_list_query_count_is_fixed(client, world):
    client_for(client, world, "programme_ec")
    ministry = world.programme.organisation
    make_programme(ministry, name="Programa 2")
    first, response = queries_for(client, url("programme_list"))
    assert len(response.context["programmes"]) == 2
    for n in range(28):
        programme = make_programme(ministry, name=f"Programa extra {n}")
        make_cohort(programme, name="Promoción 1")
    second, response = queries_for(client, url("programme_list"))
    assert len(response.context["programmes"]) == 30
    assert second == first


def test_programme_detail_query_count_is_fixed(client, world):
    client_for(client, world, "programme_ec")
    target = url("programme_detail", world.programme.public_id)
    first, _response = queries_for(client, target)
    for n in range(28):
        make_cohort(world.programme, name=f"Promoción extra {n}")
    second, _response = queries_for(client, target)
    assert second == first


def test_batch_progress_query_count_is_fixed(client, world, django_capture_on_commit_callbacks):
    client_for(client, world, "partner_x")
    batch = the_batch(world)
    target = url("batch_progress", world.cohort.public_id, batch.public_id)
    first, _response = queries_for(client, target)
    for firm in FirmFactory.create_batch(28):
        enrol(world.cohort, firm, batch=batch)
    InvitationBatch.objects.filter(pk=batch.pk).update(total=30, firms_done=30, invited_count=30)
    second, _response = queries_for(client, target)
    assert second == first


def test_attendance_query_count_is_fixed(client, world):
    client_for(client, world, "programme_ec")
    target = url("session_attendance", world.session.public_id)
    first, _response = queries_for(client, target)
    _more_enrolments(world, 28)
    second, _response = queries_for(client, target)
    assert second == first


# --- One journey through the client -----------------------------------------------------------


def test_from_a_new_cohort_to_the_links_sent(
    client, world, immediate_tasks, django_capture_on_commit_callbacks
):
    guayas = [
        FirmFactory(province="EC-G", legal_name=f"Guayaquil {n} S.A.", trade_name="")
        for n in range(4)
    ]
    without_email = FirmFactory(
        province="EC-G",
        legal_name="Sin Correo S.A.",
        trade_name="",
        email="",
        phone="+593987654321",
    )
    FirmFactory(province="EC-P", legal_name="Quito S.A.")  # another province
    FirmFactory(province="EC-G", offer_type="services", legal_name="Servicios S.A.")  # not eligible
    client_for(client, world, "programme_ec")

    response = client.post(url("cohort_create", world.programme.public_id), _cohort_data())
    cohort = Cohort.objects.get(name="Promoción 2")
    assert response["Location"] == url("cohort_detail", cohort.public_id)

    invite = url("cohort_invite", cohort.public_id)
    preview = client.get(invite, {"province": "EC-G"})
    assert "Invitar a las 5 empresas" in preview.text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(invite, {"province": "EC-G"})
    batch = InvitationBatch.objects.get(cohort=cohort)
    assert response["Location"] == url("batch_detail", cohort.public_id, batch.public_id)
    page = client.get(response["Location"]).text
    assert "Invitaciones en marcha: 5 empresas." in page
    assert "Terminada" in page and 'hx-trigger="every 2s"' not in page

    invited = {e.firm_id: e for e in Enrolment.objects.filter(cohort=cohort)}
    assert set(invited) == {f.pk for f in [*guayas, without_email]}
    assert {e.state for e in invited.values()} == {"invited"}
    assert len(mail.outbox) == 4
    for firm in guayas:
        (message,) = [m for m in mail.outbox if m.to == [firm.email]]
        assert services.invitation_link(invited[firm.pk]) in message.body

    rows = csv_rows(client.get(url("invitation_links_csv", cohort.public_id)))
    assert len(rows) == 6
    by_ruc = {row[0]: row for row in rows[1:]}
    for firm in [*guayas, without_email]:
        row = by_ruc[firm.tax_id]
        link = services.invitation_link(invited[firm.pk])
        assert row[5] == link
        digits = firm.phone.lstrip("+")
        assert row[6].startswith(f"https://wa.me/{digits}?text=")
        assert quote(link, safe="") in row[6]
    assert by_ruc[without_email.tax_id][3] == ""
    sheet = xlsx_rows(client.get(url("invitation_links_xlsx", cohort.public_id)))
    assert sorted(row[5] for row in sheet[1:]) == sorted(
        services.invitation_link(e) for e in invited.values()
    )
    cohort_page = client.get(url("cohort_detail", cohort.public_id)).text
    assert "Guayaquil 0 S.A." in cohort_page and "Quito S.A." not in cohort_page


def test_the_ministry_staff_of_another_organisation_reach_nothing(client, world):
    other = ProgrammeStaffFactory(
        organisation=OrganisationFactory(name="Agencia", kind=Organisation.Kind.GOVERNMENT)
    )
    client.force_login(other)
    assert client.get(url("cohort_detail", world.cohort.public_id)).status_code == 404
    assert client.get(url("programme_edit", world.programme.public_id)).status_code == 404
    client.force_login(AdminFactory())
    assert client.get(url("programme_edit", world.programme.public_id)).status_code == 200


def test_firm_tables_name_the_tax_id_as_the_programme_country_does(client, world):
    session_cl = make_session(world.cohort_cl)
    FirmFactory(country="CL", tax_id="965251200", province="", canton="Valparaíso")  # to invite
    client_for(client, world, "programme_cl")
    chile_pages = [
        client.get(url("cohort_detail", world.cohort_cl.public_id)).text,
        client.get(url("cohort_invite", world.cohort_cl.public_id)).text,
        client.get(url("session_attendance", session_cl.public_id)).text,
    ]
    for n, page in enumerate(chile_pages):
        assert "<th>RUT</th>" in page and "<th>RUC</th>" not in page, n
    assert "760864283" in chile_pages[0] and "760864283" in chile_pages[2]  # Cueros C, joined
    assert "965251200" in chile_pages[1]
    client_for(client, world, "programme_ec")
    ecuador = client.get(url("cohort_detail", world.cohort.public_id)).text
    assert "<th>RUC</th>" in ecuador and "<th>RUT</th>" not in ecuador
