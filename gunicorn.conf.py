"""Gunicorn settings for production (``gunicorn -c gunicorn.conf.py``).

Every value can be overridden with the environment variable named beside it.
The workers are stateless: sessions, throttles, the cache and the outbox live
in PostgreSQL (or Redis), so any number of app servers can run behind a load
balancer (docs/deploy.md).
"""

import multiprocessing
import os

wsgi_app = "sociale_kaart.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Threaded workers: a request waiting on the database or a slow client holds a
# thread, not a whole process. Production sits behind a buffering reverse proxy
# (deploy/nginx.conf) that reads each request completely before passing it on,
# so slow clients never reach gunicorn at all (docs/deploy.md).
worker_class = "gthread"
# Two workers per core plus one is the usual start for a database-bound app;
# each serves GUNICORN_THREADS requests at once (one database connection each).
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# A request that takes longer than this is killed; its transaction rolls back.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# An idle keep-alive connection is closed after this many seconds.
keepalive = 5
# Recycle workers now and then so a slow leak never builds up.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
# Only the balancer may set X-Forwarded-* (and thus the client address).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker):
    """Each new worker imports its views, reads the API document and compiles
    the main templates before its first request (sociale_kaart/warm.py)."""
    from sociale_kaart.warm import worker_warm

    worker_warm()


# Redacts password-reset links from access-log lines (sociale_kaart/logs.py).
logger_class = "sociale_kaart.logs.GunicornLogger"
accesslog = "-"
errorlog = "-"
# The path without the query string: search terms and codes stay out of logs.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'

_debug = os.environ.get("DEBUG", "").lower() in ("1", "true", "yes", "on")
if os.environ.get("LOG_FORMAT", "text" if _debug else "json") == "json":
    # Gunicorn's own lines as JSON too, like the app's (sociale_kaart/logs.py).
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "sociale_kaart.logs.JsonFormatter"}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stdout",
            }
        },
        "loggers": {
            name: {"handlers": ["console"], "level": "INFO", "propagate": False}
            for name in ("gunicorn.error", "gunicorn.access")
        },
    }
