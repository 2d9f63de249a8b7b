"""Who reaches the firm's diagnosis pages, what they show, and how many queries they take."""

import datetime

import pytest
from django.urls import reverse
from django.utils.html import escape

from rutapyme.accounts.models import Organisation
from rutapyme.accounts.tests.factories import (
    ConsultantFactory,
    OrganisationFactory,
    PartnerStaffFactory,
    ProgrammeStaffFactory,
)
from rutapyme.core.testing import queries_for
from rutapyme.diagnosis import services
from rutapyme.diagnosis.models import Diagnosis
from rutapyme.diagnosis.tests.factories import answers_for, submitted_diagnosis
from rutapyme.firms.tests.factories import (
    FirmAffiliationFactory,
    FirmFactory,
    FirmMembershipFactory,
)

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
ROLES = [
    "member",
    "other_firm_member",
    "programme_staff_same_country",
    "programme_staff_other_country",
    "partner_staff_affiliated",
    "partner_staff_other_org",
    "consultant",
    "anonymous",
]
# Who sees a firm's results: its members, the programme staff of its country and the partner
# organisations it belongs to. Only members answer.
SEES = {"member", "programme_staff_same_country", "partner_staff_affiliated"}


def user_for(role, firm):
    if role == "member":
        return FirmMembershipFactory(firm=firm).user
    if role == "other_firm_member":
        return FirmMembershipFactory().user
    if role == "programme_staff_same_country":
        return ProgrammeStaffFactory()
    if role == "programme_staff_other_country":
        ministry = OrganisationFactory(
            name="Ministerio de la Producción", country="PE", kind=Organisation.Kind.GOVERNMENT
        )
        return ProgrammeStaffFactory(organisation=ministry)
    if role == "partner_staff_affiliated":
        chamber = OrganisationFactory()
        FirmAffiliationFactory(firm=firm, organisation=chamber)
        return PartnerStaffFactory(organisation=chamber)
    if role == "partner_staff_other_org":
        return PartnerStaffFactory()
    if role == "consultant":
        return ConsultantFactory()
    return None


def log_in(client, role, firm):
    user = user_for(role, firm)
    if user is not None:
        client.force_login(user)
    return user


def expected_for_viewers(role):
    if role == "anonymous":
        return 302
    return 200 if role in SEES else 404


def assert_login_redirect(response):
    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN}?next=")


def draft_of(firm, *, step="ventas"):
    draft = services.diagnosis_start(firm=firm, user=None)
    Diagnosis.objects.filter(pk=draft.pk).update(current_step=step)
    draft.refresh_from_db()
    return draft


# --- Role matrix ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_result_page_by_role(client, role):
    firm = FirmFactory(country="EC")
    diagnosis = submitted_diagnosis(firm)
    log_in(client, role, firm)

    response = client.get(reverse("diagnosis:result", args=[diagnosis.public_id]))

    assert response.status_code == expected_for_viewers(role)
    if role == "anonymous":
        assert_login_redirect(response)
    if response.status_code == 200:
        html = response.content.decode()
        level = f"Nivel {diagnosis.level} · {diagnosis.result['level_name']}"
        assert level in html
        # Only the firm's own people may retake it.
        assert ("Hacerlo de nuevo" in html) is (role == "member")


@pytest.mark.parametrize("role", ROLES)
def test_history_page_by_role(client, role):
    firm = FirmFactory(country="EC")
    submitted_diagnosis(firm, answered_on=datetime.date(2026, 2, 1), seed=1)
    latest = submitted_diagnosis(firm, answered_on=datetime.date(2026, 5, 1), seed=2)
    log_in(client, role, firm)

    response = client.get(reverse("diagnosis:history", args=[firm.public_id]))

    assert response.status_code == expected_for_viewers(role)
    if role == "anonymous":
        assert_login_redirect(response)
    if response.status_code == 200:
        html = response.content.decode()
        assert reverse("diagnosis:result", args=[latest.public_id]) in html
        assert ("Hacerlo de nuevo" in html) is (role == "member")


@pytest.mark.parametrize("role", ROLES)
def test_step_page_is_for_members_only(client, role):
    firm = FirmFactory(country="EC")
    draft = draft_of(firm)
    before = (dict(draft.answers), draft.current_step, draft.updated_at)
    log_in(client, role, firm)
    url = reverse("diagnosis:step", args=[draft.public_id, "ventas"])

    got = client.get(url)
    posted = client.post(url, {"action": "later", "q06_online_sales": "none"})

    expected = {"member": 200, "anonymous": 302}.get(role, 404)
    assert got.status_code == expected
    assert posted.status_code == (302 if role in ("member", "anonymous") else 404)
    draft.refresh_from_db()
    if role == "member":
        assert posted["Location"] == reverse("diagnosis:home")
        assert draft.answers["q06_online_sales"] == "none"
    else:
        assert (draft.answers, draft.current_step, draft.updated_at) == before
    if role == "anonymous":
        assert_login_redirect(got)
        assert_login_redirect(posted)


@pytest.mark.parametrize("role", ROLES)
def test_start_is_for_members_only(client, role):
    firm = FirmFactory(country="EC")
    log_in(client, role, firm)

    response = client.post(reverse("diagnosis:start", args=[firm.public_id]))

    if role == "member":
        draft = Diagnosis.objects.get(firm=firm)
        assert response.status_code == 302
        assert response["Location"] == reverse("diagnosis:step", args=[draft.public_id, "empresa"])
        assert draft.status == Diagnosis.Status.DRAFT
    else:
        assert response.status_code == (302 if role == "anonymous" else 404)
        assert Diagnosis.objects.count() == 0
    if role == "anonymous":
        assert_login_redirect(response)


def test_start_only_accepts_post(client):
    firm = FirmFactory()
    client.force_login(FirmMembershipFactory(firm=firm).user)

    assert client.get(reverse("diagnosis:start", args=[firm.public_id])).status_code == 405
    assert Diagnosis.objects.count() == 0


@pytest.mark.parametrize("role", ROLES)
def test_a_draft_result_url_by_role(client, role):
    firm = FirmFactory(country="EC")
    draft = draft_of(firm, step="pagos")
    log_in(client, role, firm)

    response = client.get(reverse("diagnosis:result", args=[draft.public_id]))

    if role == "member":
        assert response.status_code == 302
        assert response["Location"] == reverse("diagnosis:step", args=[draft.public_id, "pagos"])
    elif role == "anonymous":
        assert_login_redirect(response)
    else:
        assert response.status_code == 404


def test_an_unknown_diagnosis_or_firm_is_not_found(client):
    client.force_login(FirmMembershipFactory().user)
    unknown = "8b0f3c57-2f53-4d47-9d54-2d5f0b6c0a11"

    assert client.get(reverse("diagnosis:result", args=[unknown])).status_code == 404
    assert client.get(reverse("diagnosis:history", args=[unknown])).status_code == 404
    assert client.post(reverse("diagnosis:start", args=[unknown])).status_code == 404
    assert client.get(reverse("diagnosis:step", args=[unknown, "empresa"])).status_code == 404


def test_home_needs_a_login_and_the_scale_does_not(client):
    assert_login_redirect(client.get(reverse("diagnosis:home")))

    response = client.get(reverse("diagnosis:scale"))

    html = response.content.decode()
    assert response.status_code == 200
    for name in (
        "Nivel 0 · Sin presencia en línea",
        "Nivel 1 · Presencia en línea",
        "Nivel 2 · Vende en línea",
        "Nivel 3 · Venta en línea consolidada",
        "Nivel 4 · Preparada para exportar en línea",
        "Nivel 5 · Exporta por comercio electrónico",
    ):
        assert name in html


# --- What the pages show ------------------------------------------------------------------------


def test_home_shows_each_firm_of_the_member_as_it_stands(client):
    fresh, in_progress, done = (
        FirmFactory(legal_name=name, trade_name=name) for name in ("Alfa", "Beta", "Gamma")
    )
    user = FirmMembershipFactory(firm=fresh).user
    FirmMembershipFactory(firm=in_progress, user=user)
    FirmMembershipFactory(firm=done, user=user)
    FirmFactory(trade_name="Ajena")
    draft = draft_of(in_progress, step="areas")
    result = submitted_diagnosis(done)
    client.force_login(user)

    html = client.get(reverse("diagnosis:home")).content.decode()

    assert "Ajena" not in html
    alfa, beta, gamma = (html.index(f">{name}</h2>") for name in ("Alfa", "Beta", "Gamma"))
    assert "Empezar el autodiagnóstico" in html[alfa:beta]
    assert "Paso 3 de 8</strong>: Áreas de su empresa" in html[beta:gamma]
    assert reverse("diagnosis:step", args=[draft.public_id, "areas"]) in html[beta:gamma]
    assert f"Nivel {result.level} · {result.result['level_name']}" in html[gamma:]
    assert reverse("diagnosis:result", args=[result.public_id]) in html[gamma:]
    assert "Historial (1)" in html[gamma:]
    assert "Hacerlo de nuevo" in html[gamma:]


def test_the_result_page_shows_level_areas_barriers_and_route(client):
    firm = FirmFactory()
    diagnosis = submitted_diagnosis(firm, answers=answers_for(firm, seed=4))
    result = diagnosis.result
    client.force_login(FirmMembershipFactory(firm=firm).user)

    html = client.get(reverse("diagnosis:result", args=[diagnosis.public_id])).content.decode()

    assert html.count('<li class="current" aria-current="step">') == 1
    assert html.count('<rect class="bar-fill') == 7
    for area in result["areas"]:
        assert f"<strong>{area['score']}</strong>/100 · {area['band_label']}" in html
    route_start = html.index("Su ruta sugerida")
    for topic in result["topics"][:5]:
        assert f"<strong>{topic['label']}</strong>" in html[route_start:]
    if len(result["barriers"]) > 5:
        assert f"Ver todas ({len(result['barriers'])})" in html
    for entry in result["reasons"] + result["missing"]:
        assert escape(entry["text"]) in html


def test_history_says_what_changed_since_the_previous_diagnosis(client):
    firm = FirmFactory()
    first_answers = answers_for(
        firm,
        q06_online_sales="none",
        q07_area_experience__digital_sales=4,
        q20_other_barriers__buyer_trust=1,
    )
    second_answers = dict(
        first_answers,
        q06_online_sales="marketplace",
        q07_area_experience__digital_sales=1,
        q20_other_barriers__buyer_trust=4,
    )
    first = submitted_diagnosis(firm, answers=first_answers, answered_on=datetime.date(2026, 1, 5))
    second = submitted_diagnosis(
        firm, answers=second_answers, answered_on=datetime.date(2026, 6, 5)
    )
    client.force_login(FirmMembershipFactory(firm=firm).user)

    html = client.get(reverse("diagnosis:history", args=[firm.public_id])).content.decode()

    assert second.level > first.level
    assert f"Subió del nivel {first.level} al nivel {second.level}." in html
    newest = html.index(reverse("diagnosis:result", args=[second.public_id]))
    oldest = html.index(reverse("diagnosis:result", args=[first.public_id]))
    assert newest < oldest
    change = html[:newest]
    before = {a["code"]: a["score"] for a in first.result["areas"]}
    after = {a["code"]: a["score"] for a in second.result["areas"]}
    delta = after["canal_digital"] - before["canal_digital"]
    assert delta > 0
    assert f"Canal digital: <strong>{after['canal_digital']}</strong>" in change
    assert f"(+{delta})" in change
    gone = html.index("Ya no lo limitan:")
    assert "Los potenciales clientes en el extranjero" in html[gone:newest]
    assert "Su primer autodiagnóstico." in html[newest:]


def test_firm_pages_show_the_diagnosis_entry(client):
    firm = FirmFactory(country="EC")
    member = FirmMembershipFactory(firm=firm).user
    client.force_login(member)

    detail = client.get(reverse("firms:detail", args=[firm.public_id])).content.decode()
    assert "Empezar el autodiagnóstico" in detail
    assert reverse("diagnosis:start", args=[firm.public_id]) in detail

    diagnosis = submitted_diagnosis(firm)
    client.force_login(ProgrammeStaffFactory())
    staff_view = client.get(reverse("firms:detail", args=[firm.public_id])).content.decode()
    assert reverse("diagnosis:result", args=[diagnosis.public_id]) in staff_view
    assert "Hacerlo de nuevo" not in staff_view
    assert "Empezar el autodiagnóstico" not in staff_view

    second = FirmFactory(trade_name="Segunda")
    FirmMembershipFactory(firm=second, user=member)
    client.force_login(member)
    mine = client.get(reverse("firms:dashboard")).content.decode()
    assert reverse("diagnosis:result", args=[diagnosis.public_id]) in mine
    assert reverse("diagnosis:start", args=[second.public_id]) in mine


# --- Query counts: fixed, whatever the number of diagnoses --------------------------------------


def make_history(firm, count):
    for index in range(count):
        submitted_diagnosis(
            firm,
            answered_on=datetime.date(2026, 1, 1) + datetime.timedelta(days=index),
            seed=index,
        )
    return Diagnosis.objects.get(firm=firm, is_latest=True)


# user, then: home — the member's firms, their drafts and latest results; step — the draft,
# membership; result — the diagnosis, membership, the firm's draft; history — the firm, its
# diagnoses, membership, draft.
@pytest.mark.parametrize(
    ("page", "expected"),
    [
        pytest.param("home", 3, id="home"),
        pytest.param("step", 3, id="step"),
        pytest.param("result", 4, id="result"),
        pytest.param("history", 5, id="history"),
    ],
)
@pytest.mark.parametrize("diagnoses", [1, 5])
def test_query_count_is_fixed(client, page, expected, diagnoses):
    firm = FirmFactory()
    client.force_login(FirmMembershipFactory(firm=firm).user)
    latest = make_history(firm, diagnoses)
    draft = draft_of(firm, step="areas")
    url = {
        "home": reverse("diagnosis:home"),
        "step": reverse("diagnosis:step", args=[draft.public_id, "areas"]),
        "result": reverse("diagnosis:result", args=[latest.public_id]),
        "history": reverse("diagnosis:history", args=[firm.public_id]),
    }[page]

    count, response = queries_for(client, url)

    assert response.status_code == 200
    assert count == expected
