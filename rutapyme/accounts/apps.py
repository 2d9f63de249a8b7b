from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "rutapyme.accounts"
    label = "accounts"
    verbose_name = "Cuentas y roles"
