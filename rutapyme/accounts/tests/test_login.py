"""Signing in by email, the failed-login throttle, signing out."""

from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from rutapyme.accounts import throttle
from rutapyme.accounts.tests.factories import PASSWORD, UserFactory
from rutapyme.accounts.tests.html import field_errors, form_values, non_field_errors

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("accounts:login")
WRONG = "Correo o contraseña incorrectos. Revise e intente de nuevo."
REFUSED_15 = "Demasiados intentos fallidos. Espere 15 minutos o recupere su contraseña."


def post_login(client, email, password, *, ip="198.51.100.7", **extra):
    # Each test signs in from its own address, so no test trips another's IP counter.
    return client.post(
        LOGIN_URL, {"username": email, "password": password, **extra}, REMOTE_ADDR=ip
    )


def signed_in_user_id(client):
    return client.session.get(SESSION_KEY)


def test_login_page_renders(client):
    response = client.get(LOGIN_URL)
    assert response.status_code == 200
    values = form_values(response)
    assert (values["username"], values["password"]) == (None, None)


def test_login_by_email_is_case_insensitive(client):
    user = UserFactory(email="ana@example.ec")
    response = post_login(client, "  ANA@Example.EC ", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    assert signed_in_user_id(client) == str(user.pk)


def test_login_goes_to_a_safe_next_page_only(client):
    UserFactory(email="ana@example.ec")
    response = post_login(client, "ana@example.ec", PASSWORD, next="/empresas/inicio/")
    assert response["Location"] == "/empresas/inicio/"
    client.logout()
    response = post_login(client, "ana@example.ec", PASSWORD, next="https://evil.example/")
    assert response["Location"] == reverse("core:home")


def test_wrong_password_says_so_in_spanish_and_keeps_the_email(client):
    UserFactory(email="ana@example.ec")
    response = post_login(client, "ana@example.ec", "otra-clave")
    assert response.status_code == 200
    assert non_field_errors(response) == [WRONG]
    assert form_values(response)["username"] == "ana@example.ec"
    assert form_values(response)["password"] is None  # never sent back
    assert signed_in_user_id(client) is None


def test_unknown_email_gets_the_same_message(client):
    response = post_login(client, "nadie@example.ec", PASSWORD)
    assert non_field_errors(response) == [WRONG]


def test_inactive_account_cannot_sign_in(client):
    UserFactory(email="ana@example.ec", is_active=False)
    response = post_login(client, "ana@example.ec", PASSWORD)
    assert non_field_errors(response) == [WRONG]
    assert signed_in_user_id(client) is None


@pytest.mark.parametrize(
    ("data", "field_message"),
    [
        ({"username": "", "password": PASSWORD}, ("username", "Este campo es obligatorio.")),
        (
            {"username": "ana@example.ec", "password": ""},
            ("password", "Este campo es obligatorio."),
        ),
        (
            {"username": "no-es-un-correo", "password": PASSWORD},
            ("username", "Introduzca una dirección de correo electrónico válida."),
        ),
    ],
)
def test_bad_input_is_explained_next_to_the_field_and_not_counted(client, data, field_message):
    UserFactory(email="ana@example.ec")
    response = client.post(LOGIN_URL, data, REMOTE_ADDR="198.51.100.8")
    assert response.status_code == 200
    field, message = field_message
    assert field_errors(response, field) == [message]
    assert throttle.login_wait_minutes(email="ana@example.ec", ip="198.51.100.8") == 0
    assert signed_in_user_id(client) is None


def test_after_the_limit_even_the_right_password_is_refused_without_checking_it(client, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    user = UserFactory(email="ana@example.ec")
    for _attempt in range(3):
        assert non_field_errors(post_login(client, "ana@example.ec", "mala")) == [WRONG]

    with mock.patch("django.contrib.auth.forms.authenticate") as authenticate:
        response = post_login(client, "ANA@example.ec", PASSWORD)
    authenticate.assert_not_called()
    assert response.status_code == 200
    assert non_field_errors(response) == [REFUSED_15]
    assert form_values(response)["username"] == "ANA@example.ec"
    assert signed_in_user_id(client) is None
    user.refresh_from_db()
    assert user.last_login is None


def test_the_email_limit_holds_from_any_address(client, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    UserFactory(email="ana@example.ec")
    post_login(client, "ana@example.ec", "mala", ip="198.51.100.1")
    post_login(client, "ana@example.ec", "mala", ip="198.51.100.2")
    response = post_login(client, "ana@example.ec", PASSWORD, ip="198.51.100.3")
    assert non_field_errors(response) == [REFUSED_15]
    assert signed_in_user_id(client) is None


def test_other_accounts_are_not_blocked_by_one_accounts_failures(client, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    UserFactory(email="ana@example.ec")
    other = UserFactory(email="luis@example.ec")
    post_login(client, "ana@example.ec", "mala", ip="198.51.100.1")
    post_login(client, "ana@example.ec", "mala", ip="198.51.100.1")
    response = post_login(client, "luis@example.ec", PASSWORD, ip="198.51.100.1")
    assert response.status_code == 302
    assert signed_in_user_id(client) == str(other.pk)


def test_one_address_trying_many_emails_hits_the_ip_limit(client, settings):
    settings.LOGIN_FAILURE_LIMIT = 5
    settings.LOGIN_FAILURE_IP_LIMIT = 4
    UserFactory(email="ana@example.ec")
    for n in range(4):
        response = post_login(client, f"intento{n}@example.ec", "mala", ip="203.0.113.9")
        assert non_field_errors(response) == [WRONG]
    refused = post_login(client, "ana@example.ec", PASSWORD, ip="203.0.113.9")
    assert non_field_errors(refused) == [REFUSED_15]
    assert signed_in_user_id(client) is None
    # The same person from another address is not affected.
    assert post_login(client, "ana@example.ec", PASSWORD, ip="203.0.113.10").status_code == 302


def test_a_success_clears_the_email_counter(client, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    UserFactory(email="ana@example.ec")
    post_login(client, "ana@example.ec", "mala")
    post_login(client, "ana@example.ec", "mala")
    assert post_login(client, "ana@example.ec", PASSWORD).status_code == 302
    client.logout()
    # Two more failures would have reached the limit had the counter not been cleared.
    post_login(client, "ana@example.ec", "mala")
    post_login(client, "ana@example.ec", "mala")
    response = post_login(client, "ana@example.ec", PASSWORD)
    assert response.status_code == 302


def test_the_refusal_says_one_minute_in_the_singular(settings):
    assert throttle.login_refused_message(1) == (
        "Demasiados intentos fallidos. Espere 1 minuto o recupere su contraseña."
    )


def test_the_counter_keys_never_hold_the_email():
    key = throttle._key(throttle.login_policy(), "email", "ana@example.ec")
    assert "ana" not in key
    assert key.startswith("throttle:login:email:")


def test_behind_the_proxy_the_client_is_the_last_forwarded_address(rf, settings):
    request = rf.get("/", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.5", REMOTE_ADDR="10.0.0.2")
    settings.BEHIND_PROXY = False
    assert throttle.client_ip(request) == "10.0.0.2"
    settings.BEHIND_PROXY = True
    assert throttle.client_ip(request) == "203.0.113.5"


def test_logout_is_post_only(client):
    user = UserFactory()
    client.force_login(user)
    response = client.get(reverse("accounts:logout"))
    assert response.status_code == 405
    assert signed_in_user_id(client) == str(user.pk)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse(settings.LOGOUT_REDIRECT_URL)
    assert signed_in_user_id(client) is None


def test_signing_in_applies_the_language_chosen_in_the_profile(client):
    UserFactory(email="ana@example.ec", language="pt-br")
    response = post_login(client, "ana@example.ec", PASSWORD)
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "pt-br"


def test_without_a_chosen_language_signing_in_keeps_the_programme_language(client, settings):
    settings.LANGUAGE_CODE = "pt-br"  # e.g. the deployment in Brazil
    UserFactory(email="ana@example.ec")
    response = post_login(client, "ana@example.ec", PASSWORD)
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert client.get(reverse("accounts:profile"))["Content-Language"] == "pt-br"
