"""The demo programme (seed_demo_programmes, run by `dev.py start` after the other demo seeds)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from rutapyme.accounts.models import User
from rutapyme.learning.models import Certificate, Course, CourseProgress
from rutapyme.programmes import permissions, stages
from rutapyme.programmes.models import (
    Attendance,
    Cohort,
    Enrolment,
    InvitationBatch,
    LiveSession,
    Outcome,
    Programme,
)

pytestmark = pytest.mark.django_db

DEMO_SEEDS = ("seed_demo", "seed_demo_diagnoses", "seed_demo_learning")
MODELS = (
    Programme, Cohort, Enrolment, InvitationBatch, LiveSession, Attendance, Outcome,
    CourseProgress, Certificate, DBTaskResult,
)  # fmt: skip
ENROLMENT_FIELDS = (
    "pk", "cohort_id", "firm_id", "state", "invited_at", "email_sent_at", "joined_at",
    "waitlisted_at", "active_at", "completed_at", "declined_at", "dropped_at", "diagnosed_at",
    "learning_at", "certified_at", "online_at", "first_sale_at", "first_export_at",
    "first_level", "latest_level", "courses_completed",
)  # fmt: skip


def run(command: str) -> str:
    out = StringIO()
    call_command(command, stdout=out, stderr=StringIO())
    return out.getvalue()


def table_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def test_without_the_demo_programme_nothing_is_loaded():
    assert run("seed_demo_programmes") == "No demo programme: run seed_demo first.\n"
    assert Programme.objects.count() == 0
    assert Enrolment.objects.count() == 0


def test_the_demo_programme_has_every_state_and_a_waiting_list_and_loads_once():
    for command in DEMO_SEEDS:
        run(command)
    output = run("seed_demo_programmes")

    programme = Programme.objects.get(name="Ecuador vende en línea")
    staff = User.objects.get(email="staff@demo.rutapyme.ec")
    assert programme.organisation_id == staff.organisation_id
    assert permissions.can_manage_programme(staff, programme)
    assert (programme.country, programme.offer_types, programme.priority_sectors) == (
        "EC", ["products", "both"], ["artesanias", "textil", "alimentos"],
    )  # fmt: skip
    assert set(programme.partners.values_list("short_name", flat=True)) == {
        "Mercado Libre", "CCQ", "CCG", "CAPIA",
    }  # fmt: skip

    today = timezone.localdate()
    first, running, open_ = programme.cohorts.order_by("starts_on")
    assert [c.name[:13] for c in (first, running, open_)] == [
        "Promoción 1 —", "Promoción 2 —", "Promoción 3 —",
    ]  # fmt: skip
    assert first.ends_on < today
    assert running.starts_on <= today <= running.ends_on
    assert open_.starts_on > today
    published = set(Course.objects.filter(published__isnull=False).values_list("pk", flat=True))
    split = [set(c.courses.values_list("pk", flat=True)) for c in (first, running, open_)]
    assert (
        all(split) and set().union(*split) == published and sum(map(len, split)) == len(published)
    )

    enrolments = Enrolment.objects.filter(cohort__programme=programme)
    assert set(enrolments.values_list("state", flat=True)) == set(Enrolment.State.values)
    assert f"{enrolments.count()} firms invited" in output
    # The open cohort is full: the firms that joined after its places were taken wait.
    taken = open_.enrolments.filter(state__in=("joined", "active", "completed")).count()
    waiting = open_.enrolments.filter(state="waitlisted")
    assert taken == open_.capacity and waiting.exists()
    assert max(e.joined_at for e in open_.enrolments.exclude(joined_at=None)) < min(
        e.waitlisted_at for e in waiting
    )
    # Every date is in the past and in the order of the route.
    now = timezone.now()
    for e in enrolments:
        assert e.invited_at < now and (e.email_sent_at is None or e.email_sent_at > e.invited_at)
        for later in (e.joined_at, e.waitlisted_at, e.declined_at, e.dropped_at):
            assert later is None or e.invited_at < later < now
        if e.state in ("active", "completed"):
            assert e.joined_at <= e.active_at <= now
        if e.state == "completed":
            assert e.active_at <= e.completed_at <= now
    assert not enrolments.filter(email_sent_at=None).exclude(email="").exists()

    # Stages refreshed: every cohort stamped, and a new refresh finds nothing to change.
    assert not programme.cohorts.filter(stages_refreshed_at=None).exists()
    assert stages.refresh(enrolments) == 0
    assert enrolments.filter(state="completed", courses_completed__gt=0).exists()
    assert enrolments.exclude(diagnosed_at=None).exists()

    sessions = LiveSession.objects.filter(cohort__programme=programme)
    held = sessions.filter(starts_at__lt=now)
    assert held.exists() and sessions.filter(starts_at__gt=now).exists()
    assert sessions.exclude(place="").exists() and sessions.exclude(online_url="").exists()
    assert not held.filter(attendance=None).exists()
    assert not Attendance.objects.filter(session__starts_at__gt=now).exists()
    assert Attendance.objects.filter(present=True).exists()
    assert Attendance.objects.filter(present=False).exists()
    exports = Outcome.objects.filter(kind=Outcome.Kind.FIRST_EXPORT)
    assert set(exports.values_list("destination_country", flat=True)) == {"CO", "US"}
    assert not exports.filter(amount=None).exists()
    assert set(Outcome.objects.values_list("kind", flat=True)) == set(Outcome.Kind.values)

    before = table_counts()
    rows = list(enrolments.order_by("pk").values_list(*ENROLMENT_FIELDS))
    assert run("seed_demo_programmes") == (
        "Demo programme «Ecuador vende en línea» already loaded: no changes.\n"
    )
    assert table_counts() == before
    assert list(enrolments.order_by("pk").values_list(*ENROLMENT_FIELDS)) == rows
