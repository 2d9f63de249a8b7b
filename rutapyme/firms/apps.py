from django.apps import AppConfig


class FirmsConfig(AppConfig):
    name = "rutapyme.firms"
    label = "firms"
    verbose_name = "Empresas"
