from unittest import mock

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_healthz_reports_database_and_cache(client):
    response = client.get(reverse("core:healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_is_503_when_the_cache_is_down(client):
    with mock.patch("rutapyme.core.views.cache.set", side_effect=ConnectionError("down")):
        response = client.get(reverse("core:healthz"))
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "cache": "error"}


@pytest.mark.django_db
def test_home_is_public_and_in_spanish_whatever_the_browser_says(client):
    response = client.get(reverse("core:home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert response["Content-Language"] == "es"
    assert "Registrar mi empresa" in response.content.decode()


@pytest.mark.django_db
def test_a_chosen_language_is_kept_in_a_cookie(client):
    response = client.post(reverse("set_language"), {"language": "pt-br", "next": "/"})
    assert response.status_code == 302
    assert client.get(reverse("core:home"))["Content-Language"] == "pt-br"


@pytest.mark.django_db
def test_signed_in_person_goes_from_home_to_their_dashboard(client, django_user_model):
    user = django_user_model.objects.create_user(email="ana@example.ec", full_name="Ana")
    client.force_login(user)
    response = client.get(reverse("core:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("firms:dashboard")
