"""Password reset by email (and its throttle), and changing the password in Mi cuenta."""

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.urls import reverse

from rutapyme.accounts import throttle
from rutapyme.accounts.models import User
from rutapyme.accounts.services import user_create
from rutapyme.accounts.tests.factories import PASSWORD, UserFactory
from rutapyme.accounts.tests.html import field_errors, form_values, non_field_errors

pytestmark = pytest.mark.django_db

RESET_URL = reverse("accounts:password_reset")
NEW_PASSWORD = "tejidos-de-otavalo-77"


def request_reset(client, email, *, ip="198.51.100.20"):
    return client.post(RESET_URL, {"email": email}, REMOTE_ADDR=ip)


def link_in(message) -> str:
    return re.search(r"http://testserver(/cuenta/clave/nueva/\S+/)", message.body).group(1)


def test_reset_sends_one_email_whose_link_sets_a_new_password(client):
    user = UserFactory(email="ana@example.ec", full_name="Ana Pérez")
    response = request_reset(client, "ANA@example.ec")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ana@example.ec"]
    assert message.subject == "Ruta Pyme: cree su contraseña nueva"
    assert "Hola Ana Pérez:" in message.body

    form_page = client.get(link_in(message), follow=True)
    assert form_page.status_code == 200
    assert form_page.context["validlink"] is True
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    # The link is single-use.
    again = client.get(link_in(message), follow=True)
    assert again.context["validlink"] is False


def test_reset_for_an_unknown_email_sends_nothing_but_looks_the_same(client):
    response = request_reset(client, "nadie@example.ec")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert mail.outbox == []


def test_reset_for_an_inactive_account_sends_nothing(client):
    UserFactory(email="ana@example.ec", is_active=False)
    request_reset(client, "ana@example.ec")
    assert mail.outbox == []


def test_a_staff_account_created_without_password_gets_the_link(client):
    user_create(
        email="ana@produccion.gob.ec", full_name="Ana Pérez", role=User.Role.PROGRAMME_STAFF
    )
    request_reset(client, "ana@produccion.gob.ec")
    assert [m.to for m in mail.outbox] == [["ana@produccion.gob.ec"]]


def test_bad_email_is_explained_next_to_the_field(client):
    response = request_reset(client, "no-es-correo")
    assert response.status_code == 200
    assert field_errors(response, "email") == [
        "Introduzca una dirección de correo electrónico válida."
    ]
    assert form_values(response)["email"] == "no-es-correo"
    assert mail.outbox == []


def test_reset_requests_are_throttled_per_email(client, settings):
    settings.PASSWORD_RESET_LIMIT = 2
    UserFactory(email="ana@example.ec")
    request_reset(client, "ana@example.ec", ip="198.51.100.21")
    request_reset(client, "ana@example.ec", ip="198.51.100.22")
    response = request_reset(client, "Ana@example.ec", ip="198.51.100.23")
    assert response.status_code == 200
    assert field_errors(response, "email") == [
        "Ya pidió varios enlaces. Espere 60 minutos antes de pedir otro y revise su correo, "
        "también la carpeta de correo no deseado."
    ]
    assert form_values(response)["email"] == "Ana@example.ec"
    assert len(mail.outbox) == 2


def test_reset_requests_are_throttled_per_address_whatever_the_email(client, settings):
    settings.PASSWORD_RESET_IP_LIMIT = 3
    for n in range(3):
        request_reset(client, f"persona{n}@example.ec", ip="203.0.113.30")
    UserFactory(email="ana@example.ec")
    response = request_reset(client, "ana@example.ec", ip="203.0.113.30")
    assert response.status_code == 200
    assert field_errors(response, "email")[0].startswith("Ya pidió varios enlaces.")
    assert mail.outbox == []


def test_a_completed_reset_lifts_the_sign_in_block(client, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    UserFactory(email="ana@example.ec")
    for _attempt in range(2):
        throttle.login_failed(email="ana@example.ec", ip="203.0.113.40")
    assert throttle.login_wait_minutes(email="ana@example.ec", ip="") == 15

    request_reset(client, "ana@example.ec")
    form_page = client.get(link_in(mail.outbox[0]), follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert throttle.login_wait_minutes(email="ana@example.ec", ip="") == 0
    response = client.post(
        reverse("accounts:login"),
        {"username": "ana@example.ec", "password": NEW_PASSWORD},
        REMOTE_ADDR="198.51.100.41",
    )
    assert response.status_code == 302


def test_weak_new_password_is_refused_with_django_messages_in_spanish(client):
    user = UserFactory(email="ana@example.ec")
    request_reset(client, "ana@example.ec")
    form_page = client.get(link_in(mail.outbox[0]), follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": "12345678", "new_password2": "12345678"}
    )
    assert response.status_code == 200
    assert field_errors(response, "new_password2") == [
        "Esta contraseña es demasiado común.",
        "Esta contraseña es completamente numérica.",
    ]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


# --- Changing the password while signed in ----------------------------------------------------


def test_password_change_needs_sign_in(client):
    response = client.get(reverse("accounts:password_change"))
    assert response.status_code == 302
    assert response["Location"] == "/cuenta/ingresar/?next=/cuenta/clave/cambiar/"


def test_password_change_keeps_the_session_and_returns_to_the_profile(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:profile")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert client.session[SESSION_KEY] == str(user.pk)
    page = client.get(reverse("accounts:profile"))
    assert "Contraseña cambiada." in page.content.decode()


def test_password_change_with_a_wrong_old_password_changes_nothing(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "no-es", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert field_errors(response, "old_password") == [
        "Su contraseña antigua es incorrecta. Por favor, vuelva a introducirla. "
    ]
    assert non_field_errors(response) == []
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
