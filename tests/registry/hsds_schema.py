"""Validate documents against the Open Referral HSDS 3.0 JSON schemas vendored in
``registry/hsds_schemas/`` (see its README for their source and licence)."""

import json
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SCHEMA_DIR = (
    Path(__file__).resolve().parents[2] / "registry" / "hsds_schemas" / "3.0" / "schema"
)


def _load(name: str) -> dict:
    return json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))


@cache
def _registry() -> Registry:
    # The 3.1 capacity schema refers to "unit.json"; the file here is unit.3.1-dev.json.
    unit = Resource.from_contents(
        _load("unit.3.1-dev.json"), default_specification=DRAFT202012
    )
    return Registry().with_resource("unit.json", unit)


@cache
def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(
        _load(name),
        registry=_registry(),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def errors(name: str, document) -> list[str]:
    return [
        f"{name}:{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator(name).iter_errors(document)
    ]


def service_errors(document) -> list[str]:
    found = errors("compiled/service.json", document)
    for capacity in document.get("capacities", []):
        found += errors("service_capacity.3.1-dev.json", capacity)
    return found


def organization_errors(document) -> list[str]:
    return errors("compiled/organization.json", document)
