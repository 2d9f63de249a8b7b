"""Browser journeys: Playwright for Python driving Debian's Chromium (/usr/bin/chromium).

They are skipped, with the reason printed in the summary, when Chromium is not installed.
`.ci/run` installs it. Playwright's own browser downloads are never used.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
PHONE = {"width": 360, "height": 740}

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"browser test skipped: {CHROMIUM} is not installed")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield browser
        browser.close()


@pytest.fixture
def phone(chromium, live_server):
    """A page in a 360×740 phone viewport, with the live server's URL at `page.base_url`."""
    context = chromium.new_context(viewport=PHONE, locale="es-EC", base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def migrated_content(transactional_db):
    """What the data migrations load (questionnaire, curriculum), put back if a browser test
    before this one flushed the database, as transactional tests do when they end."""
    import importlib

    from django.apps import apps

    from rutapyme.learning.curriculum import load_curriculum

    questionnaire = importlib.import_module("rutapyme.diagnosis.migrations.0002_questionnaire_v1")
    questionnaire.publish_v1(apps, None)
    load_curriculum(lambda name: apps.get_model("learning", name))
