"""drf-spectacular hook: types in the OpenAPI document that generated clients
(openapi-python-client, OpenAPI Generator) can build on.

- Every code list gets ``x-enum-varnames`` (names for the generated enum
  members instead of ``VALUE_0``...) and ``x-enum-descriptions`` (the Dutch
  meaning of each value), and its description lists value and meaning.
- A query parameter whose values are exactly one of the code lists refers to
  that list instead of repeating it unnamed.
- A string that may be empty (an optional e-mail address or URL) is one string
  schema, not a ``oneOf`` of two string schemas that both match ``""``.
Runs after ``drf_spectacular.hooks.postprocess_schema_enums``, which makes the
enum components (without NullEnum/BlankEnum: ENUM_ADD_EXPLICIT_BLANK_NULL_CHOICE
is off, so a nullable code list is ``nullable: true`` beside its ``$ref``).
"""

import re
import unicodedata

# Code lists whose choices carry no human label of their own: their Dutch meaning.
MEANINGS = {
    "AuthEnum": {
        "key": "Organisatiesleutel (API-sleutel)",
        "session": "Browsersessie van een ingelogde gebruiker",
    },
    "CapacityHistoryKindEnum": {
        "created": "Aangemaakt",
        "changed": "Gewijzigd",
        "confirmed": "Bevestigd als nog actueel",
        "deleted": "Verwijderd",
    },
    "CapacityHistorySourceEnum": {
        "page": "Via de website",
        "import": "Via een import",
        "api": "Via de API",
        "system": "Door het systeem",
    },
    "PastEnum": {
        "first_contact": "Voorbij de norm voor eerste contact",
        "intake": "Voorbij de norm voor de intake",
        "started": "Voorbij de norm voor de start van de hulp",
    },
    "UitkomstEnum": {
        "processed": "Verwerkt",
        "queued": "In de wachtrij gezet",
        "not_ours": "Niet voor deze gemeente",
        "duplicate": "Al eerder ontvangen",
    },
}
# Values of query parameters that are no code list of their own.
PARAMETER_MEANINGS = {
    "group": "Per groep (onderaannemers opgeteld bij hun hoofdaanbieder)",
    "provider": "Per aanbieder",
    "relevance": "Best passend eerst",
    "distance": "Dichtstbij eerst",
    "wait": "Kortste wachttijd eerst",
    "name": "Op naam",
}
_LINE = re.compile(r"^\* `(?P<value>[^`]*)` - (?P<label>.*)$")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def postprocess_types(result, generator, request, public):
    schemas = result.get("components", {}).get("schemas", {})
    code_lists = {}
    for name, schema in schemas.items():
        if "enum" in schema:
            _name_enum(schema, _labels(schema, MEANINGS.get(name, {})))
            code_lists[frozenset(schema["enum"])] = name
    for item in result.get("paths", {}).values():
        for operation in item.values():
            if isinstance(operation, dict):
                for parameter in operation.get("parameters", []):
                    _parameter(parameter, code_lists)
    _one_string(result)
    return result


def _labels(schema: dict, meanings: dict) -> dict:
    labels = {}
    for line in schema.get("description", "").splitlines():
        if match := _LINE.match(line):
            labels[match["value"]] = match["label"]
    labels.update(meanings)
    values = [value for value in schema["enum"] if value is not None]
    if labels and all(value in labels for value in values):
        schema["description"] = "\n".join(
            f"* `{value}` - {labels[value]}" for value in values
        )
    return labels


def _name_enum(schema: dict, labels: dict) -> None:
    values = [value for value in schema["enum"] if value is not None]
    if not values or not all(isinstance(value, str) for value in values):
        return
    names = []
    for value in values:
        name = _varname(value, labels.get(value, ""))
        names.append(f"{name}_{_varname(value, '')}" if name in names else name)
    schema["x-enum-varnames"] = names
    if all(value in labels for value in values):
        schema["x-enum-descriptions"] = [labels[value] for value in values]


def _varname(value: str, label: str) -> str:
    """A constant name for a value: the value itself when it is an identifier
    (``no_capacity`` -> NO_CAPACITY, ``-updated`` -> UPDATED_DESC), else its
    meaning (COD327 ``02`` Huisarts -> HUISARTS), else CODE_<value>."""
    descending = value.startswith("-") and _IDENTIFIER.fullmatch(value[1:])
    if descending:
        return f"{value[1:].upper()}_DESC"
    if _IDENTIFIER.fullmatch(value):
        return value.upper()
    ascii_label = (
        unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    )
    words = re.findall(r"[A-Za-z0-9]+", ascii_label)
    if words and not words[0][0].isdigit():
        return "_".join(words).upper()
    return "CODE_" + re.sub(r"\W", "_", value).upper()


def _parameter(parameter: dict, code_lists: dict) -> None:
    schema = parameter.get("schema", {})
    target = schema.get("items", schema) if schema.get("type") == "array" else schema
    if "enum" not in target:
        return
    values = frozenset(target["enum"])
    if values in code_lists and set(target) <= {"type", "enum", "title"}:
        target.clear()
        target["$ref"] = f"#/components/schemas/{code_lists[values]}"
        return
    labels = {
        value: PARAMETER_MEANINGS.get(value.lstrip("-"), "") for value in target["enum"]
    }
    _name_enum(target, {value: label for value, label in labels.items() if label})


def _one_string(node) -> None:
    """``oneOf: [{type: string, format: email}, {type: string, maxLength: 0}]``
    (DRF's allow_blank) becomes one string: the format goes (it would refuse
    ``""``), the description says empty is allowed."""
    if isinstance(node, list):
        for item in node:
            _one_string(item)
        return
    if not isinstance(node, dict):
        return
    options = node.get("oneOf")
    if (
        isinstance(options, list)
        and len(options) == 2
        and all(option.get("type") == "string" for option in options)
        and options[1].get("maxLength") == 0
    ):
        kind = options[0].get("format", "text")
        merged = {k: v for k, v in options[0].items() if k != "format"}
        del node["oneOf"]
        for key, value in merged.items():
            node.setdefault(key, value)
        text = f"Format: {kind}, or an empty string for none."
        node["description"] = (
            f"{node['description']} {text}".strip() if node.get("description") else text
        )
    for value in node.values():
        _one_string(value)
