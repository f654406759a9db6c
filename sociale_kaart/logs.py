"""Structured logs: one JSON object per line (``LOG_FORMAT=json``).

Fields: ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message``, plus any
``extra`` a logger passes (Django's request loggers add ``status_code``) and
``exc_info`` for errors.

No personal data: Django's request loggers attach the whole request object,
which a JSON formatter would write out with its full URL, query string and all
(search terms). It is replaced by the method and the path. Gunicorn's access
log (gunicorn.conf.py) gets the same fields from its atoms, never the query.
"""

import logging
import re
from collections.abc import Mapping

from gunicorn.glogging import Logger as _GunicornLogger
from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

# A password-reset link (/wachtwoord-herstellen/<uid>/<token>) is a key to an
# account for three days: no log line holds one (or the user id before it).
_RESET_LINK = re.compile(r"(/wachtwoord-herstellen/)(?!klaar\b)[^\s\"'?#]+")


def redact(text):
    """``text`` with any password-reset link cut down to its prefix."""
    if not isinstance(text, str):
        return text
    return _RESET_LINK.sub(r"\1[verborgen]", text)


# Gunicorn access-log atoms worth a field of their own (no "q", no "r": those
# hold the query string).
_ACCESS_FIELDS = {"h": "remote", "m": "method", "U": "path", "s": "status_code"}


class JsonFormatter(_JsonFormatter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("fmt", ["levelname", "name", "message"])
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        kwargs.setdefault("timestamp", "time")
        super().__init__(*args, **kwargs)

    def add_fields(self, log_data, record, message_dict) -> None:
        super().add_fields(log_data, record, message_dict)
        log_data["message"] = redact(log_data.get("message"))
        request = log_data.pop("request", None)
        if request is not None:
            log_data["method"] = getattr(request, "method", None)
            log_data["path"] = redact(getattr(request, "path", None))
        if record.name == "gunicorn.access" and isinstance(record.args, Mapping):
            for atom, name in _ACCESS_FIELDS.items():
                log_data[name] = redact(record.args.get(atom))
            log_data["status_code"] = _number(log_data["status_code"])
            log_data["duration_ms"] = _number(record.args.get("M"))


def _number(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


class TextFormatter(logging.Formatter):
    """The plain-text format (LOG_FORMAT=text), with reset links redacted."""

    def format(self, record) -> str:
        return redact(super().format(record))


class GunicornLogger(_GunicornLogger):
    """Gunicorn's logger with reset links redacted from every access-log atom
    (path, request line, referer and other headers), in text and JSON alike."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: redact(value) for key, value in atoms.items()}
