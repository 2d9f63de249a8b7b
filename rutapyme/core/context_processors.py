from django.conf import settings


def platform(request):
    return {"SITE_URL": settings.SITE_URL, "CONSENT_TEXT_VERSION": settings.CONSENT_TEXT_VERSION}
