"""``manage.py import_ijw FILE_OR_FOLDER…``: receive iJw messages from files."""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ijw import services

HELP = """Receive iJw 3.2 messages (JW315, JW301, JW319, JW305, JW307) from XML files,
one message per file, as the municipality's message system delivers them. A folder
is read for *.xml files in name order. Each message is validated against the
official XSD and matched to referrals (docs/ijw.md); each one is all or nothing.
A refused message is printed as FILE: element: reason and changes nothing; the
command then exits with status 1 after reading the other files. A message
received before (same BerichtIdentificatie) changes nothing.
"""


def _files(paths: list[str]) -> list[Path]:
    found = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(
                sorted(p for p in path.iterdir() if p.suffix.lower() == ".xml")
            )
        elif path.is_file():
            found.append(path)
        else:
            raise CommandError(f"{raw}: no such file or folder")
    return found


def _reasons(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [
            f"{name}: {message}"
            for name, texts in exc.message_dict.items()
            for message in texts
        ]
    return list(exc.messages)


class Command(BaseCommand):
    help = HELP

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="XML files or folders")

    def handle(self, *args, **options):
        refused = 0
        for path in _files(options["paths"]):
            if path.stat().st_size > settings.IJW_MAX_MESSAGE_BYTES:
                refused += 1
                self.stderr.write(f"{path.name}: bericht: te groot, niet gelezen")
                continue
            try:
                outcome = services.ijw_message_receive(data=path.read_bytes())
            except ValidationError as exc:
                refused += 1
                for reason in _reasons(exc):
                    self.stderr.write(f"{path.name}: {reason}")
                continue
            effects = "; ".join(outcome.effects)
            self.stdout.write(
                f"{path.name}: {outcome.kind} {outcome.identification} "
                f"{outcome.outcome}{' – ' + effects if effects else ''}"
            )
        if refused:
            raise CommandError(f"{refused} bericht(en) geweigerd", returncode=1)
