"""Scopes of organisation API keys: each API view says which scope a key needs.

A view declares ``key_scopes``: a mapping from its DRF action (viewsets) or HTTP
method to the scope a key must hold, or ``NO_SCOPE`` when any key of the
organisation may call it (``/me``). HEAD and OPTIONS need what GET needs. A
view, action or method not in its mapping is refused to every key, so a new
endpoint is closed to keys until someone decides its scope. Sessions (people)
are not affected: their roles decide, as before.

A missing scope is 403 problem+json naming the scope.
"""

from django.utils.translation import gettext as _

from rest_framework import exceptions, permissions

from registry.models import ApiToken

NO_SCOPE = ""
READ = ApiToken.SCOPE_CATALOGUE_READ

# Scope tables shared by several views.
CATALOGUE = {"list": READ, "retrieve": READ, "GET": READ}
CATALOGUE_WRITE = {**CATALOGUE, "partial_update": ApiToken.SCOPE_CATALOGUE_WRITE}


class MissingScope(exceptions.PermissionDenied):
    default_code = "missing_scope"


def required_scope(view, request) -> str | None:
    """The scope a key needs here; None when no key may call it."""
    table = getattr(view, "key_scopes", None) or {}
    action = getattr(view, "action", None)
    if action in table:
        return table[action]
    method = "GET" if request.method in ("HEAD", "OPTIONS") else request.method
    return table.get(method)


class KeyScope(permissions.BasePermission):
    """Let a key through only with the scope this view and method need."""

    def has_permission(self, request, view) -> bool:
        token = getattr(request.user, "api_token", None)
        if token is None:
            return True
        needed = required_scope(view, request)
        if needed is None:
            allowed = {method.upper() for method in view.allowed_methods}
            if request.method.upper() not in allowed:
                return True  # the view answers 405 with Allow
            raise MissingScope(_("Een API-sleutel kan deze aanvraag niet doen."))
        if needed == NO_SCOPE or token.has_scope(needed):
            return True
        raise MissingScope(
            _("Deze API-sleutel mist de bevoegdheid (scope) %(scope)s.")
            % {"scope": needed}
        )
