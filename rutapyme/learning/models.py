"""Courses as published versions, a person's progress on them, and certificates.

Content (ADR 0009): a `Course` is the stable thing firms enrol in; its text lives in
`CourseVersion`s. Editors change a draft version; publishing it makes it the one firms see
(`Course.published`). Modules, lessons and quizzes carry a `key` that a new draft copies from
the version it starts from, so progress, stored against keys, survives an edit: a lesson kept
from one version to the next stays viewed, a new lesson is simply not viewed yet.

Progress: a `CourseProgress` is one person learning one course on behalf of one firm; its
`LessonView`s and `QuizAttempt`s are the record. A firm's progress is the best of its
members' (`selectors.firm_course_progress`).
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rutapyme.diagnosis.topics import Topic
from rutapyme.firms.models import Firm

from .guides import GUIDE_KINDS, validate_guide_file


class Course(models.Model):
    slug = models.SlugField(_("identificador"), max_length=80, unique=True)
    position = models.PositiveSmallIntegerField(
        _("orden en el catálogo"), default=0, help_text=_("Los cursos se listan de menor a mayor.")
    )
    published = models.ForeignKey(
        "CourseVersion",
        verbose_name=_("versión publicada"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("curso")
        verbose_name_plural = _("cursos")
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.slug


class CourseVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Borrador")
        PUBLISHED = "published", _("Publicada")
        ARCHIVED = "archived", _("Anterior")

    class Level(models.TextChoices):
        INICIAL = "inicial", _("Inicial")
        INTERMEDIO = "intermedio", _("Intermedio")
        AVANZADO = "avanzado", _("Avanzado")

    course = models.ForeignKey(
        Course, verbose_name=_("curso"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveSmallIntegerField(_("versión"))
    status = models.CharField(
        _("estado"), max_length=10, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    title = models.CharField(_("título"), max_length=200)
    summary = models.TextField(_("resumen"), max_length=600)
    hours = models.DecimalField(
        _("horas"),
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(0.5), MaxValueValidator(200)],
        help_text=_("Las horas que dice el certificado."),
    )
    level = models.CharField(_("nivel"), max_length=12, choices=Level.choices)
    language = models.CharField(_("idioma"), max_length=8, default="es")
    sources = models.JSONField(
        _("fuentes"),
        default=list,
        blank=True,
        help_text=_("Lista de fuentes citadas (título, editor, URL, fecha, mes de consulta)."),
    )
    change_note = models.CharField(_("qué cambió"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("creada"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("creada por"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    published_at = models.DateTimeField(_("publicada el"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("publicada por"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("versión de curso")
        verbose_name_plural = _("versiones de cursos")
        ordering = ["course__position", "course__slug", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["course", "number"], name="course_version_number"),
            models.UniqueConstraint(
                fields=["course"], condition=Q(status="draft"), name="course_one_draft"
            ),
            models.UniqueConstraint(
                fields=["course"], condition=Q(status="published"), name="course_one_published"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.number} ({self.get_status_display()})"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT


class Module(models.Model):
    version = models.ForeignKey(
        CourseVersion, verbose_name=_("versión"), on_delete=models.CASCADE, related_name="modules"
    )
    key = models.UUIDField(default=uuid.uuid4, editable=False)
    position = models.PositiveSmallIntegerField(_("orden"), default=0)
    slug = models.SlugField(_("identificador"), max_length=80)
    title = models.CharField(_("título"), max_length=200)
    topics = models.JSONField(
        _("temas"),
        default=list,
        blank=True,
        help_text=_("Códigos del vocabulario de temas del autodiagnóstico."),
    )

    class Meta:
        verbose_name = _("módulo")
        verbose_name_plural = _("módulos")
        ordering = ["version", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "slug"], name="module_slug_per_version"),
            models.UniqueConstraint(fields=["version", "key"], name="module_key_per_version"),
        ]

    def __str__(self) -> str:
        return self.title

    def topic_labels(self) -> list[str]:
        labels = dict(Topic.choices)
        return [str(labels.get(code, code)) for code in self.topics]


class Lesson(models.Model):
    # The version is repeated from the module so a lesson is found by (version, slug) at once.
    version = models.ForeignKey(
        CourseVersion, verbose_name=_("versión"), on_delete=models.CASCADE, related_name="lessons"
    )
    module = models.ForeignKey(
        Module, verbose_name=_("módulo"), on_delete=models.CASCADE, related_name="lessons"
    )
    key = models.UUIDField(default=uuid.uuid4, editable=False)
    position = models.PositiveSmallIntegerField(_("orden"), default=0)
    slug = models.SlugField(_("identificador"), max_length=80)
    title = models.CharField(_("título"), max_length=200)
    body = models.TextField(
        _("texto"), help_text=_("Markdown: ## títulos, listas, tablas, > citas. Sin HTML.")
    )
    minutes = models.PositiveSmallIntegerField(
        _("minutos estimados"), validators=[MinValueValidator(1), MaxValueValidator(240)]
    )
    video_url = models.URLField(
        _("enlace a video"),
        blank=True,
        help_text=_("Opcional. Se muestra como enlace, no se incrusta, para no gastar datos."),
    )

    class Meta:
        verbose_name = _("lección")
        verbose_name_plural = _("lecciones")
        ordering = ["version", "module__position", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "slug"], name="lesson_slug_per_version"),
            models.UniqueConstraint(fields=["version", "key"], name="lesson_key_per_version"),
        ]

    def __str__(self) -> str:
        return self.title


class Guide(models.Model):
    """A downloadable file of a lesson: checked to be the PDF, XLSX or DOCX it claims to be."""

    lesson = models.ForeignKey(
        Lesson, verbose_name=_("lección"), on_delete=models.CASCADE, related_name="guides"
    )
    position = models.PositiveSmallIntegerField(_("orden"), default=0)
    title = models.CharField(_("título"), max_length=200)
    file = models.FileField(
        _("archivo"), upload_to="guides/%Y/%m/", validators=[validate_guide_file]
    )
    kind = models.CharField(_("tipo"), max_length=4, choices=GUIDE_KINDS, editable=False)
    size = models.PositiveIntegerField(_("tamaño (bytes)"), default=0, editable=False)

    class Meta:
        verbose_name = _("guía descargable")
        verbose_name_plural = _("guías descargables")
        ordering = ["lesson", "position", "pk"]

    def __str__(self) -> str:
        return self.title


class Quiz(models.Model):
    module = models.OneToOneField(
        Module, verbose_name=_("módulo"), on_delete=models.CASCADE, related_name="quiz"
    )
    key = models.UUIDField(default=uuid.uuid4, editable=False)
    pass_mark = models.PositiveSmallIntegerField(
        _("nota para aprobar (%)"),
        default=70,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("intentos permitidos"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
    )

    class Meta:
        verbose_name = _("cuestionario")
        verbose_name_plural = _("cuestionarios")

    def __str__(self) -> str:
        return str(_("Cuestionario: %(module)s") % {"module": self.module.title})


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("Una opción")
        MULTIPLE = "multiple", _("Varias opciones")
        TRUE_FALSE = "true_false", _("Verdadero o falso")
        NUMERIC = "numeric", _("Número")

    quiz = models.ForeignKey(
        Quiz, verbose_name=_("cuestionario"), on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveSmallIntegerField(_("orden"), default=0)
    code = models.SlugField(_("código"), max_length=20)
    kind = models.CharField(_("tipo"), max_length=10, choices=Kind.choices)
    text = models.TextField(_("pregunta"))
    answer = models.DecimalField(
        _("respuesta numérica"),
        max_digits=14,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("Solo para preguntas de número."),
    )
    tolerance = models.DecimalField(
        _("tolerancia"),
        max_digits=14,
        decimal_places=4,
        default=0,
        help_text=_("Diferencia aceptada respecto de la respuesta numérica (0 = exacta)."),
    )
    feedback_correct = models.TextField(_("comentario si acierta"), blank=True)
    feedback_wrong = models.TextField(_("comentario si falla"), blank=True)

    class Meta:
        verbose_name = _("pregunta")
        verbose_name_plural = _("preguntas")
        ordering = ["quiz", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["quiz", "code"], name="question_code_per_quiz"),
        ]

    def __str__(self) -> str:
        return self.text[:80]

    @property
    def field_name(self) -> str:
        return f"q_{self.code}"


class Choice(models.Model):
    question = models.ForeignKey(
        Question, verbose_name=_("pregunta"), on_delete=models.CASCADE, related_name="choices"
    )
    position = models.PositiveSmallIntegerField(_("orden"), default=0)
    code = models.SlugField(_("código"), max_length=20)
    text = models.CharField(_("opción"), max_length=500)
    is_correct = models.BooleanField(_("correcta"), default=False)
    feedback = models.TextField(_("comentario"), blank=True)

    class Meta:
        verbose_name = _("opción")
        verbose_name_plural = _("opciones")
        ordering = ["question", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["question", "code"], name="choice_code_per_question"),
        ]

    def __str__(self) -> str:
        return self.text


# --- Progress ------------------------------------------------------------------------------


class CourseProgress(models.Model):
    """One person learning one course on behalf of one firm.

    `percent` and `completed_at` are kept by the services at every lesson view and quiz
    attempt, so lists and reports read them without counting; the course page counts from
    the views and attempts themselves against the published version.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("persona"),
        on_delete=models.CASCADE,
        related_name="course_progress",
    )
    firm = models.ForeignKey(
        Firm, verbose_name=_("empresa"), on_delete=models.CASCADE, related_name="course_progress"
    )
    course = models.ForeignKey(
        Course, verbose_name=_("curso"), on_delete=models.CASCADE, related_name="progress"
    )
    started_at = models.DateTimeField(_("empezó"), auto_now_add=True)
    updated_at = models.DateTimeField(_("último avance"), auto_now=True)
    last_lesson_key = models.UUIDField(_("última lección abierta"), null=True, blank=True)
    percent = models.PositiveSmallIntegerField(_("avance (%)"), default=0)
    completed_at = models.DateTimeField(_("terminó"), null=True, blank=True)

    class Meta:
        verbose_name = _("avance en un curso")
        verbose_name_plural = _("avances en cursos")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "firm", "course"], name="course_progress_per_person"
            ),
        ]
        indexes = [
            models.Index(fields=["firm", "course"], name="progress_firm_course"),
            models.Index(fields=["user", "firm", "-updated_at"], name="progress_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.course.slug}: {self.percent} %"


class LessonView(models.Model):
    """A lesson this person has opened: one row per lesson, however often it is read."""

    progress = models.ForeignKey(
        CourseProgress, verbose_name=_("avance"), on_delete=models.CASCADE, related_name="views"
    )
    lesson_key = models.UUIDField(
        _("lección (clave)"),
    )
    viewed_at = models.DateTimeField(_("vista el"), auto_now_add=True)

    class Meta:
        verbose_name = _("lección vista")
        verbose_name_plural = _("lecciones vistas")
        constraints = [
            models.UniqueConstraint(fields=["progress", "lesson_key"], name="lesson_view_once"),
        ]

    def __str__(self) -> str:
        return f"{self.progress_id} · {self.lesson_key}"


class QuizAttempt(models.Model):
    """One submitted attempt. `number` is unique per quiz and person, so the same attempt
    sent twice (two tabs, a double tap, a retried request) is stored once."""

    progress = models.ForeignKey(
        CourseProgress, verbose_name=_("avance"), on_delete=models.CASCADE, related_name="attempts"
    )
    quiz_key = models.UUIDField(
        _("cuestionario (clave)"),
    )
    number = models.PositiveSmallIntegerField(
        _("intento"),
    )
    answers = models.JSONField(_("respuestas"), default=dict)
    correct = models.PositiveSmallIntegerField(_("correctas"), default=0)
    total = models.PositiveSmallIntegerField(_("preguntas"), default=0)
    score = models.PositiveSmallIntegerField(_("nota (%)"), default=0, help_text="0–100")
    passed = models.BooleanField(_("aprobado"), default=False)
    version = models.ForeignKey(
        CourseVersion, verbose_name=_("versión"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("enviado el"), auto_now_add=True)

    class Meta:
        verbose_name = _("intento de cuestionario")
        verbose_name_plural = _("intentos de cuestionarios")
        constraints = [
            models.UniqueConstraint(
                fields=["progress", "quiz_key", "number"], name="quiz_attempt_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.progress_id} · {self.quiz_key} #{self.number}: {self.score} %"


class Certificate(models.Model):
    """Issued when a person completes a course; names are copied so the PDF never changes."""

    code = models.CharField(_("código"), max_length=24, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("persona"),
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    firm = models.ForeignKey(
        Firm, verbose_name=_("empresa"), on_delete=models.PROTECT, related_name="certificates"
    )
    course = models.ForeignKey(
        Course, verbose_name=_("curso"), on_delete=models.PROTECT, related_name="certificates"
    )
    version = models.ForeignKey(
        CourseVersion, verbose_name=_("versión"), on_delete=models.PROTECT, related_name="+"
    )
    person_name = models.CharField(_("nombre de la persona"), max_length=150)
    firm_name = models.CharField(_("nombre de la empresa"), max_length=250)
    course_title = models.CharField(_("título del curso"), max_length=200)
    hours = models.DecimalField(_("horas"), max_digits=4, decimal_places=1)
    issued_at = models.DateTimeField(
        _("emitido el"),
    )
    revoked_at = models.DateTimeField(_("revocado el"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revocado por"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_reason = models.CharField(_("motivo de la revocación"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("certificado")
        verbose_name_plural = _("certificados")
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "firm", "course"], name="certificate_per_person_course"
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None
