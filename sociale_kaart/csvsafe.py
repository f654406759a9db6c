"""The one spreadsheet-safe CSV writer: every CSV the product writes goes through it.

A spreadsheet program runs a cell that starts with ``=``, ``+``, ``-`` or ``@``
(and, in some, one that starts with a tab or carriage return, or with one of those
characters after leading whitespace it trims) as a formula: "CSV injection". Names,
descriptions and addresses are provider-editable, so such a cell gets a leading
apostrophe, which spreadsheets show as "this is text".

The escape is reversible, so a written file can be read back (the catalogue export
is re-imported): a cell that already starts with an apostrophe gets one more, and
``read_cell`` drops exactly that one leading apostrophe. A plain number (``-3``,
``4,5``) is left alone: as a formula it only evaluates to itself.
"""

import csv
import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"
_CAREFUL_FIRST = frozenset((ESCAPE, *FORMULA_START))
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


def safe_cell(value) -> str:
    """``value`` as text that no spreadsheet runs as a formula."""
    text = "" if value is None else str(value)
    if not text or (text[0] not in _CAREFUL_FIRST and not text[0].isspace()):
        return text  # most cells: nothing a spreadsheet could run
    if _PLAIN_NUMBER.fullmatch(text):
        return text
    if text.startswith((ESCAPE, *FORMULA_START)) or text.lstrip().startswith(
        FORMULA_START[:4]
    ):
        return ESCAPE + text
    return text


def read_cell(text: str) -> str:
    """The original text of a cell written by ``safe_cell``.

    Only an apostrophe that ``safe_cell`` would have added is dropped, so a
    hand-made file keeps a real one: "'s-Hertogenbosch" stays as it is.
    """
    if text.startswith(ESCAPE) and safe_cell(text[1:]) != text[1:]:
        return text[1:]
    return text


class _SafeWriter:
    """Wraps a ``csv.writer``: every cell goes through ``safe_cell``."""

    def __init__(self, inner):
        self._inner = inner

    def writerow(self, row):
        return self._inner.writerow([safe_cell(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def writer(handle, **kwargs) -> _SafeWriter:
    """Like ``csv.writer``; ``writerow`` returns what it wrote (for streaming)."""
    return _SafeWriter(csv.writer(handle, **kwargs))


def dict_writer(handle, fieldnames, **kwargs) -> csv.DictWriter:
    """Like ``csv.DictWriter``, with every cell (the header too) made safe."""
    result = csv.DictWriter(handle, fieldnames, **kwargs)
    result.writer = _SafeWriter(result.writer)
    return result
