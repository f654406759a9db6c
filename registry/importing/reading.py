"""Reading the two CSV files: encoding, delimiter, header, physical line numbers.

Problems found here (missing file, too big, not UTF-8, empty, wrong header, wrong
number of cells) are collected in the catalogue's shared list, like all others.
"""

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from sociale_kaart import csvsafe

ORGANISATION_COLUMNS = [
    "kvk",
    "naam",
    "rol",
    "hoofdaanbieder_kvk",
    "percelen",
    "agb",
    "website",
    "telefoon",
    "email",
    "adres",
    "postcode",
    "plaats",
    "stadsdeel",
]
SERVICE_COLUMNS = [
    "kvk",
    "aanbod",
    "perceel",
    "omschrijving",
    "leeftijd_van",
    "leeftijd_tot",
    "problematiek",
    "vorm",
    "stadsdelen",
    "intake_telefoon",
    "intake_email",
    "status",
    "aanmeldwachttijd_weken",
    "behandelwachttijd_weken",
    "vrije_plekken",
]
SEPARATOR = "|"


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.column}: {self.message}"


class ImportFailed(Exception):
    """The files cannot be imported; ``problems`` lists every reason, in file order."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


@dataclass
class Row:
    """One CSV record; problems found in it go to the catalogue's shared list."""

    file: str
    line: int
    values: dict[str, str]
    problems: list[Problem]
    failed: set[str] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.failed

    def get(self, column: str) -> str:
        return self.values.get(column, "")

    def error(self, column: str, message: str) -> None:
        self.failed.add(column)
        self.problems.append(Problem(self.file, self.line, column, str(message)))

    def validation_error(self, error: ValidationError, columns: Mapping) -> None:
        for name, messages in error.message_dict.items():
            column = columns.get(name, "rij") if name != NON_FIELD_ERRORS else "rij"
            for message in messages:
                self.error(column, message)


@dataclass
class Table:
    name: str
    rows: list[Row]


@dataclass
class Catalogue:
    organisations: Table
    services: Table
    problems: list[Problem]

    def fail_if_problems(self) -> None:
        order = {self.organisations.name: 0, self.services.name: 1}
        if self.problems:
            self.problems.sort(key=lambda p: (order.get(p.file, 2), p.file, p.line))
            raise ImportFailed(self.problems)


def read_catalogue(*, organisations, services) -> Catalogue:
    """Read both CSV files; raise ``ImportFailed`` for file and header problems."""
    problems: list[Problem] = []
    orgs = read_table(Path(organisations), ORGANISATION_COLUMNS, problems)
    svcs = read_table(Path(services), SERVICE_COLUMNS, problems)
    catalogue = Catalogue(orgs, svcs, problems)
    catalogue.fail_if_problems()
    return catalogue


def rows_catalogue(*, organisations: Iterable[Mapping], services: Iterable[Mapping]):
    """A catalogue from in-memory rows keyed by CSV column (line = index + 2)."""
    problems: list[Problem] = []
    orgs = _rows_table("organisaties", organisations, ORGANISATION_COLUMNS, problems)
    svcs = _rows_table("aanbod", services, SERVICE_COLUMNS, problems)
    return Catalogue(orgs, svcs, problems)


def _rows_table(name, rows, columns, problems) -> Table:
    table = Table(name, [])
    for line, values in enumerate(rows, start=2):
        cells = {c: _cell(values.get(c)) for c in columns}
        row = Row(name, line, cells, problems)
        for column in sorted(set(values) - set(columns)):
            row.error(column, _("Onbekende kolom."))
        table.rows.append(row)
    return table


def _cell(value) -> str:
    return "" if value is None else str(value).strip()


def _file_cell(text: str) -> str:
    """A cell as written: the export escapes formulas with a leading apostrophe."""
    return csvsafe.read_cell(text.strip())


def read_table(path: Path, columns: list[str], problems: list[Problem]) -> Table:
    text = _read_text(path, problems)
    table = Table(path.name, [])
    if text is not None:
        _parse_text(text, table, columns, problems)
    return table


def _read_text(path: Path, problems: list[Problem]) -> str | None:
    def fail(message: str, line: int = 1) -> None:
        problems.append(Problem(path.name, line, "bestand", message))

    if not path.is_file():
        return fail(_("Het bestand bestaat niet."))
    size = path.stat().st_size
    if size > settings.IMPORT_MAX_BYTES:
        return fail(
            _("Het bestand is te groot (%(size)s; maximaal %(limit)s).")
            % {"size": _bytes(size), "limit": _bytes(settings.IMPORT_MAX_BYTES)}
        )
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return fail(
            _(
                "Het bestand is geen UTF-8-tekst (onleesbaar teken op deze regel). "
                "Sla het op als 'CSV UTF-8'."
            ),
            data.count(b"\n", 0, exc.start) + 1,
        )
    if not text.strip():
        return fail(_("Het bestand is leeg."))
    return text


def _bytes(size: int) -> str:
    return filesizeformat(size).replace("\xa0", " ")


def _parse_text(text: str, table: Table, columns: list[str], problems) -> None:
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [cell.strip() for cell in next(reader)]
        if not _header_ok(header, columns, table.name, problems):
            return
        start = reader.line_num + 1
        for cells in reader:
            if any(cell.strip() for cell in cells):
                table.rows.append(_row(table.name, start, header, cells, problems))
            start = reader.line_num + 1
    except csv.Error as exc:
        problems.append(Problem(table.name, reader.line_num, "bestand", str(exc)))


def _row(name: str, line: int, header: list[str], cells: list[str], problems) -> Row:
    row = Row(
        name,
        line,
        dict(zip(header, (_file_cell(c) for c in cells), strict=False)),
        problems,
    )
    if len(cells) != len(header):
        row.error(
            "rij",
            _("Deze regel heeft %(found)d kolommen in plaats van %(expected)d.")
            % {"found": len(cells), "expected": len(header)},
        )
    return row


def _header_ok(header: list[str], columns: list[str], name: str, problems) -> bool:
    found = len(problems)
    for column in columns:
        if column not in header:
            problems.append(Problem(name, 1, column, _("Deze kolom ontbreekt.")))
    expected = ", ".join(columns)
    for index, column in enumerate(header):
        if column not in columns:
            message = _("Onbekende kolom; verwacht zijn: %s.") % expected
            problems.append(Problem(name, 1, column or "(leeg)", message))
        elif column in header[:index]:
            message = _("Deze kolom staat er meer dan eens in.")
            problems.append(Problem(name, 1, column, message))
    return len(problems) == found
