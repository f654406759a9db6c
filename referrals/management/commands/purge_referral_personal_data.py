"""Remove personal data from referrals that finished more than
REFERRAL_RETENTION_DAYS ago; anonymous timings stay. Safe to run daily."""

from django.conf import settings
from django.core.management.base import BaseCommand

from referrals.services import referral_purge_personal_data


class Command(BaseCommand):
    help = (
        "Blank initials, date of birth, help question, parent e-mail and event "
        "notes of referrals ended, declined or withdrawn more than "
        "REFERRAL_RETENTION_DAYS ago."
    )

    def handle(self, *args, **options):
        counts = referral_purge_personal_data()
        self.stdout.write(
            f"Purged {counts['referrals']} referral(s) older than "
            f"{settings.REFERRAL_RETENTION_DAYS} days; blanked {counts['notes']} "
            f"event note(s) and {counts['notifications']} parent address(es)."
        )
