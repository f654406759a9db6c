"""Send the due e-mails in the notice outbox (cron: every few minutes)."""

from django.core.management.base import BaseCommand

from referrals.notifications import notification_send_due


class Command(BaseCommand):
    help = "Send due notification e-mails; failures are retried with backoff."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500)

    def handle(self, *args, limit, **options):
        sent, failed = notification_send_due(limit=limit)
        self.stdout.write(f"Sent {sent} notification(s); {failed} failed.")
