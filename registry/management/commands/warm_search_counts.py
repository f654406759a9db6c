"""``manage.py warm_search_counts``: cache the counts of the common searches."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from registry import selectors


class Command(BaseCommand):
    help = (
        "Count and cache the facet counts of the empty search and of every "
        "single-filter search that are not cached, so the first visitors after "
        "a catalogue write, an import or a restart do not pay for the count. "
        "Run every few minutes; it costs one cache read when nothing changed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--all",
            action="store_true",
            help="count every one of them again, cached or not",
        )

    def handle(self, *args, **options):
        warmed = selectors.facet_counts_warm(only_missing=not options["all"])
        self.stdout.write(_("%(n)s zoekopdrachten geteld.") % {"n": warmed})
