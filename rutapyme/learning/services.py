"""Every write of the training platform: publishing content, recording progress, certificates."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from rutapyme.diagnosis.topics import Topic
from rutapyme.firms.models import Firm

from . import grading
from .codes import code_new
from .guides import guide_kind
from .models import (
    Certificate,
    Choice,
    Course,
    CourseProgress,
    CourseVersion,
    Guide,
    Lesson,
    LessonView,
    Module,
    Question,
    Quiz,
    QuizAttempt,
)
from .selectors import ATTEMPT_WINDOW, catalogue_changed

# --- Publishing ----------------------------------------------------------------------------


class PublishError(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def version_problems(version: CourseVersion) -> list[str]:
    """What stops a version from being published, in the editor's words; [] when ready."""
    problems: list[str] = []
    topics = set(Topic.values)
    modules = list(
        version.modules.prefetch_related("lessons", "quiz__questions__choices").order_by(
            "position", "pk"
        )
    )
    if not modules:
        problems.append(_("El curso no tiene módulos."))
    for module in modules:
        where = _("Módulo «%(module)s»") % {"module": module.title}
        if not module.lessons.all():
            problems.append(_("%(where)s: no tiene lecciones.") % {"where": where})
        unknown = [code for code in module.topics if code not in topics]
        if unknown:
            problems.append(
                _("%(where)s: temas desconocidos: %(codes)s.")
                % {"where": where, "codes": ", ".join(map(str, unknown))}
            )
        for lesson in module.lessons.all():
            if not lesson.body.strip():
                problems.append(
                    _("%(where)s: la lección «%(lesson)s» no tiene texto.")
                    % {"where": where, "lesson": lesson.title}
                )
        quiz = getattr(module, "quiz", None)
        if quiz is None:
            continue
        questions = list(quiz.questions.all())
        if not questions:
            problems.append(_("%(where)s: el cuestionario no tiene preguntas.") % {"where": where})
        for question in questions:
            problems += _question_problems(where, question)
    return problems


def _question_problems(where: str, question: Question) -> list[str]:
    choices = list(question.choices.all())
    right = [c for c in choices if c.is_correct]
    label = _("%(where)s, pregunta %(code)s") % {"where": where, "code": question.code}
    kind = Question.Kind
    if question.kind == kind.NUMERIC:
        if question.answer is None:
            return [_("%(label)s: falta la respuesta numérica.") % {"label": label}]
        return []
    if question.kind == kind.TRUE_FALSE and len(choices) != 2:
        return [
            _("%(label)s: verdadero o falso lleva exactamente dos opciones.") % {"label": label}
        ]
    if question.kind in (kind.SINGLE, kind.TRUE_FALSE) and len(right) != 1:
        return [_("%(label)s: debe tener exactamente una opción correcta.") % {"label": label}]
    if question.kind == kind.MULTIPLE and not right:
        return [_("%(label)s: debe tener al menos una opción correcta.") % {"label": label}]
    if len(choices) < 2:
        return [_("%(label)s: necesita al menos dos opciones.") % {"label": label}]
    return []


@transaction.atomic
def version_publish(*, version: CourseVersion, user=None) -> CourseVersion:
    """Make a draft the version firms see; the previous one is kept as `archived`."""
    version = CourseVersion.objects.select_for_update().get(pk=version.pk)
    if not version.is_draft:
        raise PublishError([_("Solo se publica un borrador; esta versión ya fue publicada.")])
    problems = version_problems(version)
    if problems:
        raise PublishError(problems)
    course = Course.objects.select_for_update().get(pk=version.course_id)
    CourseVersion.objects.filter(course=course, status=CourseVersion.Status.PUBLISHED).update(
        status=CourseVersion.Status.ARCHIVED
    )
    version.status = CourseVersion.Status.PUBLISHED
    version.published_at = timezone.now()
    version.published_by = user
    version.save(update_fields=["status", "published_at", "published_by"])
    course.published = version
    course.save(update_fields=["published"])
    transaction.on_commit(catalogue_changed)
    return version


@transaction.atomic
def version_start_draft(*, course: Course, user=None) -> CourseVersion:
    """The course's draft, copied from the published version when there is none yet.

    The copy keeps every module, lesson and quiz key, so what learners did on the published
    version still counts once the draft is published.
    """
    course = Course.objects.select_for_update().get(pk=course.pk)
    draft = course.versions.filter(status=CourseVersion.Status.DRAFT).first()
    if draft is not None:
        return draft
    source = course.published or course.versions.order_by("-number").first()
    number = (course.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    if source is None:
        return CourseVersion.objects.create(
            course=course, number=number, title=course.slug, summary="", hours=1,
            level=CourseVersion.Level.INICIAL, created_by=user,
        )  # fmt: skip
    draft = CourseVersion.objects.create(
        course=course,
        number=number,
        title=source.title,
        summary=source.summary,
        hours=source.hours,
        level=source.level,
        language=source.language,
        sources=source.sources,
        created_by=user,
    )
    _copy_content(source, draft)
    return draft


def _copy_content(source: CourseVersion, draft: CourseVersion) -> None:
    modules = source.modules.prefetch_related(
        "lessons__guides", "quiz__questions__choices"
    ).order_by("position", "pk")
    for module in modules:
        copy = Module.objects.create(
            version=draft, key=module.key, position=module.position, slug=module.slug,
            title=module.title, topics=module.topics,
        )  # fmt: skip
        for lesson in module.lessons.all():
            new_lesson = Lesson.objects.create(
                version=draft, module=copy, key=lesson.key, position=lesson.position,
                slug=lesson.slug, title=lesson.title, body=lesson.body, minutes=lesson.minutes,
                video_url=lesson.video_url,
            )  # fmt: skip
            Guide.objects.bulk_create(
                Guide(
                    lesson=new_lesson,
                    position=g.position,
                    title=g.title,
                    file=g.file.name,
                    kind=g.kind,
                    size=g.size,
                )  # fmt: skip
                for g in lesson.guides.all()
            )
        quiz = getattr(module, "quiz", None)
        if quiz is None:
            continue
        new_quiz = Quiz.objects.create(
            module=copy, key=quiz.key, pass_mark=quiz.pass_mark, max_attempts=quiz.max_attempts
        )
        for question in quiz.questions.all():
            new_question = Question.objects.create(
                quiz=new_quiz, position=question.position, code=question.code,
                kind=question.kind, text=question.text, answer=question.answer,
                tolerance=question.tolerance, feedback_correct=question.feedback_correct,
                feedback_wrong=question.feedback_wrong,
            )  # fmt: skip
            Choice.objects.bulk_create(
                Choice(
                    question=new_question,
                    position=c.position,
                    code=c.code,
                    text=c.text,
                    is_correct=c.is_correct,
                    feedback=c.feedback,
                )  # fmt: skip
                for c in question.choices.all()
            )


def guide_attach(*, guide: Guide) -> Guide:
    """Store what kind of file an uploaded guide is (already validated) and its size."""
    guide.kind = guide_kind(guide.file)
    guide.size = guide.file.size
    return guide


# --- Progress ------------------------------------------------------------------------------


def _progress_for(*, user, firm: Firm, course_id: int) -> CourseProgress:
    progress, _created = CourseProgress.objects.get_or_create(
        user=user, firm=firm, course_id=course_id
    )
    return progress


@transaction.atomic
def lesson_view_record(*, user, firm: Firm, lesson: Lesson) -> CourseProgress:
    """The person opened this lesson: remember it, and where to continue from.

    Safe to repeat and to race: the view is inserted once whatever the number of requests.
    """
    progress = _progress_for(user=user, firm=firm, course_id=lesson.version.course_id)
    LessonView.objects.bulk_create(
        [LessonView(progress=progress, lesson_key=lesson.key)], ignore_conflicts=True
    )
    progress.last_lesson_key = lesson.key
    _refresh(progress, lesson.version)
    return progress


class AttemptRefused(Exception):
    """The attempt cannot be taken: already sent, none left, or the quiz is already passed."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class AttemptResult:
    attempt: QuizAttempt
    marked: list[grading.Marked]
    progress: CourseProgress
    certificate: Certificate | None


def quiz_attempt_submit(
    *, user, firm: Firm, quiz: Quiz, number: int, answers: dict
) -> AttemptResult:
    """Mark and store attempt `number` of this person's quiz.

    `answers` maps question codes to validated answers (a code, a list of codes, a Decimal).
    The number comes from the form the person answered; the unique constraint on (progress,
    quiz, number) makes a second submission of the same form, from another tab or a retried
    request, fail instead of counting twice. `max_attempts` attempts are allowed in any
    24 hours (`ATTEMPT_WINDOW`): someone who fails them all reviews the lessons and tries
    again the next day, rather than being locked out of the certificate for good.
    """
    version = quiz.module.version
    questions = list(quiz.questions.prefetch_related("choices"))
    marked = [grading.mark(q, answers[q.code], q.choices.all()) for q in questions]
    percent = grading.score(marked)
    try:
        with transaction.atomic():
            progress = _progress_for(user=user, firm=firm, course_id=version.course_id)
            progress = CourseProgress.objects.select_for_update().get(pk=progress.pk)
            previous = list(
                QuizAttempt.objects.filter(progress=progress, quiz_key=quiz.key).values_list(
                    "number", "passed", "submitted_at"
                )
            )
            if any(n == number for n, _p, _at in previous):
                raise AttemptRefused("duplicate", _("Este intento ya se envió."))
            if any(passed for _n, passed, _at in previous):
                raise AttemptRefused("passed", _("Ya aprobó este cuestionario."))
            since = timezone.now() - ATTEMPT_WINDOW
            if sum(1 for _n, _p, at in previous if at > since) >= quiz.max_attempts:
                raise AttemptRefused("exhausted", _("Ya usó los intentos de las últimas 24 horas."))
            if number != max((n for n, _p, _at in previous), default=0) + 1:
                raise AttemptRefused("stale", _("Este formulario es de un intento anterior."))
            attempt = QuizAttempt.objects.create(
                progress=progress,
                quiz_key=quiz.key,
                number=number,
                answers={m.code: m.answer for m in marked},
                correct=sum(1 for m in marked if m.correct),
                total=len(marked),
                score=percent,
                passed=percent >= quiz.pass_mark,
                version=version,
            )
            certificate = _refresh(progress, version)
    except IntegrityError as exc:
        raise AttemptRefused("duplicate", _("Este intento ya se envió.")) from exc
    return AttemptResult(attempt, marked, progress, certificate)


def _refresh(progress: CourseProgress, version: CourseVersion) -> Certificate | None:
    """Recount the person's progress against the published version; certify at 100 %."""
    lesson_keys = set(Lesson.objects.filter(version=version).values_list("key", flat=True))
    quiz_keys = set(Quiz.objects.filter(module__version=version).values_list("key", flat=True))
    viewed = set(progress.views.values_list("lesson_key", flat=True)) & lesson_keys
    passed = (
        set(progress.attempts.filter(passed=True).values_list("quiz_key", flat=True)) & quiz_keys
    )
    total = len(lesson_keys) + len(quiz_keys)
    done = len(viewed) + len(passed)
    progress.percent = (done * 100) // total if total else 0
    certificate = None
    if total and done == total and version.status == CourseVersion.Status.PUBLISHED:
        progress.completed_at = progress.completed_at or timezone.now()
        certificate = certificate_issue(progress=progress, version=version)
    progress.save(update_fields=["percent", "completed_at", "last_lesson_key", "updated_at"])
    return certificate


# --- Certificates --------------------------------------------------------------------------


def certificate_issue(*, progress: CourseProgress, version: CourseVersion) -> Certificate:
    """The person's certificate for this course and firm: issued once, kept thereafter."""
    existing = Certificate.objects.filter(
        user_id=progress.user_id, firm_id=progress.firm_id, course_id=progress.course_id
    ).first()
    if existing is not None:
        return existing
    user, firm = progress.user, progress.firm
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Certificate.objects.create(
                    code=code_new(),
                    user=user,
                    firm=firm,
                    course_id=progress.course_id,
                    version=version,
                    person_name=user.full_name or user.email,
                    firm_name=firm.trade_name or firm.legal_name,
                    course_title=version.title,
                    hours=Decimal(version.hours),
                    issued_at=timezone.now(),
                )
        except IntegrityError:
            existing = Certificate.objects.filter(
                user_id=progress.user_id, firm_id=progress.firm_id, course_id=progress.course_id
            ).first()
            if existing is not None:
                return existing  # issued by a concurrent request
    raise RuntimeError("could not draw a unique certificate code")  # 2^80 codes: unreachable


def certificate_revoke(*, certificate: Certificate, user, reason: str) -> Certificate:
    updated = Certificate.objects.filter(pk=certificate.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=user, revoked_reason=reason.strip()
    )
    certificate.refresh_from_db()
    if not updated:
        raise ValueError("already revoked")
    return certificate
