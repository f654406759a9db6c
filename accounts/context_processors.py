from django.utils.functional import SimpleLazyObject

from accounts import login_flow
from registry import permissions


def account(request):
    """The header's "who am I": the organisation the user acts for, and
    whether they can switch (no query unless the header shows it)."""
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    count = session.get(login_flow.ORGANISATION_COUNT_KEY, 0) if session else 0
    return {
        "active_organisation": SimpleLazyObject(lambda: _active(user)),
        "can_switch_organisation": count > 1,
    }


def _active(user):
    if not getattr(user, "is_authenticated", False):
        return None
    memberships = permissions.memberships(user)
    return memberships[0].organisation if len(memberships) == 1 else None
