"""Reads of the training platform, each in a fixed number of queries.

A page combines two independent reads: the *content* of published courses (modules and
lesson titles, never lesson bodies unless one lesson is shown) and the *state* of one person
learning for one firm (views and attempts, by key). Neither depends on how many lessons,
firms or attempts there are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.core.cache import cache
from django.db.models import Count, Max, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from rutapyme.diagnosis.scoring import ROUTE_LENGTH
from rutapyme.diagnosis.selectors import firm_latest_result
from rutapyme.diagnosis.topics import TOPIC_ORDER, Topic
from rutapyme.firms.models import Firm

from .models import (
    Certificate,
    Course,
    CourseProgress,
    CourseVersion,
    Lesson,
    LessonView,
    Module,
    QuizAttempt,
)

ATTEMPT_WINDOW = timedelta(hours=24)
PUBLISHED = CourseVersion.Status.PUBLISHED
# A priority topic brings at most this many modules to the front of the route; its other
# modules wait in "para después", so the route stays a few weeks of work, not the catalogue.
MODULES_PER_TOPIC = 2
_OUTLINE_LESSON_FIELDS = ("id", "module_id", "version_id", "key", "position", "slug", "title",
                          "minutes")  # fmt: skip


# --- One person's state --------------------------------------------------------------------


@dataclass
class QuizState:
    used: int = 0
    used_in_window: int = 0
    passed: bool = False
    best: int | None = None


@dataclass
class PersonState:
    """What one person has done for one firm, by content key. Empty for non-learners."""

    progress: dict[int, CourseProgress] = field(default_factory=dict)
    viewed: set = field(default_factory=set)
    quizzes: dict = field(default_factory=dict)

    def quiz(self, key) -> QuizState:
        return self.quizzes.get(key) or QuizState()


def person_state(*, user, firm: Firm | None, course_id: int | None = None) -> PersonState:
    """Three queries: the person's course progress, lesson views and attempt summaries."""
    if firm is None or not user.is_authenticated:
        return PersonState()
    mine = Q(user=user, firm=firm)
    if course_id is not None:
        mine &= Q(course_id=course_id)
    progress = {p.course_id: p for p in CourseProgress.objects.filter(mine)}
    if not progress:
        return PersonState()
    ids = [p.pk for p in progress.values()]
    viewed = set(
        LessonView.objects.filter(progress_id__in=ids).values_list("lesson_key", flat=True)
    )
    since = timezone.now() - ATTEMPT_WINDOW
    rows = (
        QuizAttempt.objects.filter(progress_id__in=ids)
        .values("quiz_key")
        .annotate(
            used=Count("pk"),
            used_in_window=Count("pk", filter=Q(submitted_at__gt=since)),
            passed=Count("pk", filter=Q(passed=True)),
            best=Max("score"),
        )
    )
    quizzes = {
        row["quiz_key"]: QuizState(
            used=row["used"],
            used_in_window=row["used_in_window"],
            passed=row["passed"] > 0,
            best=row["best"],
        )
        for row in rows
    }
    return PersonState(progress=progress, viewed=viewed, quizzes=quizzes)


def attempts_in_window(*, progress: CourseProgress | None, quiz_key) -> list[QuizAttempt]:
    if progress is None:
        return []
    since = timezone.now() - ATTEMPT_WINDOW
    return list(
        QuizAttempt.objects.filter(progress=progress, quiz_key=quiz_key, submitted_at__gt=since)
        .only("number", "submitted_at")
        .order_by("submitted_at")
    )


# --- Content -------------------------------------------------------------------------------


def _published_courses() -> list[Course]:
    return list(
        Course.objects.filter(published__isnull=False)
        .select_related("published")
        .order_by("position", "slug")
    )


def published_course(*, slug: str) -> Course:
    return get_object_or_404(
        Course.objects.select_related("published"), slug=slug, published__isnull=False
    )


def published_lesson(*, course: Course, slug: str) -> Lesson:
    return get_object_or_404(
        Lesson.objects.select_related("module"), version_id=course.published_id, slug=slug
    )


def version_lesson(*, version: CourseVersion, slug: str) -> Lesson:
    return get_object_or_404(Lesson.objects.select_related("module"), version=version, slug=slug)


def version_module(*, version: CourseVersion, slug: str) -> Module:
    return get_object_or_404(
        Module.objects.select_related("quiz"), version=version, slug=slug, quiz__isnull=False
    )


@dataclass
class LessonItem:
    lesson: Lesson
    viewed: bool


@dataclass
class ModuleItem:
    module: Module
    lessons: list[LessonItem]
    quiz_state: QuizState | None

    @property
    def quiz(self):
        return getattr(self.module, "quiz", None)

    @property
    def steps(self) -> int:
        return len(self.lessons) + (1 if self.quiz else 0)

    @property
    def steps_done(self) -> int:
        passed = 1 if self.quiz_state and self.quiz_state.passed else 0
        return sum(1 for item in self.lessons if item.viewed) + passed

    @property
    def done(self) -> bool:
        return self.steps_done == self.steps

    @property
    def minutes(self) -> int:
        return sum(item.lesson.minutes for item in self.lessons)


@dataclass
class Outline:
    """A version's modules, lessons and quizzes, ticked with one person's state."""

    version: CourseVersion
    modules: list[ModuleItem]

    @property
    def steps(self) -> int:
        return sum(m.steps for m in self.modules)

    @property
    def steps_done(self) -> int:
        return sum(m.steps_done for m in self.modules)

    @property
    def percent(self) -> int:
        return (self.steps_done * 100) // self.steps if self.steps else 0

    def next_step(self) -> tuple[str, object] | None:
        """("lesson", lesson) or ("quiz", module): the first thing not done yet, in order."""
        for item in self.modules:
            for lesson_item in item.lessons:
                if not lesson_item.viewed:
                    return "lesson", lesson_item.lesson
            if item.quiz and not (item.quiz_state and item.quiz_state.passed):
                return "quiz", item.module
        return None

    def neighbours(self, lesson: Lesson) -> tuple[Lesson | None, tuple[str, object] | None]:
        """The lesson before this one, and what comes after: a lesson or the module's quiz."""
        flat: list[tuple[str, object]] = []
        for item in self.modules:
            flat += [("lesson", li.lesson) for li in item.lessons]
            if item.quiz:
                flat.append(("quiz", item.module))
        index = next(
            i for i, (kind, obj) in enumerate(flat) if kind == "lesson" and obj.pk == lesson.pk
        )
        previous = next((obj for kind, obj in reversed(flat[:index]) if kind == "lesson"), None)
        following = flat[index + 1] if index + 1 < len(flat) else None
        return previous, following

    def module_of(self, lesson: Lesson) -> ModuleItem:
        return next(m for m in self.modules if m.module.pk == lesson.module_id)


def course_outline(*, version: CourseVersion, state: PersonState) -> Outline:
    """Two queries: modules with their quiz, and lesson titles (never bodies)."""
    modules = list(
        Module.objects.filter(version=version).select_related("quiz").order_by("position", "pk")
    )
    lessons = (
        Lesson.objects.filter(version=version)
        .only(*_OUTLINE_LESSON_FIELDS)
        .order_by("position", "pk")
    )
    by_module: dict[int, list[LessonItem]] = {m.pk: [] for m in modules}
    for lesson in lessons:
        by_module[lesson.module_id].append(LessonItem(lesson, lesson.key in state.viewed))
    items = []
    for module in modules:
        quiz = getattr(module, "quiz", None)
        items.append(
            ModuleItem(module, by_module[module.pk], state.quiz(quiz.key) if quiz else None)
        )
    return Outline(version=version, modules=items)


# --- The personal route --------------------------------------------------------------------


@dataclass
class RouteStep:
    module: Module
    course: Course
    topic_code: str
    topic_label: str
    reason: str
    priority: bool
    steps: int
    steps_done: int
    first_lesson_slug: str

    @property
    def done(self) -> bool:
        return self.steps_done == self.steps

    @property
    def started(self) -> bool:
        return self.steps_done > 0


@dataclass
class Route:
    diagnosis: object
    steps: list[RouteStep]
    mastered: list[dict]

    @property
    def priority_steps(self) -> list[RouteStep]:
        return [s for s in self.steps if s.priority]

    @property
    def later_steps(self) -> list[RouteStep]:
        """Modules after the priority ones, most needed topic first."""
        return [s for s in self.steps if not s.priority]

    @property
    def percent(self) -> int:
        steps = self.priority_steps
        return (sum(1 for s in steps if s.done) * 100) // len(steps) if steps else 0

    @property
    def done_count(self) -> int:
        return sum(1 for s in self.priority_steps if s.done)


CATALOGUE_CACHE_KEY = "learning:catalogue"
CATALOGUE_TTL = 300  # seconds; publishing a version clears it at once


@dataclass(frozen=True)
class Catalogue:
    """The published modules (with version, course and quiz) and their lessons' keys and
    slugs: the same for every learner, so it is built once and shared through the cache."""

    courses: list[Course]
    modules: list[Module]
    lessons: dict[int, list[tuple]]


def published_catalogue() -> Catalogue:
    catalogue = cache.get(CATALOGUE_CACHE_KEY)
    if catalogue is None:
        catalogue = _build_catalogue()
        cache.set(CATALOGUE_CACHE_KEY, catalogue, CATALOGUE_TTL)
    return catalogue


def catalogue_changed() -> None:
    """Called by whatever publishes content, so the next page reads the new catalogue."""
    cache.delete(CATALOGUE_CACHE_KEY)


def _build_catalogue() -> Catalogue:
    modules = list(
        Module.objects.filter(version__status=PUBLISHED)
        .select_related("version__course", "quiz")
        .order_by("version__course__position", "version__course__slug", "position", "pk")
    )
    lessons: dict[int, list] = {}
    rows = (
        Lesson.objects.filter(version__status=PUBLISHED)
        .order_by("position", "pk")
        .values_list("module_id", "key", "slug")
    )
    for module_id, key, slug in rows:
        lessons.setdefault(module_id, []).append((key, slug))
    return Catalogue(courses=_published_courses(), modules=modules, lessons=lessons)


def firm_route(*, firm: Firm, state: PersonState) -> Route | None:
    """The ordered modules that cover the firm's topics, most needed first; None before the
    firm's first diagnosis. Topics the firm already masters are left out."""
    diagnosis = firm_latest_result(firm=firm)
    if diagnosis is None or not diagnosis.result:
        return None
    topics = diagnosis.result.get("topics", [])
    mastered = {t["code"] for t in diagnosis.result.get("mastered", [])}
    catalogue = published_catalogue()
    modules, lessons = catalogue.modules, catalogue.lessons
    level_order = {level: i for i, level in enumerate(CourseVersion.Level.values)}
    placed: set[int] = set()
    steps: list[RouteStep] = []
    for rank, topic in enumerate(topics):
        # Basic courses first, then the modules most focused on this topic; catalogue order.
        candidates = sorted(
            (m for m in modules if topic["code"] in m.topics and m.pk not in placed),
            key=lambda m: (level_order.get(m.version.level, 9), len(m.topics)),
        )
        taken = 0
        for module in candidates:
            if set(module.topics) <= mastered:
                continue
            priority = rank < ROUTE_LENGTH and taken < MODULES_PER_TOPIC
            taken += 1
            placed.add(module.pk)
            keys = lessons.get(module.pk, [])
            quiz = getattr(module, "quiz", None)
            done = sum(1 for key, _slug in keys if key in state.viewed)
            done += 1 if quiz and state.quiz(quiz.key).passed else 0
            reasons = topic.get("reasons") or [{"text": ""}]
            steps.append(
                RouteStep(
                    module=module,
                    course=module.version.course,
                    topic_code=topic["code"],
                    topic_label=str(Topic(topic["code"]).label)
                    if topic["code"] in TOPIC_ORDER
                    else topic.get("label", topic["code"]),
                    reason=reasons[0]["text"],
                    priority=priority,
                    steps=len(keys) + (1 if quiz else 0),
                    steps_done=done,
                    first_lesson_slug=keys[0][1] if keys else "",
                )
            )
    return Route(diagnosis=diagnosis, steps=steps, mastered=diagnosis.result.get("mastered", []))


@dataclass(frozen=True)
class ContinueAt:
    course: Course
    lesson: Lesson
    percent: int


def person_continue(*, user, firm: Firm | None) -> ContinueAt | None:
    """The lesson this person last opened in a course not yet completed, for any device."""
    if firm is None:
        return None
    progress = (
        CourseProgress.objects.filter(
            user=user,
            firm=firm,
            completed_at__isnull=True,
            last_lesson_key__isnull=False,
            course__published__isnull=False,
        )
        .select_related("course__published")
        .order_by("-updated_at")
        .first()
    )
    if progress is None:
        return None
    lesson = (
        Lesson.objects.filter(version_id=progress.course.published_id, key=progress.last_lesson_key)
        .only("slug", "title", "version_id")
        .first()
    )
    if lesson is None:
        return None
    return ContinueAt(course=progress.course, lesson=lesson, percent=progress.percent)


def firm_course_progress(*, firm: Firm) -> dict[int, dict]:
    """Per course, the best of the firm's members: {course_id: {"best": %, "completed": bool}}."""
    rows = (
        CourseProgress.objects.filter(firm=firm)
        .values("course_id")
        .annotate(best=Max("percent"), completed=Count("pk", filter=Q(completed_at__isnull=False)))
    )
    return {r["course_id"]: {"best": r["best"], "completed": r["completed"] > 0} for r in rows}


# --- Certificates --------------------------------------------------------------------------


def certificate_by_code(*, code: str) -> Certificate | None:
    return Certificate.objects.select_related("course").filter(code=code).first()


def person_certificates(*, user) -> list[Certificate]:
    return list(
        Certificate.objects.filter(user=user).select_related("course").order_by("-issued_at")
    )


@dataclass(frozen=True)
class FirmLearning:
    courses: list[tuple[Course, int, bool]]  # course, best percent of the members, completed
    certificates: int


def firm_learning_summary(*, firm: Firm) -> FirmLearning:
    """Each course the firm's people started, at the best of its members; its certificates."""
    best = firm_course_progress(firm=firm)
    courses = (
        Course.objects.filter(pk__in=best.keys()).select_related("published").order_by("position")
        if best
        else []
    )
    return FirmLearning(
        courses=[(c, best[c.pk]["best"], best[c.pk]["completed"]) for c in courses],
        certificates=Certificate.objects.filter(firm=firm, revoked_at__isnull=True).count(),
    )
