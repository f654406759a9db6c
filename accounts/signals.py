"""Register every log-in's session, so the user can see and end it and
deactivation can end it at once."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver


@receiver(user_logged_in, dispatch_uid="accounts_session_register")
def _register_session(sender, request, user, **kwargs):
    from accounts import services

    session = getattr(request, "session", None)
    if session is None or not session.session_key or not getattr(user, "pk", None):
        return
    services.session_register(
        user=user,
        session_key=session.session_key,
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
        method=getattr(request, "_accounts_login_method", "password"),
    )
