"""People, the organisations they work for, and the role each person plays on the platform.

A person signs in with an email address. What they may see follows from `User.role`:

- firm member: sees the firms they belong to (`firms.FirmMembership`), nothing else;
- programme staff: runs programmes for their organisation (a ministry, an agency);
- partner staff: a marketplace, chamber or guild; sees only the firms affiliated with
  their organisation;
- consultant, content editor: their own areas (later issues);
- platform admin: everything, including the Django admin.

A person of any role may also be a member of firms. The checks live in one module per
domain (`firms/permissions.py`), never in the views.
"""

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rutapyme.core.countries import COUNTRY_CHOICES


class Organisation(models.Model):
    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("Ministerio o agencia pública")
        MARKETPLACE = "marketplace", _("Marketplace")
        CHAMBER = "chamber", _("Cámara de comercio")
        GUILD = "guild", _("Gremio o asociación")
        INTERNATIONAL = "international", _("Organismo internacional")
        OTHER = "other", _("Otra")

    name = models.CharField(_("nombre"), max_length=200)
    short_name = models.CharField(_("nombre corto"), max_length=60, blank=True)
    kind = models.CharField(_("tipo"), max_length=20, choices=Kind.choices)
    country = models.CharField(_("país"), max_length=2, choices=COUNTRY_CHOICES, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("organización")
        verbose_name_plural = _("organizaciones")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "country"], name="organisation_unique_name")
        ]

    def __str__(self) -> str:
        return self.short_name or self.name


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("role", User.Role.ADMIN)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username: str):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    class Role(models.TextChoices):
        FIRM_MEMBER = "firm_member", _("Miembro de empresa")
        PROGRAMME_STAFF = "programme_staff", _("Equipo del programa")
        PARTNER_STAFF = "partner_staff", _("Equipo de organización aliada")
        CONSULTANT = "consultant", _("Consultor/a")
        EDITOR = "editor", _("Editor/a de contenidos")
        ADMIN = "admin", _("Administración de la plataforma")

    email = models.EmailField(_("correo electrónico"), unique=True)
    full_name = models.CharField(_("nombre completo"), max_length=150)
    role = models.CharField(_("rol"), max_length=20, choices=Role.choices, default=Role.FIRM_MEMBER)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organización"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="people",
    )
    phone = models.CharField(_("teléfono"), max_length=20, blank=True)
    language = models.CharField(
        _("idioma"),
        max_length=8,
        blank=True,
        default="",
        help_text=_("Si está vacío, el idioma del programa."),
    )
    is_active = models.BooleanField(_("activo"), default=True)
    is_staff = models.BooleanField(
        _("acceso a la administración"),
        default=False,
        help_text=_("Puede entrar en la administración de Django."),
    )
    date_joined = models.DateTimeField(_("alta"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("persona usuaria")
        verbose_name_plural = _("personas usuarias")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
            models.CheckConstraint(
                condition=~models.Q(role="partner_staff") | models.Q(organisation__isnull=False),
                name="partner_staff_has_organisation",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    # Role predicates; the permission modules build on these.
    @property
    def is_platform_admin(self) -> bool:
        return self.is_active and (self.is_superuser or self.role == self.Role.ADMIN)

    @property
    def is_programme_staff(self) -> bool:
        return self.is_active and self.role == self.Role.PROGRAMME_STAFF

    @property
    def is_partner_staff(self) -> bool:
        return self.is_active and self.role == self.Role.PARTNER_STAFF

    @property
    def may_use_two_factor(self) -> bool:
        """Staff and admins can (and should) protect their account with a second factor."""
        return self.role != self.Role.FIRM_MEMBER or self.is_staff
