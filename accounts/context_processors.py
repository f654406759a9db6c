from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from accounts import login_flow
from accounts import permissions as account_permissions
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
        "people_links": SimpleLazyObject(lambda: _people_links(user)),
    }


def _people_links(user) -> dict:
    """Where the menu's "Mensen" goes: the organisation an admin manages, or
    the municipality's list of organisations."""
    if not getattr(user, "is_authenticated", False):
        return {}
    if account_permissions.is_municipality_admin(user):
        return {"url": reverse("accounts:organisation-list")}
    for membership in permissions.memberships(user):
        if account_permissions.can_manage_people(user, membership.organisation):
            return {
                "url": reverse("accounts:people", args=[membership.organisation_id])
            }
    return {}


def _active(user):
    if not getattr(user, "is_authenticated", False):
        return None
    memberships = permissions.memberships(user)
    return memberships[0].organisation if len(memberships) == 1 else None
