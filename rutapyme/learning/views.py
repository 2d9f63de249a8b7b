"""The learner's pages: route, courses, lessons, quizzes and certificates.

Plain links and forms that work without JavaScript. Progress is recorded when a firm member
opens a lesson and when they send a quiz, so a dropped connection loses at most the page in
flight. A quiz sent after the session expired is kept in the new session and put back in the
form after signing in again.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rutapyme.firms.models import Firm
from rutapyme.firms.selectors import firms_of_member

from . import grading, selectors, services
from .certificate_pdf import certificate_pdf
from .codes import code_display
from .forms import QuizForm
from .models import Certificate, CourseVersion, Module, QuizAttempt
from .permissions import can_edit_content, certificates_visible_to
from .rendering import lesson_html

FIRM_SESSION_KEY = "learning_firm"
PENDING_QUIZ_KEY = "learning_pending_quiz"


# --- Which firm the person is learning for ------------------------------------------------


def _learning_firm(request) -> tuple[Firm | None, list[Firm]]:
    """The firm chosen in this session among the person's firms (the first by default).

    Only a firm's own members learn for it (rutapyme/learning/permissions.py): the firm is
    picked from the person's memberships, so a firm returned here is one they may learn for.
    """
    if not request.user.is_authenticated:
        return None, []
    firms = firms_of_member(user=request.user)
    chosen = request.session.get(FIRM_SESSION_KEY)
    firm = next((f for f in firms if str(f.public_id) == chosen), firms[0] if firms else None)
    return firm, firms


@login_required
@require_POST
def choose_firm(request):
    firms = firms_of_member(user=request.user)
    wanted = request.POST.get("firm", "")
    firm = next((f for f in firms if str(f.public_id) == wanted), None)
    if firm is None:
        raise Http404
    request.session[FIRM_SESSION_KEY] = str(firm.public_id)
    return redirect("learning:route")


# --- Route and catalogue ------------------------------------------------------------------


@login_required
@require_GET
def route(request):
    firm, firms = _learning_firm(request)
    state = selectors.person_state(user=request.user, firm=firm)
    courses = selectors.published_catalogue().courses
    firm_progress = selectors.firm_course_progress(firm=firm) if firm else {}
    rows = [
        {
            "course": course,
            "mine": state.progress.get(course.pk),
            "firm": firm_progress.get(course.pk),
        }
        for course in courses
    ]
    return render(
        request,
        "learning/route.html",
        {
            "firm": firm,
            "firms": firms,
            "route": selectors.firm_route(firm=firm, state=state) if firm else None,
            "continue_at": selectors.person_continue(user=request.user, firm=firm),
            "rows": rows,
        },
    )


# --- Course and lesson --------------------------------------------------------------------


def _outline_for(request, course):
    firm, _firms = _learning_firm(request)
    learner = firm is not None
    state = selectors.person_state(user=request.user, firm=firm, course_id=course.pk)
    outline = selectors.course_outline(version=course.published, state=state)
    return firm, learner, state, outline


def _step_url(course_slug: str, step, *, preview_version: int | None = None) -> str | None:
    if step is None:
        return None
    kind, obj = step
    if preview_version is not None:
        if kind == "lesson":
            return reverse("learning:preview_lesson", args=[preview_version, obj.slug])
        return reverse("learning:preview_quiz", args=[preview_version, obj.slug])
    if kind == "lesson":
        return reverse("learning:lesson", args=[course_slug, obj.slug])
    return reverse("learning:quiz", args=[course_slug, obj.slug])


@login_required
@require_GET
def course(request, slug):
    course = selectors.published_course(slug=slug)
    firm, learner, state, outline = _outline_for(request, course)
    progress = state.progress.get(course.pk)
    certificate = (
        Certificate.objects.filter(user=request.user, firm=firm, course=course).first()
        if progress and progress.completed_at
        else None
    )
    return render(
        request,
        "learning/course.html",
        {
            "course": course,
            "version": course.published,
            "outline": outline,
            "firm": firm,
            "learner": learner,
            "progress": progress,
            "next_url": _step_url(slug, outline.next_step()),
            "certificate": certificate,
        },
    )


@login_required
@require_GET
def lesson(request, slug, lesson_slug):
    course = selectors.published_course(slug=slug)
    lesson = selectors.published_lesson(course=course, slug=lesson_slug)
    lesson.version = course.published
    firm, _firms = _learning_firm(request)
    learner = firm is not None
    if learner:
        services.lesson_view_record(user=request.user, firm=firm, lesson=lesson)
    return _render_lesson(request, course, course.published, lesson, firm=firm, learner=learner)


def _render_lesson(request, course, version, lesson, *, firm, learner, preview=False):
    state = selectors.person_state(user=request.user, firm=firm, course_id=course.pk)
    outline = selectors.course_outline(version=version, state=state)
    previous, following = outline.neighbours(lesson)
    preview_version = version.pk if preview else None
    return render(
        request,
        "learning/lesson.html",
        {
            "course": course,
            "version": version,
            "lesson": lesson,
            "body": lesson_html(lesson.body, lesson.title),
            "guides": list(lesson.guides.all()),
            "module_item": outline.module_of(lesson),
            "outline": outline,
            "learner": learner,
            "preview": preview,
            "previous_url": _step_url(course.slug, ("lesson", previous) if previous else None,
                                      preview_version=preview_version),
            "next_url": _step_url(course.slug, following, preview_version=preview_version),
            "next_is_quiz": following is not None and following[0] == "quiz",
            "course_url": reverse("learning:preview", args=[version.pk])
            if preview
            else reverse("learning:course", args=[course.slug]),
        },
    )  # fmt: skip


# --- Quiz ---------------------------------------------------------------------------------


def _stash_pending_answers(request, path: str) -> None:
    """Keep what was answered when the session has expired; the sign-in keeps the session."""
    answers = {key: request.POST.getlist(key) for key in request.POST if key.startswith("q_")}
    request.session[PENDING_QUIZ_KEY] = {"path": path, "answers": answers}


def _pending_answers(request, path: str) -> dict | None:
    pending = request.session.get(PENDING_QUIZ_KEY)
    if not pending or pending.get("path") != path:
        return None
    del request.session[PENDING_QUIZ_KEY]
    return pending["answers"]


def _initial_from(answers: dict, questions) -> dict:
    initial = {}
    for question in questions:
        values = answers.get(question.field_name, [])
        if question.kind == question.Kind.MULTIPLE:
            initial[question.field_name] = values
        elif values:
            initial[question.field_name] = values[0]
    return initial


@require_http_methods(["GET", "POST"])
def quiz(request, slug, module_slug):
    if not request.user.is_authenticated:
        if request.method == "POST":
            _stash_pending_answers(request, request.path)
            messages.warning(
                request,
                _(
                    "Su sesión se cerró mientras respondía. Ingrese de nuevo: guardamos sus "
                    "respuestas y las verá en el cuestionario."
                ),
            )
        return redirect_to_login(request.path)
    course = selectors.published_course(slug=slug)
    module = selectors.version_module(version=course.published, slug=module_slug)
    quiz = module.quiz
    firm, _firms = _learning_firm(request)
    learner = firm is not None
    state = selectors.person_state(user=request.user, firm=firm, course_id=course.pk)
    quiz_state = state.quiz(quiz.key)
    questions = list(quiz.questions.prefetch_related("choices"))
    next_number = quiz_state.used + 1  # attempts are numbered 1, 2, 3… without gaps
    if request.method == "POST" and learner:
        form = QuizForm(request.POST, questions=questions)
        if form.is_valid():
            try:
                result = services.quiz_attempt_submit(
                    user=request.user,
                    firm=firm,
                    quiz=quiz,
                    number=form.cleaned_data["attempt"],
                    answers=form.answers(),
                )
            except services.AttemptRefused as refused:
                if refused.reason == "duplicate":
                    messages.info(
                        request,
                        _("Este intento ya se había enviado, quizá desde otra pestaña: "
                          "este es su resultado."),
                    )  # fmt: skip
                    return redirect(
                        "learning:attempt", slug, module_slug, form.cleaned_data["attempt"]
                    )
                messages.warning(request, refused.message)
                if refused.reason != "stale":
                    return redirect("learning:quiz", slug, module_slug)
                data = request.POST.copy()  # keep what was marked, for the current attempt
                data["attempt"] = str(next_number)
                form = QuizForm(data, questions=questions)
            else:
                if result.certificate is not None and result.progress.completed_at:
                    messages.success(
                        request,
                        _("¡Terminó el curso! Su certificado está listo."),
                    )
                return redirect("learning:attempt", slug, module_slug, result.attempt.number)
    else:
        pending = _pending_answers(request, request.path)
        initial = {"attempt": next_number}
        if pending:
            initial |= _initial_from(pending, questions)
            messages.info(
                request, _("Recuperamos las respuestas que había marcado. Revíselas y envíe.")
            )
        form = QuizForm(initial=initial, questions=questions)
    return render(
        request,
        "learning/quiz.html",
        {
            "course": course,
            "module": module,
            "quiz": quiz,
            "form": form,
            "learner": learner,
            "quiz_state": quiz_state,
            "attempts_left": max(0, quiz.max_attempts - quiz_state.used_in_window),
            "retry_at": _retry_at(state, course, quiz, quiz_state),
            "preview": False,
        },
    )


def _retry_at(state, course, quiz, quiz_state):
    if quiz_state.passed or quiz_state.used_in_window < quiz.max_attempts:
        return None
    recent = selectors.attempts_in_window(progress=state.progress.get(course.pk), quiz_key=quiz.key)
    return recent[0].submitted_at + selectors.ATTEMPT_WINDOW if recent else None


@login_required
@require_GET
def attempt(request, slug, module_slug, number):
    course = selectors.published_course(slug=slug)
    module = selectors.version_module(version=course.published, slug=module_slug)
    firm, _firms = _learning_firm(request)
    attempt = get_object_or_404(
        QuizAttempt,
        progress__user=request.user,
        progress__firm=firm,
        quiz_key=module.quiz.key,
        number=number,
    )
    questions = list(module.quiz.questions.prefetch_related("choices"))
    state = selectors.person_state(user=request.user, firm=firm, course_id=course.pk)
    outline = selectors.course_outline(version=course.published, state=state)
    progress = state.progress.get(course.pk)
    return render(
        request,
        "learning/attempt.html",
        {
            "course": course,
            "module": module,
            "attempt": attempt,
            "review": grading.review(attempt.answers, questions),
            "quiz_state": state.quiz(module.quiz.key),
            "attempts_left": max(
                0, module.quiz.max_attempts - state.quiz(module.quiz.key).used_in_window
            ),
            "next_url": _step_url(slug, outline.next_step()),
            "completed": bool(progress and progress.completed_at),
        },
    )


# --- Certificates -------------------------------------------------------------------------


@login_required
@require_GET
def certificates(request):
    return render(
        request,
        "learning/certificates.html",
        {"certificates": selectors.person_certificates(user=request.user)},
    )


@login_required
@require_GET
def certificate_download(request, code):
    certificate = get_object_or_404(certificates_visible_to(request.user), code=code)
    if not certificate.is_valid:
        messages.warning(request, _("Este certificado fue revocado: ya no se puede descargar."))
        return redirect("verify:code", certificate.code)
    # The public address of the deployment, not the Host header: the QR must point home.
    verify_url = settings.SITE_URL + reverse("verify:code", args=[certificate.code])
    pdf = certificate_pdf(
        person_name=certificate.person_name,
        firm_name=certificate.firm_name,
        course_title=certificate.course_title,
        hours=certificate.hours,
        issued_on=timezone.localdate(certificate.issued_at),
        code=code_display(certificate.code),
        verify_url=verify_url,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificado-{certificate.code}.pdf"'
    return response


# --- Preview for editors ------------------------------------------------------------------


def _preview_version(request, version_id) -> CourseVersion:
    if not can_edit_content(request.user):
        raise Http404
    return get_object_or_404(CourseVersion.objects.select_related("course"), pk=version_id)


@login_required
@require_GET
def preview(request, version_id):
    version = _preview_version(request, version_id)
    outline = selectors.course_outline(version=version, state=selectors.PersonState())
    return render(
        request,
        "learning/course.html",
        {
            "course": version.course,
            "version": version,
            "outline": outline,
            "learner": False,
            "preview": True,
            "next_url": _step_url(version.course.slug, outline.next_step(),
                                  preview_version=version.pk),
        },
    )  # fmt: skip


@login_required
@require_GET
def preview_lesson(request, version_id, lesson_slug):
    version = _preview_version(request, version_id)
    lesson = selectors.version_lesson(version=version, slug=lesson_slug)
    return _render_lesson(
        request, version.course, version, lesson, firm=None, learner=False, preview=True
    )


@login_required
@require_GET
def preview_quiz(request, version_id, module_slug):
    version = _preview_version(request, version_id)
    module: Module = selectors.version_module(version=version, slug=module_slug)
    questions = list(module.quiz.questions.prefetch_related("choices"))
    return render(
        request,
        "learning/quiz_preview.html",
        {"course": version.course, "version": version, "module": module, "quiz": module.quiz,
         "questions": questions},
    )  # fmt: skip
