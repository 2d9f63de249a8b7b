import logging

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


@require_GET
def home(request):
    """Public landing page; people who are signed in go to their own home."""
    if request.user.is_authenticated:
        return redirect("firms:dashboard")
    return render(request, "core/home.html")


@require_GET
def privacy(request):
    return render(request, "core/privacy.html")


@never_cache
@require_GET
def healthz(request):
    """Liveness and readiness for the proxy: the database and the cache must both answer."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception:  # noqa: BLE001 - any failure means "not ready"
        logger.exception("healthz: database check failed")
        checks["database"] = "error"
    try:
        cache.set("healthz", "1", 10)
        checks["cache"] = "ok" if cache.get("healthz") == "1" else "error"
    except Exception:  # noqa: BLE001
        logger.exception("healthz: cache check failed")
        checks["cache"] = "error"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503
    )
