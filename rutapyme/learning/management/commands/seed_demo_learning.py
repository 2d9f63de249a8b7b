"""Give the demo programme's people some training progress, so the pages have something to show.

Run by `python3 dev.py start` after `seed_demo_diagnoses`. Idempotent: once any demo person has
progress it does nothing. Everything goes through the services, as a learner's clicks would:

- Jorge (empresa@, Artesanías Chordeleg): finished "Medios de pago" (certificate) and is
  half-way through the first module of "Canales de venta", so "Continúe donde lo dejó" shows;
- Lucía (socia@): nothing yet, to walk a course from the start;
- about a third of the other demo owners: some lessons of one or two courses, a few finished
  with a certificate, a few with a failed quiz attempt.
"""

import random

from django.core.management.base import BaseCommand
from django.db import transaction

from rutapyme.accounts.models import User
from rutapyme.firms.models import FirmMembership
from rutapyme.learning import services
from rutapyme.learning.models import Course, CourseProgress, Lesson, Quiz

SEED = 20261123
DEMO_DOMAIN = "demo.rutapyme.ec"
SHARE_LEARNING = 0.35
SHARE_FINISHING = 0.15


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


def _wrong_answers(quiz: Quiz) -> dict:
    answers = {}
    for question in quiz.questions.prefetch_related("choices"):
        wrong = [c.code for c in question.choices.all() if not c.is_correct]
        if question.kind == "numeric":
            answers[question.code] = question.answer + 1000
        else:
            answers[question.code] = wrong[:1] if question.kind == "multiple" else wrong[0]
    return answers


class Command(BaseCommand):
    help = "Demo training progress and certificates for the demo programme (idempotent)."

    def handle(self, *args, **options):
        if CourseProgress.objects.filter(user__email__endswith=f"@{DEMO_DOMAIN}").exists():
            self.stdout.write("Demo training progress already there.")
            return
        rng = random.Random(SEED)
        courses = {c.slug: c for c in Course.objects.select_related("published")}
        with transaction.atomic():
            jorge = self._member("empresa")
            if jorge:
                user, firm = jorge
                self._finish(user, firm, courses["medios-de-pago"])
                self._read(user, firm, courses["canales-de-venta"], 2)
            owners = (
                FirmMembership.objects.filter(
                    user__email__startswith="owner", user__email__endswith=f"@{DEMO_DOMAIN}"
                )
                .select_related("user", "firm")
                .order_by("pk")
            )
            started = finished = 0
            for membership in owners:
                if rng.random() > SHARE_LEARNING:
                    continue
                started += 1
                chosen = rng.sample(list(courses.values()), k=rng.choice([1, 1, 2]))
                for course in chosen:
                    if rng.random() < SHARE_FINISHING:
                        self._finish(membership.user, membership.firm, course)
                        finished += 1
                    else:
                        self._read(
                            membership.user, membership.firm, course, rng.randint(1, 6), rng=rng
                        )
        self.stdout.write(
            f"Demo training loaded: {started + bool(jorge)} people learning, "
            f"{finished + bool(jorge)} courses finished with a certificate."
        )

    def _member(self, local_part: str):
        membership = (
            FirmMembership.objects.filter(user__email=f"{local_part}@{DEMO_DOMAIN}")
            .select_related("user", "firm")
            .first()
        )
        return (membership.user, membership.firm) if membership else None

    def _lessons(self, course: Course) -> list[Lesson]:
        lessons = list(
            Lesson.objects.filter(version=course.published).order_by("module__position", "position")
        )
        for lesson in lessons:
            lesson.version = course.published
        return lessons

    def _read(self, user: User, firm, course: Course, count: int, rng=None) -> None:
        lessons = self._lessons(course)[:count]
        for lesson in lessons:
            services.lesson_view_record(user=user, firm=firm, lesson=lesson)
        if rng is not None and rng.random() < 0.3 and lessons:
            quiz = Quiz.objects.select_related("module__version").get(module=lessons[0].module)
            services.quiz_attempt_submit(
                user=user, firm=firm, quiz=quiz, number=1, answers=_wrong_answers(quiz)
            )

    def _finish(self, user: User, firm, course: Course) -> None:
        for lesson in self._lessons(course):
            services.lesson_view_record(user=user, firm=firm, lesson=lesson)
        quizzes = Quiz.objects.filter(module__version=course.published).select_related(
            "module__version"
        )
        for quiz in quizzes:
            services.quiz_attempt_submit(
                user=user, firm=firm, quiz=quiz, number=1, answers=_right_answers(quiz)
            )
