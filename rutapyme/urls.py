from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from .api import api

urlpatterns = [
    path("", include("rutapyme.core.urls")),
    path("cuenta/", include("rutapyme.accounts.urls")),
    path("empresas/", include("rutapyme.firms.urls")),
    path("diagnostico/", include("rutapyme.diagnosis.urls")),
    path("aprender/", include("rutapyme.learning.urls")),
    path("verificar/", include("rutapyme.learning.urls_verify")),
    path("", include("rutapyme.programmes.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
