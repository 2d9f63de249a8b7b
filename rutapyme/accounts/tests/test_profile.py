"""Mi cuenta: who I am, my role, two-factor state, password and language."""

import pytest
from django.conf import settings
from django.urls import reverse

from rutapyme.accounts.models import Organisation, User
from rutapyme.accounts.tests.factories import (
    OrganisationFactory,
    PartnerStaffFactory,
    TOTPDeviceFactory,
    UserFactory,
)
from rutapyme.accounts.tests.html import field_errors

pytestmark = pytest.mark.django_db

PROFILE = reverse("accounts:profile")


def test_profile_shows_name_email_role_organisation_and_links(client):
    organisation = OrganisationFactory(
        name="Cámara de Comercio de Quito", short_name="CCQ", kind=Organisation.Kind.CHAMBER
    )
    person = PartnerStaffFactory(
        full_name="Luis Andrade", email="luis@ccq.ec", organisation=organisation
    )
    client.force_login(person)
    response = client.get(PROFILE)
    assert response.status_code == 200
    html = response.content.decode()
    for text in [
        "<dd>Luis Andrade</dd>",
        "<dd>luis@ccq.ec</dd>",
        "<dd>Equipo de organización aliada</dd>",
        "<dd>CCQ</dd>",
        f'href="{reverse("accounts:password_change")}"',
        "Desactivada",
        '<option value="es" selected>',
    ]:
        assert text in html, text


def test_profile_shows_two_factor_on(client):
    device = TOTPDeviceFactory()
    client.force_login(device.user)
    assert "Activada" in client.get(PROFILE).content.decode()


def test_a_firm_member_without_organisation_sees_a_dash(client):
    client.force_login(UserFactory(role=User.Role.FIRM_MEMBER))
    html = client.get(PROFILE).content.decode()
    assert "<dd>Miembro de empresa</dd>" in html
    assert "<dd>—</dd>" in html


def test_profile_needs_sign_in(client):
    response = client.get(PROFILE)
    assert response["Location"] == f"{reverse('accounts:login')}?next={PROFILE}"


def test_choosing_a_language_saves_it_and_switches_the_interface(client):
    person = UserFactory(language="es")
    client.force_login(person)
    response = client.post(PROFILE, {"language": "pt-br"})
    assert response.status_code == 302
    assert response["Location"] == PROFILE
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "pt-br"
    person.refresh_from_db()
    assert person.language == "pt-br"
    assert client.get(PROFILE)["Content-Language"] == "pt-br"


def test_an_unknown_language_is_refused_next_to_the_field(client):
    person = UserFactory(language="es")
    client.force_login(person)
    response = client.post(PROFILE, {"language": "xx"})
    assert response.status_code == 200
    assert field_errors(response, "language") == [
        "Escoja una opción válida. xx no es una de las opciones disponibles."
    ]
    person.refresh_from_db()
    assert person.language == "es"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
