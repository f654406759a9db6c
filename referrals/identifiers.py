"""Public references and family codes (pure functions, no database).

Both use Crockford base32 (no I, L, O, U: nothing to misread on a printed slip)
from ``secrets``. The reference (``VW-`` + 8 chars, 40 bits) is for talking about
a referral; the family code (10 chars, 50 bits) is the family's secret and is
drawn independently, so it cannot be guessed from the reference.
"""

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE_PREFIX = "VW-"
REFERENCE_LENGTH = 8
FAMILY_CODE_LENGTH = 10  # 10 x 5 bits = 50 bits
_MISREAD = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-.]+")


def _random(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def new_reference() -> str:
    return REFERENCE_PREFIX + _random(REFERENCE_LENGTH)


def new_family_code() -> str:
    return _random(FAMILY_CODE_LENGTH)


def normalise_family_code(raw: str) -> str:
    """What a family typed, as stored: upper case, no separators, 0/1 for O/I/L."""
    return _SEPARATORS.sub("", (raw or "").upper()).translate(_MISREAD)


def format_family_code(code: str) -> str:
    """``ABCDEFGHJK`` → ``ABCD-EFGH-JK`` for reading aloud and printing."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalise_reference(raw: str) -> str:
    return (raw or "").strip().upper()
