"""Every write to accounts goes through these functions: people, roles, two-factor devices."""

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django_otp import verify_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import Organisation, User

BACKUP_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Aplicación de autenticación"
BACKUP_DEVICE_NAME = "Códigos de respaldo"


def _role_errors(role: str, organisation: Organisation | None) -> dict[str, str]:
    if role not in User.Role.values:
        return {"role": _("Rol desconocido: «%(role)s».") % {"role": role}}
    if role == User.Role.PARTNER_STAFF and organisation is None:
        return {"organisation": _("El equipo de una organización aliada necesita su organización.")}
    return {}


def _admin_flags(role: str) -> dict[str, bool]:
    """Platform admins enter the Django admin with every permission; content editors enter it
    to edit courses (the learning admin checks the role, not model permissions); other roles
    do not."""
    is_admin = role == User.Role.ADMIN
    return {"is_staff": is_admin or role == User.Role.EDITOR, "is_superuser": is_admin}


@transaction.atomic
def user_create(
    *,
    email: str,
    full_name: str,
    role: str,
    organisation: Organisation | None = None,
    password: str | None = None,
) -> User:
    """A person with a role. Without a password they create one with "¿Olvidó su contraseña?"."""
    email = User.objects.normalize_email((email or "").strip()).lower()
    full_name = (full_name or "").strip()
    errors = {}
    if not email:
        errors["email"] = _("Falta el correo electrónico.")
    elif User.objects.filter(email__iexact=email).exists():
        errors["email"] = _("Ya existe una cuenta con este correo.")
    if not full_name:
        errors["full_name"] = _("Falta el nombre.")
    errors |= _role_errors(role, organisation)
    if errors:
        raise ValidationError(errors)
    user = User(
        email=email,
        full_name=full_name,
        role=role,
        organisation=organisation,
        **_admin_flags(role),
    )
    if password is None:
        user.set_unusable_password()
    else:
        try:
            password_validation.validate_password(password, user)
        except ValidationError as error:
            raise ValidationError({"password": error.messages}) from error
        user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # the same email, created a moment ago
        raise ValidationError({"email": _("Ya existe una cuenta con este correo.")}) from exc
    return user


def user_set_role(*, user: User, role: str, organisation: Organisation | None = None) -> User:
    """Give a person another role (and the organisation the role works for).

    Becoming a platform admin grants the Django admin; leaving that role takes it away.
    """
    errors = _role_errors(role, organisation)
    if errors:
        raise ValidationError(errors)
    fields = {"role": role, "organisation": organisation}
    if role == User.Role.ADMIN or user.role == User.Role.ADMIN:
        fields |= _admin_flags(role)
    for name, value in fields.items():
        setattr(user, name, value)
    user.save(update_fields=list(fields))
    return user


def user_set_language(*, user: User, language: str) -> User:
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Idioma no disponible.")})
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return user


# --- Two-factor authentication (django-otp) ---------------------------------------------------


def two_factor_start(*, user: User) -> TOTPDevice:
    """A new, unconfirmed authenticator for the person to scan; replaces an unfinished one."""
    if TOTPDevice.objects.devices_for_user(user, confirmed=True).exists():
        raise ValidationError(_("La verificación en dos pasos ya está activada."))
    TOTPDevice.objects.devices_for_user(user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)


@transaction.atomic
def two_factor_confirm(*, device: TOTPDevice, token: str) -> list[str] | None:
    """Turn two-factor on once the person types a token from their app.

    Returns the new backup codes (to show once), or None when the token is wrong.
    """
    if device.confirmed or not device.verify_token(token):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return backup_codes_replace(user=device.user)


@transaction.atomic
def backup_codes_replace(*, user: User) -> list[str]:
    """New single-use backup codes; the previous ones stop working."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def normalise_token(raw: str) -> str:
    return "".join(ch for ch in str(raw or "") if ch.isalnum()).lower()


def two_factor_verify(*, user: User, token: str):
    """The confirmed device that accepts this token (a backup code is used up), or None.

    Six digits are checked against the authenticator app, anything else against the backup
    codes, so a mistyped code does not count against the other device's throttling.
    """
    token = normalise_token(token)
    if not token:
        return None
    model = TOTPDevice if token.isdigit() and len(token) == 6 else StaticDevice
    for device in model.objects.devices_for_user(user, confirmed=True):
        verified = verify_token(user, device.persistent_id, token)
        if verified is not None:
            return verified
    return None


@transaction.atomic
def two_factor_disable(*, user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
