"""``manage.py expire_ijw_queue``: drop waiting iJw lines past IJW_QUEUE_DAYS and
invite families whose help ended by hand (run daily, e.g. from cron)."""

from django.core.management.base import BaseCommand

from ijw import experience, services


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options):
        expired = services.ijw_queue_expire()
        invited = experience.experience_invite_ended()
        self.stdout.write(f"expired: {expired}, invited: {invited}")
