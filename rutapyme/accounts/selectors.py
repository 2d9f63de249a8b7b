"""Reads about accounts that the pages need."""

from dataclasses import dataclass

from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice


@dataclass(frozen=True)
class TwoFactorStatus:
    enabled: bool
    backup_codes_left: int


def two_factor_enabled(*, user) -> bool:
    """Signing in asks for a token: the person has a confirmed device."""
    return user_has_device(user)


def two_factor_status(*, user) -> TwoFactorStatus:
    enabled = TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()
    codes = (
        StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
        if enabled
        else 0
    )
    return TwoFactorStatus(enabled=enabled, backup_codes_left=codes)


def pending_totp_device(*, user) -> TOTPDevice | None:
    """The authenticator the person started to set up and has not confirmed yet."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=False).order_by("-id").first()
