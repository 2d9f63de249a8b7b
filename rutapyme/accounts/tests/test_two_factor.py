"""Two-factor authentication: turning it on and off in Mi cuenta, and signing in with it."""

import base64
import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from rutapyme.accounts.models import User
from rutapyme.accounts.tests.factories import (
    PASSWORD,
    AdminFactory,
    ConsultantFactory,
    EditorFactory,
    PartnerStaffFactory,
    ProgrammeStaffFactory,
    TOTPDeviceFactory,
    UserFactory,
    backup_codes_for,
    totp_token,
)
from rutapyme.accounts.tests.html import field_errors, form_values, non_field_errors

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("accounts:login")
TOKEN_URL = reverse("accounts:login_token")
SETUP_URL = reverse("accounts:two_factor")
WRONG_TOKEN = (
    "El código no es correcto. Escriba el que muestra ahora la aplicación (revise que la hora "
    "del teléfono esté al día) o un código de respaldo."
)


@pytest.fixture
def no_device_backoff(settings):
    """django-otp also makes each device wait 1 s, 2 s, 4 s… after a wrong code. That is time,
    which tests do not measure: tests that type a wrong code and then a right one turn it off."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def password_step(client, email, password=PASSWORD, *, ip="198.51.100.50", **extra):
    return client.post(
        LOGIN_URL, {"username": email, "password": password, **extra}, REMOTE_ADDR=ip
    )


def token_step(client, token, *, ip="198.51.100.50", url=TOKEN_URL):
    return client.post(url, {"token": token}, REMOTE_ADDR=ip)


def signed_in(client):
    return client.session.get(SESSION_KEY)


# --- Who sees the option ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "factory", [ProgrammeStaffFactory, PartnerStaffFactory, ConsultantFactory, EditorFactory,
                AdminFactory],
)  # fmt: skip
def test_staff_roles_see_two_factor_in_their_profile(client, factory):
    client.force_login(factory())
    profile = client.get(reverse("accounts:profile")).content.decode()
    assert f'href="{SETUP_URL}"' in profile
    assert client.get(SETUP_URL).status_code == 200


def test_firm_members_neither_see_nor_reach_two_factor(client):
    member = UserFactory(role=User.Role.FIRM_MEMBER)
    client.force_login(member)
    profile = client.get(reverse("accounts:profile")).content.decode()
    assert SETUP_URL not in profile
    assert "Verificación en dos pasos" not in profile
    assert client.get(SETUP_URL).status_code == 403
    assert client.post(reverse("accounts:two_factor_start")).status_code == 403
    assert client.get(reverse("accounts:two_factor_confirm")).status_code == 403
    assert TOTPDevice.objects.count() == 0


def test_anonymous_people_are_sent_to_sign_in(client):
    response = client.get(SETUP_URL)
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next={SETUP_URL}"


# --- Turning it on ----------------------------------------------------------------------------


def test_enrolment_shows_a_qr_code_and_the_secret_then_confirms_with_a_token(client):
    staff = ProgrammeStaffFactory(email="ana@produccion.gob.ec")
    client.force_login(staff)

    start = client.post(reverse("accounts:two_factor_start"))
    assert start.status_code == 302
    assert start["Location"] == reverse("accounts:two_factor_confirm")
    device = TOTPDevice.objects.get(user=staff)
    assert device.confirmed is False

    page = client.get(reverse("accounts:two_factor_confirm"))
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    html = page.content.decode()
    assert re.search(r'<img src="data:image/svg\+xml;charset=utf-8,[^"]+" width="\d+"', html)
    secret = base64.b32encode(device.bin_key).decode()
    shown = re.search(r"<code>([A-Z2-7 ]+)</code>", html).group(1)
    assert shown.replace(" ", "") == secret
    assert "<script" not in html.split("<main", 1)[1]
    assert "style=" not in html

    response = client.post(reverse("accounts:two_factor_confirm"), {"token": totp_token(device)})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    device.refresh_from_db()
    assert device.confirmed is True
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", response.content.decode())
    assert len(codes) == 10
    assert sorted(codes) == sorted(
        StaticToken.objects.filter(device__user=staff).values_list("token", flat=True)
    )
    # This session has just proven the device.
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    # The codes are shown once: the status page only counts them.
    status = client.get(SETUP_URL).content.decode()
    assert "Le quedan 10 códigos de respaldo." in status
    assert codes[0] not in status


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Escriba el código de 6 números que muestra la aplicación."),
        ("12345", "El código tiene 6 números; escríbalo tal como aparece en la aplicación."),
        ("abcdef", "El código tiene 6 números; escríbalo tal como aparece en la aplicación."),
    ],
)
def test_enrolment_explains_a_malformed_token(client, typed, message):
    staff = ProgrammeStaffFactory()
    client.force_login(staff)
    client.post(reverse("accounts:two_factor_start"))
    response = client.post(reverse("accounts:two_factor_confirm"), {"token": typed})
    assert response.status_code == 200
    assert field_errors(response, "token") == [message]
    assert TOTPDevice.objects.get(user=staff).confirmed is False
    assert StaticDevice.objects.count() == 0


def test_enrolment_with_a_wrong_token_keeps_it_off(client):
    staff = ProgrammeStaffFactory()
    client.force_login(staff)
    client.post(reverse("accounts:two_factor_start"))
    device = TOTPDevice.objects.get(user=staff)
    wrong = f"{(int(totp_token(device)) + 1) % 1000000:06d}"
    response = client.post(reverse("accounts:two_factor_confirm"), {"token": wrong})
    assert field_errors(response, "token") == [WRONG_TOKEN]
    assert form_values(response)["token"] == wrong
    device.refresh_from_db()
    assert device.confirmed is False
    assert StaticDevice.objects.count() == 0
    assert DEVICE_ID_SESSION_KEY not in client.session


def test_starting_again_replaces_an_unfinished_setup(client):
    staff = ProgrammeStaffFactory()
    client.force_login(staff)
    client.post(reverse("accounts:two_factor_start"))
    first = TOTPDevice.objects.get(user=staff)
    client.post(reverse("accounts:two_factor_start"))
    assert list(TOTPDevice.objects.filter(user=staff)) != [first]
    assert TOTPDevice.objects.filter(user=staff).count() == 1


def test_starting_when_already_on_changes_nothing(client):
    device = TOTPDeviceFactory()
    client.force_login(device.user)
    response = client.post(reverse("accounts:two_factor_start"))
    assert response["Location"] == SETUP_URL
    assert list(TOTPDevice.objects.all()) == [device]
    assert client.get(reverse("accounts:two_factor_confirm"))["Location"] == SETUP_URL


# --- Signing in with it -----------------------------------------------------------------------


def test_sign_in_asks_for_the_token_before_signing_in(client):
    device = TOTPDeviceFactory(user__email="ana@produccion.gob.ec")
    response = password_step(client, "ana@produccion.gob.ec", next="/empresas/")
    assert response.status_code == 302
    assert response["Location"] == TOKEN_URL
    assert signed_in(client) is None
    assert client.get(reverse("accounts:profile")).status_code == 302  # still anonymous

    page = client.get(TOKEN_URL)
    assert page.status_code == 200
    assert 'name="token"' in page.content.decode()

    response = token_step(client, totp_token(device))
    assert response.status_code == 302
    assert response["Location"] == "/empresas/"
    assert signed_in(client) == str(device.user.pk)
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id


def test_a_wrong_token_is_explained_and_does_not_sign_in(client, no_device_backoff):
    device = TOTPDeviceFactory(user__email="ana@produccion.gob.ec")
    password_step(client, "ana@produccion.gob.ec")
    wrong = f"{(int(totp_token(device)) + 1) % 1000000:06d}"
    response = token_step(client, wrong)
    assert response.status_code == 200
    assert field_errors(response, "token") == [WRONG_TOKEN]
    assert signed_in(client) is None
    # The right one still works afterwards.
    assert token_step(client, totp_token(device)).status_code == 302
    assert signed_in(client) == str(device.user.pk)


def test_the_token_step_without_a_password_step_goes_back_to_sign_in(client):
    response = client.get(TOKEN_URL)
    assert response.status_code == 302
    assert response["Location"] == LOGIN_URL
    response = token_step(client, "123456")
    assert response["Location"] == LOGIN_URL
    assert signed_in(client) is None


def test_an_old_password_step_expires(client):
    device = TOTPDeviceFactory(user__email="ana@produccion.gob.ec")
    password_step(client, "ana@produccion.gob.ec")
    session = client.session
    session["accounts_pending_login"]["started"] -= 11 * 60
    session.save()
    response = token_step(client, totp_token(device))
    assert response["Location"] == LOGIN_URL
    assert signed_in(client) is None


def test_a_backup_code_signs_in_once(client, no_device_backoff):
    device = TOTPDeviceFactory(user__email="ana@produccion.gob.ec")
    backup_codes_for(device.user, ["abcd2345", "efgh6723"])

    password_step(client, "ana@produccion.gob.ec")
    response = token_step(client, "ABCD 2345")
    assert response.status_code == 302
    assert signed_in(client) == str(device.user.pk)
    assert list(StaticToken.objects.values_list("token", flat=True)) == ["efgh6723"]
    assert (
        "Usó un código de respaldo. Le queda 1."
        in client.get(reverse("accounts:profile")).content.decode()
    )

    client.post(reverse("accounts:logout"))
    password_step(client, "ana@produccion.gob.ec")
    response = token_step(client, "abcd2345")
    assert field_errors(response, "token") == [WRONG_TOKEN]
    assert signed_in(client) is None


def test_the_token_step_is_throttled_like_the_password(client, settings, no_device_backoff):
    settings.LOGIN_FAILURE_LIMIT = 3
    device = TOTPDeviceFactory(user__email="ana@produccion.gob.ec")
    password_step(client, "ana@produccion.gob.ec")
    for _attempt in range(3):
        assert field_errors(token_step(client, "000000"), "token") == [WRONG_TOKEN]
    response = token_step(client, totp_token(device))
    assert response.status_code == 200
    assert non_field_errors(response) == [
        "Demasiados intentos fallidos. Espere 15 minutos o recupere su contraseña."
    ]
    assert signed_in(client) is None
    device.refresh_from_db()
    assert device.last_t == -1  # the right code was not even checked


def test_staff_without_two_factor_sign_in_with_the_password_alone(client):
    staff = ProgrammeStaffFactory(email="ana@produccion.gob.ec")
    response = password_step(client, "ana@produccion.gob.ec")
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    assert signed_in(client) == str(staff.pk)


# --- Turning it off, new backup codes ---------------------------------------------------------


def test_turning_off_needs_a_current_token(client, no_device_backoff):
    device = TOTPDeviceFactory()
    backup_codes_for(device.user, ["abcd2345"])
    client.force_login(device.user)

    response = client.post(reverse("accounts:two_factor_disable"), {"disable-token": "000000"})
    assert response.status_code == 200
    assert field_errors(response, "token", prefix="disable") == [WRONG_TOKEN]
    assert TOTPDevice.objects.filter(user=device.user).count() == 1
    assert StaticDevice.objects.filter(user=device.user).count() == 1

    response = client.post(reverse("accounts:two_factor_disable"), {"disable-token": ""})
    assert field_errors(response, "token", prefix="disable") == ["Escriba el código."]

    response = client.post(
        reverse("accounts:two_factor_disable"), {"disable-token": totp_token(device)}
    )
    assert response.status_code == 302
    assert response["Location"] == SETUP_URL
    assert TOTPDevice.objects.filter(user=device.user).count() == 0
    assert StaticDevice.objects.filter(user=device.user).count() == 0
    # Signing in asks for the password only again.
    client.post(reverse("accounts:logout"))
    response = password_step(client, device.user.email)
    assert response["Location"] == reverse("core:home")


def test_new_backup_codes_replace_the_old_ones(client):
    device = TOTPDeviceFactory()
    backup_codes_for(device.user, ["abcd2345"])
    client.force_login(device.user)
    response = client.post(reverse("accounts:two_factor_codes"), {"codes-token": "12"})
    assert field_errors(response, "token", prefix="codes") == [
        "El código tiene 6 números; escríbalo tal como aparece en la aplicación."
    ]
    assert list(StaticToken.objects.values_list("token", flat=True)) == ["abcd2345"]

    response = client.post(
        reverse("accounts:two_factor_codes"), {"codes-token": totp_token(device)}
    )
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", response.content.decode())
    assert len(codes) == 10
    assert sorted(StaticToken.objects.values_list("token", flat=True)) == sorted(codes)


def test_enrol_then_sign_in_again_with_the_next_code(client):
    staff = ProgrammeStaffFactory(email="ana@produccion.gob.ec")
    client.force_login(staff)
    client.post(reverse("accounts:two_factor_start"))
    device = TOTPDevice.objects.get(user=staff)
    client.post(reverse("accounts:two_factor_confirm"), {"token": totp_token(device)})
    client.post(reverse("accounts:logout"))

    assert password_step(client, "ana@produccion.gob.ec")["Location"] == TOKEN_URL
    # The code just used for enrolment is spent; the app's next code is accepted.
    assert token_step(client, totp_token(device, steps_ahead=1)).status_code == 302
    assert signed_in(client) == str(staff.pk)


def test_a_firm_member_who_had_two_factor_as_staff_can_still_turn_it_off(client):
    device = TOTPDeviceFactory(user=UserFactory(role=User.Role.FIRM_MEMBER))
    client.force_login(device.user)
    assert client.get(SETUP_URL).status_code == 200
