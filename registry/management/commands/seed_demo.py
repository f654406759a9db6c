"""``manage.py seed_demo``: fictional Almere demo data (see ``registry.demo``)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from registry import demo


class Command(BaseCommand):
    help = (
        "Vult de database met fictieve Almeerse demodata: 43 hoofdaanbieders, "
        "onderaannemers, aanbod met capaciteit en verwijzers. Opnieuw draaien "
        "maakt geen dubbele gegevens."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--with-demo-logins",
            action="store_true",
            help="Maak ook één demo-login per rol (alleen met DEBUG aan).",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Doe niets als er al aanbieders in de database staan.",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=demo.DEFAULT_SEED,
            help="Startwaarde voor de toevalsgenerator (standaard %(default)s).",
        )

    def handle(self, *args, with_demo_logins, if_empty, seed, **options):
        if with_demo_logins and not settings.DEBUG:
            raise CommandError(
                "Demo-logins worden nooit aangemaakt buiten DEBUG; zet DEBUG=1 voor "
                "een demo-omgeving. Er is niets gewijzigd."
            )
        if if_empty and demo.provider_data_exists():
            self.stdout.write("Er staan al aanbieders in de database; niets gedaan.")
            return
        counts = demo.seed_demo(seed=seed)
        for label, count in counts.items():
            self.stdout.write(f"{label}: {count}")
        if with_demo_logins:
            self._write_logins(demo.demo_logins_ensure())
        self.stdout.write(self.style.SUCCESS("Demodata staat klaar."))

    def _write_logins(self, logins) -> None:
        self.stdout.write(f"Demo-logins (wachtwoord: {demo.DEMO_PASSWORD}):")
        for login in logins:
            self.stdout.write(f"  {login.username:<18} {login.label}")
