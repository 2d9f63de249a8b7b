"""Who may do what with accounts: the one place these rules live.

Which firms a person sees is decided in `rutapyme/firms/permissions.py`.
"""

from django.conf import settings
from django_otp import user_has_device


def can_use_two_factor(user) -> bool:
    """Staff roles and admins may turn two-factor authentication on; firm members do not see it.

    Someone who turned it on and later became a firm member keeps the page, to turn it off.
    """
    if not (user.is_authenticated and user.is_active):
        return False
    return user.may_use_two_factor or user_has_device(user)


def is_otp_verified(user) -> bool:
    """The session was opened (or confirmed) with a token of one of the user's devices."""
    is_verified = getattr(user, "is_verified", None)  # installed by django-otp's middleware
    return bool(is_verified and is_verified())


def needs_two_factor_token(user) -> bool:
    """Signed in, with two-factor turned on, but this session has not given a token yet."""
    return user.is_authenticated and not is_otp_verified(user) and user_has_device(user)


def can_enter_admin(user) -> bool:
    """Django's own rule (active staff) is checked by the admin site; this adds the token."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    if is_otp_verified(user):
        return True
    if settings.ADMIN_REQUIRE_TWO_FACTOR:
        return False
    return not user_has_device(user)
