"""Programmes, their cohorts ("promociones"), enrolments, live sessions and firms' outcomes.

A `Programme` belongs to a country and an organisation (the ministry), has partner
organisations and eligibility rules. A `Cohort` of a programme has dates, a capacity, courses
and live sessions. An `Enrolment` is one firm in one cohort, from the invitation on: its state,
the date of each change, and the dates the firm reached each later stage of the route
(diagnosed, learning, certified, online, first sale, first export), copied from the apps that
own them by `stages.refresh` so the dashboard counts one table (ADR 0010). An `Outcome` is a
milestone a firm reports about itself (first online sale, first export…).
"""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rutapyme.accounts.models import Organisation
from rutapyme.core.countries import ALADI_COUNTRIES, COUNTRY_CHOICES
from rutapyme.firms.models import Firm
from rutapyme.learning.models import Course


def new_token() -> str:
    """The secret of a personal invitation link: 256 bits, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


class Programme(models.Model):
    """A government programme in one country. Empty eligibility lists mean "any"."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("nombre"), max_length=200)
    country = models.CharField(_("país"), max_length=2, choices=COUNTRY_CHOICES)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organización responsable"),
        on_delete=models.PROTECT,
        related_name="programmes",
    )
    partners = models.ManyToManyField(
        Organisation,
        verbose_name=_("organizaciones aliadas"),
        blank=True,
        related_name="partner_programmes",
    )
    description = models.TextField(_("descripción"), blank=True)
    offer_types = models.JSONField(_("tipos de oferta admitidos"), default=list, blank=True)
    sectors = models.JSONField(_("sectores admitidos"), default=list, blank=True)
    priority_sectors = models.JSONField(_("sectores prioritarios"), default=list, blank=True)
    provinces = models.JSONField(_("provincias admitidas"), default=list, blank=True)
    size_bands = models.JSONField(_("tamaños admitidos"), default=list, blank=True)
    is_active = models.BooleanField(_("activo"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("programa")
        verbose_name_plural = _("programas")
        ordering = ["-is_active", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def tax_id_label(self) -> str:
        """What the programme's country calls a firm's tax ID (RUC, RUT, CUIT...)."""
        country = ALADI_COUNTRIES.get(self.country)
        return country.tax_id_label if country else str(_("Identificación tributaria"))


class Cohort(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    programme = models.ForeignKey(
        Programme, verbose_name=_("programa"), on_delete=models.PROTECT, related_name="cohorts"
    )
    name = models.CharField(_("nombre"), max_length=120)
    starts_on = models.DateField(_("inicio"))
    ends_on = models.DateField(_("fin"))
    capacity = models.PositiveIntegerField(
        _("cupos"), help_text=_("Empresas que pueden unirse; las demás quedan en lista de espera.")
    )
    courses = models.ManyToManyField(
        Course, verbose_name=_("cursos incluidos"), blank=True, related_name="cohorts"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # When `stages.refresh` last copied the later stages into this cohort's enrolments.
    stages_refreshed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("promoción")
        verbose_name_plural = _("promociones")
        ordering = ["-starts_on", "name"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "name"], name="cohort_unique_name"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="cohort_dates"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Enrolment(models.Model):
    """One firm in one cohort. States: invited → joined → active → completed, or declined,
    dropped, or waitlisted (joined when the cohort was full; moves to joined when a place
    frees up). Each state change keeps its date."""

    class State(models.TextChoices):
        INVITED = "invited", _("Invitada")
        WAITLISTED = "waitlisted", _("En lista de espera")
        JOINED = "joined", _("Unida")
        ACTIVE = "active", _("Activa")
        COMPLETED = "completed", _("Completó")
        DECLINED = "declined", _("No aceptó")
        DROPPED = "dropped", _("Se retiró")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    cohort = models.ForeignKey(
        Cohort, verbose_name=_("promoción"), on_delete=models.CASCADE, related_name="enrolments"
    )
    firm = models.ForeignKey(
        Firm, verbose_name=_("empresa"), on_delete=models.CASCADE, related_name="enrolments"
    )
    state = models.CharField(_("estado"), max_length=10, choices=State.choices)
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    email = models.EmailField(_("correo de la invitación"), blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    batch = models.ForeignKey(
        "InvitationBatch", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    invited_at = models.DateTimeField(_("invitada el"))
    email_sent_at = models.DateTimeField(_("correo enviado el"), null=True, blank=True)
    # The e-mail task that is sending it (two workers never send the same invitation; a claim
    # older than services.EMAIL_CLAIM_TIMEOUT is a dead worker's and is taken over).
    email_claim = models.UUIDField(null=True, blank=True, editable=False)
    email_claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    joined_at = models.DateTimeField(_("se unió el"), null=True, blank=True)
    joined_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    waitlisted_at = models.DateTimeField(_("en lista de espera desde"), null=True, blank=True)
    active_at = models.DateTimeField(_("activa desde"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completó el"), null=True, blank=True)
    declined_at = models.DateTimeField(_("no aceptó el"), null=True, blank=True)
    dropped_at = models.DateTimeField(_("se retiró el"), null=True, blank=True)
    state_note = models.CharField(_("motivo"), max_length=300, blank=True)

    # The firm's registry fields at invitation time, so dashboard filters read one table.
    province = models.CharField(max_length=10, blank=True)
    sector = models.CharField(max_length=20, blank=True)
    size_band = models.CharField(max_length=8, blank=True)

    # Later stages of the route, copied by `stages.refresh` (ADR 0010). First date reached.
    diagnosed_at = models.DateTimeField(null=True, blank=True)
    learning_at = models.DateTimeField(null=True, blank=True)
    certified_at = models.DateTimeField(null=True, blank=True)
    online_at = models.DateTimeField(null=True, blank=True)
    first_sale_at = models.DateTimeField(null=True, blank=True)
    first_export_at = models.DateTimeField(null=True, blank=True)
    first_level = models.PositiveSmallIntegerField(null=True, blank=True)
    latest_level = models.PositiveSmallIntegerField(null=True, blank=True)
    courses_completed = models.PositiveSmallIntegerField(default=0)
    # Live sessions this firm attended, kept by `services.attendance_record`.
    sessions_attended = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("inscripción")
        verbose_name_plural = _("inscripciones")
        constraints = [
            models.UniqueConstraint(fields=["cohort", "firm"], name="enrolment_once_per_cohort"),
        ]
        indexes = [
            models.Index(fields=["cohort", "state"], name="enrolment_cohort_state"),
            models.Index(fields=["firm"], name="enrolment_firm"),
            models.Index(fields=["cohort", "joined_at"], name="enrolment_cohort_joined"),
        ]

    def __str__(self) -> str:
        return f"{self.firm_id} @ {self.cohort_id} ({self.state})"

    @property
    def has_joined(self) -> bool:
        return self.state in JOINED_STATES


# States of a firm that holds a place; states a firm may leave from; the date each state keeps
# (in the order of the route).
JOINED_STATES = (Enrolment.State.JOINED, Enrolment.State.ACTIVE, Enrolment.State.COMPLETED)
LEAVING_STATES = (*JOINED_STATES, Enrolment.State.WAITLISTED, Enrolment.State.INVITED)
STATE_DATE_FIELDS = {
    Enrolment.State.INVITED: "invited_at",
    Enrolment.State.JOINED: "joined_at",
    Enrolment.State.WAITLISTED: "waitlisted_at",
    Enrolment.State.ACTIVE: "active_at",
    Enrolment.State.COMPLETED: "completed_at",
    Enrolment.State.DECLINED: "declined_at",
    Enrolment.State.DROPPED: "dropped_at",
}


class InvitationBatch(models.Model):
    """One "invite these firms" action, run in the background in checkpointed chunks.

    The selection is kept as filters (`filters`), evaluated in firm-id order; `last_firm_id`
    is the checkpoint, moved in the same transaction as each chunk's enrolments, so a killed
    worker resumes after the last chunk and the batch ends as one clean run would.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("En cola")
        RUNNING = "running", _("En curso")
        DONE = "done", _("Terminada")
        FAILED = "failed", _("Falló")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="batches")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Partner staff invite only their organisation's members: the batch remembers it.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    filters = models.JSONField(default=dict)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(default=0)
    firms_done = models.PositiveIntegerField(default=0)
    last_firm_id = models.BigIntegerField(default=0)
    invited_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)  # already in the cohort
    without_email_count = models.PositiveIntegerField(default=0)
    error_message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    progress_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("envío de invitaciones")
        verbose_name_plural = _("envíos de invitaciones")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.cohort} · {self.invited_count}/{self.total}"

    @property
    def percent_done(self) -> int:
        if not self.total:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, round(100 * self.firms_done / self.total))


class LiveSession(models.Model):
    """A live class of a cohort: online (a link) or in person (a place)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    cohort = models.ForeignKey(
        Cohort, verbose_name=_("promoción"), on_delete=models.CASCADE, related_name="sessions"
    )
    title = models.CharField(_("título"), max_length=200)
    starts_at = models.DateTimeField(_("fecha y hora"))
    duration_minutes = models.PositiveSmallIntegerField(_("duración (minutos)"), default=60)
    online_url = models.URLField(_("enlace de la sesión en línea"), blank=True)
    place = models.CharField(_("lugar"), max_length=250, blank=True)
    teacher = models.CharField(_("docente"), max_length=150)
    teacher_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("consultor/a a cargo"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="live_sessions",
        help_text=_("Si se indica, esta persona puede tomar la asistencia."),
    )

    class Meta:
        verbose_name = _("sesión en vivo")
        verbose_name_plural = _("sesiones en vivo")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(online_url="") | ~Q(place=""), name="session_has_link_or_place"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Attendance(models.Model):
    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="attendance")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="attendance")
    present = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("asistencia")
        verbose_name_plural = _("asistencias")
        constraints = [
            models.UniqueConstraint(fields=["session", "enrolment"], name="attendance_once"),
        ]

    def __str__(self) -> str:
        return f"{self.session_id} · {self.enrolment_id}: {self.present}"


class Outcome(models.Model):
    """A milestone a firm reports: the first time it sold online, on a marketplace, abroad."""

    class Kind(models.TextChoices):
        FIRST_ONLINE_SALE = "online_sale", _("Primera venta en línea")
        FIRST_MARKETPLACE_SALE = "marketplace_sale", _("Primera venta en un marketplace")
        FIRST_EXPORT = "export", _("Primera exportación por comercio electrónico")

    class Channel(models.TextChoices):
        OWN_SITE = "own_site", _("Página o tienda propia")
        MARKETPLACE = "marketplace", _("Marketplace (Mercado Libre u otro)")
        SOCIAL = "social", _("Redes sociales o WhatsApp")
        OTHER = "other", _("Otro")

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="outcomes")
    kind = models.CharField(_("hito"), max_length=20, choices=Kind.choices)
    occurred_on = models.DateField(_("fecha"))
    channel = models.CharField(_("canal"), max_length=12, choices=Channel.choices)
    channel_detail = models.CharField(_("¿cuál?"), max_length=120, blank=True)
    destination_country = models.CharField(_("país de destino"), max_length=2, blank=True)
    amount = models.DecimalField(
        _("monto aproximado"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(_("moneda"), max_length=3, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reported_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("hito de la empresa")
        verbose_name_plural = _("hitos de las empresas")
        ordering = ["occurred_on"]
        constraints = [
            models.UniqueConstraint(fields=["firm", "kind"], name="outcome_once_per_kind"),
            models.CheckConstraint(
                condition=~Q(kind="export") | ~Q(destination_country=""),
                name="outcome_export_has_destination",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.firm_id} · {self.kind} · {self.occurred_on}"
