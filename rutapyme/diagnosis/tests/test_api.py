"""The diagnoses API: exactly what each role may see, in a fixed number of queries."""

import datetime

import pytest

from rutapyme.core.testing import queries_for
from rutapyme.diagnosis.tests.factories import submitted_diagnosis
from rutapyme.firms.tests.factories import FirmFactory
from rutapyme.firms.tests.test_permissions import VISIBLE, client_for, world  # noqa: F401

pytestmark = pytest.mark.django_db

URL = "/api/v1/diagnoses/"


@pytest.fixture
def diagnosed(world):  # noqa: F811
    for key, seed in (("a", 1), ("b", 2), ("c", 3)):
        submitted_diagnosis(getattr(world, key), seed=seed)
    return world


@pytest.mark.parametrize("role", list(VISIBLE))
def test_the_list_holds_exactly_the_diagnoses_of_the_firms_the_role_sees(client, diagnosed, role):
    response = client_for(client, diagnosed, role).get(URL)
    if role == "anonymous":
        assert response.status_code == 401
        return
    body = response.json()
    expected = sorted(str(getattr(diagnosed, key).public_id) for key in VISIBLE[role])
    assert sorted(item["firm_id"] for item in body["items"]) == expected
    assert body["count"] == len(expected)


def test_an_item_carries_the_result(client, diagnosed):
    diagnosis = diagnosed.a.diagnoses.get()
    body = client_for(client, diagnosed, "member_a").get(URL).json()
    item = body["items"][0]
    assert item["public_id"] == str(diagnosis.public_id)
    assert item["questionnaire"] == "cepal-ecommerce"
    assert item["questionnaire_version"] == 1
    assert item["level"] == diagnosis.level
    assert item["level_code"] == diagnosis.result["level_code"]
    assert [a["code"] for a in item["areas"]] == [a["code"] for a in diagnosis.result["areas"]]
    assert [t["code"] for t in item["topics"]] == [t["code"] for t in diagnosis.result["topics"]]
    assert (item["attempt"], item["is_latest"]) == (1, True)


def test_latest_keeps_one_per_firm_and_firm_narrows(client, diagnosed):
    submitted_diagnosis(diagnosed.a, seed=9, answered_on=datetime.date(2020, 1, 1))
    staff = client_for(client, diagnosed, "admin")
    assert staff.get(URL).json()["count"] == 4
    assert staff.get(URL, {"latest": "true"}).json()["count"] == 3
    assert staff.get(URL, {"firm": str(diagnosed.a.public_id)}).json()["count"] == 2


def test_the_list_takes_the_same_queries_for_3_and_30_diagnoses(client, diagnosed):
    staff = client_for(client, diagnosed, "admin")
    few, response = queries_for(staff, URL)
    assert response.json()["count"] == 3
    for seed in range(27):
        submitted_diagnosis(FirmFactory(), seed=seed)
    many, response = queries_for(staff, URL)
    assert response.json()["count"] == 30
    assert few == many == 3
