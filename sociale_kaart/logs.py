"""Structured logs: one JSON object per line (``LOG_FORMAT=json``).

Fields: ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message``, plus any
``extra`` a logger passes (Django's request loggers add ``status_code``) and
``exc_info`` for errors.

No personal data: Django's request loggers attach the whole request object,
which a JSON formatter would write out with its full URL, query string and all
(search terms). It is replaced by the method and the path. Gunicorn's access
log (gunicorn.conf.py) gets the same fields from its atoms, never the query.
"""

from collections.abc import Mapping

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

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
        request = log_data.pop("request", None)
        if request is not None:
            log_data["method"] = getattr(request, "method", None)
            log_data["path"] = getattr(request, "path", None)
        if record.name == "gunicorn.access" and isinstance(record.args, Mapping):
            for atom, name in _ACCESS_FIELDS.items():
                log_data[name] = record.args.get(atom)
            log_data["status_code"] = _number(log_data["status_code"])
            log_data["duration_ms"] = _number(record.args.get("M"))


def _number(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return value
