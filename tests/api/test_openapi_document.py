"""The committed OpenAPI document (openapi.yaml) is one generated clients can
build on (issue 15): no NullEnum/BlankEnum, no competing oneOf, request and
response models apart, a name and a Dutch meaning for every code value, and the
contact from the settings."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

BASE_DIR = Path(__file__).resolve().parents[2]
DOCUMENT = yaml.safe_load((BASE_DIR / "openapi.yaml").read_text(encoding="utf-8"))
SCHEMAS = DOCUMENT["components"]["schemas"]


def nodes(node, path=""):
    """Every (path, mapping) in the document."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from nodes(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from nodes(value, f"{path}/{index}")


def test_there_is_no_null_or_blank_enum():
    assert not {"NullEnum", "BlankEnum"} & set(SCHEMAS)
    for path, node in nodes(DOCUMENT):
        assert node.get("enum") not in ([None], [""]), path
        assert None not in node.get("enum", []), path


def test_no_property_is_a_oneof_of_alternatives_that_overlap():
    for path, node in nodes(DOCUMENT):
        if "oneOf" in node:
            kinds = [option.get("type") for option in node["oneOf"]]
            assert len(set(kinds)) == len(kinds), path


def test_nullable_code_lists_are_nullable_beside_their_reference():
    reason = SCHEMAS["Event"]["properties"]["end_reason"]
    assert reason["nullable"] is True
    assert reason["allOf"] == [{"$ref": "#/components/schemas/EndReasonEnum"}]
    consent = SCHEMAS["Referral"]["properties"]["consent_by"]
    assert consent["nullable"] is True
    assert consent["allOf"] == [{"$ref": "#/components/schemas/ConsentByEnum"}]


def test_requests_and_responses_have_their_own_models_without_read_only_fields():
    assert {"ReferralCreateRequest", "PatchedCapacityUpdateRequest"} <= set(SCHEMAS)
    for name, schema in SCHEMAS.items():
        if name.endswith("Request"):
            for field, prop in schema.get("properties", {}).items():
                assert not prop.get("readOnly"), f"{name}.{field}"
    assert "version" not in SCHEMAS["PatchedCapacityUpdateRequest"]["properties"]
    assert "version" in SCHEMAS["Capacity"]["properties"]


def test_every_code_list_names_its_values_with_their_dutch_meaning():
    code_lists = {name: s for name, s in SCHEMAS.items() if "enum" in s}
    assert len(code_lists) >= 10
    for name, schema in code_lists.items():
        names = schema["x-enum-varnames"]
        assert len(names) == len(schema["enum"]) == len(set(names)), name
        assert all(n.isidentifier() and n.isupper() for n in names), name
        meanings = schema["x-enum-descriptions"]
        assert len(meanings) == len(schema["enum"]), name
        for value, meaning in zip(schema["enum"], meanings, strict=True):
            assert meaning and meaning != value, (name, value)
            assert f"* `{value}` - {meaning}" in schema["description"], name
    cod327 = SCHEMAS["ReferrerTypeEnum"]
    assert dict(zip(cod327["enum"], cod327["x-enum-varnames"], strict=True))["02"] == (
        "HUISARTS"
    )
    reasons = SCHEMAS["EndReasonEnum"]
    assert "OVERSTAP_NAAR_ANDERE_AANBIEDER" in reasons["x-enum-varnames"]


def test_query_parameters_refer_to_the_code_list_they_take():
    parameters = {
        p["name"]: p
        for p in DOCUMENT["paths"]["/dashboard/summary"]["get"]["parameters"]
    }
    assert parameters["referrerType"]["schema"] == {
        "$ref": "#/components/schemas/ReferrerTypeEnum"
    }
    for path, node in nodes(DOCUMENT["paths"]):
        if "enum" in node:
            assert "x-enum-varnames" in node, path


def test_an_optional_email_address_is_one_string():
    email = SCHEMAS["ReferralCreateRequest"]["properties"]["parent_email"]
    assert email["type"] == "string" and email["nullable"] is True
    assert "oneOf" not in email
    answered = SCHEMAS["ReferralDetail"]["properties"]["parent_email"]
    assert answered == {**answered, "type": "string", "format": "email"}
    assert answered["nullable"] is True


def test_the_contact_is_complete_and_no_placeholder():
    contact = DOCUMENT["info"]["contact"]
    assert set(contact) == {"name", "url", "email"}
    assert all(contact.values())
    assert "example." not in str(contact)


def _manage(*args, **env) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**os.environ, "TESTING": "1", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("document", ["main", "hsda"])
def test_a_deployment_sets_its_own_contact(document):
    probe = (
        "from drf_spectacular.generators import SchemaGenerator;"
        "from registry import hsda_openapi;import json;"
        "print(json.dumps(SchemaGenerator().get_schema(public=True)['info']['contact']"
        if document == "main"
        else "from registry import hsda_openapi;import json;"
        "print(json.dumps(hsda_openapi.document()['info']['contact']"
    ) + "))"
    result = _manage(
        "shell",
        "-c",
        probe,
        API_CONTACT_NAME="Gemeente Lelystad, team Jeugd",
        API_CONTACT_URL="https://www.lelystad.nl/jeugd/",
        API_CONTACT_EMAIL="jeugd@lelystad.nl",
    )
    assert result.returncode == 0, result.stderr
    assert yaml.safe_load(result.stdout.strip().splitlines()[-1]) == {
        "name": "Gemeente Lelystad, team Jeugd",
        "url": "https://www.lelystad.nl/jeugd",
        "email": "jeugd@lelystad.nl",
    }


@pytest.mark.parametrize(
    ("variable", "value"),
    [("API_CONTACT_EMAIL", "geen adres"), ("API_CONTACT_URL", "ftp://x.nl")],
)
def test_a_bad_contact_stops_startup(variable, value):
    result = _manage("check", **{variable: value})
    assert result.returncode != 0
    assert variable in result.stderr


def test_the_open_referral_document_describes_every_answer_itself():
    from registry import hsda_openapi

    document = hsda_openapi.document()
    refs = {node["$ref"] for _path, node in nodes(document) if "$ref" in node}
    assert all(ref.startswith("#/components/") for ref in refs), refs
    schemas = document["components"]["schemas"]
    assert {f"#/components/schemas/{name}" for name in schemas} >= {
        ref for ref in refs if ref.startswith("#/components/schemas/")
    }
    service = schemas["Service"]["properties"]
    assert {"id", "name", "organization", "attributes", "capacities"} <= set(service)
    assert service["organization"]["$ref"] == "#/components/schemas/Organization"
    assert "datapackage_metadata" not in str(schemas)  # the CSV form stays out
    page = document["paths"]["/services"]["get"]["responses"]["200"]
    assert page["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ServicePage"
    }
    assert schemas["ServicePage"]["allOf"][0] == {"$ref": "#/components/schemas/Page"}
    for path, node in nodes(schemas):
        if node.get("type") in ("number", "integer") and "example" in node:
            assert isinstance(node["example"], int | float), path
