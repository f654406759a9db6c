"""The OpenAPI document of the Open Referral API (HSDA 3.1) under /api/v1/hsds.

It is the official HSDA contract (``registry/hsds_schemas/3.1/schema/openapi.json``,
vendored unchanged) filled in for this API, so it follows HSDA exactly,
snake_case parameters included, where the main document follows the Dutch API
Design Rules:
- ``info`` and a relative ``servers`` entry (``/api/v1/hsds``);
- only the GET operations (the read-only API answers no POST searches);
- ``postcode`` and ``proximity`` on ``/services`` as on ``/service_at_locations``;
- the contract's remote schema references become components of the document:
  the vendored 3.1 schemas (``hsds_schemas/3.1/schema``, the per-object ones and
  the compiled list forms) without their tabular (CSV) keys, so every answer is
  fully described in one self-contained document;
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


# The contract's remote schema references and the vendored 3.1 schema that
# becomes the component each one names. Full objects come from the per-object
# schemas (their relative references become components too); the list forms
# from the compiled list schemas. /service_at_locations/{id} answers a service
# at location (the contract names the service schema there, a slip).
CONTRACT_REFS = {
    "compiled/service.json": "service.json",
    "compiled/organization.json": "organization.json",
    "compiled/service_list.json": "compiled/service_list.json",
    "compiled/organization_list.json": "compiled/organization_list.json",
    "compiled/service_at_location_list.json": "compiled/service_at_location_list.json",
    "taxonomy.json": "taxonomy.json",
    "taxonomy_term.json": "taxonomy_term.json",
}
# Keys of the schema files that describe the tabular (CSV) form, not JSON.
TABULAR_KEYS = {
    "name",
    "path",
    "datapackage_metadata",
    "tabular_required",
    "constraints",
}


def _component_name(path: str) -> str:
    """service_at_location.json -> ServiceAtLocation; the compiled list form
    compiled/service_list.json -> ServiceListItem."""
    stem = path.removeprefix("compiled/").removesuffix(".json")
    name = "".join(part.capitalize() for part in stem.split("_"))
    return name.removesuffix("List") + "ListItem" if stem.endswith("_list") else name


def _components() -> dict:
    """The vendored 3.1 schemas the contract names, and every schema they refer
    to, as components without their tabular keys."""
    result, todo = {}, list(CONTRACT_REFS.values()) + ["service_at_location.json"]
    while todo:
        path = todo.pop()
        name = _component_name(path)
        if name in result:
            continue
        schema = json.loads((SOURCE.parent / path).read_text(encoding="utf-8"))
        result[name] = _json_schema(schema, todo)
    return dict(sorted(result.items()))


def _json_schema(node, refs: list):
    if isinstance(node, list):
        return [_json_schema(item, refs) for item in node]
    if not isinstance(node, dict):
        return node
    result = {}
    for key, value in node.items():
        if key in TABULAR_KEYS:
            continue
        if key == "$ref" and isinstance(value, str) and value.endswith(".json"):
            refs.append(value)
            result[key] = f"#/components/schemas/{_component_name(value)}"
        elif key in ("properties", "$defs", "patternProperties"):
            result[key] = {n: _json_schema(sub, refs) for n, sub in value.items()}
        else:
            result[key] = _json_schema(value, refs)
    if node.get("type") in ("number", "integer") and isinstance(
        node.get("example"), str
    ):
        # The schemas give some numbers' examples as strings ("10"): as numbers.
        try:
            number = float(result["example"])
        except ValueError:
            del result["example"]
        else:
            integral = node["type"] == "integer" or number.is_integer()
            result["example"] = int(number) if integral else number
    return result


def _local(node):
    """Point the contract's remote schema references at this document's own
    components, so that the answers are fully described in one self-contained
    document (generated clients, validators, no network)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(SCHEMA_BASE_30):
            path = ref.removeprefix(SCHEMA_BASE_30).removeprefix("schema/")
            name = _component_name(CONTRACT_REFS[path])
            return {**node, "$ref": f"#/components/schemas/{name}"}
        return {key: _local(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_local(item) for item in node]
    return node


def _named_pages(result) -> None:
    """Each list answer (the contract's ``Page`` with ``contents`` beside an
    ``allOf``) becomes a named component that is the Page and its contents, one
    ``allOf``: the same schema, in a form every client generator merges."""
    schemas = result["components"]["schemas"]
    for operations in result["paths"].values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            content = operation["responses"]["200"]["content"]["application/json"]
            contents = content["schema"].get("properties", {}).get("contents")
            if contents is None:
                continue
            item = contents["items"]["$ref"].rsplit("/", 1)[1]
            name = item.removesuffix("ListItem") + "Page"
            schemas[name] = {
                "description": f"A page of {item} objects (HSDA Page).",
                "allOf": [
                    {"$ref": "#/components/schemas/Page"},
                    {"type": "object", "properties": {"contents": contents}},
                ],
            }
            content["schema"] = {"$ref": f"#/components/schemas/{name}"}


@cache
def document() -> dict:
    contract = json.loads(SOURCE.read_text(encoding="utf-8"))
    result = _local(copy.deepcopy(contract))
    result["paths"]["/service_at_locations/{id}"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["schema"] = {"$ref": "#/components/schemas/ServiceAtLocation"}
    result["components"]["schemas"].update(_components())
    _named_pages(result)
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
