"""The JSON API: one NinjaAPI, one router per domain. The schema is committed in
docs/openapi.json and compared in a test (rutapyme/core/tests/test_openapi.py)."""

from ninja import NinjaAPI
from ninja.security import django_auth

from rutapyme.diagnosis.api import router as diagnoses_router
from rutapyme.firms.api import router as firms_router

api = NinjaAPI(
    title="Ruta Pyme API",
    version="1",
    description="API de Ruta Pyme. Autenticación por sesión (con token CSRF en escrituras).",
    auth=django_auth,
    urls_namespace="api",
)
api.add_router("/firms/", firms_router)
api.add_router("/diagnoses/", diagnoses_router)
