import functools
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rutapyme.accounts.models import Organisation
from rutapyme.core.countries import COUNTRY_CHOICES
from rutapyme.core.models import BackgroundImport
from rutapyme.firms.models import Firm

from .questionnaire import QuestionnaireSpec, parse


class Questionnaire(models.Model):
    """One published version of the questionnaire, exactly as firms answered it.

    Loaded from `content/diagnosis/questionnaire-v<N>.json` by a data migration and never
    edited afterwards: a change of questions is a new version (docs/diagnosis-scale.md, B9).
    """

    code = models.CharField(max_length=40)
    version = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=250)
    definition = models.JSONField()
    rules_version = models.CharField(max_length=20)
    is_current = models.BooleanField(
        default=False, help_text=_("La versión que se ofrece a quien empieza un autodiagnóstico.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("cuestionario")
        verbose_name_plural = _("cuestionarios")
        ordering = ["code", "version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="questionnaire_code_version"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(is_current=True), name="questionnaire_one_current"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"

    @property
    def spec(self) -> QuestionnaireSpec:
        return _parsed(self.pk, self.code, self.version, self.definition)


def _parsed(pk, code, version, definition) -> QuestionnaireSpec:
    # Published versions never change, so one parse per process and version is enough.
    key = (pk, code, version)
    spec = _SPECS.get(key)
    if spec is None:
        spec = _SPECS[key] = parse(definition)
    return spec


_SPECS: dict[tuple, QuestionnaireSpec] = {}


class DiagnosisImport(BackgroundImport):
    """One upload of answers collected by phone or on paper, processed in the background."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT)
    file = models.FileField(upload_to="diagnosis-imports/%Y/%m/")
    organisation = models.ForeignKey(Organisation, on_delete=models.SET_NULL, null=True, blank=True)
    warning_count = models.PositiveIntegerField(default=0)

    class Meta(BackgroundImport.Meta):
        verbose_name = _("importación de respuestas")
        verbose_name_plural = _("importaciones de respuestas")


class DiagnosisImportIssue(models.Model):
    """One problem of one row of an answer import (docs/diagnosis-import-format.md)."""

    class Severity(models.TextChoices):
        ERROR = "error", _("Error")
        WARNING = "warning", _("Aviso")

    diagnosis_import = models.ForeignKey(
        DiagnosisImport, on_delete=models.CASCADE, related_name="issues"
    )
    line = models.PositiveIntegerField()
    tax_id = models.CharField(max_length=40, blank=True)
    country = models.CharField(max_length=10, blank=True)
    column = models.CharField(max_length=120, blank=True)
    value = models.CharField(max_length=40, blank=True)
    severity = models.CharField(max_length=8, choices=Severity.choices)
    code = models.CharField(max_length=40)
    message = models.TextField()
    # The row as it was in the file, for the "rejected rows" download (errors only).
    raw = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["line", "id"]
        indexes = [models.Index(fields=["diagnosis_import", "line"])]

    def __str__(self) -> str:
        return f"línea {self.line}: {self.message}"


class Diagnosis(models.Model):
    """One answering of the questionnaire by one firm: a draft, then a final result.

    A draft holds the answers saved so far (from any device) and the step to continue at; a
    firm has at most one draft. Submitting computes the result (level, area scores,
    barriers, needs, topics) under the current rules version and freezes the answers: a
    submitted diagnosis is never changed, a retake is a new one. `attempt`, `is_latest` and
    `first_level` are maintained over a firm's submitted diagnoses (in the order they were
    answered) so the report reads the latest result of each firm, and its first, in one pass.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("En curso")
        SUBMITTED = "submitted", _("Terminado")

    class Channel(models.TextChoices):
        ONLINE = "en_linea", _("En línea")
        PHONE = "telefono", _("Por teléfono")
        PAPER = "papel", _("En papel")
        IN_PERSON = "presencial", _("Presencial")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="diagnoses")
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    # The firm's offer type when it started: decides which questions apply (skip logic).
    offer_type = models.CharField(max_length=10)
    answers = models.JSONField(default=dict, blank=True)
    current_step = models.CharField(max_length=40, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    interviewer = models.CharField(max_length=120, blank=True)
    source_import = models.ForeignKey(
        DiagnosisImport,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="diagnoses",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # The day the answers were given: the submission day online, the interview day imported.
    answered_on = models.DateField(null=True, blank=True)

    # Set on submission, from the answers (q01–q03), for the report's selections.
    country = models.CharField(max_length=2, choices=COUNTRY_CHOICES, blank=True)
    sector = models.CharField(max_length=20, blank=True)
    size_band = models.CharField(max_length=8, blank=True)

    rules_version = models.CharField(max_length=20, blank=True)
    level = models.PositiveSmallIntegerField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)
    # Fixed-width encoding of answers and result, counted by the report (see signature.py).
    signature = models.CharField(max_length=500, blank=True)

    attempt = models.PositiveSmallIntegerField(null=True, blank=True)
    is_latest = models.BooleanField(default=False)
    first_level = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("autodiagnóstico")
        verbose_name_plural = _("autodiagnósticos")
        ordering = ["-submitted_at", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["firm"], condition=Q(status="draft"), name="diagnosis_one_draft_per_firm"
            ),
            models.UniqueConstraint(
                fields=["firm"], condition=Q(is_latest=True), name="diagnosis_one_latest_per_firm"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(level__isnull=False),
                name="diagnosis_submitted_has_level",
            ),
        ]
        indexes = [
            models.Index(
                fields=["country", "answered_on"],
                condition=Q(is_latest=True),
                name="diagnosis_latest_country",
            ),
            models.Index(fields=["firm", "status", "answered_on"], name="diagnosis_firm_status"),
        ]

    def __str__(self) -> str:
        return f"{self.firm} · {self.get_status_display()} ({self.created_at:%Y-%m-%d})"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @functools.cached_property
    def spec(self) -> QuestionnaireSpec:
        return self.questionnaire.spec
