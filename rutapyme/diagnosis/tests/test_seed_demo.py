"""The demo firms' diagnoses (seed_demo_diagnoses, run by `dev.py start` after seed_demo)."""

from io import StringIO

import pytest
from django.core.management import call_command

from rutapyme.diagnosis.models import Diagnosis

pytestmark = pytest.mark.django_db


def run(command: str) -> str:
    out = StringIO()
    call_command(command, stdout=out)
    return out.getvalue()


def test_without_the_demo_programme_nothing_is_loaded():
    assert run("seed_demo_diagnoses") == "No demo programme: run seed_demo first.\n"
    assert Diagnosis.objects.count() == 0


def test_the_demo_has_a_history_a_draft_and_a_firm_to_start_and_loads_once():
    run("seed_demo")
    output = run("seed_demo_diagnoses")
    submitted = Diagnosis.objects.filter(status=Diagnosis.Status.SUBMITTED)
    assert f"{submitted.count()} submitted" in output
    assert submitted.filter(is_latest=True).count() == submitted.filter(attempt=1).count()
    chordeleg = Diagnosis.objects.filter(firm__trade_name="Artesanías Chordeleg")
    first, second = chordeleg.order_by("attempt")
    assert (first.attempt, second.attempt, second.is_latest) == (1, 2, True)
    assert second.level > first.level
    assert Diagnosis.objects.get(firm__trade_name="Calzado Andino").status == "draft"
    assert not Diagnosis.objects.filter(firm__trade_name="Tejidos Sumak Otavalo").exists()
    before = Diagnosis.objects.count()
    assert run("seed_demo_diagnoses") == "Demo diagnoses already loaded: no changes.\n"
    assert Diagnosis.objects.count() == before
