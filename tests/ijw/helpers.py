"""Build iJw test messages from the official examples (ijw/schemas/3.2/examples).

``message("JW305", sender=..., allocation="300201", begin_on=...)`` loads the
example, keeps its first product line and sets the given values, so every test
message is the real example with only the numbers, codes and dates changed.
"""

from datetime import date
from pathlib import Path

from lxml import etree

EXAMPLES = Path(__file__).resolve().parents[2] / "ijw" / "schemas" / "3.2" / "examples"
BSN = "999900006"  # in every example's Client/Bsn
NAME = "Wit"  # the example client's surname (Achternaam)
FIRST_NAME = "Tom"
BORN = date(2010, 2, 14)  # the examples' client date of birth
MUNICIPALITY = "0363"
BASE = "{http://www.istandaarden.nl/ijw/3_2/basisschema/schema}"

_PRODUCT = {
    "JW315": "AangevraagdProduct",
    "JW301": "ToegewezenProduct",
    "JW305": "StartProduct",
    "JW307": "StopProduct",
    "JW319": "Antwoord",
}
# keyword → (element local name, where): h = header, c = client, p = product
_FIELDS = {
    "sender": ("Afzender", "h"),
    "receiver": ("Ontvanger", "h"),
    "identification": ("Identificatie", "h"),
    "dated_on": ("Dagtekening", "h"),
    "birth_date": ("Datum", "born"),
    "reference": ("ReferentieAanbieder", "p"),
    "allocation": ("ToewijzingNummer", "p"),
    "allocated_on": ("Toewijzingsdatum", "p"),
    "valid_from": ("Ingangsdatum", "p"),
    "valid_until": ("Einddatum", "p"),
    "start_valid_from": ("ToewijzingIngangsdatum", "p"),
    "begin_on": ("Begindatum", "p"),
    "end_on": ("Einddatum", "p"),
    "end_reason": ("RedenBeeindiging", "p"),
    "status": ("StatusAanlevering", "p"),
    "answer": ("VerzoekAntwoord", "p"),
    "refusal_reason": ("RedenAfwijzingVerzoek", "p"),
}


def _local(element) -> str:
    return etree.QName(element).localname


def _find(root, name: str):
    for element in root.iter():
        if isinstance(element.tag, str) and _local(element) == name:
            return element
    raise KeyError(name)


def message(kind: str, **values) -> bytes:
    root = etree.parse(str(EXAMPLES / f"{kind}.xml")).getroot()
    products = [e for e in root.iter() if _local(e) == _PRODUCT[kind]]
    for extra in products[1:]:
        extra.getparent().remove(extra)
    for key, value in values.items():
        name, where = _FIELDS[key]
        if where == "born":
            element = _find(_find(root, "Client"), "Geboortedatum")[0]
        elif where == "p":
            element = _find(products[0], name)
        else:
            element = _find(_find(root, "Header"), name)
        element.text = value.isoformat() if isinstance(value, date) else str(value)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
