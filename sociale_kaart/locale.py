"""Dutch first: the interface is Dutch unless the visitor chose another language.

Django's LocaleMiddleware also follows the browser's Accept-Language header, so a
Dutch professional with an English browser would get English pages by surprise.
Here only an explicit choice (the language switch sets a cookie) changes it.
"""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


def request_language(request) -> str:
    """The visitor's chosen language (the language switch's cookie), else Dutch."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    return chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


class DutchFirstLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request):
        translation.activate(request_language(request))
        request.LANGUAGE_CODE = translation.get_language()
