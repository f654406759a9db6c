"""Validate documents against the Open Referral HSDS 3.1 JSON schemas vendored in
``registry/hsds_schemas/3.1`` (see its README for their source and licence), in
STRICT mode: ``additionalProperties: false`` is added to every object schema
that lists its properties, as the specification's own CI checks its examples.
A field HSDS does not define (or a deprecated one we should not send) fails."""

import copy
import json
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SCHEMA_DIR = (
    Path(__file__).resolve().parents[2] / "registry" / "hsds_schemas" / "3.1" / "schema"
)
# Deprecated in 3.1: present in the schemas, never to be sent.
DEPRECATED = {"wait_time", "fees", "licenses", "tax_status", "tax_id"}


def _load(name: str) -> dict:
    return json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))


def strict(schema):
    """A copy of ``schema`` closed to extra and deprecated properties."""
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result = {key: strict(value) for key, value in schema.items()}
    if isinstance(result.get("properties"), dict):
        for name in DEPRECATED & set(result["properties"]):
            del result["properties"][name]
        result["additionalProperties"] = False
    return result


@cache
def _registry() -> Registry:
    # Per-object schemas refer to each other by file name ("unit.json").
    registry = Registry()
    for path in SCHEMA_DIR.glob("*.json"):
        if path.name == "openapi.json":
            continue
        resource = Resource.from_contents(
            strict(_load(path.name)), default_specification=DRAFT202012
        )
        registry = registry.with_resource(path.name, resource)
    return registry


@cache
def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(
        strict(_load(name)),
        registry=_registry(),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def errors(name: str, document) -> list[str]:
    return [
        f"{name}:{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator(name).iter_errors(document)
    ]


def service_errors(document) -> list[str]:
    return errors("compiled/service.json", document)


def service_list_errors(document) -> list[str]:
    return errors("compiled/service_list.json", document)


def organization_errors(document) -> list[str]:
    return errors("compiled/organization.json", document)


def organization_list_errors(document) -> list[str]:
    return errors("compiled/organization_list.json", document)


def service_at_location_errors(document, *, full: bool = False) -> list[str]:
    name = "service_at_location" if full else "service_at_location_list"
    return errors(f"compiled/{name}.json", document)


@cache
def _page_schema() -> dict:
    contract = _load("openapi.json")
    page = copy.deepcopy(contract["components"]["schemas"]["Page"])
    page["properties"]["contents"] = {"type": "array"}
    page["required"] = list(page["properties"])
    return strict(page)


def page_errors(body) -> list[str]:
    """The HSDA Page object with ``contents``, and nothing else."""
    return [
        f"Page:{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in Draft202012Validator(_page_schema()).iter_errors(body)
    ]
