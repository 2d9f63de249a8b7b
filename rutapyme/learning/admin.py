"""The content editors' admin: courses as versions, edited only while they are drafts.

Content editors (role "editor") and platform admins work here, whatever Django's model
permissions say (`permissions.can_edit_content`). The path is course → version → module →
lesson or quiz → question. Everything under a draft is editable; a published or archived
version, and everything under it, is shown read-only, because learners' progress and their
certificates point at it. "Crear borrador para editar" copies the published version into a
draft (`services.version_start_draft`); "Guardar y publicar" saves the draft and publishes it
(`services.version_publish`), or lists, one message each, what is missing.

Progress, quiz attempts and certificates are read-only here and only for platform admins;
certificates are revoked through `services.certificate_revoke`.

Buttons that change something are submit buttons of the admin's own form (which carries the
CSRF token): `formaction` sends the form to one of the views below instead of the save. Every
change form has its save buttons on top too, so pressing Enter in a field saves, never
publishes.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.utils import display_for_value
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery
from django.forms.fields import InvalidJSONInput
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from rutapyme.diagnosis.topics import Topic

from . import services
from .codes import code_display, code_normalise
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
from .permissions import can_edit_content, can_revoke_certificate

MARKDOWN_HELP = gettext_lazy(
    "Markdown: «## Título» para una sección, **negrita**, *cursiva*, listas con «- » o «1. », "
    "pasos para marcar con «- [ ] paso», tablas con columnas separadas por «|», citas con «> » "
    "y enlaces como [texto](https://…). El HTML no se interpreta: se muestra tal cual. Revise el "
    "resultado con «Vista previa»."
)
SOURCES_HELP = gettext_lazy(
    "Lista JSON de las fuentes citadas, una por objeto: "
    '[{"id": "s1", "title": "…", "publisher": "…", "url": "https://…", "date": "2024-03", '
    '"consulted": "2026-11"}]. Cada fuente necesita al menos «title».'
)


# --- Who may edit what ---------------------------------------------------------------------


def version_of(obj) -> CourseVersion:
    """The course version a piece of content belongs to."""
    if isinstance(obj, CourseVersion):
        return obj
    if isinstance(obj, Module | Lesson):
        return obj.version
    if isinstance(obj, Quiz):
        return obj.module.version
    if isinstance(obj, Question):
        return obj.quiz.module.version
    if isinstance(obj, Guide):
        return obj.lesson.version
    if isinstance(obj, Choice):
        return obj.question.quiz.module.version
    raise TypeError(f"not course content: {obj!r}")


def may_edit(request, obj=None) -> bool:
    """An editor may change content, and `obj` (when given) belongs to a draft."""
    return can_edit_content(request.user) and (obj is None or version_of(obj).is_draft)


def is_platform_admin(request) -> bool:
    user = request.user
    return user.is_authenticated and user.is_platform_admin


def admin_url(obj, view: str = "change") -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=[obj.pk])


def preview_link(url: str, label: str | None = None):
    return format_html(
        '<a href="{}" target="_blank" rel="noopener">{}</a>', url, label or _("Vista previa")
    )


def column(name: str, label, **display):
    """A column (or read-only field) for a model field the model leaves without a Spanish name."""

    @admin.display(description=label, **display)
    def show(self, obj):
        value = getattr(obj, name)
        return value if display.get("boolean") else display_for_value(value, "—")

    return show


def titled(filter_class, title):
    """A Django list filter shown under a Spanish title (the model leaves the field unnamed)."""

    class Titled(filter_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.title = title

    return Titled


CourseFilter = titled(admin.RelatedFieldListFilter, gettext_lazy("curso"))


# The buttons after which the editor stays on the page (or publishing decides where to go).
SAVE_AND_STAY = ("_continue", "_addanother", "_saveasnew", "_publish", IS_POPUP_VAR)


class NoBulkDeleteMixin:
    """No "delete selected" action: deleting goes one object at a time, checked per object."""

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


class ContentAdmin(NoBulkDeleteMixin, admin.ModelAdmin):
    """Editors only; read-only under a published or archived version.

    Content is added from its parent's page (modules on the version, lessons and the quiz on
    the module…), so the lists here offer no "Añadir".
    """

    save_on_top = True

    def has_module_permission(self, request):
        return can_edit_content(request.user)

    def has_view_permission(self, request, obj=None):
        return can_edit_content(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return obj is not None and may_edit(request, obj)

    # After "Guardar" (or deleting), back to the page the editor came from: the parent's.

    def parent_of(self, obj):
        return None

    def response_change(self, request, obj):
        response = super().response_change(request, obj)
        parent = self.parent_of(obj)
        plain_save = not any(key in request.POST for key in SAVE_AND_STAY)
        if parent is not None and plain_save and response.status_code == 302:
            return redirect(admin_url(parent))
        return response

    def delete_model(self, request, obj):
        parent = self.parent_of(obj)
        request.learning_parent_url = admin_url(parent) if parent is not None else None
        super().delete_model(request, obj)

    def response_delete(self, request, obj_display, obj_id):
        response = super().response_delete(request, obj_display, obj_id)
        parent_url = getattr(request, "learning_parent_url", None)
        if parent_url and response.status_code == 302:
            return redirect(parent_url)
        return response


class ContentInline:
    """An inline of content: editable when its parent (`obj`) belongs to a draft."""

    extra = 1

    def has_view_permission(self, request, obj=None):
        return can_edit_content(request.user)

    def has_add_permission(self, request, obj):
        return may_edit(request, obj)

    def has_change_permission(self, request, obj=None):
        return may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return may_edit(request, obj)

    def get_prepopulated_fields(self, request, obj=None):
        return self.prepopulated_fields if may_edit(request, obj) else {}


# --- Forms ---------------------------------------------------------------------------------


class SourcesField(forms.JSONField):
    """JSON shown indented, one source per block, so it can be read and edited by hand."""

    def prepare_value(self, value):
        if isinstance(value, InvalidJSONInput):
            return value
        return json.dumps(value, ensure_ascii=False, indent=2, cls=self.encoder)


class CourseVersionForm(forms.ModelForm):
    sources = SourcesField(
        label=gettext_lazy("fuentes"),
        required=False,
        help_text=SOURCES_HELP,
        widget=forms.Textarea(attrs={"rows": 12, "cols": 100, "class": "vLargeTextField"}),
    )

    class Meta:
        model = CourseVersion
        fields = ["title", "summary", "hours", "level", "language", "change_note", "sources"]

    def clean_sources(self):
        sources = self.cleaned_data["sources"]
        if sources in (None, ""):
            return []
        if not isinstance(sources, list) or not all(isinstance(s, dict) for s in sources):
            raise ValidationError(
                _('Las fuentes van entre corchetes, una por objeto: [{"title": "…"}, …].'),
                code="sources_shape",
            )
        for number, source in enumerate(sources, start=1):
            if not str(source.get("title") or "").strip():
                raise ValidationError(
                    _("A la fuente n.º %(number)s le falta «title» (el título).")
                    % {"number": number},
                    code="sources_title",
                )
        return sources


class ModuleForm(forms.ModelForm):
    """The topics as boxes to tick from the diagnosis vocabulary, stored as its codes."""

    topics = forms.MultipleChoiceField(
        label=gettext_lazy("temas"),
        choices=Topic.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "Los temas del autodiagnóstico que trabaja el módulo: la ruta de cada empresa "
            "lo propone cuando el diagnóstico marca esos temas."
        ),
    )

    class Meta:
        model = Module
        fields = ["position", "slug", "title", "topics"]

    def clean_topics(self):
        chosen = set(self.cleaned_data["topics"])
        return [code for code in Topic.values if code in chosen]  # the vocabulary's order

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        version_id = self.instance.version_id
        if version_id and (
            Module.objects.filter(version_id=version_id, slug=slug)
            .exclude(pk=self.instance.pk)
            .exists()
        ):
            raise ValidationError(
                _("Ya hay un módulo «%(slug)s» en esta versión del curso.") % {"slug": slug},
                code="slug_taken",
            )
        return slug


def lesson_slug_taken(version_id: int, slug: str, *, besides: list[int]) -> bool:
    return Lesson.objects.filter(version_id=version_id, slug=slug).exclude(pk__in=besides).exists()


def lesson_slug_message(slug: str) -> str:
    return _("Ya hay una lección «%(slug)s» en esta versión del curso.") % {"slug": slug}


class LessonForm(forms.ModelForm):
    class Meta:
        model = Lesson
        fields = ["position", "slug", "title", "minutes", "video_url", "body"]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 32, "cols": 110, "class": "vLargeTextField"})
        }
        help_texts = {"body": MARKDOWN_HELP}

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        besides = [self.instance.pk] if self.instance.pk else []
        if self.instance.version_id and lesson_slug_taken(
            self.instance.version_id, slug, besides=besides
        ):
            raise ValidationError(lesson_slug_message(slug), code="slug_taken")
        return slug


class LessonFormSet(BaseInlineFormSet):
    """Lessons of one module: slugs are unique in the whole version, not just the module."""

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.instance.version_id = self.instance.version_id
        return form

    def clean(self):
        super().clean()
        kept = [
            form
            for form in self.forms
            if form.cleaned_data.get("slug") and not self._should_delete_form(form)
        ]
        own = [form.instance.pk for form in self.forms if form.instance.pk]
        seen: set[str] = set()
        for form in kept:
            slug = form.cleaned_data["slug"]
            if slug in seen or lesson_slug_taken(self.instance.version_id, slug, besides=own):
                form.add_error("slug", lesson_slug_message(slug))
            seen.add(slug)


class QuestionForm(forms.ModelForm):
    class Meta:
        model = Question
        fields = [
            "position",
            "code",
            "kind",
            "text",
            "answer",
            "tolerance",
            "feedback_correct",
            "feedback_wrong",
        ]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 3, "cols": 80}),
            "feedback_correct": forms.Textarea(attrs={"rows": 3, "cols": 80}),
            "feedback_wrong": forms.Textarea(attrs={"rows": 3, "cols": 80}),
        }

    def clean_code(self):
        code = self.cleaned_data["code"]
        quiz_id = self.instance.quiz_id
        if quiz_id and (
            Question.objects.filter(quiz_id=quiz_id, code=code)
            .exclude(pk=self.instance.pk)
            .exists()
        ):
            raise ValidationError(
                _("Ya hay una pregunta «%(code)s» en este cuestionario.") % {"code": code},
                code="code_taken",
            )
        return code


class NewQuizForm(forms.ModelForm):
    """A quiz added on the module page is created even when its marks are left as proposed."""

    class Meta:
        model = Quiz
        fields = ["pass_mark", "max_attempts"]

    def has_changed(self):
        return self.instance.pk is None or super().has_changed()


# --- Courses -------------------------------------------------------------------------------


def draft_of_course():
    """The draft of the course in the outer query, for a subquery."""
    return CourseVersion.objects.filter(course=OuterRef("pk"), status=CourseVersion.Status.DRAFT)


@admin.register(Course)
class CourseAdmin(NoBulkDeleteMixin, admin.ModelAdmin):
    list_display = [
        "position",
        "slug",
        "published_title",
        "published_number",
        "draft_column",
        "preview_column",
        "edit_column",
    ]
    list_display_links = ["slug"]
    list_select_related = ["published"]
    search_fields = ["slug", "published__title"]
    actions = ["start_drafts"]
    save_on_top = True

    # Permissions: editors and platform admins; a course is deleted only if never published.

    def has_module_permission(self, request):
        return can_edit_content(request.user)

    def has_view_permission(self, request, obj=None):
        return can_edit_content(request.user)

    def has_add_permission(self, request):
        return can_edit_content(request.user)

    def has_change_permission(self, request, obj=None):
        return can_edit_content(request.user)

    def has_delete_permission(self, request, obj=None):
        return (
            obj is not None
            and can_edit_content(request.user)
            and obj.published_id is None
            and not obj.versions.exclude(status=CourseVersion.Status.DRAFT).exists()
        )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                draft_pk=Subquery(draft_of_course().values("pk")[:1]),
                draft_number=Subquery(draft_of_course().values("number")[:1]),
            )
        )

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["slug", "position"]
        return ["slug", "position", "versions_panel"]

    def get_readonly_fields(self, request, obj=None):
        # The slug is in the links firms have saved: it does not change once created.
        return ["slug", "versions_panel"] if obj is not None else []

    def get_urls(self):
        start_draft = self.admin_site.admin_view(self.start_draft_view)
        return [
            path("<int:course_id>/borrador/", start_draft, name="learning_course_start_draft"),
            *super().get_urls(),
        ]

    # The list.

    @admin.display(description=gettext_lazy("título publicado"), ordering="published__title")
    def published_title(self, course):
        return course.published.title if course.published else "—"

    @admin.display(description=gettext_lazy("versión publicada"), ordering="published__number")
    def published_number(self, course):
        return f"v{course.published.number}" if course.published else "—"

    @admin.display(description=gettext_lazy("borrador"))
    def draft_column(self, course):
        if not course.draft_pk:
            return _("No")
        url = reverse("admin:learning_courseversion_change", args=[course.draft_pk])
        return format_html(
            '<a href="{}">{}</a>',
            url,
            _("Sí: v%(number)s, editar") % {"number": course.draft_number},
        )

    @admin.display(description=gettext_lazy("vista previa"))
    def preview_column(self, course):
        if not course.published_id:
            return "—"
        return preview_link(reverse("learning:preview", args=[course.published_id]))

    @admin.display(description=gettext_lazy("editar"))
    def edit_column(self, course):
        if course.draft_pk:
            return "—"
        return self.start_draft_button(course)

    def start_draft_button(self, course):
        url = reverse("admin:learning_course_start_draft", args=[course.pk])
        return format_html(
            '<button type="submit" formaction="{}" class="button">{}</button>',
            url,
            _("Crear borrador para editar"),
        )

    # The course page.

    @admin.display(description=gettext_lazy("versiones"))
    def versions_panel(self, course):
        versions = list(course.versions.order_by("-number"))
        rows = format_html_join(
            "",
            '<li><a href="{}">v{} · {} · {}</a> · {}</li>',
            (
                (
                    admin_url(v),
                    v.number,
                    v.get_status_display(),
                    v.title,
                    preview_link(reverse("learning:preview", args=[v.pk])),
                )
                for v in versions
            ),
        )
        has_draft = any(v.is_draft for v in versions)
        button = "" if has_draft else self.start_draft_button(course)
        return format_html("<ul>{}</ul>{}", rows, button)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            services.version_start_draft(course=obj, user=request.user)

    def response_add(self, request, obj, post_url_continue=None):
        if IS_POPUP_VAR in request.POST:
            return super().response_add(request, obj, post_url_continue)
        draft = services.version_start_draft(course=obj, user=request.user)  # the one just made
        self.message_user(
            request,
            _(
                "Curso «%(slug)s» creado con un borrador vacío (versión %(number)s). Complete "
                "el título y el resumen y agregue los módulos; las empresas lo verán cuando "
                "lo publique."
            )
            % {"slug": obj.slug, "number": draft.number},
            messages.SUCCESS,
        )
        return redirect(admin_url(draft))

    # "Crear borrador para editar".

    def start_draft_view(self, request, course_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not can_edit_content(request.user):
            raise PermissionDenied
        course = get_object_or_404(Course, pk=course_id)
        draft = self._start_draft(request, course)
        return redirect(admin_url(draft))

    @admin.action(description=gettext_lazy("Crear borrador para editar"))
    def start_drafts(self, request, queryset):
        drafts = [self._start_draft(request, course) for course in queryset]
        if len(drafts) == 1:
            return redirect(admin_url(drafts[0]))
        return None

    def _start_draft(self, request, course: Course) -> CourseVersion:
        existed = course.versions.filter(status=CourseVersion.Status.DRAFT).exists()
        draft = services.version_start_draft(course=course, user=request.user)
        if existed:
            message = _("«%(slug)s» ya tenía un borrador (versión %(number)s): siga con él.")
        else:
            message = _(
                "Borrador de «%(slug)s» creado (versión %(number)s), copia de la versión "
                "publicada. Las empresas no ven los cambios hasta que lo publique."
            )
        self.message_user(
            request, message % {"slug": course.slug, "number": draft.number}, messages.SUCCESS
        )
        return draft


class ModuleInline(ContentInline, admin.TabularInline):
    model = Module
    form = ModuleForm
    fields = ["position", "slug", "title", "topics"]
    prepopulated_fields = {"slug": ["title"]}
    show_change_link = True
    ordering = ["position", "pk"]


@admin.register(CourseVersion)
class CourseVersionAdmin(ContentAdmin):
    form = CourseVersionForm
    list_display = [
        "title",
        "course_column",
        "number",
        "status",
        "created_at_column",
        "published_at_column",
        "preview_column",
    ]
    list_filter = ["status", ("course", CourseFilter)]
    search_fields = ["title", "course__slug"]
    list_select_related = ["course"]
    readonly_fields = [
        "state_panel",
        "course_column",
        "number",
        "status",
        "created_by_column",
        "created_at_column",
        "published_at_column",
        "published_by_column",
    ]
    fieldsets = [
        (None, {"fields": ["state_panel"]}),
        (
            gettext_lazy("Curso"),
            {
                "fields": [
                    "course_column",
                    "number",
                    "status",
                    "title",
                    "summary",
                    "hours",
                    "level",
                    "language",
                    "change_note",
                ]
            },
        ),
        (gettext_lazy("Fuentes"), {"fields": ["sources"]}),
        (
            gettext_lazy("Historial"),
            {
                "fields": [
                    "created_by_column",
                    "created_at_column",
                    "published_at_column",
                    "published_by_column",
                ],
                "classes": ["collapse"],
            },
        ),
    ]
    inlines = [ModuleInline]
    actions = ["publish"]

    created_by_column = column("created_by", gettext_lazy("creada por"))
    created_at_column = column("created_at", gettext_lazy("creada el"), ordering="created_at")
    published_at_column = column(
        "published_at", gettext_lazy("publicada el"), ordering="published_at"
    )
    published_by_column = column("published_by", gettext_lazy("publicada por"))

    @admin.display(description=gettext_lazy("curso"), ordering="course__position")
    def course_column(self, version):
        return format_html('<a href="{}">{}</a>', admin_url(version.course), version.course)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("course", "created_by", "published_by")

    @admin.display(description=gettext_lazy("vista previa"))
    def preview_column(self, version):
        return preview_link(reverse("learning:preview", args=[version.pk]))

    @admin.display(description=gettext_lazy("publicación"))
    def state_panel(self, version):
        preview = preview_link(
            reverse("learning:preview", args=[version.pk]), _("Vista previa del curso")
        )
        if version.is_draft:
            problems = services.version_problems(version)
            if problems:
                todo = format_html(
                    "<p>{}</p><ul>{}</ul>",
                    _("Falta esto para publicar:"),
                    format_html_join("", "<li>{}</li>", ((p,) for p in problems)),
                )
            else:
                todo = format_html("<p>{}</p>", _("Lista para publicar."))
            return format_html(
                '<p>{}</p><p>{}</p>{}<p><button type="submit" name="_publish" value="1" '
                'class="button default">{}</button></p>',
                _(
                    "Borrador: lo que cambie aquí no lo ven las empresas hasta que lo "
                    "publique. Al publicarlo, la versión publicada hasta ahora queda como "
                    "anterior."
                ),
                preview,
                todo,
                _("Guardar y publicar"),
            )
        if version.status == CourseVersion.Status.PUBLISHED:
            state = _(
                "Versión publicada: es la que ven las empresas. No se modifica, porque el "
                "avance y los certificados de las personas la citan; para cambiar el curso, "
                "cree un borrador."
            )
        else:
            state = _(
                "Versión anterior: solo se consulta. Los certificados emitidos con ella la "
                "siguen citando."
            )
        draft = version.course.versions.filter(status=CourseVersion.Status.DRAFT).first()
        if draft is not None:
            action = format_html(
                '<a href="{}" class="button">{}</a>',
                admin_url(draft),
                _("Ir al borrador (versión %(number)s)") % {"number": draft.number},
            )
        else:
            action = format_html(
                '<button type="submit" formaction="{}" class="button default">{}</button>',
                reverse("admin:learning_course_start_draft", args=[version.course_id]),
                _("Crear borrador para editar"),
            )
        return format_html("<p>{}</p><p>{}</p><p>{}</p>", state, preview, action)

    def parent_of(self, version):
        return version.course

    def response_change(self, request, obj):
        if "_publish" in request.POST:
            if not self._publish(request, obj):
                self.message_user(
                    request,
                    _("No se publicó; los cambios quedan guardados en el borrador."),
                    messages.WARNING,
                )
            return redirect(admin_url(obj))
        return super().response_change(request, obj)

    @admin.action(description=gettext_lazy("Publicar las versiones seleccionadas"))
    def publish(self, request, queryset):
        for version in queryset.select_related("course"):
            self._publish(request, version, named=True)

    def _publish(self, request, version: CourseVersion, *, named: bool = False) -> bool:
        """Publish, saying so; or one error message per problem (named after the version)."""
        previous = Course.objects.values_list("published__number", flat=True).get(
            pk=version.course_id
        )
        try:
            services.version_publish(version=version, user=request.user)
        except services.PublishError as error:
            for problem in error.problems:
                if named:
                    problem = f"{version}: {problem}"
                self.message_user(request, problem, messages.ERROR)
            return False
        message = _(
            "Versión %(number)s de «%(title)s» publicada: es la que ven ahora las empresas."
        )
        if previous is not None:
            message += " " + _("La versión %(previous)s queda como anterior.")
        self.message_user(
            request,
            message % {"number": version.number, "title": version.title, "previous": previous},
            messages.SUCCESS,
        )
        return True


# --- Modules, lessons and guides -----------------------------------------------------------


class LessonInline(ContentInline, admin.TabularInline):
    model = Lesson
    formset = LessonFormSet
    fields = ["position", "slug", "title", "minutes", "video_url", "preview_column"]
    readonly_fields = ["preview_column"]
    prepopulated_fields = {"slug": ["title"]}
    show_change_link = True
    ordering = ["position", "pk"]

    @admin.display(description=gettext_lazy("vista previa"))
    def preview_column(self, lesson):
        if lesson.pk is None:
            return "—"
        return preview_link(
            reverse("learning:preview_lesson", args=[lesson.version_id, lesson.slug])
        )


class QuizInline(ContentInline, admin.StackedInline):
    model = Quiz
    form = NewQuizForm
    fields = ["pass_mark", "max_attempts"]
    extra = 0
    max_num = 1
    show_change_link = True
    verbose_name_plural = gettext_lazy("cuestionario del módulo")


def content_path(version: CourseVersion, *steps) -> str:
    """Links back up the path: course version › module › lesson…"""
    links = [(admin_url(version), str(version))]
    links += [(admin_url(step), str(step)) for step in steps]
    return format_html_join(" › ", '<a href="{}">{}</a>', links)


@admin.register(Module)
class ModuleAdmin(ContentAdmin):
    form = ModuleForm
    list_display = ["title", "version_column", "position", "topics_column"]
    list_filter = ["version__status", ("version__course", CourseFilter)]
    search_fields = ["title", "slug", "version__title", "version__course__slug"]
    list_select_related = ["version"]
    fields = ["path_panel", "position", "slug", "title", "topics", "quiz_panel"]
    readonly_fields = ["path_panel", "quiz_panel"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [LessonInline, QuizInline]

    version_column = column("version", gettext_lazy("versión"), ordering="version")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("version__course")

    def parent_of(self, module):
        return module.version

    @admin.display(description=gettext_lazy("temas"))
    def topics_column(self, module):
        return ", ".join(module.topic_labels())

    @admin.display(description=gettext_lazy("versión"))
    def path_panel(self, module):
        return content_path(module.version)

    @admin.display(description=gettext_lazy("cuestionario"))
    def quiz_panel(self, module):
        quiz = Quiz.objects.filter(module=module).annotate(n=Count("questions")).first()
        if quiz is None:
            return _("Sin cuestionario. Para agregarlo, use el enlace de abajo y guarde.")
        return format_html(
            '<a href="{}">{}</a> · {}',
            admin_url(quiz),
            _("Editar las preguntas (%(count)s)") % {"count": quiz.n},
            preview_link(
                reverse("learning:preview_quiz", args=[module.version_id, module.slug]),
                _("Vista previa del cuestionario"),
            ),
        )


class GuideInline(ContentInline, admin.TabularInline):
    model = Guide
    fields = ["position", "title", "file", "kind_column", "size_column"]
    readonly_fields = ["kind_column", "size_column"]
    ordering = ["position", "pk"]

    @admin.display(description=gettext_lazy("tipo"))
    def kind_column(self, guide):
        return guide.get_kind_display() if guide.pk else "—"

    @admin.display(description=gettext_lazy("tamaño"))
    def size_column(self, guide):
        return filesizeformat(guide.size) if guide.pk else "—"


@admin.register(Lesson)
class LessonAdmin(ContentAdmin):
    form = LessonForm
    list_display = ["title", "module_column", "version_column", "position", "minutes"]
    list_filter = ["version__status", ("version__course", CourseFilter)]
    search_fields = ["title", "slug", "module__title", "version__course__slug"]
    list_select_related = ["module", "version"]
    fields = [
        "path_panel",
        "position",
        "slug",
        "title",
        "minutes",
        "video_url",
        "body",
        "preview_column",
    ]
    readonly_fields = ["path_panel", "preview_column"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [GuideInline]

    module_column = column("module", gettext_lazy("módulo"), ordering="module__title")
    version_column = column("version", gettext_lazy("versión"), ordering="version")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("module", "version__course")

    def parent_of(self, lesson):
        return lesson.module

    @admin.display(description=gettext_lazy("módulo"))
    def path_panel(self, lesson):
        return content_path(lesson.version, lesson.module)

    @admin.display(description=gettext_lazy("vista previa"))
    def preview_column(self, lesson):
        return preview_link(
            reverse("learning:preview_lesson", args=[lesson.version_id, lesson.slug]),
            _("Vista previa de la lección"),
        )

    def save_formset(self, request, form, formset, change):
        if formset.model is not Guide:
            return super().save_formset(request, form, formset, change)
        guides = formset.save(commit=False)
        uploaded = [id(f.instance) for f in formset.forms if "file" in f.changed_data]
        for guide in guides:
            if id(guide) in uploaded:
                services.guide_attach(guide=guide)
            guide.save()
        for guide in formset.deleted_objects:
            guide.delete()
        formset.save_m2m()
        return None


# --- Quizzes -------------------------------------------------------------------------------


class QuestionInline(ContentInline, admin.TabularInline):
    model = Question
    fields = ["position", "code", "kind", "text", "answer", "tolerance", "choices_column"]
    readonly_fields = ["choices_column"]
    show_change_link = True
    ordering = ["position", "pk"]
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 60})}
    }

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_choices=Count("choices"),
                n_right=Count("choices", filter=Q(choices__is_correct=True)),
            )
        )

    @admin.display(description=gettext_lazy("opciones"))
    def choices_column(self, question):
        if question.pk is None:
            return "—"
        if question.kind == Question.Kind.NUMERIC:
            return _("Respuesta numérica")
        return ngettext(
            "%(count)s opciones, %(right)s correcta",
            "%(count)s opciones, %(right)s correctas",
            question.n_right,
        ) % {"count": question.n_choices, "right": question.n_right}


@admin.register(Quiz)
class QuizAdmin(ContentAdmin):
    list_display = ["__str__", "version_column", "pass_mark", "max_attempts"]
    list_filter = ["module__version__status", ("module__version__course", CourseFilter)]
    search_fields = ["module__title", "module__version__course__slug"]
    list_select_related = ["module__version"]
    fields = ["path_panel", "pass_mark", "max_attempts", "preview_column"]
    readonly_fields = ["path_panel", "preview_column"]
    inlines = [QuestionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("module__version__course")

    def parent_of(self, quiz):
        return quiz.module

    @admin.display(description=gettext_lazy("versión"), ordering="module__version")
    def version_column(self, quiz):
        return quiz.module.version

    @admin.display(description=gettext_lazy("módulo"))
    def path_panel(self, quiz):
        return content_path(quiz.module.version, quiz.module)

    @admin.display(description=gettext_lazy("vista previa"))
    def preview_column(self, quiz):
        return preview_link(
            reverse("learning:preview_quiz", args=[quiz.module.version_id, quiz.module.slug]),
            _("Vista previa del cuestionario"),
        )


class ChoiceInline(ContentInline, admin.TabularInline):
    model = Choice
    fields = ["position", "code", "text", "is_correct", "feedback"]
    ordering = ["position", "pk"]
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 50})}
    }


@admin.register(Question)
class QuestionAdmin(ContentAdmin):
    form = QuestionForm
    list_display = ["__str__", "code", "kind", "module_column", "version_column", "position"]
    list_filter = [
        "kind",
        "quiz__module__version__status",
        ("quiz__module__version__course", CourseFilter),
    ]
    search_fields = ["text", "code", "quiz__module__title"]
    list_select_related = ["quiz__module__version"]
    fields = ["path_panel", *QuestionForm.Meta.fields]
    readonly_fields = ["path_panel"]
    inlines = [ChoiceInline]

    @admin.display(description=gettext_lazy("módulo"), ordering="quiz__module__title")
    def module_column(self, question):
        return question.quiz.module

    @admin.display(description=gettext_lazy("versión"), ordering="quiz__module__version")
    def version_column(self, question):
        return question.quiz.module.version

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("quiz__module__version__course")

    def parent_of(self, question):
        return question.quiz

    @admin.display(description=gettext_lazy("cuestionario"))
    def path_panel(self, question):
        module = question.quiz.module
        return content_path(module.version, module, question.quiz)


# --- Progress and certificates: read-only, platform admins only ----------------------------


class PlatformAdminReadOnlyMixin:
    def has_module_permission(self, request):
        return is_platform_admin(request)

    def has_view_permission(self, request, obj=None):
        return is_platform_admin(request)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PlatformAdminReadOnly(PlatformAdminReadOnlyMixin, NoBulkDeleteMixin, admin.ModelAdmin):
    show_full_result_count = False


class LessonViewInline(PlatformAdminReadOnlyMixin, admin.TabularInline):
    model = LessonView
    fields = readonly_fields = ["lesson_key_column", "viewed_at_column"]
    lesson_key_column = column("lesson_key", gettext_lazy("lección (clave)"))
    viewed_at_column = column("viewed_at", gettext_lazy("vista el"))
    extra = 0


class QuizAttemptInline(PlatformAdminReadOnlyMixin, admin.TabularInline):
    model = QuizAttempt
    fields = readonly_fields = [
        "quiz_key_column",
        "number_column",
        "score_column",
        "passed_column",
        "submitted_at_column",
    ]
    quiz_key_column = column("quiz_key", gettext_lazy("cuestionario (clave)"))
    number_column = column("number", gettext_lazy("intento"))
    score_column = column("score", gettext_lazy("nota (%)"))
    passed_column = column("passed", gettext_lazy("aprobado"), boolean=True)
    submitted_at_column = column("submitted_at", gettext_lazy("enviado el"))
    extra = 0


@admin.register(CourseProgress)
class CourseProgressAdmin(PlatformAdminReadOnly):
    list_display = [
        "user_column",
        "firm_column",
        "course_column",
        "percent_column",
        "completed_at_column",
        "updated_at_column",
    ]
    list_filter = [
        ("course", CourseFilter),
        ("completed_at", titled(admin.EmptyFieldListFilter, gettext_lazy("completó"))),
    ]
    search_fields = ["user__email", "user__full_name", "firm__legal_name", "firm__trade_name"]
    list_select_related = ["user", "firm", "course"]
    fields = readonly_fields = [
        "user_column",
        "firm_column",
        "course_column",
        "percent_column",
        "started_at_column",
        "updated_at_column",
        "completed_at_column",
    ]
    inlines = [LessonViewInline, QuizAttemptInline]

    user_column = column("user", gettext_lazy("persona"), ordering="user__email")
    firm_column = column("firm", gettext_lazy("empresa"), ordering="firm__legal_name")
    course_column = column("course", gettext_lazy("curso"), ordering="course__slug")
    percent_column = column("percent", gettext_lazy("avance (%)"), ordering="percent")
    started_at_column = column("started_at", gettext_lazy("empezó"))
    updated_at_column = column(
        "updated_at", gettext_lazy("última actividad"), ordering="updated_at"
    )
    completed_at_column = column("completed_at", gettext_lazy("completó"), ordering="completed_at")


@admin.register(QuizAttempt)
class QuizAttemptAdmin(PlatformAdminReadOnly):
    list_display = [
        "person",
        "firm",
        "quiz_title",
        "version_column",
        "number_column",
        "score_column",
        "passed_column",
        "submitted_at_column",
    ]
    list_filter = [
        ("passed", titled(admin.BooleanFieldListFilter, gettext_lazy("aprobado"))),
        ("version__course", CourseFilter),
    ]
    search_fields = ["progress__user__email", "progress__firm__legal_name"]
    list_select_related = ["progress__user", "progress__firm", "version"]
    fields = readonly_fields = [
        "person",
        "firm",
        "quiz_title",
        "version_column",
        "number_column",
        "answers_column",
        "correct_column",
        "total_column",
        "score_column",
        "passed_column",
        "submitted_at_column",
    ]

    version_column = column("version", gettext_lazy("versión del curso"))
    number_column = column("number", gettext_lazy("intento"), ordering="number")
    answers_column = column("answers", gettext_lazy("respuestas"))
    correct_column = column("correct", gettext_lazy("correctas"))
    total_column = column("total", gettext_lazy("preguntas"))
    score_column = column("score", gettext_lazy("nota (%)"), ordering="score")
    passed_column = column("passed", gettext_lazy("aprobado"), boolean=True)
    submitted_at_column = column(
        "submitted_at", gettext_lazy("enviado el"), ordering="submitted_at"
    )

    def get_queryset(self, request):
        quiz = Quiz.objects.filter(key=OuterRef("quiz_key"), module__version=OuterRef("version"))
        return (
            super()
            .get_queryset(request)
            .select_related("progress__user", "progress__firm", "version")
            .annotate(module_title=Subquery(quiz.values("module__title")[:1]))
        )

    @admin.display(description=gettext_lazy("persona"), ordering="progress__user__email")
    def person(self, attempt):
        return attempt.progress.user

    @admin.display(description=gettext_lazy("empresa"))
    def firm(self, attempt):
        return attempt.progress.firm

    @admin.display(description=gettext_lazy("cuestionario"))
    def quiz_title(self, attempt):
        return attempt.module_title or attempt.quiz_key


class CertificateStateFilter(admin.SimpleListFilter):
    title = gettext_lazy("estado")
    parameter_name = "estado"

    def lookups(self, request, model_admin):
        return [("vigente", _("Vigente")), ("revocado", _("Revocado"))]

    def queryset(self, request, queryset):
        if self.value() == "vigente":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "revocado":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


class RevokeActionForm(ActionForm):
    reason = forms.CharField(
        label=gettext_lazy("Motivo (para revocar):"), max_length=500, required=False
    )


@admin.register(Certificate)
class CertificateAdmin(PlatformAdminReadOnly):
    list_display = [
        "display_code",
        "person_column",
        "firm_column",
        "course_column",
        "issued_at_column",
        "is_valid_column",
        "revoked_at_column",
    ]
    list_filter = [CertificateStateFilter, ("course", CourseFilter)]
    search_fields = ["code", "person_name", "firm_name", "user__email", "firm__tax_id"]
    date_hierarchy = "issued_at"
    action_form = RevokeActionForm
    actions = ["revoke"]
    fields = readonly_fields = [
        "display_code",
        "verify_link",
        "person_column",
        "user_column",
        "firm_column",
        "course_column",
        "version_column",
        "hours_column",
        "issued_at_column",
        "is_valid_column",
        "revoked_at_column",
        "revoked_by_column",
        "revoked_reason_column",
    ]

    person_column = column("person_name", gettext_lazy("persona"), ordering="person_name")
    user_column = column("user", gettext_lazy("cuenta"))
    firm_column = column("firm_name", gettext_lazy("empresa"), ordering="firm_name")
    course_column = column("course_title", gettext_lazy("curso"), ordering="course_title")
    version_column = column("version", gettext_lazy("versión del curso"))
    hours_column = column("hours", gettext_lazy("horas"))
    issued_at_column = column("issued_at", gettext_lazy("emitido"), ordering="issued_at")
    revoked_at_column = column("revoked_at", gettext_lazy("revocado el"), ordering="revoked_at")
    revoked_by_column = column("revoked_by", gettext_lazy("revocado por"))
    revoked_reason_column = column("revoked_reason", gettext_lazy("motivo de la revocación"))

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "version", "revoked_by")

    @admin.display(description=gettext_lazy("código"), ordering="code")
    def display_code(self, certificate):
        return code_display(certificate.code)

    @admin.display(description=gettext_lazy("vigente"), boolean=True)
    def is_valid_column(self, certificate):
        return certificate.is_valid

    @admin.display(description=gettext_lazy("verificación pública"))
    def verify_link(self, certificate):
        return preview_link(
            reverse("verify:code", args=[certificate.code]), _("Abrir la página de verificación")
        )

    def get_search_results(self, request, queryset, search_term):
        code = code_normalise(search_term)
        if code:  # a code as printed, with dashes: look it up exactly
            return queryset.filter(code=code), False
        return super().get_search_results(request, queryset, search_term)

    @admin.action(description=gettext_lazy("Revocar los certificados seleccionados"))
    def revoke(self, request, queryset):
        reason = (request.POST.get("reason") or "").strip()
        if not reason:
            self.message_user(
                request,
                _("Escriba el motivo de la revocación: quien verifique el código lo verá."),
                messages.ERROR,
            )
            return
        revoked = 0
        for certificate in queryset:
            if not certificate.is_valid or not can_revoke_certificate(request.user, certificate):
                continue
            services.certificate_revoke(certificate=certificate, user=request.user, reason=reason)
            revoked += 1
        self.message_user(
            request, _("Certificados revocados: %(count)s.") % {"count": revoked}, messages.SUCCESS
        )
