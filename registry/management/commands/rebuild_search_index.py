"""Refresh every service's search document and the spelling vocabulary."""

from django.core.management.base import BaseCommand

from registry.services import search_index_rebuild


class Command(BaseCommand):
    help = "Rebuild the search documents of all services (after bulk changes)."

    def handle(self, *args, **options):
        count = search_index_rebuild()
        self.stdout.write(f"{count} services refreshed")
