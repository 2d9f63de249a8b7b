"""`django.contrib.admin` with our admin site (rutapyme/accounts/admin_site.py).

Listed in settings.INSTALLED_APPS instead of "django.contrib.admin". Kept apart from
admin_site.py because this module is imported before the models are ready.
"""

from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    default_site = "rutapyme.accounts.admin_site.RutaPymeAdminSite"
