import factory
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from rutapyme.accounts.models import Organisation, User

PASSWORD = "clave-segura-2026"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        # Two staff of "the ministry" in one test share it instead of breaking the unique name.
        django_get_or_create = ("name", "country")

    name = factory.Sequence(lambda n: f"Cámara de Comercio {n}")
    kind = Organisation.Kind.CHAMBER
    country = "EC"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"persona{n}@example.ec")
    full_name = factory.Faker("name", locale="es_ES")
    role = User.Role.FIRM_MEMBER
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class ProgrammeStaffFactory(UserFactory):
    role = User.Role.PROGRAMME_STAFF
    organisation = factory.SubFactory(
        OrganisationFactory,
        name="Ministerio de Producción, Comercio Exterior, Inversiones y Pesca",
        kind=Organisation.Kind.GOVERNMENT,
    )


class PartnerStaffFactory(UserFactory):
    role = User.Role.PARTNER_STAFF
    organisation = factory.SubFactory(OrganisationFactory)


class ConsultantFactory(UserFactory):
    role = User.Role.CONSULTANT


class EditorFactory(UserFactory):
    role = User.Role.EDITOR


class AdminFactory(UserFactory):
    role = User.Role.ADMIN
    is_staff = True
    is_superuser = True


class TOTPDeviceFactory(factory.django.DjangoModelFactory):
    """A confirmed authenticator app."""

    class Meta:
        model = TOTPDevice

    user = factory.SubFactory(ProgrammeStaffFactory)
    name = "Aplicación de autenticación"
    confirmed = True


def totp_token(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code the person's app shows now (or `steps_ahead` 30-second steps later).

    A device refuses a code of a time step it has already accepted; the next step's code is
    within its tolerance, so a test that has just used one code uses `steps_ahead=1`.
    """
    device.refresh_from_db()
    value = totp(device.bin_key, device.step, device.t0, device.digits, device.drift + steps_ahead)
    return f"{value:0{device.digits}d}"


def backup_codes_for(user: User, codes: list[str]) -> StaticDevice:
    device = StaticDevice.objects.create(user=user, name="Códigos de respaldo", confirmed=True)
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return device
