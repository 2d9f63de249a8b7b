"""The later stages of each enrolment, copied from the apps that own them (ADR 0010).

The dashboard counts one table, `Enrolment`, so a programme of 100 cohorts and a million
firms reads in one aggregate query. Each stage is the first date the firm reached it,
whenever that was (a firm that diagnosed itself before it was invited counts as diagnosed):

- diagnosed: its first submitted diagnosis (`diagnosis.Diagnosis.submitted_at`);
- learning: the first course anyone of the firm started (`learning.CourseProgress`);
- certified: its first certificate that is not revoked (`learning.Certificate`);
- online: the firm has a web page of its own (`Firm.website`; the storefront issue will
  give this its publication date); dated the first time a refresh saw it;
- first sale, first export: the milestones the firm reported (`Outcome`);
- levels: the first and the latest maturity level (`Diagnosis.first_level`, `level`);
- courses completed: the cohort's courses with a valid certificate for the firm.

A joined enrolment becomes active when the firm starts learning and completed when every
course of the cohort has a certificate. `refresh` runs on chunks of enrolments with a fixed
number of queries per chunk; it is idempotent, so running it twice or after a killed run
changes nothing more. It runs at a firm's own events (joining, reporting an outcome), as a
background task per cohort when the dashboard finds its figures older than STALE_AFTER, and
from `manage.py refresh_programme_stages` (a cron job may call it nightly).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Min, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from rutapyme.diagnosis.models import Diagnosis
from rutapyme.firms.models import Firm
from rutapyme.learning.models import Certificate, CourseProgress

from .models import JOINED_STATES, Cohort, Enrolment, Outcome

CHUNK = 2000
STALE_AFTER = datetime.timedelta(minutes=10)

STAGE_FIELDS = [
    "diagnosed_at", "learning_at", "certified_at", "online_at", "first_sale_at",
    "first_export_at", "first_level", "latest_level", "courses_completed",
]  # fmt: skip

SALE_KINDS = (Outcome.Kind.FIRST_ONLINE_SALE, Outcome.Kind.FIRST_MARKETPLACE_SALE)


def _as_datetime(day: datetime.date | None) -> datetime.datetime | None:
    if day is None:
        return None
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def _per_firm(qs: QuerySet, field: str) -> dict[int, object]:
    return dict(qs.values("firm_id").annotate(first=Min(field)).values_list("firm_id", "first"))


def _facts(firm_ids: list[int], course_ids: dict[int, set[int]]) -> dict[str, dict]:
    """What the owning apps say about these firms: six queries, whatever their number."""
    diagnosed = _per_firm(
        Diagnosis.objects.filter(firm_id__in=firm_ids, status=Diagnosis.Status.SUBMITTED),
        "submitted_at",
    )
    levels = {
        firm_id: (first, level)
        for firm_id, first, level in Diagnosis.objects.filter(
            firm_id__in=firm_ids, is_latest=True
        ).values_list("firm_id", "first_level", "level")
    }
    learning = _per_firm(CourseProgress.objects.filter(firm_id__in=firm_ids), "started_at")
    certified: dict[int, datetime.datetime] = {}
    # firm → course → the first certificate of that course (any member of the firm)
    certified_courses: dict[int, dict[int, datetime.datetime]] = defaultdict(dict)
    for firm_id, course_id, issued_at in Certificate.objects.filter(
        firm_id__in=firm_ids, revoked_at__isnull=True
    ).values_list("firm_id", "course_id", "issued_at"):
        courses = certified_courses[firm_id]
        if course_id not in courses or issued_at < courses[course_id]:
            courses[course_id] = issued_at
        if firm_id not in certified or issued_at < certified[firm_id]:
            certified[firm_id] = issued_at
    online = set(
        Firm.objects.filter(pk__in=firm_ids).exclude(website="").values_list("pk", flat=True)
    )
    sales = _per_firm(
        Outcome.objects.filter(firm_id__in=firm_ids, kind__in=SALE_KINDS), "occurred_on"
    )
    exports = _per_firm(
        Outcome.objects.filter(firm_id__in=firm_ids, kind=Outcome.Kind.FIRST_EXPORT),
        "occurred_on",
    )
    return {
        "diagnosed": diagnosed,
        "levels": levels,
        "learning": learning,
        "certified": certified,
        "certified_courses": certified_courses,
        "online": online,
        "sales": sales,
        "exports": exports,
    }


def _apply(enrolment: Enrolment, facts: dict, cohort_courses: set[int], now) -> bool:
    """Set the stage fields from the facts; True if any of them changed."""
    before = tuple(getattr(enrolment, f) for f in STAGE_FIELDS)
    firm_id = enrolment.firm_id
    enrolment.diagnosed_at = facts["diagnosed"].get(firm_id)
    enrolment.first_level, enrolment.latest_level = facts["levels"].get(firm_id, (None, None))
    enrolment.learning_at = facts["learning"].get(firm_id)
    enrolment.certified_at = facts["certified"].get(firm_id)
    if firm_id in facts["online"]:
        enrolment.online_at = enrolment.online_at or now
    else:
        enrolment.online_at = None
    enrolment.first_sale_at = _as_datetime(facts["sales"].get(firm_id))
    enrolment.first_export_at = _as_datetime(facts["exports"].get(firm_id))
    enrolment.courses_completed = len(
        cohort_courses & facts["certified_courses"].get(firm_id, {}).keys()
    )
    return before != tuple(getattr(enrolment, f) for f in STAGE_FIELDS)


def _target_state(enrolment: Enrolment, cohort_courses: set[int]) -> str | None:
    """The state a joined enrolment should be in, or None for one that has not joined."""
    State = Enrolment.State
    if enrolment.state not in JOINED_STATES:
        return None
    if cohort_courses and enrolment.courses_completed == len(cohort_courses):
        return State.COMPLETED
    return State.ACTIVE if enrolment.learning_at is not None else State.JOINED


def _completed_on(enrolment: Enrolment, facts: dict, cohort_courses: set[int]):
    """When the last of the cohort's courses got its first certificate."""
    issued = facts["certified_courses"].get(enrolment.firm_id, {})
    return max(issued[course] for course in cohort_courses)


def _move_states(targets: dict[str, list], now) -> None:
    """Conditional updates, so a concurrent drop or join is never overwritten. Active since
    the later of joining and starting to learn; completed when the last certificate came."""
    State = Enrolment.State
    others = {state: [s for s in JOINED_STATES if s != state] for state in JOINED_STATES}
    active_since = Coalesce("active_at", Greatest("joined_at", "learning_at"), Value(now))
    for enrolment_id, completed_on in targets[State.COMPLETED]:
        Enrolment.objects.filter(pk=enrolment_id, state__in=others[State.COMPLETED]).update(
            state=State.COMPLETED, completed_at=completed_on, active_at=active_since
        )
    if targets[State.ACTIVE]:
        Enrolment.objects.filter(
            pk__in=targets[State.ACTIVE], state__in=others[State.ACTIVE]
        ).update(state=State.ACTIVE, completed_at=None, active_at=active_since)
    if targets[State.JOINED]:
        Enrolment.objects.filter(
            pk__in=targets[State.JOINED], state__in=others[State.JOINED]
        ).update(state=State.JOINED, completed_at=None)


def _course_ids(cohort_ids: Iterable[int]) -> dict[int, set[int]]:
    through = Cohort.courses.through.objects.filter(cohort_id__in=list(cohort_ids))
    result: dict[int, set[int]] = defaultdict(set)
    for cohort_id, course_id in through.values_list("cohort_id", "course_id"):
        result[cohort_id].add(course_id)
    return result


def refresh(enrolments: QuerySet[Enrolment]) -> int:
    """Recompute the stages of `enrolments`, chunk by chunk; returns how many changed."""
    now = timezone.now()
    changed = 0
    last_id = 0
    base = enrolments.order_by("pk").only("pk", "firm_id", "cohort_id", "state", *STAGE_FIELDS)
    while True:
        chunk = list(base.filter(pk__gt=last_id)[:CHUNK])
        if not chunk:
            return changed
        last_id = chunk[-1].pk
        courses = _course_ids({e.cohort_id for e in chunk})
        facts = _facts(sorted({e.firm_id for e in chunk}), courses)
        dirty = [e for e in chunk if _apply(e, facts, courses.get(e.cohort_id, set()), now)]
        targets: dict[str, list] = defaultdict(list)
        for enrolment in chunk:
            cohort_courses = courses.get(enrolment.cohort_id, set())
            target = _target_state(enrolment, cohort_courses)
            if target is None or target == enrolment.state:
                continue
            if target == Enrolment.State.COMPLETED:
                completed_on = _completed_on(enrolment, facts, cohort_courses)
                targets[target].append((enrolment.pk, completed_on))
            else:
                targets[target].append(enrolment.pk)
        with transaction.atomic():
            if dirty:
                Enrolment.objects.bulk_update(dirty, STAGE_FIELDS, batch_size=500)
            _move_states(targets, now)
        changed += len(dirty) + sum(len(ids) for ids in targets.values())


def refresh_cohort(cohort: Cohort) -> int:
    started = timezone.now()
    changed = refresh(Enrolment.objects.filter(cohort=cohort))
    Cohort.objects.filter(pk=cohort.pk).update(stages_refreshed_at=started)
    return changed


def refresh_firm(firm_id: int) -> int:
    return refresh(Enrolment.objects.filter(firm_id=firm_id))


def stale_cohorts(cohorts: QuerySet[Cohort]) -> list[int]:
    """Ids of the cohorts whose stages were never refreshed or are older than STALE_AFTER."""
    limit = timezone.now() - STALE_AFTER
    stale = Q(stages_refreshed_at__isnull=True) | Q(stages_refreshed_at__lt=limit)
    return list(cohorts.filter(stale).order_by().values_list("pk", flat=True))
