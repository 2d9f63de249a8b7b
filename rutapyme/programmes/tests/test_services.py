"""Programmes' services: eligibility, bulk invitations with checkpoints, e-mails sent once,
joining with a waiting list, stages copied from the other apps, outcomes."""

import datetime
from decimal import Decimal
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from rutapyme.accounts.tests.factories import (
    OrganisationFactory,
    ProgrammeStaffFactory,
    UserFactory,
)
from rutapyme.diagnosis.tests.factories import submitted_diagnosis
from rutapyme.firms.models import ConsentRecord, Firm, FirmMembership
from rutapyme.firms.tests.factories import (
    FirmAffiliationFactory,
    FirmFactory,
    FirmMembershipFactory,
)
from rutapyme.learning import services as learning_services
from rutapyme.learning.models import Certificate
from rutapyme.learning.tests.factories import learner, make_course
from rutapyme.programmes import services, stages
from rutapyme.programmes.eligibility import eligible_q, firm_eligibility
from rutapyme.programmes.models import Enrolment, InvitationBatch, Outcome
from rutapyme.programmes.selectors import InviteFilters, invitable_firms

from .factories import enrol, make_cohort, make_programme

pytestmark = pytest.mark.django_db


def complete_course(user, firm, course):
    """Every lesson viewed and every quiz passed, through the learning services."""
    version = course.published
    for module in version.modules.all():
        for lesson in module.lessons.all():
            learning_services.lesson_view_record(user=user, firm=firm, lesson=lesson)
        quiz = module.quiz
        learning_services.quiz_attempt_submit(
            user=user, firm=firm, quiz=quiz, number=1, answers={"q1": "a", "q2": Decimal("3.5")}
        )


# --- Eligibility ------------------------------------------------------------------------------


RULES = [
    {},
    {"offer_types": ["products"]},
    {
        "offer_types": ["products", "both"],
        "sectors": ["textil"],
        "priority_sectors": ["artesanias"],
    },
    {"provinces": ["EC-P", "EC-G"]},
    {"size_bands": ["0-5", "6-25"]},
    {"sectors": ["alimentos"], "provinces": ["EC-I"], "size_bands": ["26-50"]},
]


@pytest.mark.parametrize("rules", RULES)
def test_the_firm_verdict_and_the_bulk_filter_agree_on_every_rule(rules):
    programme = make_programme(**rules)
    firms = [
        FirmFactory(offer_type=o, sector=s, province=p, size_band=z)
        for o, s, p, z in [
            ("products", "artesanias", "EC-P", "0-5"),
            ("services", "textil", "EC-G", "6-25"),
            ("both", "textil", "EC-I", "26-50"),
            ("products", "alimentos", "EC-I", "26-50"),
            ("both", "calzado", "EC-A", "100+"),
        ]
    ]
    FirmFactory(country="CL", tax_id="760864283", province="")
    by_filter = set(Firm.objects.filter(eligible_q(programme)).values_list("pk", flat=True))
    by_verdict = {f.pk for f in Firm.objects.all() if firm_eligibility(programme, f).eligible}
    assert by_filter == by_verdict
    for firm in firms:
        verdict = firm_eligibility(programme, firm)
        assert verdict.eligible == (not verdict.reasons)


def test_a_firm_that_is_not_eligible_hears_every_reason():
    programme = make_programme(offer_types=["products"], size_bands=["0-5"], provinces=["EC-P"])
    firm = FirmFactory(offer_type="services", size_band="26-50", province="EC-G")
    verdict = firm_eligibility(programme, firm)
    assert not verdict.eligible
    assert verdict.reasons == [
        "El programa admite empresas que ofrecen: Productos.",
        "La provincia «Guayas» no está entre las del programa.",
        "El programa es para empresas de 0 a 5 personas.",
    ]
    chilean = FirmFactory(country="CL", tax_id="760864283", province="", offer_type="products")
    assert (
        "El programa es para empresas de Ecuador." in firm_eligibility(programme, chilean).reasons
    )


def test_priority_sectors_are_allowed_and_marked():
    programme = make_programme(sectors=["textil"], priority_sectors=["artesanias"])
    assert firm_eligibility(programme, FirmFactory(sector="artesanias")).priority
    assert firm_eligibility(programme, FirmFactory(sector="textil")).eligible
    assert not firm_eligibility(programme, FirmFactory(sector="calzado")).eligible


# --- Invitations in bulk ----------------------------------------------------------------------


@pytest.fixture
def base():
    staff = ProgrammeStaffFactory()
    programme = make_programme(staff.organisation)
    cohort = make_cohort(programme, name="Promoción 1")
    pichincha = [FirmFactory(province="EC-P") for _ in range(7)]
    guayas = [FirmFactory(province="EC-G") for _ in range(4)]
    FirmFactory(province="EC-P", offer_type="services")  # not eligible
    no_email = FirmFactory(province="EC-P", email="")
    return staff, cohort, pichincha + [no_email], guayas


def test_a_batch_invites_its_selection_once_and_sends_each_firm_its_link(
    base, immediate_tasks, monkeypatch, django_capture_on_commit_callbacks
):
    staff, cohort, pichincha, guayas = base
    monkeypatch.setattr(services, "CHUNK", 3)
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.invitation_batch_create(
            cohort=cohort, by=staff, filters=InviteFilters(province="EC-P")
        )
    batch.refresh_from_db()
    assert batch.status == InvitationBatch.Status.DONE
    assert (batch.total, batch.invited_count, batch.firms_done) == (8, 8, 8)
    assert batch.without_email_count == 1
    invited = Enrolment.objects.filter(cohort=cohort)
    assert set(invited.values_list("firm_id", flat=True)) == {f.pk for f in pichincha}
    assert set(invited.values_list("state", flat=True)) == {"invited"}
    assert len(mail.outbox) == 7
    for enrolment in invited.exclude(email=""):
        (message,) = [m for m in mail.outbox if m.to == [enrolment.email]]
        assert f"/unirse/{enrolment.token}/" in message.body
        # The subject, encoded once per cohort, reads back as written, on one header line.
        raw = message.message().as_bytes()
        subject = str(make_header(decode_header(message_from_bytes(raw)["Subject"])))
        assert subject == "Invitación a Ecuador vende en línea: Promoción 1"
        assert enrolment.email_sent_at is not None
    # A second batch with the same filters finds nobody new.
    with django_capture_on_commit_callbacks(execute=True):
        again = services.invitation_batch_create(
            cohort=cohort, by=staff, filters=InviteFilters(province="EC-P")
        )
    again.refresh_from_db()
    assert (again.total, again.invited_count) == (0, 0)
    assert invited.count() == 8 and len(mail.outbox) == 7


def test_a_batch_killed_half_way_resumes_and_ends_as_one_clean_run(base, monkeypatch):
    staff, cohort, pichincha, guayas = base
    monkeypatch.setattr(services, "CHUNK", 3)
    batch = services.invitation_batch_create(cohort=cohort, by=staff, filters=InviteFilters())
    assert batch.total == 12

    calls = {"n": 0}
    real = services._enrolment_for

    def dies_on_second_chunk(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 4:  # first firm of the second chunk
            raise SystemExit("worker killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "_enrolment_for", dies_on_second_chunk)
    with pytest.raises(SystemExit):
        services.invitation_batch_process(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == InvitationBatch.Status.RUNNING
    assert batch.firms_done == 3 and Enrolment.objects.filter(cohort=cohort).count() == 3

    monkeypatch.setattr(services, "_enrolment_for", real)
    services.invitation_batch_process(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == InvitationBatch.Status.DONE
    assert (batch.invited_count, batch.firms_done, batch.skipped_count) == (12, 12, 0)
    firm_ids = list(Enrolment.objects.filter(cohort=cohort).values_list("firm_id", flat=True))
    assert sorted(firm_ids) == sorted(f.pk for f in pichincha + guayas)


def test_two_runners_of_one_batch_never_write_the_same_chunk(base, monkeypatch):
    staff, cohort, *_ = base
    batch = services.invitation_batch_create(cohort=cohort, by=staff, filters=InviteFilters())
    services.invitation_batch_process(batch_id=batch.pk)
    services.invitation_batch_process(batch_id=batch.pk)  # a late duplicate: nothing to do
    assert Enrolment.objects.filter(cohort=cohort).count() == 12


def test_emails_already_sent_are_not_sent_again():
    cohort = make_cohort()
    enrolments = [enrol(cohort, FirmFactory()) for _ in range(3)]
    ids = [e.pk for e in enrolments]
    assert services.invitation_emails_send_now(enrolment_ids=ids, group=2) == 3
    assert services.invitation_emails_send_now(enrolment_ids=ids) == 0
    assert len(mail.outbox) == 3


def test_partner_staff_invite_only_their_members(
    immediate_tasks, django_capture_on_commit_callbacks
):
    chamber = OrganisationFactory(name="Cámara de Artesanos")
    programme = make_programme(partners=[chamber])
    cohort = make_cohort(programme)
    member = FirmFactory()
    FirmAffiliationFactory(firm=member, organisation=chamber)
    FirmFactory()  # someone else's
    from rutapyme.accounts.tests.factories import PartnerStaffFactory

    partner = PartnerStaffFactory(organisation=chamber)
    assert list(invitable_firms(user=partner, cohort=cohort, filters=InviteFilters())) == [member]
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.invitation_batch_create(cohort=cohort, by=partner, filters=InviteFilters())
    batch.refresh_from_db()
    assert batch.organisation_id == chamber.pk
    assert list(Enrolment.objects.values_list("firm_id", flat=True)) == [member.pk]


def test_filters_by_diagnosis_level_and_never_invited():
    staff = ProgrammeStaffFactory()
    programme = make_programme(staff.organisation)
    first, second = make_cohort(programme, name="P1"), make_cohort(programme, name="P2")
    diagnosed, undiagnosed, invited_before = FirmFactory(), FirmFactory(), FirmFactory()
    level = submitted_diagnosis(diagnosed).level
    enrol(first, invited_before)

    def pick(**filters):
        return set(invitable_firms(user=staff, cohort=second, filters=InviteFilters(**filters)))

    assert pick(level=str(level)) == {diagnosed}
    assert pick(level="none") == {undiagnosed, invited_before}
    assert pick(not_invited=True) == {diagnosed, undiagnosed}


# --- Joining and the waiting list -------------------------------------------------------------


def test_joining_with_a_new_account_makes_an_owner_with_consent():
    cohort = make_cohort()
    firm = FirmFactory()
    enrolment = enrol(cohort, firm)
    result = services.join_create_account(
        enrolment=enrolment,
        email="Dueña@Tejidos.ec",
        full_name="Rosa Quishpe",
        password="x9-lana-2026",
    )
    assert result.enrolment.state == Enrolment.State.JOINED and result.enrolment.joined_at
    assert result.user.email == "dueña@tejidos.ec"
    assert FirmMembership.objects.get(firm=firm).role == FirmMembership.Role.OWNER
    assert ConsentRecord.objects.get(firm=firm).user == result.user


def test_an_email_with_an_account_is_refused_and_nothing_is_created():
    cohort = make_cohort()
    enrolment = enrol(cohort, FirmFactory())
    UserFactory(email="ya@existe.ec")
    with pytest.raises(ValidationError) as error:
        services.join_create_account(
            enrolment=enrolment, email="YA@existe.ec", full_name="X", password="x9-lana-2026"
        )
    assert "email" in error.value.message_dict
    enrolment.refresh_from_db()
    assert enrolment.state == Enrolment.State.INVITED
    assert not FirmMembership.objects.filter(firm=enrolment.firm).exists()


def test_a_full_cohort_puts_firms_on_the_waiting_list_and_a_freed_place_admits_the_first():
    cohort = make_cohort(capacity=1)
    first, second, third = (enrol(cohort, FirmFactory()) for _ in range(3))
    user = UserFactory()
    assert services.enrolment_join(enrolment=first, user=user).state == "joined"
    assert services.enrolment_join(enrolment=second, user=user).state == "waitlisted"
    assert services.enrolment_join(enrolment=third, user=user).state == "waitlisted"
    # Joining twice changes nothing.
    assert services.enrolment_join(enrolment=second, user=user).state == "waitlisted"

    services.enrolment_drop(enrolment=first, reason="Cerró el negocio")
    states = dict(Enrolment.objects.values_list("pk", "state"))
    assert states == {first.pk: "dropped", second.pk: "joined", third.pk: "waitlisted"}


def test_a_declined_invitation_cannot_be_joined():
    enrolment = enrol(make_cohort(), FirmFactory())
    services.enrolment_decline(enrolment=enrolment, reason="No vendemos productos")
    with pytest.raises(ValidationError):
        services.enrolment_join(enrolment=enrolment, user=UserFactory())
    enrolment.refresh_from_db()
    assert enrolment.state == "declined" and enrolment.joined_at is None


def test_a_used_link_no_longer_changes_the_firm_or_makes_accounts():
    enrolment = enrol(make_cohort(), FirmFactory(trade_name="Tejidos"))
    services.join_create_account(
        enrolment=enrolment, email="duena@tejidos.ec", full_name="Rosa", password="x9-lana-2026"
    )
    with pytest.raises(ValidationError):
        services.join_confirm_firm(enrolment=enrolment, trade_name="Otro nombre")
    with pytest.raises(ValidationError):
        services.join_create_account(
            enrolment=enrolment, email="intruso@x.ec", full_name="X", password="x9-lana-2026"
        )
    enrolment.firm.refresh_from_db()
    assert enrolment.firm.trade_name == "Tejidos"
    assert FirmMembership.objects.filter(firm=enrolment.firm).count() == 1


def test_a_member_of_another_firm_cannot_join_this_invitation():
    enrolment = enrol(make_cohort(), FirmFactory())
    stranger = FirmMembershipFactory().user
    with pytest.raises(ValidationError):
        services.join_as_member(enrolment=enrolment, user=stranger)
    enrolment.refresh_from_db()
    assert enrolment.state == "invited"


# --- Stages -----------------------------------------------------------------------------------


def test_stages_follow_the_firm_along_the_route():
    course = make_course("ventas", modules=1, lessons=1)
    cohort = make_cohort(courses=[course])
    user, firm = learner()
    enrolment = enrol(cohort, firm)
    services.enrolment_join(enrolment=enrolment, user=user)

    stages.refresh_cohort(cohort)
    enrolment.refresh_from_db()
    assert enrolment.state == "joined"
    assert enrolment.diagnosed_at is enrolment.learning_at is enrolment.certified_at is None

    diagnosis = submitted_diagnosis(firm)
    complete_course(user, firm, course)
    services.outcome_report(
        firm=firm, kind=Outcome.Kind.FIRST_EXPORT, occurred_on=datetime.date(2026, 10, 2),
        channel=Outcome.Channel.MARKETPLACE, destination_country="CO", amount=Decimal("120"),
        by=user,
    )  # fmt: skip
    stages.refresh_cohort(cohort)
    enrolment.refresh_from_db()
    assert enrolment.diagnosed_at == diagnosis.submitted_at
    assert enrolment.latest_level == diagnosis.level == enrolment.first_level
    assert enrolment.learning_at is not None
    assert enrolment.certified_at == Certificate.objects.get(firm=firm).issued_at
    assert enrolment.first_export_at.date() == datetime.date(2026, 10, 2)
    assert enrolment.courses_completed == 1
    assert enrolment.state == "completed"
    # Active since it started learning (after joining), completed when the certificate came.
    assert enrolment.active_at == enrolment.learning_at
    assert enrolment.completed_at == enrolment.certified_at

    # Refreshing again changes nothing; revoking the certificate takes completion back.
    assert stages.refresh_cohort(cohort) == 0
    learning_services.certificate_revoke(
        certificate=Certificate.objects.get(firm=firm), user=ProgrammeStaffFactory(), reason="Error"
    )
    stages.refresh_cohort(cohort)
    enrolment.refresh_from_db()
    assert (enrolment.state, enrolment.certified_at, enrolment.completed_at) == (
        "active",
        None,
        None,
    )


def test_a_refresh_never_overwrites_a_state_changed_meanwhile():
    cohort = make_cohort()
    user, firm = learner()
    enrolment = enrol(cohort, firm, Enrolment.State.JOINED)
    learning_services.lesson_view_record(
        user=user,
        firm=firm,
        lesson=make_course("x", modules=1, lessons=1).published.modules.get().lessons.get(),
    )
    Enrolment.objects.filter(pk=enrolment.pk).update(state="dropped")  # staff, a moment before
    stages.refresh(Enrolment.objects.filter(pk=enrolment.pk))
    enrolment.refresh_from_db()
    assert enrolment.state == "dropped" and enrolment.learning_at is not None


def test_stages_of_many_firms_take_a_fixed_number_of_queries(django_assert_max_num_queries):
    cohort = make_cohort()
    for _ in range(25):
        user, firm = learner()
        enrol(cohort, firm, Enrolment.State.JOINED)
        submitted_diagnosis(firm)
    with django_assert_max_num_queries(14):
        stages.refresh_cohort(cohort)
    assert Enrolment.objects.filter(diagnosed_at__isnull=False).count() == 25


# --- Outcomes and attendance ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"occurred_on": timezone.localdate() + datetime.timedelta(days=1)}, "occurred_on"),
        ({"kind": Outcome.Kind.FIRST_EXPORT}, "destination_country"),
        ({"kind": Outcome.Kind.FIRST_EXPORT, "destination_country": "EC"}, "destination_country"),
        ({"destination_country": "XX", "kind": Outcome.Kind.FIRST_EXPORT}, "destination_country"),
        ({"amount": Decimal("-1")}, "amount"),
    ],
)
def test_bad_outcomes_are_refused_with_the_field(fields, field):
    firm = FirmFactory()
    data = {
        "kind": Outcome.Kind.FIRST_ONLINE_SALE, "occurred_on": datetime.date(2026, 9, 1),
        "channel": Outcome.Channel.SOCIAL, **fields,
    }  # fmt: skip
    with pytest.raises(ValidationError) as error:
        services.outcome_report(firm=firm, by=None, **data)
    assert field in error.value.message_dict
    assert not Outcome.objects.exists()


def test_an_outcome_reported_again_is_corrected_and_gets_the_country_currency():
    firm = FirmFactory()
    for day in (datetime.date(2026, 9, 1), datetime.date(2026, 8, 15)):
        services.outcome_report(
            firm=firm, kind=Outcome.Kind.FIRST_ONLINE_SALE, occurred_on=day,
            channel=Outcome.Channel.SOCIAL, amount=Decimal("35.50"), by=None,
        )  # fmt: skip
    outcome = Outcome.objects.get()
    assert (outcome.occurred_on, outcome.currency) == (datetime.date(2026, 8, 15), "USD")


def test_attendance_marks_the_joined_firms_and_ignores_others():
    from .factories import make_session

    cohort = make_cohort()
    here, away = enrol(cohort, FirmFactory(), "joined"), enrol(cohort, FirmFactory(), "active")
    invited = enrol(cohort, FirmFactory())
    outsider = enrol(make_cohort(name="Otra"), FirmFactory(), "joined")
    session = make_session(cohort)
    staff = ProgrammeStaffFactory()
    assert (
        services.attendance_record(
            session=session, present_ids={here.pk, invited.pk, outsider.pk}, by=staff
        )
        == 1
    )
    marks = dict(session.attendance.values_list("enrolment_id", "present"))
    assert marks == {here.pk: True, away.pk: False}
    second = make_session(cohort, title="Fotos de producto")
    services.attendance_record(session=second, present_ids={here.pk}, by=staff)
    attended = dict(Enrolment.objects.values_list("pk", "sessions_attended"))
    assert (attended[here.pk], attended[away.pk], attended[invited.pk]) == (2, 0, 0)
    services.attendance_record(session=session, present_ids={away.pk}, by=staff)
    attended = dict(Enrolment.objects.values_list("pk", "sessions_attended"))
    assert (attended[here.pk], attended[away.pk]) == (1, 1)
    assert dict(session.attendance.values_list("enrolment_id", "present")) == {
        here.pk: False,
        away.pk: True,
    }


def test_an_invitation_claimed_by_a_live_worker_is_not_sent_twice_and_a_dead_ones_is_taken_over():
    import uuid

    cohort = make_cohort()
    live, dead, free = (enrol(cohort, FirmFactory()) for _ in range(3))
    now = timezone.now()
    Enrolment.objects.filter(pk=live.pk).update(email_claim=uuid.uuid4(), email_claimed_at=now)
    Enrolment.objects.filter(pk=dead.pk).update(
        email_claim=uuid.uuid4(),
        email_claimed_at=now - services.EMAIL_CLAIM_TIMEOUT - datetime.timedelta(seconds=1),
    )
    assert services.invitation_emails_send_now(enrolment_ids=[live.pk, dead.pk, free.pk]) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([dead.email, free.email])
    live.refresh_from_db()
    assert live.email_sent_at is None


def test_e_mails_a_killed_worker_never_sent_go_out_when_the_batch_is_resumed(
    base, settings, django_capture_on_commit_callbacks
):
    staff, cohort, *_ = base
    # The database queue: the e-mail tasks are queued with their chunks, and never run (their
    # worker is killed).
    with django_capture_on_commit_callbacks(execute=False):
        batch = services.invitation_batch_create(cohort=cohort, by=staff, filters=InviteFilters())
    services.invitation_batch_process(batch_id=batch.pk)
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.filter(task_path__endswith="invitation_emails_send").count() == 1
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": ["default", "email", "imports"],
        }
    }
    batch.refresh_from_db()
    assert batch.status == InvitationBatch.Status.DONE and not mail.outbox
    assert services.invitation_emails_pending(batch).count() == 11
    assert not services.invitation_batch_resumable(batch)  # e-mails may still be queued
    InvitationBatch.objects.filter(pk=batch.pk).update(
        finished_at=timezone.now() - services.STALE_BATCH_AFTER - datetime.timedelta(seconds=1)
    )
    batch.refresh_from_db()
    assert services.invitation_batch_resumable(batch)
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_batch_resume(batch=batch)
    assert len(mail.outbox) == 11 and not services.invitation_emails_pending(batch).exists()
    assert not services.invitation_batch_resumable(batch)
