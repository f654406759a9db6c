"""Dutch first: the interface is Dutch unless the visitor chose another language.

Django's LocaleMiddleware also follows the browser's Accept-Language header, so a
Dutch professional with an English browser would get English pages by surprise.
Here only an explicit choice (the language switch sets a cookie) changes it.
"""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


def chosen_language(request) -> str:
    """The visitor's chosen language (the language cookie), else Dutch. Needs
    no session or database, so error pages rendered before this middleware ran
    (413) or while the database is down still speak the visitor's language."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) if request else None
    return chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


class DutchFirstLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request):
        translation.activate(chosen_language(request))
        request.LANGUAGE_CODE = translation.get_language()
