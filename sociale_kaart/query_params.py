"""Unknown query keys are 400 problem+json naming them (NL API Design Rules).

A misspelt filter (``?organisatie=...``, ``?page_size=5``) must not silently
widen a result. The contract of every operation is the committed OpenAPI
document (``openapi.yaml``; CI fails when it drifts from the code), so the
check compares the request's query keys with the query parameters the document
declares for the operation: one source of truth for what is documented and
what is accepted. Paths the document does not describe (the Open Referral API,
which checks its own HSDA parameters, the document itself, the docs page) and
methods it does not list (answered 405 by the view) pass unchecked.
"""

import re
from functools import cache
from pathlib import Path

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _

import yaml

from sociale_kaart.api import PROBLEM_CONTENT_TYPE

DOCUMENT = Path(settings.BASE_DIR) / "openapi.yaml"
_PARAMETER = re.compile(r"\\\{[^}]+\\\}")


@cache
def _operations() -> list[tuple[re.Pattern, dict[str, frozenset[str]]]]:
    """(path pattern, {method: declared query keys}), literal paths first."""
    # libyaml's safe loader when PyYAML has it: the same document in a seventh
    # of the time (0.06 against 0.41 s, paid by each worker's first API call).
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    document = yaml.load(DOCUMENT.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506
    base = document.get("servers", [{"url": ""}])[0]["url"].rstrip("/")
    found = []
    for path, item in document.get("paths", {}).items():
        pattern = re.compile(
            "^" + _PARAMETER.sub("[^/]+", re.escape(base + path)) + "$"
        )
        shared = item.get("parameters", [])
        methods = {
            method.upper(): frozenset(
                p["name"]
                for p in shared + operation.get("parameters", [])
                if p.get("in") == "query"
            )
            for method, operation in item.items()
            if method != "parameters"
        }
        found.append((path.count("{"), pattern, methods))
    found.sort(key=lambda entry: entry[0])
    return [(pattern, methods) for _count, pattern, methods in found]


def operations_load() -> None:
    """Read the document now (``sociale_kaart.warm``), not on the first call."""
    _operations()


def unknown_query_keys(path: str, method: str, keys) -> list[str]:
    """The keys the document does not declare for ``method`` on ``path``."""
    for pattern, methods in _operations():
        if pattern.match(path):
            declared = methods.get("HEAD" if method == "HEAD" else method)
            if declared is None and method == "HEAD":
                declared = methods.get("GET")
            if declared is None:
                return []
            return sorted(set(keys) - declared)
    return []


def _problem(unknown: list[str]) -> JsonResponse:
    reason = _("Onbekende queryparameter; zie het OpenAPI-document.")
    return JsonResponse(
        {
            "type": "https://httpstatuses.io/400",
            "title": "Ongeldige invoer",
            "status": 400,
            "detail": _("Onbekende queryparameter(s): %(names)s.")
            % {"names": ", ".join(unknown)},
            "code": "invalid",
            "invalid_params": [
                {"name": name, "code": "unknown", "reason": reason} for name in unknown
            ],
        },
        status=400,
        content_type=PROBLEM_CONTENT_TYPE,
        json_dumps_params={"ensure_ascii": False},
    )


class UnknownQueryKeysMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/") and request.GET:
            unknown = unknown_query_keys(request.path, request.method, request.GET)
            if unknown:
                return _problem(unknown)
        return self.get_response(request)
