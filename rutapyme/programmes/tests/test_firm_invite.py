"""On a firm's page, staff see whether it is eligible for their programmes (and why not) and
invite it to an open cohort; nobody else can, and a refused invitation changes nothing."""

import pytest
from django.core import mail
from django.urls import reverse

from rutapyme.core.testing import queries_for
from rutapyme.firms.tests.factories import FirmAffiliationFactory, FirmFactory
from rutapyme.programmes.models import Enrolment

from .conftest import ROLES, client_for
from .factories import make_cohort, make_programme

pytestmark = pytest.mark.django_db

INVITED = "302 → firm page, invited"
LOGIN = "302 → sign in"
EXPECTED = {
    "anonymous": LOGIN,
    "member_a": 404,
    "member_b": 404,
    "partner_x": INVITED,  # D is a member of chamber X, a partner of the programme
    "partner_y": 404,
    "partner_z": 404,
    "programme_ec": INVITED,
    "programme_cl": 404,
    "consultant": 404,
    "consultant_other": 404,
    "editor": 404,
    "admin": INVITED,
}


@pytest.fixture
def firm_d(pworld):
    firm = FirmFactory(legal_name="Dulces D S.A.", trade_name="Dulces D", tax_id="1792146739001")
    FirmAffiliationFactory(firm=firm, organisation=pworld.enrolment_a.firm.partners.get())
    return firm


@pytest.mark.parametrize("role", ROLES)
def test_who_may_invite_one_firm_from_its_page(
    client, pworld, firm_d, role, immediate_tasks, django_capture_on_commit_callbacks
):
    client_for(client, pworld, role)
    url = reverse("programmes:firm_invite", args=[firm_d.public_id])
    before = Enrolment.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"cohort": pworld.cohort.public_id})
    expected = EXPECTED[role]
    if expected == INVITED:
        assert response.status_code == 302
        assert response.url == reverse("firms:detail", args=[firm_d.public_id])
        enrolment = Enrolment.objects.get(firm=firm_d)
        assert (enrolment.cohort, enrolment.state) == (pworld.cohort, "invited")
        assert [m.to for m in mail.outbox] == [[firm_d.email]]
    else:
        if expected == LOGIN:
            assert response.status_code == 302 and "/cuenta/ingresar/" in response.url
        else:
            assert response.status_code == expected
        assert Enrolment.objects.count() == before
        assert not mail.outbox


def test_a_cohort_of_another_country_cannot_be_guessed(client, pworld, firm_d):
    client_for(client, pworld, "programme_ec")
    url = reverse("programmes:firm_invite", args=[firm_d.public_id])
    assert client.post(url, {"cohort": pworld.cohort_cl.public_id}).status_code == 404
    assert client.post(url, {"cohort": "no-es-un-uuid"}).status_code == 404
    assert not Enrolment.objects.filter(firm=firm_d).exists()


def test_the_page_says_why_a_firm_is_not_eligible_and_offers_no_invitation(client, pworld):
    services_firm = FirmFactory(offer_type="services")
    client_for(client, pworld, "programme_ec")
    page = client.get(reverse("firms:detail", args=[services_firm.public_id])).content.decode()
    assert "La empresa no cumple las reglas del programa:" in page
    assert "El programa admite empresas que ofrecen: Productos, Productos y servicios." in page
    assert reverse("programmes:firm_invite", args=[services_firm.public_id]) not in page


def test_inviting_twice_says_so_and_keeps_one_enrolment(client, pworld, firm_d):
    client_for(client, pworld, "programme_ec")
    url = reverse("programmes:firm_invite", args=[firm_d.public_id])
    client.post(url, {"cohort": pworld.cohort.public_id})
    # The cohort is no longer offered; posting it anyway is refused with a message.
    page = client.get(reverse("firms:detail", args=[firm_d.public_id])).content.decode()
    assert "No hay promociones abiertas a las que invitarla." in page
    response = client.post(url, {"cohort": pworld.cohort.public_id}, follow=True)
    assert "La empresa ya está en esta promoción." in response.content.decode()
    assert Enrolment.objects.filter(firm=firm_d).count() == 1


def test_the_staff_card_takes_the_same_queries_for_one_or_many_programmes(client, pworld, firm_d):
    client_for(client, pworld, "programme_ec")
    url = reverse("firms:detail", args=[firm_d.public_id])
    few, response = queries_for(client, url)
    assert response.status_code == 200 and "Invitar a la promoción" in response.content.decode()
    ministry = pworld.programme.organisation
    for n in range(3):
        make_cohort(make_programme(ministry, name=f"Programa {n}"), name=f"P{n}")
    many, response = queries_for(client, url)
    assert response.content.decode().count("Invitar a la promoción") == 4
    assert few == many
