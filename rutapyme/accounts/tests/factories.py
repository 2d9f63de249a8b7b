import factory

from rutapyme.accounts.models import Organisation, User

PASSWORD = "clave-segura-2026"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

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


class AdminFactory(UserFactory):
    role = User.Role.ADMIN
    is_staff = True
    is_superuser = True
