"""Create the account of someone who works on the platform: ministry, partner or admin staff.

    manage.py create_staff_user ana@produccion.gob.ec --full-name "Ana Pérez" \\
        --role programme_staff --organisation-id 1

Asks for the password twice unless --password is given. With --no-password the account has no
password yet: the person creates one with "¿Olvidó su contraseña?" on the sign-in page.
"""

import getpass

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from rutapyme.accounts.models import Organisation, User
from rutapyme.accounts.services import user_create

STAFF_ROLES = [role for role in User.Role.values if role != User.Role.FIRM_MEMBER]


class Command(BaseCommand):
    help = "Crea la cuenta de una persona del equipo (ministerio, organización aliada, admin)."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--full-name", required=True, help="Nombre y apellido.")
        parser.add_argument("--role", choices=STAFF_ROLES, default=User.Role.PROGRAMME_STAFF)
        parser.add_argument("--organisation-id", type=int, help="Id de la organización.")
        password = parser.add_mutually_exclusive_group()
        password.add_argument("--password", help="Si falta, se pide dos veces.")
        password.add_argument(
            "--no-password",
            action="store_true",
            help="Sin contraseña: la persona la crea con «¿Olvidó su contraseña?».",
        )

    def handle(self, *args, **options):
        organisation = None
        if options["organisation_id"] is not None:
            organisation = Organisation.objects.filter(pk=options["organisation_id"]).first()
            if organisation is None:
                raise CommandError(f"No existe la organización {options['organisation_id']}.")
        password = options["password"]
        if password is None and not options["no_password"]:
            password = self._ask_password()
        try:
            user = user_create(
                email=options["email"],
                full_name=options["full_name"],
                role=options["role"],
                organisation=organisation,
                password=password,
            )
        except ValidationError as error:
            lines = [f"{name}: {msg}" for name, msgs in error.message_dict.items() for msg in msgs]
            raise CommandError("No se creó la cuenta.\n" + "\n".join(lines)) from error
        self.stdout.write(
            self.style.SUCCESS(f"Cuenta creada: {user.email} ({user.get_role_display()}).")
        )
        if password is None:
            self.stdout.write(
                "La persona crea su contraseña con «¿Olvidó su contraseña?» "
                "en la página de ingreso."
            )

    def _ask_password(self) -> str:
        first = getpass.getpass("Contraseña: ")
        second = getpass.getpass("Repita la contraseña: ")
        if first != second:
            raise CommandError("Las contraseñas no coinciden.")
        if not first:
            raise CommandError("La contraseña no puede estar vacía (o use --no-password).")
        return first
