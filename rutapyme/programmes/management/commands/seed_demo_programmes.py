"""Load the demo programme "Ecuador vende en línea": three cohorts, invitations in every state,
live sessions with attendance and a few milestones.

    python manage.py seed_demo_programmes

Run by `python3 dev.py start` after `seed_demo`, `seed_demo_diagnoses` and
`seed_demo_learning`. Idempotent: once the programme exists it changes nothing. Drawn from a
fixed random seed, so every demo is the same (`demo_data.py` holds the plan):

- the programme of the ministry that the demo programme staff account (staff@) belongs to,
  so that account runs it; partners Mercado Libre, both chambers and the Azuay guild; firms
  that sell products (or products and services), priority sectors artesanías, textil and
  alimentos;
- "Promoción 1" finished two weeks ago, "Promoción 2" is running and "Promoción 3" opens
  in seven weeks with 8 places, so its latest firms wait on the list; the published courses
  are split among them in catalogue order;
- enrolments go through the services, as staff and firms would do it: `invite_firm`,
  `enrolment_join` (which puts firms on the waiting list once the places are taken),
  `enrolment_decline`, `enrolment_drop`, `attendance_record`, `outcome_report`, and the
  learning services for the firms that finish every course of the first cohort. The dates
  are then moved to the past weeks directly, as a demo may: invitations, e-mails (stamped
  as sent, so the e-mail tasks the invitations enqueue send nothing), joining, waiting list,
  declines and drops, and the learning of the firms that finished;
- Artesanías Chordeleg (empresa@) is active in the running cohort with a first sale on
  Mercado Libre; Calzado Andino (socia@) joined it and has not started a course; Chocolates
  del Pacífico (socia@ is its staff member) completed the first cohort and exported to the
  United States; Tejidos Sumak Otavalo (maria.quishpe@) has an invitation to the open cohort
  to answer;
- finally `stages.refresh_cohort` for every cohort (active when the firm started learning,
  completed when every course of the cohort has a certificate).
"""

import datetime
import random
import time
from collections import Counter
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from rutapyme.accounts.models import Organisation, User
from rutapyme.firms import demo_data as firm_demo_data
from rutapyme.firms.models import Firm, FirmMembership
from rutapyme.learning import services as learning_services
from rutapyme.learning.models import (
    Certificate,
    Course,
    CourseProgress,
    Lesson,
    LessonView,
    Quiz,
    QuizAttempt,
)
from rutapyme.programmes import demo_data, services, stages
from rutapyme.programmes.models import (
    JOINED_STATES,
    Attendance,
    Cohort,
    Enrolment,
    LiveSession,
    Programme,
)
from rutapyme.programmes.selectors import InviteFilters, invitable_firms

SEED = 20261124
DEMO_DOMAIN = "demo.rutapyme.ec"
State = Enrolment.State
DAY = datetime.timedelta(days=1)


def _right_answers(quiz: Quiz) -> dict:
    answers = {}
    for question in quiz.questions.prefetch_related("choices"):
        right = [c.code for c in question.choices.all() if c.is_correct]
        if question.kind == "numeric":
            answers[question.code] = question.answer
        elif question.kind == "multiple":
            answers[question.code] = right
        else:
            answers[question.code] = right[0]
    return answers


class Command(BaseCommand):
    help = "Load the demo programme's cohorts, enrolments, sessions and milestones (idempotent)."

    def handle(self, *args, **options):
        staff = (
            User.objects.filter(email=f"staff@{DEMO_DOMAIN}").select_related("organisation").first()
        )
        if staff is None or staff.organisation is None:
            self.stdout.write("No demo programme: run seed_demo first.")
            return
        name = demo_data.PROGRAMME_NAME
        if Programme.objects.filter(organisation=staff.organisation, name=name).exists():
            self.stdout.write(f"Demo programme «{name}» already loaded: no changes.")
            return
        started = time.monotonic()
        with transaction.atomic():
            counts = DemoProgrammeLoader(random.Random(SEED), staff).load()
        self.stdout.write(
            "Demo programme loaded in {seconds:.1f} s: {cohorts} cohorts, {invited} firms "
            "invited, {joined} joined ({active} active, {completed} completed), {waitlisted} on "
            "the waiting list, {declined} declined, {dropped} dropped, {pending} not answered; "
            "{sessions} live sessions ({past} past, {attendance} attendance records), "
            "{outcomes} milestones.".format(seconds=time.monotonic() - started, **counts)
        )


class DemoProgrammeLoader:
    def __init__(self, rng: random.Random, staff: User):
        self.rng = rng
        self.staff = staff
        self.now = timezone.now().replace(microsecond=0)
        self.today = timezone.localdate()
        self.zone = ZoneInfo(demo_data.TIME_ZONE)
        self.consultant = User.objects.filter(email=f"consultor@{DEMO_DOMAIN}").first()
        self.owners: dict[int, User] = {}
        self.completers: dict[int, list[int]] = {}  # cohort number -> firm ids
        self.joined: dict[int, list[Enrolment]] = {}  # cohort number -> joined, in join order

    def at(self, day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
        return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=self.zone)

    def past(self, moment: datetime.datetime) -> datetime.datetime:
        """Never later than an hour ago: a date moved to the past stays in the past."""
        return min(moment, self.now - datetime.timedelta(hours=1))

    # --- Loading ------------------------------------------------------------------------------

    def load(self) -> dict:
        programme = self.programme()
        cohorts = self.cohorts(programme)
        plan = self.allocate(cohorts)
        for number, cohort in cohorts.items():
            self.enrol(cohort, demo_data.COHORTS[number - 1], plan[number])
        sessions = self.sessions_and_attendance(cohorts)
        outcomes = self.outcomes(cohorts)
        for cohort in cohorts.values():
            stages.refresh_cohort(cohort)
        self.date_states(programme)
        states = Counter(
            dict(
                Enrolment.objects.filter(cohort__programme=programme)
                .values("state")
                .annotate(n=Count("pk"))
                .values_list("state", "n")
            )
        )
        return {
            "cohorts": len(cohorts),
            "invited": sum(states.values()),
            "joined": sum(states[s] for s in JOINED_STATES),
            "active": states[State.ACTIVE],
            "completed": states[State.COMPLETED],
            "waitlisted": states[State.WAITLISTED],
            "declined": states[State.DECLINED],
            "dropped": states[State.DROPPED],
            "pending": states[State.INVITED],
            "sessions": len(sessions),
            "past": sum(1 for s in sessions if s.starts_at < self.now),
            "attendance": Attendance.objects.filter(session__in=sessions).count(),
            "outcomes": outcomes,
        }

    def programme(self) -> Programme:
        partners = []
        for key in demo_data.PARTNER_KEYS:
            name, _short, _kind, country = firm_demo_data.ORGANISATIONS[key]
            organisation = Organisation.objects.filter(name=name, country=country).first()
            if organisation is not None:
                partners.append(organisation)
        return services.programme_create(
            name=demo_data.PROGRAMME_NAME,
            country=self.staff.organisation.country or "EC",
            organisation=self.staff.organisation,
            description=demo_data.PROGRAMME_DESCRIPTION,
            offer_types=demo_data.OFFER_TYPES,
            priority_sectors=demo_data.PRIORITY_SECTORS,
            partners=partners,
        )

    def cohorts(self, programme: Programme) -> dict[int, Cohort]:
        """The three cohorts, with the published courses split among them in catalogue order."""
        courses = list(Course.objects.filter(published__isnull=False).order_by("position", "slug"))
        count = len(demo_data.COHORTS)
        size, extra = divmod(len(courses), count)
        cohorts, start = {}, 0
        for index, plan in enumerate(demo_data.COHORTS):
            end = start + size + (1 if index < extra else 0)
            starts_on = self.today + plan.starts_in * DAY
            cohorts[plan.number] = services.cohort_create(
                programme=programme,
                name=f"Promoción {plan.number} — {starts_on.year}",
                starts_on=starts_on,
                ends_on=self.today + plan.ends_in * DAY,
                capacity=plan.capacity,
                courses=courses[start:end],
                by=self.staff,
            )
            start = end
        # Created over the past months, each some weeks before its invitations went out.
        for number, cohort in cohorts.items():
            plan = demo_data.COHORTS[number - 1]
            created = self.at(cohort.starts_on, 11) - (plan.invited_before_start + 10) * DAY
            Cohort.objects.filter(pk=cohort.pk).update(created_at=self.past(created))
        return cohorts

    def allocate(self, cohorts: dict[int, Cohort]) -> dict[int, list[tuple[Firm, str]]]:
        """Which eligible firms each cohort invites: the named ones, then a random draw."""
        eligible = list(
            invitable_firms(user=self.staff, cohort=cohorts[1], filters=InviteFilters()).order_by(
                "pk"
            )
        )
        self.owners = {
            m.firm_id: m.user
            for m in FirmMembership.objects.filter(
                firm__in=eligible, role=FirmMembership.Role.OWNER
            ).select_related("user")
        }
        named = {firm.trade_name: firm for firm in eligible}
        plan: dict[int, list[tuple[Firm, str]]] = {number: [] for number in cohorts}
        taken = set()
        for trade_name, (number, action) in demo_data.NAMED_ENROLMENTS.items():
            firm = named.get(trade_name)
            if firm is not None and number in plan:
                plan[number].append((firm, action))
                taken.add(firm.pk)
        pool = [firm for firm in eligible if firm.pk not in taken]
        self.rng.shuffle(pool)
        for cohort_plan in demo_data.COHORTS:
            wanted = max(0, cohort_plan.invite - len(plan[cohort_plan.number]))
            plan[cohort_plan.number] += [(firm, "") for firm in pool[:wanted]]
            pool = pool[wanted:]
        return plan

    # --- Invitations, joining, declining, leaving --------------------------------------------

    def enrol(self, cohort: Cohort, plan, firms: list[tuple[Firm, str]]) -> None:
        rng = self.rng
        sent = self.at(cohort.starts_on, 9) - plan.invited_before_start * DAY
        # Three waves of invitations, five days apart (closer for a recent cohort), each sent
        # over a few minutes.
        wave = min(5 * DAY, (self.now - sent) / 3)
        enrolments = []
        for index, (firm, action) in enumerate(firms):
            enrolment = services.invite_firm(cohort=cohort, firm=firm, by=self.staff)
            invited_at = self.past(sent + (index % 3) * wave + index * datetime.timedelta(0, 40))
            Enrolment.objects.filter(pk=enrolment.pk).update(
                invited_at=invited_at,
                email_sent_at=(invited_at + datetime.timedelta(minutes=2)) if firm.email else None,
            )
            enrolment.invited_at = invited_at
            enrolments.append((enrolment, firm, action))

        # Who answers: named firms as planned; firms with an account join (or decline); of
        # the ones without, a few decline from their link and the others never answer.
        joining, declining = [], []
        for enrolment, firm, action in enrolments:
            if action in ("join", "complete"):
                joining.append(enrolment)
            elif action == "invite":
                continue
            elif firm.pk in self.owners and rng.random() < plan.join_share:
                joining.append(enrolment)
            else:
                declining.append(enrolment)
        rng.shuffle(declining)
        answered_by = self.now - datetime.timedelta(hours=2)
        for enrolment in declining[: plan.decline]:
            services.enrolment_decline(
                enrolment=enrolment, reason=rng.choice(demo_data.DECLINE_REASONS)
            )
            declined_at = self.answer_time(enrolment.invited_at, answered_by)
            Enrolment.objects.filter(pk=enrolment.pk).update(declined_at=declined_at)

        # They join in the order they answered, so the waiting list is first come first served.
        times = {e.pk: self.answer_time(e.invited_at, answered_by) for e in joining}
        joined = []
        for enrolment in sorted(joining, key=lambda e: times[e.pk]):
            enrolment = services.enrolment_join(
                enrolment=enrolment, user=self.owners[enrolment.firm_id]
            )
            field = "waitlisted_at" if enrolment.state == State.WAITLISTED else "joined_at"
            Enrolment.objects.filter(pk=enrolment.pk).update(**{field: times[enrolment.pk]})
            setattr(enrolment, field, times[enrolment.pk])
            if enrolment.state != State.WAITLISTED:
                joined.append(enrolment)
        self.joined[plan.number] = joined

        # Firms that finish every course of the cohort: the named one, then some whose owner
        # had not started any course (a fresh progress, so every quiz is a first attempt).
        completing = [e for e, _f, action in enrolments if action == "complete"]
        learning = set(
            CourseProgress.objects.filter(firm_id__in=[e.firm_id for e in joined]).values_list(
                "firm_id", flat=True
            )
        )
        fresh = [e for e in joined if e.firm_id not in learning and e not in completing]
        completing += rng.sample(fresh, min(plan.complete, len(fresh)))
        courses = list(cohort.courses.select_related("published").order_by("position", "slug"))
        for enrolment in completing:
            joined_at = next(e.joined_at for e in joined if e.pk == enrolment.pk)
            self.finish_courses(enrolment.firm_id, courses, cohort, joined_at)
        self.completers[plan.number] = [e.firm_id for e in completing]

    def answer_time(
        self, invited_at: datetime.datetime, latest: datetime.datetime
    ) -> datetime.datetime:
        """A few hours to ten days after the invitation, never after `latest`."""
        spread = min(10 * 86400, (latest - invited_at).total_seconds())
        return invited_at + datetime.timedelta(seconds=self.rng.uniform(0.05, 1) * spread)

    def finish_courses(self, firm_id: int, courses: list[Course], cohort: Cohort, joined_at):
        """Every lesson viewed and every quiz passed through the learning services, then the
        progress, views, attempts and certificates dated between joining and the cohort's end
        (or today, for a cohort still running)."""
        user, firm = self.owners[firm_id], Firm.objects.get(pk=firm_id)
        for course in courses:
            version = course.published
            lessons = Lesson.objects.filter(version=version).order_by(
                "module__position", "position"
            )
            for lesson in lessons:
                lesson.version = version
                learning_services.lesson_view_record(user=user, firm=firm, lesson=lesson)
            for quiz in Quiz.objects.filter(module__version=version).select_related(
                "module__version"
            ):
                learning_services.quiz_attempt_submit(
                    user=user, firm=firm, quiz=quiz, number=1, answers=_right_answers(quiz)
                )
        end = self.past(self.at(min(cohort.ends_on, self.today), 20))
        span = max((end - joined_at).total_seconds(), 3600)
        for index, course in enumerate(courses, start=1):
            started = joined_at + datetime.timedelta(seconds=span * (index - 0.9) / len(courses))
            finished = joined_at + datetime.timedelta(seconds=span * (index - 0.2) / len(courses))
            progress = CourseProgress.objects.filter(user=user, firm=firm, course=course)
            progress.update(started_at=started, updated_at=finished, completed_at=finished)
            LessonView.objects.filter(progress__in=progress).update(viewed_at=started)
            QuizAttempt.objects.filter(progress__in=progress).update(submitted_at=finished)
            Certificate.objects.filter(user=user, firm=firm, course=course).update(
                issued_at=finished
            )

    # --- Live sessions and attendance ---------------------------------------------------------

    def sessions_and_attendance(self, cohorts: dict[int, Cohort]) -> list[LiveSession]:
        rng = self.rng
        sessions = []
        for number, cohort in cohorts.items():
            plan = demo_data.COHORTS[number - 1]
            mine = []
            for index, spec in enumerate(s for s in demo_data.SESSIONS if s.cohort == number):
                day = cohort.starts_on + spec.day * DAY
                slug = f"evl-p{number}-{index + 1:02d}"
                mine.append(
                    services.session_create(
                        cohort=cohort,
                        title=spec.title,
                        starts_at=self.at(day, spec.hour, spec.minute),
                        duration_minutes=spec.duration,
                        online_url="" if spec.place else f"https://reuniones.example.ec/{slug}",
                        place=spec.place,
                        teacher=spec.teacher,
                        teacher_user=self.consultant if spec.consultant else None,
                    )
                )
            sessions += mine
            held = [s for s in mine if s.starts_at < self.now]
            # Firms leave after the first half of the sessions they could attend.
            half = (len(held) + 1) // 2
            for session in held[:half]:
                self.take_attendance(session)
            left_after = held[half - 1].starts_at if held else None
            joined = [
                e
                for e in self.joined.get(number, [])
                if e.firm_id not in self.completers.get(number, [])
                and e.firm.trade_name not in demo_data.NAMED_ENROLMENTS
            ]
            for enrolment in rng.sample(joined, min(plan.drop, len(joined))):
                services.enrolment_drop(
                    enrolment=enrolment, reason=rng.choice(demo_data.DROP_REASONS)
                )
                since = left_after or enrolment.joined_at
                dropped_at = self.past(since + rng.uniform(1, 6) * DAY)
                Enrolment.objects.filter(pk=enrolment.pk).update(dropped_at=dropped_at)
            for session in held[half:]:
                self.take_attendance(session)
        return sessions

    def take_attendance(self, session: LiveSession) -> None:
        joined = list(
            Enrolment.objects.filter(cohort_id=session.cohort_id, state__in=JOINED_STATES)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        share = self.rng.uniform(*demo_data.ATTENDANCE_SHARE)
        present = set(self.rng.sample(joined, round(share * len(joined))))
        by = session.teacher_user or self.staff
        services.attendance_record(session=session, present_ids=present, by=by)

    # --- Milestones ---------------------------------------------------------------------------

    def outcomes(self, cohorts: dict[int, Cohort]) -> int:
        used: set[int] = set()  # firms drawn for a milestone: one each
        count = 0
        for spec in demo_data.OUTCOMES:
            cohort = cohorts.get(spec.cohort)
            if cohort is None:
                continue
            enrolments = (
                Enrolment.objects.filter(cohort=cohort, state__in=JOINED_STATES)
                .select_related("firm")
                .order_by("pk")
            )
            if spec.firm:
                firm = next((e.firm for e in enrolments if e.firm.trade_name == spec.firm), None)
            else:
                # A firm that finished the courses first, else one that joined.
                finished = self.completers.get(spec.cohort, [])
                candidates = sorted(
                    (e.firm for e in enrolments if e.firm_id not in used),
                    key=lambda f: (
                        f.pk not in finished,
                        f.trade_name in demo_data.NAMED_ENROLMENTS,
                    ),
                )
                firm = candidates[0] if candidates else None
            if firm is None or firm.pk not in self.owners:
                continue
            services.outcome_report(
                firm=firm,
                kind=spec.kind,
                occurred_on=self.today - spec.days_ago * DAY,
                channel=spec.channel,
                by=self.owners[firm.pk],
                channel_detail=spec.channel_detail,
                destination_country=spec.destination_country,
                amount=spec.amount,
            )
            used.add(firm.pk)
            count += 1
        return count

    # --- After the refresh --------------------------------------------------------------------

    def date_states(self, programme: Programme) -> None:
        """`refresh` stamps a firm active or completed when it runs: date those of the demo
        when they happened (started learning after joining, last certificate of the cohort)."""
        rows = list(
            Enrolment.objects.filter(
                cohort__programme=programme, state__in=(State.ACTIVE, State.COMPLETED)
            ).select_related("cohort")
        )
        courses = {
            cohort_id: set(ids)
            for cohort_id, ids in _cohort_courses([e.cohort_id for e in rows]).items()
        }
        issued = {
            (firm_id, course_id): at
            for firm_id, course_id, at in Certificate.objects.filter(
                firm_id__in=[e.firm_id for e in rows], revoked_at__isnull=True
            )
            .values("firm_id", "course_id")
            .annotate(at=Max("issued_at"))
            .values_list("firm_id", "course_id", "at")
        }
        for enrolment in rows:
            started = max(enrolment.joined_at, enrolment.learning_at or enrolment.joined_at)
            fields = {"active_at": min(started, self.now)}
            if enrolment.state == State.COMPLETED:
                last = max(
                    (issued[(enrolment.firm_id, c)] for c in courses[enrolment.cohort_id]),
                    default=enrolment.joined_at,
                )
                fields["completed_at"] = min(max(last, fields["active_at"]), self.now)
            Enrolment.objects.filter(pk=enrolment.pk).update(**fields)


def _cohort_courses(cohort_ids: list[int]) -> dict[int, list[int]]:
    result: dict[int, list[int]] = {}
    through = Cohort.courses.through.objects.filter(cohort_id__in=set(cohort_ids))
    for cohort_id, course_id in through.values_list("cohort_id", "course_id"):
        result.setdefault(cohort_id, []).append(course_id)
    return result
