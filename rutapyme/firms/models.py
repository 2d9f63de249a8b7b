"""Firms (empresas), their members, their partner affiliations and their consent records.

The firm, not the person, is the unit of the programme: a firm has members, takes the
diagnosis, follows a training route and reports outcomes.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rutapyme.accounts.models import Organisation
from rutapyme.core.countries import COUNTRY_CHOICES, subdivision_name
from rutapyme.core.models import BackgroundImport


class Sector(models.TextChoices):
    ARTESANIAS = "artesanias", _("Artesanías")
    CALZADO = "calzado", _("Calzado")
    TEXTIL = "textil", _("Textil y confección")
    AUTOPARTES = "autopartes", _("Autopartes")
    ALIMENTOS = "alimentos", _("Alimentos")
    BEBIDAS = "bebidas", _("Bebidas")
    COSMETICA = "cosmetica", _("Cosmética y cuidado personal")
    ACCESORIOS = "accesorios", _("Accesorios y marroquinería")
    TECNOLOGIA = "tecnologia", _("Tecnología")
    OTROS = "otros", _("Otros")


class OfferType(models.TextChoices):
    PRODUCTS = "products", _("Productos")
    SERVICES = "services", _("Servicios")
    BOTH = "both", _("Productos y servicios")


class SizeBand(models.TextChoices):
    """Employee bands of the CEPAL questionnaire, question 3."""

    S0_5 = "0-5", _("0 a 5 personas")
    S6_25 = "6-25", _("6 a 25 personas")
    S26_50 = "26-50", _("26 a 50 personas")
    S51_100 = "51-100", _("51 a 100 personas")
    S100_PLUS = "100+", _("Más de 100 personas")

    @classmethod
    def for_employees(cls, employees: int) -> "SizeBand":
        if employees <= 5:
            return cls.S0_5
        if employees <= 25:
            return cls.S6_25
        if employees <= 50:
            return cls.S26_50
        if employees <= 100:
            return cls.S51_100
        return cls.S100_PLUS


class TaxIdStatus(models.TextChoices):
    VALID = "valid", _("Verificado")
    TO_VERIFY = "to_verify", _("Por verificar")


class Source(models.TextChoices):
    SELF_REGISTERED = "self", _("Autorregistro")
    IMPORTED = "import", _("Base del programa")
    STAFF = "staff", _("Registrada por el equipo")


class Firm(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    country = models.CharField(_("país"), max_length=2, choices=COUNTRY_CHOICES)
    tax_id = models.CharField(_("identificación tributaria"), max_length=20)
    tax_id_status = models.CharField(
        _("estado de la identificación"),
        max_length=10,
        choices=TaxIdStatus.choices,
        default=TaxIdStatus.VALID,
    )
    legal_name = models.CharField(_("razón social"), max_length=250)
    trade_name = models.CharField(_("nombre comercial"), max_length=250, blank=True)
    province = models.CharField(_("provincia"), max_length=10, blank=True)
    canton = models.CharField(_("cantón o municipio"), max_length=120, blank=True)
    sector = models.CharField(_("sector"), max_length=20, choices=Sector.choices)
    offer_type = models.CharField(_("qué ofrece"), max_length=10, choices=OfferType.choices)
    size_band = models.CharField(_("tamaño"), max_length=8, choices=SizeBand.choices)
    employees = models.PositiveIntegerField(_("número de personas"), null=True, blank=True)
    legal_representative = models.CharField(_("representante legal"), max_length=200, blank=True)
    email = models.EmailField(_("correo de contacto"), blank=True)
    phone = models.CharField(_("teléfono"), max_length=20, blank=True, help_text="E.164")
    website = models.URLField(_("sitio web"), blank=True)
    sells_online = models.BooleanField(_("vende en línea"), null=True, blank=True)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.STAFF)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="FirmMembership", related_name="firms"
    )
    partners = models.ManyToManyField(
        Organisation, through="FirmAffiliation", related_name="member_firms"
    )

    class Meta:
        verbose_name = _("empresa")
        verbose_name_plural = _("empresas")
        constraints = [
            models.UniqueConstraint(fields=["country", "tax_id"], name="firm_unique_tax_id"),
        ]
        indexes = [
            models.Index(fields=["country", "province", "sector"], name="firm_filter_idx"),
            models.Index(fields=["country", "size_band"], name="firm_size_idx"),
            models.Index(fields=["created_at"], name="firm_created_idx"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.trade_name or self.legal_name

    @property
    def province_name(self) -> str:
        return subdivision_name(self.province) if self.province else ""


class FirmMembership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("Propietario/a o gerente")
        STAFF = "staff", _("Colaborador/a")

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="firm_memberships"
    )
    role = models.CharField(max_length=8, choices=Role.choices, default=Role.STAFF)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("miembro de empresa")
        verbose_name_plural = _("miembros de empresa")
        constraints = [
            models.UniqueConstraint(fields=["firm", "user"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.firm_id} ({self.role})"


class FirmAffiliation(models.Model):
    """A firm is a member of a partner organisation (chamber, guild, marketplace)."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="affiliations")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="affiliations"
    )
    member_reference = models.CharField(_("código de socio"), max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("afiliación")
        verbose_name_plural = _("afiliaciones")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "firm"], name="affiliation_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.firm_id} in {self.organisation_id}"


class ConsentRecord(models.Model):
    """The owner's consent to data processing: who, when, which version of the text, how."""

    class Channel(models.TextChoices):
        WEB = "web", _("Formulario web")
        IMPORT = "import", _("Base del programa (consentimiento recogido por el ministerio)")

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="consents")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    text_version = models.CharField(max_length=20)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    accepted_at = models.DateTimeField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("consentimiento")
        verbose_name_plural = _("consentimientos")
        ordering = ["-accepted_at"]

    def __str__(self) -> str:
        return f"{self.firm_id} v{self.text_version} {self.accepted_at:%Y-%m-%d}"


class FirmImport(BackgroundImport):
    """One upload of the ministry's base (or any firm list), processed in the background."""

    file = models.FileField(upload_to="imports/%Y/%m/")
    country = models.CharField(max_length=2, choices=COUNTRY_CHOICES)
    dry_run = models.BooleanField(default=False)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        help_text=_("Si se indica, las empresas importadas quedan afiliadas a esta organización."),
    )

    class Meta(BackgroundImport.Meta):
        verbose_name = _("importación de empresas")
        verbose_name_plural = _("importaciones de empresas")


class FirmImportIssue(models.Model):
    """A row of an import that was not imported as it stands (rejected or skipped)."""

    class Kind(models.TextChoices):
        REJECTED = "rejected", _("Rechazada")
        DUPLICATE = "duplicate", _("Repetida en el archivo")

    firm_import = models.ForeignKey(FirmImport, on_delete=models.CASCADE, related_name="issues")
    line = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.REJECTED)
    tax_id = models.CharField(max_length=40, blank=True)
    reason = models.TextField()
    raw = models.TextField(blank=True)

    class Meta:
        ordering = ["line"]
        constraints = [
            models.UniqueConstraint(
                fields=["firm_import", "line"], name="import_issue_unique_line"
            ),
        ]

    def __str__(self) -> str:
        return f"línea {self.line}: {self.reason}"
