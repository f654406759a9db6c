"""``manage.py import_catalogue ORGANISATIONS.csv SERVICES.csv [--dry-run]``."""

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from registry import importing, services
from sociale_kaart.exceptions import PreconditionFailed

HELP = """Import the municipality's contract list (two CSV files) into the social map.

All or nothing: every problem is printed as FILE:LINE: column: message and nothing
is saved. UTF-8 (BOM allowed), ';' or ',' separated, header row with exactly these
columns (any order; lists inside a cell are separated by '|'):

  organisations: {organisations}
  services:      {services}

Organisations are matched by KvK, services by KvK + aanbod; re-importing the same
files changes nothing. The import is additive: contracts, subcontracts, services
and locations missing from the files are kept, not ended or deleted. New contracts
start on settings.CONTRACT_PERIOD_START. Progress goes to stderr on a terminal or
with -v2.
"""


class Progress:
    """Prints ``stage: done/total (pct%)`` at every tenth of each stage."""

    def __init__(self, stream, *, enabled: bool):
        self.stream = stream
        self.enabled = enabled
        self.shown: dict[str, int] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        tenth = done * 10 // total if total else 10
        if not self.enabled or self.shown.get(stage, -1) >= tenth:
            return
        self.shown[stage] = tenth
        self.stream.write(f"{stage}: {done}/{total} ({done * 100 // total}%)")


class Command(BaseCommand):
    help = HELP.format(
        organisations=";".join(importing.ORGANISATION_COLUMNS),
        services=";".join(importing.SERVICE_COLUMNS),
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        from argparse import RawDescriptionHelpFormatter

        kwargs["formatter_class"] = RawDescriptionHelpFormatter
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("organisations", help="CSV file with organisations")
        parser.add_argument("services", help="CSV file with services (aanbod)")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="check everything and report what would change; save nothing",
        )

    def handle(self, *args, **options):
        verbosity = options["verbosity"]
        tty = hasattr(self.stderr, "isatty") and self.stderr.isatty()
        progress = Progress(
            self.stderr, enabled=verbosity >= 2 or (tty and verbosity > 0)
        )
        try:
            result = services.catalogue_import(
                organisations=options["organisations"],
                services=options["services"],
                dry_run=options["dry_run"],
                progress=progress,
            )
        except importing.ImportFailed as failed:
            raise self._failure(failed.problems) from None
        except (PreconditionFailed, IntegrityError) as exc:
            raise CommandError(
                _(
                    "De database veranderde tijdens de import; er is niets "
                    "geïmporteerd. Probeer het opnieuw. (%(error)s)"
                )
                % {"error": exc}
            ) from None
        self._summary(result, verbosity)

    def _failure(self, problems: list[importing.Problem]) -> CommandError:
        """Print every problem on its own line; the error is the summary."""
        for problem in problems:
            self.stderr.write(str(problem))
        message = ngettext(
            "%(count)d probleem gevonden; er is niets geïmporteerd.",
            "%(count)d problemen gevonden; er is niets geïmporteerd.",
            len(problems),
        )
        return CommandError(message % {"count": len(problems)})

    def _summary(self, result: importing.ImportResult, verbosity: int) -> None:
        if not verbosity:
            return
        for name, counts in result.counts.items():
            line = _(
                "%(entity)s: %(created)d nieuw, %(updated)d gewijzigd, "
                "%(unchanged)d ongewijzigd"
            )
            self.stdout.write(
                line % ({"entity": importing.ENTITY_LABELS[name]} | vars(counts))
            )
        if result.dry_run:
            self.stdout.write(_("Proefimport (--dry-run): er is niets opgeslagen."))
        elif not result.changed:
            self.stdout.write(_("Niets veranderd."))
