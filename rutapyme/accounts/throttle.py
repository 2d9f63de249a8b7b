"""Throttling of failed sign-ins and of password-reset requests, in the shared cache.

Counters live in Django's cache (Redis in production, so every web process shares them;
local memory when embedded). Each counter is a fixed window opened by its first hit:
`cache.add` creates it atomically with the window as its expiry (SET NX on Redis) and
`cache.incr` adds to it atomically without touching the expiry (INCR).

Sign-in: failures are counted per normalised email and per client IP. Once an email has
`LOGIN_FAILURE_LIMIT` failures (or an IP `LOGIN_FAILURE_IP_LIMIT`, higher because offices and
mobile carriers put many people behind one address) in `LOGIN_FAILURE_WINDOW` seconds, further
attempts are refused without checking the password, so guessing gains nothing. A successful
sign-in, or a password reset, clears the email's counter; the IP's counter runs its course.
The two-factor token step counts against the same counters.

Password reset: every request is counted per email and per IP (`PASSWORD_RESET_LIMIT`,
`PASSWORD_RESET_IP_LIMIT` in `PASSWORD_RESET_WINDOW` seconds), whether or not the email
belongs to an account, so the refusal says nothing about who has one.

Keys hold a hash of the email, never the address itself.
"""

import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import ngettext


@dataclass(frozen=True)
class Policy:
    scope: str
    email_limit: int
    ip_limit: int
    window: int  # seconds


def login_policy() -> Policy:
    return Policy(
        "login",
        settings.LOGIN_FAILURE_LIMIT,
        settings.LOGIN_FAILURE_IP_LIMIT,
        settings.LOGIN_FAILURE_WINDOW,
    )


def password_reset_policy() -> Policy:
    return Policy(
        "reset",
        settings.PASSWORD_RESET_LIMIT,
        settings.PASSWORD_RESET_IP_LIMIT,
        settings.PASSWORD_RESET_WINDOW,
    )


def normalise_email(email: object) -> str:
    return str(email or "").strip().lower()


def client_ip(request) -> str:
    """The client's address; behind our proxy, the one the proxy appended to X-Forwarded-For.

    Only the last entry can be trusted: the ones before it are whatever the client sent.
    """
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.split(",")[-1].strip()
        if last:
            return last
    return request.META.get("REMOTE_ADDR", "")


def _key(policy: Policy, kind: str, value: str) -> str:
    digest = hashlib.sha256(value.encode()).hexdigest()[:40]
    return f"throttle:{policy.scope}:{kind}:{digest}"


def _keys(policy: Policy, email: str, ip: str) -> list[tuple[str, int]]:
    keys = []
    email = normalise_email(email)
    if email:
        keys.append((_key(policy, "email", email), policy.email_limit))
    if ip:
        keys.append((_key(policy, "ip", ip), policy.ip_limit))
    return keys


def _hit(key: str, window: int) -> None:
    # The ":until" companion remembers when the window closes, for the message.
    if cache.add(key, 0, window):
        cache.set(f"{key}:until", time.time() + window, window)
    try:
        cache.incr(key)
    except ValueError:  # the window closed between add() and incr()
        cache.add(key, 1, window)
        cache.set(f"{key}:until", time.time() + window, window)


def wait_minutes(policy: Policy, *, email: str, ip: str) -> int:
    """0 when an attempt may go ahead; otherwise the minutes until the window closes."""
    keys = _keys(policy, email, ip)
    counts = cache.get_many([key for key, _limit in keys])
    blocked = [key for key, limit in keys if counts.get(key, 0) >= limit]
    if not blocked:
        return 0
    untils = cache.get_many([f"{key}:until" for key in blocked])
    seconds = max(untils.values(), default=time.time() + policy.window) - time.time()
    return max(1, math.ceil(seconds / 60))


def record(policy: Policy, *, email: str, ip: str) -> None:
    for key, _limit in _keys(policy, email, ip):
        _hit(key, policy.window)


def clear_email(policy: Policy, *, email: str) -> None:
    key = _key(policy, "email", normalise_email(email))
    cache.delete_many([key, f"{key}:until"])


# The sign-in and password-reset vocabulary the views use.


def login_wait_minutes(*, email: str, ip: str) -> int:
    return wait_minutes(login_policy(), email=email, ip=ip)


def login_failed(*, email: str, ip: str) -> None:
    record(login_policy(), email=email, ip=ip)


def login_succeeded(*, email: str) -> None:
    clear_email(login_policy(), email=email)


def login_refused_message(minutes: int) -> str:
    return ngettext(
        "Demasiados intentos fallidos. Espere %(n)d minuto o recupere su contraseña.",
        "Demasiados intentos fallidos. Espere %(n)d minutos o recupere su contraseña.",
        minutes,
    ) % {"n": minutes}


def password_reset_wait_minutes(*, email: str, ip: str) -> int:
    return wait_minutes(password_reset_policy(), email=email, ip=ip)


def password_reset_requested(*, email: str, ip: str) -> None:
    record(password_reset_policy(), email=email, ip=ip)


def password_reset_refused_message(minutes: int) -> str:
    return ngettext(
        "Ya pidió varios enlaces. Espere %(n)d minuto antes de pedir otro y revise su correo, "
        "también la carpeta de correo no deseado.",
        "Ya pidió varios enlaces. Espere %(n)d minutos antes de pedir otro y revise su correo, "
        "también la carpeta de correo no deseado.",
        minutes,
    ) % {"n": minutes}
