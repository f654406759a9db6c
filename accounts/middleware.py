"""Account middleware: every authenticated request comes from a complete
log-in, and acts for the organisation the user chose.

- A session with a user but without a completed second step (no verified
  device, no marker from ``login_flow.complete``) is ended: it was not made by
  this app's log-in. Costs no query (the session holds the markers).
- A deactivated account has no user (Django's backend refuses inactive users),
  and ``services.sessions_end_all`` deletes its sessions, so it is out at once.
- ``request.user._active_organisation_id`` is set from the session, without
  loading the user early; ``registry.permissions.memberships`` then returns
  only that organisation's membership, so every action is taken in it.
"""

from django.contrib import auth
from django.contrib.auth import SESSION_KEY
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import SimpleLazyObject, empty
from django.utils.http import urlencode

from accounts import login_flow


class AccountMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.get(SESSION_KEY):
            if not login_flow.is_verified(session):
                auth.logout(request)
                query = urlencode({"next": request.path})
                return redirect(f"{reverse('login')}?{query}")
            organisation_id = session.get(login_flow.ORGANISATION_KEY)
            if organisation_id is not None:
                lazy_user = request.user
                request.user = SimpleLazyObject(
                    lambda: _with_organisation(lazy_user, organisation_id)
                )
        return self.get_response(request)


def _with_organisation(lazy_user, organisation_id):
    if lazy_user._wrapped is empty:
        lazy_user._setup()
    user = lazy_user._wrapped
    if getattr(user, "is_authenticated", False):
        user._active_organisation_id = organisation_id
    return user
