"""Send the due webhook deliveries in the outbox (cron: every minute)."""

from django.core.management.base import BaseCommand

from webhooks.services import delivery_send_due


class Command(BaseCommand):
    help = "Send due webhook deliveries; failures are retried with back-off."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=200)

    def handle(self, *args, limit, **options):
        delivered, failed = delivery_send_due(limit=limit)
        self.stdout.write(f"Delivered {delivered} webhook(s); {failed} failed.")
