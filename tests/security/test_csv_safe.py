"""The one spreadsheet-safe CSV cell: a cell a spreadsheet could run as a formula
gets a leading apostrophe, and reading reverses exactly that, so an export that is
imported again gives the same text (and the same bytes on the next export)."""

import io

import pytest

from sociale_kaart import csvsafe
from tests.security.csv_cells import HOSTILE_CELLS

HOSTILE = HOSTILE_CELLS
HARMLESS = ["", "Kompas Jeugdhulp", "12", "-3", "4,5", "-0.5", "a=b", "06-12345678"]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_formula_cell_gets_an_apostrophe(text):
    assert csvsafe.safe_cell(text) == "'" + text


@pytest.mark.parametrize("text", HARMLESS)
def test_plain_text_and_plain_numbers_stay_as_they_are(text):
    assert csvsafe.safe_cell(text) == text


@pytest.mark.parametrize("text", ["'", "'=1", "''x", "' =1"])
def test_a_leading_apostrophe_is_escaped_too_so_reading_is_unambiguous(text):
    assert csvsafe.safe_cell(text) == "'" + text


@pytest.mark.parametrize("text", HOSTILE + HARMLESS + ["'", "'=1", "''x", "' a"])
def test_reading_reverses_writing(text):
    assert csvsafe.read_cell(csvsafe.safe_cell(text)) == text


def test_values_that_are_not_text_are_written_as_text():
    assert [csvsafe.safe_cell(v) for v in (None, 3, -2, 1.5)] == ["", "3", "-2", "1.5"]


def test_the_writer_makes_every_cell_safe():
    out = io.StringIO()
    writer = csvsafe.writer(out, delimiter=";")
    writer.writerow(["naam", "=1+1"])
    writer.writerows([[" @x", None], [7, "-2+3"]])
    assert out.getvalue() == "naam;'=1+1\r\n' @x;\r\n7;'-2+3\r\n"


def test_the_dict_writer_makes_every_cell_safe():
    out = io.StringIO()
    writer = csvsafe.dict_writer(out, fieldnames=["a", "b"], delimiter=";")
    writer.writeheader()
    writer.writerow({"a": "=1", "b": "ok"})
    assert out.getvalue() == "a;b\r\n'=1;ok\r\n"
