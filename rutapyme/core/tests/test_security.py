"""Security headers on every page, and templates that the Content-Security-Policy allows.

The walk below requests every URL of the project that takes no argument (new apps are
included automatically), signed out and signed in as a platform admin, and checks the
headers on whatever comes back: a page, a redirect, a 403 or a 405.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from rutapyme.accounts.tests.factories import AdminFactory
from rutapyme.firms.tests.factories import FirmFactory

pytestmark = pytest.mark.django_db

EXPECTED_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
}
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=()"


def simple_paths(patterns=None, prefix: str = "") -> list[str]:
    """Every route without converters; the admin's model pages are Django's and left out."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    paths = []
    for entry in patterns:
        route = str(entry.pattern)
        if "<" in route or "^" in route or "(" in route:
            continue
        if isinstance(entry, URLResolver):
            if route == "admin/":
                continue
            paths += simple_paths(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            paths.append("/" + prefix + route)
    return sorted(set(paths))


def parse_csp(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def assert_security_headers(response, path: str) -> None:
    where = f"{path} ({response.status_code})"
    assert parse_csp(response["Content-Security-Policy"]) == EXPECTED_CSP, where
    assert response["X-Frame-Options"] == "DENY", where
    assert response["X-Content-Type-Options"] == "nosniff", where
    assert response["Referrer-Policy"] == "same-origin", where
    assert response["Cross-Origin-Opener-Policy"] == "same-origin", where
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY, where


def test_the_walk_covers_the_main_pages():
    paths = simple_paths()
    for name in ["core:home", "accounts:login", "accounts:profile", "accounts:two_factor",
                 "firms:register", "firms:list", "firms:export_csv"]:  # fmt: skip
        assert reverse(name) in paths, name
    assert "/api/v1/firms/" in paths


def test_every_page_sends_the_security_headers_signed_out(client):
    for path in simple_paths():
        assert_security_headers(client.get(path), path)


def test_every_page_sends_the_security_headers_signed_in(client):
    client.force_login(AdminFactory())
    FirmFactory()
    for path in simple_paths() + [reverse("admin:index")]:
        assert_security_headers(client.get(path), path)


def test_pages_with_arguments_errors_and_posts_send_them_too(client):
    firm = FirmFactory()
    client.force_login(AdminFactory())
    for response, label in [
        (client.get(reverse("firms:detail", args=[firm.public_id])), "detail"),
        (client.get("/no-existe/"), "404"),
        (client.get(f"/api/v1/firms/{firm.public_id}"), "api detail"),
        (client.post(reverse("accounts:profile"), {"language": "xx"}), "form error"),
    ]:
        assert_security_headers(response, label)


def test_the_policy_forbids_inline_code():
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    for directive in ["script-src", "style-src", "default-src"]:
        assert "'unsafe-inline'" not in directives[directive]
        assert "'unsafe-eval'" not in directives[directive]


def test_no_template_has_inline_scripts_or_styles():
    """The policy would block them in the browser: a page would silently break."""
    root = Path(settings.BASE_DIR) / "rutapyme"
    offenders = []
    for template in root.glob("*/templates/**/*.html"):
        text = template.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text):
            offenders.append(f"{template}: inline <script>")
        if re.search(r"<style\b", text) or re.search(r"\sstyle=", text):
            offenders.append(f"{template}: inline style")
        if re.search(r"\son[a-z]+=", text):
            offenders.append(f"{template}: inline event handler")
    assert offenders == []


def test_session_and_csrf_cookies_are_http_only_where_they_must_be():
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.X_FRAME_OPTIONS == "DENY"
    assert settings.SECURE_CONTENT_TYPE_NOSNIFF is True
