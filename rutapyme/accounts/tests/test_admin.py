"""The Django admin: one sign-in (ours), and the two-factor token for those who have it."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY

from rutapyme.accounts.models import User
from rutapyme.accounts.tests.factories import (
    PASSWORD,
    AdminFactory,
    OrganisationFactory,
    ProgrammeStaffFactory,
    TOTPDeviceFactory,
    totp_token,
)

pytestmark = pytest.mark.django_db

ADMIN = reverse("admin:index")
ADMIN_LOGIN = reverse("admin:login")
LOGIN = reverse("accounts:login")
TOKEN = reverse("accounts:login_token")


def test_anonymous_visitors_are_sent_to_our_sign_in(client):
    response = client.get(ADMIN)
    assert response.status_code == 302
    assert response["Location"] == f"{ADMIN_LOGIN}?next={ADMIN}"
    response = client.get(response["Location"])
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={ADMIN}"


def test_the_admin_login_form_cannot_be_used_to_sign_in(client):
    AdminFactory(email="root@example.ec")
    response = client.post(ADMIN_LOGIN, {"username": "root@example.ec", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={ADMIN}"
    assert SESSION_KEY not in client.session


def test_admin_without_two_factor_enters_when_it_is_not_required(client, settings):
    settings.ADMIN_REQUIRE_TWO_FACTOR = False
    client.force_login(AdminFactory())
    assert client.get(ADMIN).status_code == 200


def test_admin_without_two_factor_is_sent_to_turn_it_on_when_required(client, settings):
    settings.ADMIN_REQUIRE_TWO_FACTOR = True
    client.force_login(AdminFactory())
    response = client.get(ADMIN, follow=True)
    assert response.redirect_chain[-1] == (reverse("accounts:two_factor"), 302)
    assert (
        "Para entrar en la administración, active antes la verificación en dos pasos."
        in response.content.decode()
    )


def test_a_session_without_the_token_is_asked_for_it_before_the_admin(client, settings):
    settings.ADMIN_REQUIRE_TWO_FACTOR = False
    device = TOTPDeviceFactory(user=AdminFactory())
    client.force_login(device.user)  # e.g. signed in before turning two-factor on
    response = client.get(ADMIN, follow=True)
    assert response.redirect_chain[-1] == (f"{TOKEN}?next={ADMIN}", 302)
    assert response.status_code == 200

    response = client.post(f"{TOKEN}?next={ADMIN}", {"token": totp_token(device), "next": ADMIN})
    assert response.status_code == 302
    assert response["Location"] == ADMIN
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get(ADMIN).status_code == 200


def test_signing_in_with_the_token_opens_the_admin(client, settings):
    settings.ADMIN_REQUIRE_TWO_FACTOR = True
    device = TOTPDeviceFactory(user=AdminFactory(email="root@example.ec"))
    client.post(LOGIN, {"username": "root@example.ec", "password": PASSWORD, "next": ADMIN})
    response = client.post(TOKEN, {"token": totp_token(device)})
    assert response["Location"] == ADMIN
    assert client.get(ADMIN).status_code == 200


def test_people_who_are_not_staff_get_403(client):
    client.force_login(ProgrammeStaffFactory())
    assert client.get(ADMIN_LOGIN).status_code == 403
    response = client.get(ADMIN)
    assert response.status_code == 302
    assert response["Location"] == f"{ADMIN_LOGIN}?next={ADMIN}"


def test_the_token_step_for_a_verified_session_just_moves_on(client):
    device = TOTPDeviceFactory(user=AdminFactory())
    client.force_login(device.user)
    client.post(TOKEN, {"token": totp_token(device)})
    response = client.get(f"{TOKEN}?next={ADMIN}")
    assert response["Location"] == ADMIN
    response = client.get(f"{TOKEN}?next=https://evil.example/")
    assert response["Location"] == reverse("core:home")


# --- People in the admin ----------------------------------------------------------------------


def add_person(client, **fields):
    data = {
        "email": "luis@ccq.ec",
        "full_name": "Luis Andrade",
        "role": "partner_staff",
        "password1": "tejidos-otavalo-2026",
        "password2": "tejidos-otavalo-2026",
        "usable_password": "true",
        **fields,
    }
    return client.post(reverse("admin:accounts_user_add"), data)


def test_admin_adds_partner_staff_with_their_organisation(client):
    client.force_login(AdminFactory())
    chamber = OrganisationFactory()
    response = add_person(client, organisation=chamber.pk)
    assert response.status_code == 302
    person = User.objects.get(email="luis@ccq.ec")
    assert (person.role, person.organisation) == ("partner_staff", chamber)
    assert person.check_password("tejidos-otavalo-2026")


def test_admin_is_told_partner_staff_need_an_organisation(client):
    client.force_login(AdminFactory())
    response = add_person(client)
    assert response.status_code == 200
    assert "El equipo de una organización aliada necesita su organización." in (
        response.content.decode()
    )
    assert not User.objects.filter(email="luis@ccq.ec").exists()
