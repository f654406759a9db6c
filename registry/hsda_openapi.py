"""The OpenAPI document of the Open Referral API (HSDA 3.1) under /api/v1/hsds.

It is the official HSDA contract (``registry/hsds_schemas/3.1/schema/openapi.json``,
vendored unchanged) filled in for this API, so it follows HSDA exactly,
snake_case parameters included, where the main document follows the Dutch API
Design Rules:
- ``info`` and a relative ``servers`` entry (``/api/v1/hsds``);
- only the GET operations (the read-only API answers no POST searches);
- ``postcode`` and ``proximity`` on ``/services`` as on ``/service_at_locations``;
- the remote schema references point at the 3.1 branch the schemas come from;
- every operation documents its 400 (a parameter it does not know or cannot
  read, named in ``invalid_params``) and, where it takes an id or a page, 404.
"""

import copy
import json
from functools import cache
from pathlib import Path

from django.conf import settings

from registry import hsds

SOURCE = Path(__file__).parent / "hsds_schemas" / "3.1" / "schema" / "openapi.json"
SCHEMA_BASE_30 = "https://raw.githubusercontent.com/openreferral/specification/3.0/"
SCHEMA_BASE_31 = "https://raw.githubusercontent.com/openreferral/specification/3.1-dev/"
PROBLEM = {
    "type": "object",
    "description": "An error (RFC 9457 problem details).",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "invalid_params": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "code": {"type": "string"},
                    "reason": {"type": "string"},
                },
            },
        },
    },
}


def _problem(text: str) -> dict:
    return {
        "description": text,
        "content": {
            "application/problem+json": {
                "schema": {"$ref": "#/components/schemas/Problem"}
            }
        },
    }


def _retarget(node):
    """Point the 3.0 schema references of the contract at the 3.1 schemas."""
    if isinstance(node, dict):
        return {
            key: value.replace(SCHEMA_BASE_30, SCHEMA_BASE_31)
            if key == "$ref" and isinstance(value, str)
            else _retarget(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_retarget(item) for item in node]
    return node


@cache
def document() -> dict:
    contract = json.loads(SOURCE.read_text(encoding="utf-8"))
    result = _retarget(copy.deepcopy(contract))
    # The contract's placeholder licence goes: the project names no licence.
    result["info"] = {
        "title": "Sociale Kaart Jeugd: Open Referral API (HSDA)",
        "version": "1.0.0",
        "summary": f"The public catalogue as Open Referral HSDS {hsds.HSDS_VERSION}.",
        "description": "The Open Referral Human Services Data API over the public "
        "social map of youth care: services, providers (organizations), "
        "taxonomies and services at locations. Read-only, no key needed. "
        "Parameters follow HSDA (snake_case); the rest of the API follows the "
        "NL API Design Rules and has its own document at /api/v1/openapi.json.",
        # The same contact as the main document (settings.API_CONTACT_*).
        "contact": settings.SPECTACULAR_SETTINGS["CONTACT"],
    }
    result["servers"] = [{"url": "/api/v1/hsds", "description": "This server"}]
    result["components"]["schemas"]["Problem"] = PROBLEM
    for path, operations in result["paths"].items():
        operations.pop("post", None)
        get = operations["get"]
        if path == "/services":
            get["parameters"] += [
                {"$ref": "#/components/parameters/postcode"},
                {"$ref": "#/components/parameters/proximity"},
            ]
        get["responses"]["400"] = _problem(
            "A parameter this endpoint does not know, or a value it cannot read; "
            "`invalid_params` names each one."
        )
        if "{id}" in path or get.get("parameters"):
            get["responses"]["404"] = _problem(
                "No such object (or a page beyond the last one)."
            )
    return result
