"""Remove personal data from referrals on which nothing has happened for
REFERRAL_RETENTION_DAYS, whatever their status, and warn referrer and provider
REFERRAL_RETENTION_WARNING_DAYS before. Anonymous timings stay. Safe to run daily."""

from django.conf import settings
from django.core.management.base import BaseCommand

from referrals.services import referral_purge_personal_data, referral_warn_before_purge


class Command(BaseCommand):
    help = (
        "Blank initials, date of birth, help question, parent e-mail and event "
        "notes of referrals on which nothing has happened for "
        "REFERRAL_RETENTION_DAYS (any status); warn referrer and provider "
        "REFERRAL_RETENTION_WARNING_DAYS before (once)."
    )

    def handle(self, *args, **options):
        counts = referral_purge_personal_data()
        self.stdout.write(
            f"Purged {counts['referrals']} referral(s) without activity for "
            f"{settings.REFERRAL_RETENTION_DAYS} days; blanked {counts['notes']} "
            f"event note(s) and {counts['notifications']} parent address(es)."
        )
        warned = referral_warn_before_purge()
        self.stdout.write(
            f"Warned about {warned} referral(s) whose personal data will be "
            f"removed within {settings.REFERRAL_RETENTION_WARNING_DAYS} days."
        )
