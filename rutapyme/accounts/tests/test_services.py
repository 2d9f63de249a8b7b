"""Creating people with a role, changing roles, and the create_staff_user command."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from rutapyme.accounts.models import Organisation, User
from rutapyme.accounts.services import user_create, user_set_language, user_set_role
from rutapyme.accounts.tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_user_create_normalises_the_email_and_sets_the_password():
    user = user_create(
        email="  Ana@Produccion.GOB.ec ",
        full_name=" Ana Pérez ",
        role=User.Role.PROGRAMME_STAFF,
        password="tejidos-otavalo-2026",
    )
    assert (user.email, user.full_name, user.role) == (
        "ana@produccion.gob.ec",
        "Ana Pérez",
        "programme_staff",
    )
    assert user.check_password("tejidos-otavalo-2026")
    assert (user.is_staff, user.is_superuser) == (False, False)


def test_user_create_without_password_makes_an_unusable_one():
    user = user_create(email="ana@example.ec", full_name="Ana", role=User.Role.CONSULTANT)
    assert user.has_usable_password() is False


def test_admins_get_the_django_admin():
    user = user_create(email="root@example.ec", full_name="Root", role=User.Role.ADMIN)
    assert (user.is_staff, user.is_superuser, user.is_platform_admin) == (True, True, True)


def test_partner_staff_need_an_organisation():
    with pytest.raises(ValidationError) as error:
        user_create(email="luis@ccq.ec", full_name="Luis", role=User.Role.PARTNER_STAFF)
    assert error.value.message_dict == {
        "organisation": ["El equipo de una organización aliada necesita su organización."]
    }
    assert User.objects.count() == 0


def test_every_problem_is_reported_at_once_and_nothing_is_created():
    UserFactory(email="ana@example.ec")
    with pytest.raises(ValidationError) as error:
        user_create(email="ANA@example.ec", full_name=" ", role="jefe")
    assert error.value.message_dict == {
        "email": ["Ya existe una cuenta con este correo."],
        "full_name": ["Falta el nombre."],
        "role": ["Rol desconocido: «jefe»."],
    }
    assert User.objects.count() == 1


def test_a_weak_password_is_refused():
    with pytest.raises(ValidationError) as error:
        user_create(
            email="ana@example.ec", full_name="Ana", role=User.Role.EDITOR, password="12345678"
        )
    assert error.value.message_dict == {
        "password": [
            "Esta contraseña es demasiado común.",
            "Esta contraseña es completamente numérica.",
        ]
    }
    assert User.objects.count() == 0


def test_user_set_role_moves_admin_rights_with_the_role():
    organisation = OrganisationFactory()
    user = UserFactory(role=User.Role.FIRM_MEMBER)
    user_set_role(user=user, role=User.Role.ADMIN)
    user.refresh_from_db()
    assert (user.role, user.is_staff, user.is_superuser) == ("admin", True, True)
    user_set_role(user=user, role=User.Role.PARTNER_STAFF, organisation=organisation)
    user.refresh_from_db()
    assert (user.role, user.organisation, user.is_staff, user.is_superuser) == (
        "partner_staff",
        organisation,
        False,
        False,
    )


def test_user_set_role_refuses_partner_staff_without_organisation():
    user = UserFactory(role=User.Role.CONSULTANT)
    with pytest.raises(ValidationError):
        user_set_role(user=user, role=User.Role.PARTNER_STAFF)
    user.refresh_from_db()
    assert (user.role, user.organisation) == ("consultant", None)


def test_user_set_language_refuses_unknown_languages():
    user = UserFactory(language="es")
    with pytest.raises(ValidationError):
        user_set_language(user=user, language="fr")
    user_set_language(user=user, language="en")
    user.refresh_from_db()
    assert user.language == "en"


# --- create_staff_user ------------------------------------------------------------------------


def test_command_creates_programme_staff_with_a_password(capsys):
    ministry = OrganisationFactory(name="Ministerio", kind=Organisation.Kind.GOVERNMENT)
    call_command(
        "create_staff_user",
        "ana@produccion.gob.ec",
        "--full-name=Ana Pérez",
        "--role=programme_staff",
        f"--organisation-id={ministry.pk}",
        "--password=tejidos-otavalo-2026",
    )
    user = User.objects.get()
    assert (user.email, user.role, user.organisation) == (
        "ana@produccion.gob.ec",
        "programme_staff",
        ministry,
    )
    assert user.check_password("tejidos-otavalo-2026")
    assert capsys.readouterr().out == (
        "Cuenta creada: ana@produccion.gob.ec (Equipo del programa).\n"
    )


def test_command_asks_for_the_password_twice(monkeypatch):
    answers = iter(["tejidos-otavalo-2026", "tejidos-otavalo-2026"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    call_command("create_staff_user", "ana@example.ec", "--full-name=Ana", "--role=editor")
    assert User.objects.get().check_password("tejidos-otavalo-2026")


def test_command_refuses_passwords_that_differ(monkeypatch):
    answers = iter(["tejidos-otavalo-2026", "otra"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    with pytest.raises(CommandError, match="Las contraseñas no coinciden."):
        call_command("create_staff_user", "ana@example.ec", "--full-name=Ana")
    assert User.objects.count() == 0


def test_command_without_password(capsys):
    call_command("create_staff_user", "ana@example.ec", "--full-name=Ana", "--no-password")
    assert User.objects.get().has_usable_password() is False
    assert "«¿Olvidó su contraseña?»" in capsys.readouterr().out


def test_command_reports_errors_in_spanish_and_creates_nothing():
    with pytest.raises(CommandError) as error:
        call_command(
            "create_staff_user",
            "luis@ccq.ec",
            "--full-name=Luis",
            "--role=partner_staff",
            "--no-password",
        )
    assert str(error.value) == (
        "No se creó la cuenta.\n"
        "organisation: El equipo de una organización aliada necesita su organización."
    )
    with pytest.raises(CommandError, match="No existe la organización 999."):
        call_command(
            "create_staff_user", "luis@ccq.ec", "--full-name=Luis", "--organisation-id=999"
        )
    assert User.objects.count() == 0
