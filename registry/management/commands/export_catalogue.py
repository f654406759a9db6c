"""``manage.py export_catalogue ORGANISATIONS.csv SERVICES.csv``."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from registry import exporting


class Command(BaseCommand):
    help = (
        "Write the contract list (providers and their active services) as two CSV "
        "files in the format import_catalogue reads (UTF-8 with BOM, ';'). "
        "Exporting, importing into an empty database and exporting again gives "
        "identical files. Warnings (data the format cannot hold) go to stderr."
    )

    def add_arguments(self, parser):
        parser.add_argument("organisations", help="CSV file to write organisations to")
        parser.add_argument("services", help="CSV file to write services to")

    def handle(self, *args, **options):
        try:
            result = exporting.catalogue_export(
                organisations=options["organisations"], services=options["services"]
            )
        except OSError as exc:
            raise CommandError(
                _("Kan niet schrijven: %(error)s") % {"error": exc}
            ) from None
        for warning in result.warnings:
            self.stderr.write(warning)
        if options["verbosity"]:
            self.stdout.write(
                _("%(orgs)d organisaties en %(services)d aanbod geschreven.")
                % {"orgs": result.organisations, "services": result.services}
            )
