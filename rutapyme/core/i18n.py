"""Language selection: the programme's language unless the person chose another.

Django's LocaleMiddleware follows the browser's Accept-Language header, so a phone set to
English would get an English interface although the programme runs in Spanish. Here the
language comes from the person's explicit choice (the language cookie set by the selector in
the footer) and otherwise from settings.LANGUAGE_CODE, which a country's deployment sets
(e.g. pt-br in Brazil).
"""

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


class ProgrammeLocaleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.available = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in self.available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ["Cookie"])
        response.headers.setdefault("Content-Language", language)
        return response
