"""The API's JSON parser: DRF's, with a nesting limit.

Python's json module recurses per nesting level, so a body of 100,000 ``[``
raised RecursionError (a 500) on every JSON write. No request of this API nests
deeper than a few levels; anything past ``MAX_DEPTH`` is a 400 problem+json.
"""

from django.utils.translation import gettext as _

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 20


def _too_deep(data, limit: int) -> bool:
    """Iterative (a recursive check would hit the same limit it checks)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > limit:
                return True
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)
    return False


class LimitedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        message = _("De JSON is te diep genest (maximaal %(max)d niveaus).") % {
            "max": MAX_DEPTH
        }
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(message) from None
        if _too_deep(data, MAX_DEPTH):
            raise ParseError(message)
        return data
