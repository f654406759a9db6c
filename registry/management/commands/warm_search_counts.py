"""``manage.py warm_search_counts``: cache the counts of the common searches."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from registry import selectors


class Command(BaseCommand):
    help = (
        "Count and cache the facet counts of the empty search and of every "
        "single-filter search, so the first visitors after an import or a "
        "restart do not pay for the count. Run after import_catalogue or nightly."
    )

    def handle(self, *args, **options):
        warmed = selectors.facet_counts_warm()
        self.stdout.write(_("%(n)s zoekopdrachten geteld.") % {"n": warmed})
