"""Read iJw 3.2 messages: hardened XML parsing, XSD validation and extraction.

Pure functions, no database. ``read(data)`` returns a ``Message`` holding only
numbers, codes and dates: the client's BSN, names, addresses and contact data
are never copied out of the XML tree. The client's date of birth is the one
personal value read, for the entitlement check in ``ijw.services``, which
never stores it.

Defences: no DTD (a DOCTYPE is refused), no entity expansion, no network, no
huge trees, a size limit (``IJW_MAX_MESSAGE_BYTES``). Every message is
validated against the official XSD of its type (``schemas/3.2``). Schema errors
name the element path; the offending *value* is masked, because it may be a
BSN or a name.
"""

import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from lxml import etree

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas" / "3.2" / "xsd"
BASE_NS = "http://www.istandaarden.nl/ijw/3_2/basisschema/schema"
KINDS = ("JW301", "JW305", "JW307", "JW315", "JW319")
# BerichtCode per kind (COD002-VEKT), checked against the header.
MESSAGE_CODES = {
    "JW301": "436",
    "JW305": "438",
    "JW307": "440",
    "JW315": "446",
    "JW319": "488",
}
FIELD = "bericht"
STATUS_NEW = "1"
STATUS_DELETE = "3"
# Schema errors may quote the offending value (a BSN, a name): masked.
_VALUE_PATTERNS = (
    (re.compile(r"[Tt]he value '[^']*'"), "The value"),
    (re.compile(r"'[^']*' is not a valid value"), "The value is not a valid value"),
    (re.compile(r"'[^']*' is not accepted"), "The value is not accepted"),
)
_NAMESPACE = re.compile(r"\{[^}]*\}(?=\w)")
_PREFIX = re.compile(r"\w+:(?=\w)")


def _namespace(kind: str) -> str:
    return f"http://www.istandaarden.nl/ijw/3_2/{kind.lower()}/schema"


_KIND_BY_NAMESPACE = {_namespace(kind): kind for kind in KINDS}


@dataclass(frozen=True)
class Product:
    """One product line of a message (AangevraagdProduct, ToegewezenProduct,
    StartProduct, StopProduct, or the Antwoord of a JW319)."""

    reference: str = ""  # ReferentieAanbieder (JW315, JW301, JW319)
    allocation_number: str = ""  # ToewijzingNummer (JW301, JW305, JW307)
    category: str = ""  # Product/Categorie (JZ020)
    code: str = ""  # Product/Code
    allocated_on: date | None = None  # JW301 Toewijzingsdatum
    valid_from: date | None = None  # JW301 Ingangsdatum / ToewijzingIngangsdatum
    valid_until: date | None = None  # JW301 Einddatum
    begin_on: date | None = None  # JW305/JW307 Begindatum
    end_on: date | None = None  # JW307 Einddatum
    end_reason: str = ""  # JW307 RedenBeeindiging (JZ588)
    status: str = ""  # JW305/JW307 StatusAanlevering (COD467)
    answer: str = ""  # JW319 VerzoekAntwoord (WJ760)
    refusal_reason: str = ""  # JW319 RedenAfwijzingVerzoek (WJ759)


@dataclass(frozen=True)
class Message:
    kind: str
    sender: str  # Afzender: AGB (8 digits) or gemeente code (4 digits)
    receiver: str  # Ontvanger
    identification: str  # BerichtIdentificatie/Identificatie
    dated_on: date  # BerichtIdentificatie/Dagtekening
    birth_date: date | None  # Client/Geboortedatum/Datum: for checks only
    products: tuple[Product, ...]

    @property
    def municipality_code(self) -> str:
        """The gemeente in the exchange: sender of JW301/JW319, else receiver."""
        return self.sender if self.kind in ("JW301", "JW319") else self.receiver

    @property
    def provider_agb(self) -> str:
        return self.receiver if self.kind in ("JW301", "JW319") else self.sender


def _refuse(message: str, field: str = FIELD) -> ValidationError:
    return ValidationError({field: [message]})


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


@cache
def schema(kind: str) -> etree.XMLSchema:
    """The official XSD of ``kind`` (imports ``basisschema.xsd`` beside it)."""
    document = etree.parse(str(SCHEMA_DIR / f"{kind}.xsd"), _parser())
    return etree.XMLSchema(document)


def _parse(data: bytes) -> etree._Element:
    if not data or not data.strip():
        raise _refuse(_("Het bericht is leeg."))
    if len(data) > settings.IJW_MAX_MESSAGE_BYTES:
        raise _refuse(
            _("Het bericht is groter dan %(max)s bytes.")
            % {"max": settings.IJW_MAX_MESSAGE_BYTES}
        )
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise _refuse(
            _("Geen geldige XML (regel %(line)s).") % {"line": exc.lineno}
        ) from None
    if root.getroottree().docinfo.doctype:
        raise _refuse(_("Een DOCTYPE (DTD) is in een iJw-bericht niet toegestaan."))
    return root


def _schema_error(error) -> ValidationError:
    path = _PREFIX.sub("", error.path or "") or "/"
    text = _NAMESPACE.sub("", error.message)
    for pattern, replacement in _VALUE_PATTERNS:
        text = pattern.sub(replacement, text)
    return ValidationError(
        {path: [_("Voldoet niet aan het iJw 3.2-schema: %(error)s") % {"error": text}]}
    )


def _validate(root: etree._Element) -> str:
    namespace = etree.QName(root).namespace or ""
    kind = _KIND_BY_NAMESPACE.get(namespace)
    if kind is None or etree.QName(root).localname != "Bericht":
        raise _refuse(
            _("Onbekend berichttype; verwacht JW301, JW305, JW307, JW315 of JW319.")
        )
    xsd = schema(kind)
    if not xsd.validate(root):
        raise _schema_error(xsd.error_log[0])
    return kind


class _Reader:
    """XPath helpers over one message, with its namespaces."""

    def __init__(self, kind: str):
        self.ns = {"m": _namespace(kind), "ijw": BASE_NS}

    def text(self, node, path: str) -> str:
        found = node.find(path, self.ns)
        return (found.text or "").strip() if found is not None else ""

    def date(self, node, path: str) -> date | None:
        value = self.text(node, path)
        return date.fromisoformat(value) if value else None

    def all(self, node, path: str) -> list:
        return node.findall(path, self.ns)


def _product(r: _Reader, node) -> Product:
    return Product(
        reference=r.text(node, "m:ReferentieAanbieder"),
        allocation_number=r.text(node, "m:ToewijzingNummer"),
        category=r.text(node, "m:Product/ijw:Categorie"),
        code=r.text(node, "m:Product/ijw:Code"),
        allocated_on=r.date(node, "m:Toewijzingsdatum"),
        valid_from=r.date(node, "m:Ingangsdatum")
        or r.date(node, "m:ToewijzingIngangsdatum"),
        valid_until=r.date(node, "m:Einddatum")
        if node.tag.endswith("ToegewezenProduct")
        else None,
        begin_on=r.date(node, "m:Begindatum"),
        end_on=r.date(node, "m:Einddatum")
        if node.tag.endswith("StopProduct")
        else None,
        end_reason=r.text(node, "m:RedenBeeindiging"),
        status=r.text(node, "m:StatusAanlevering"),
        answer=r.text(node, "m:VerzoekAntwoord"),
        refusal_reason=r.text(node, "m:RedenAfwijzingVerzoek"),
    )


_PRODUCT_PATHS = {
    "JW315": "m:Client/m:AangevraagdeProducten/m:AangevraagdProduct",
    "JW301": "m:Client/m:ToegewezenProducten/m:ToegewezenProduct",
    "JW305": "m:Client/m:StartProducten/m:StartProduct",
    "JW307": "m:Client/m:StopProducten/m:StopProduct",
    "JW319": "m:Antwoord",
}


def read(data: bytes) -> Message:
    """Parse, validate and extract one message. Errors: ``ValidationError``
    naming the element path (or ``bericht``); the values are never echoed."""
    root = _parse(data)
    kind = _validate(root)
    r = _Reader(kind)
    header = root.find("m:Header", r.ns)
    if r.text(header, "m:BerichtCode") != MESSAGE_CODES[kind]:
        raise _refuse(_("De BerichtCode past niet bij het berichttype."))
    return Message(
        kind=kind,
        sender=r.text(header, "m:Afzender"),
        receiver=r.text(header, "m:Ontvanger"),
        identification=r.text(header, "m:BerichtIdentificatie/ijw:Identificatie"),
        dated_on=r.date(header, "m:BerichtIdentificatie/ijw:Dagtekening"),
        birth_date=r.date(root, "m:Client/m:Geboortedatum/ijw:Datum"),
        products=tuple(_product(r, node) for node in r.all(root, _PRODUCT_PATHS[kind])),
    )
