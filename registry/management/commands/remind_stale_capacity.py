"""Mail each provider organisation one summary of its stale capacity.

Safe to run daily (cron): the period is the ISO week, and a reminder is recorded
per organisation and week (``CapacityReminder``), so a week's second run sends
nothing. A hoofdaanbieder's mail also lists its onderaannemers' stale services.
"""

from collections import Counter

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from registry import selectors, services


def iso_week(moment=None) -> str:
    """The reminder period of ``moment`` (default now), e.g. ``2026-W47``."""
    year, week, _day = timezone.localtime(moment).isocalendar()
    return f"{year}-W{week:02d}"


class Command(BaseCommand):
    help = "E-mail provider organisations whose capacity was not updated recently."

    def add_arguments(self, parser):
        parser.add_argument(
            "--period",
            help="Reminder period (default: the current ISO week, e.g. 2026-W47).",
        )

    def handle(self, *args, period=None, **options):
        period = period or iso_week()
        counts = Counter()
        for organisation, stale in selectors.stale_services_by_organisation().items():
            counts[self._remind(organisation, stale, period)] += 1
        self.stdout.write(
            f"Periode {period}: {counts['sent']} verstuurd, "
            f"{counts['done']} al eerder verstuurd, "
            f"{counts['unreachable']} zonder e-mailadres."
        )

    def _remind(self, organisation, stale, period) -> str:
        recipients = selectors.reminder_recipients(organisation=organisation)
        if not recipients:
            self.stderr.write(f"Geen e-mailadres voor {organisation}; overgeslagen.")
            return "unreachable"
        with transaction.atomic():
            reminder = services.capacity_reminder_send(
                organisation=organisation,
                period=period,
                services=stale,
                recipients=recipients,
            )
        return "sent" if reminder else "done"
