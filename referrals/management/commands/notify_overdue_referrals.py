"""Tell referrers when a norm passed without the next step (cron: daily).

Each (referral, norm) is notified once, however often this runs."""

from django.core.management.base import BaseCommand

from referrals.models import Notification
from referrals.notifications import notification_enqueue_overdue


class Command(BaseCommand):
    help = "Enqueue 'norm passed without the next step' notices (deduplicated)."

    def handle(self, *args, **options):
        before = Notification.objects.filter(kind=Notification.Kind.OVERDUE).count()
        seen = notification_enqueue_overdue()
        after = Notification.objects.filter(kind=Notification.Kind.OVERDUE).count()
        self.stdout.write(
            f"{seen} passed norm(s) on open referrals; {after - before} new notice(s)."
        )
