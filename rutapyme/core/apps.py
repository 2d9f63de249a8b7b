from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "rutapyme.core"
    label = "core"
