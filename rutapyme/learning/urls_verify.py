from django.urls import path

from . import views_verify

app_name = "verify"

urlpatterns = [
    path("", views_verify.verify, name="form"),
    path("<str:code>/", views_verify.verify_code, name="code"),
    path("<str:code>/revocar/", views_verify.revoke, name="revoke"),
]
