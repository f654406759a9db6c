"""Database sessions that remember when they expire (``SESSION_ENGINE``).

Django's database store checks ``expire_date`` when it loads a session but
forgets it; ``SessionIdleTimeoutMiddleware`` needs it to slide the expiry
forward without writing the session on every request.
"""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore


class SessionStore(DatabaseSessionStore):
    expires_at = None

    def _get_session_from_db(self):
        stored = super()._get_session_from_db()
        self.expires_at = stored.expire_date if stored is not None else None
        return stored
