"""``manage.py seed_demo``: fictional Almere demo data (see ``sampledata.demo``)."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from referrals.models import Referral
from sampledata import demo
from sampledata.referral_scale import generate_referrals


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
            "--referrals",
            type=int,
            default=600,
            help="Aantal fictieve verwijzingen met hun stappen over de afgelopen "
            "anderhalf jaar, alleen als er nog geen verwijzingen zijn "
            "(standaard %(default)s).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=demo.DEFAULT_SEED,
            help="Startwaarde voor de toevalsgenerator (standaard %(default)s).",
        )

    def handle(self, *args, with_demo_logins, if_empty, referrals, seed, **options):
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
        self._seed_referrals(referrals, seed)
        if with_demo_logins:
            self._write_logins(demo.demo_logins_ensure())
        self.stdout.write(self.style.SUCCESS("Demodata staat klaar."))

    def _seed_referrals(self, count: int, seed: int) -> None:
        """Referral histories for the inbox, the referrer's list and the dashboard:
        simulated stories whose stored status equals the workflow's derivation."""
        if count <= 0 or Referral.objects.exists():
            return
        events = generate_referrals(count=count, years=1.5, seed=seed)
        followed = _schools_follow_some_referrals()
        self.stdout.write(f"verwijzingen: {count} (met {events} stappen)")
        self.stdout.write(f"gevolgd door een school: {followed}")
        call_command("refresh_dashboard", stdout=self.stdout)

    def _write_logins(self, logins) -> None:
        # Issue 13: every demo log-in shares one documented TOTP secret.
        from accounts.demo import demo_second_factor_ensure
        from registry.models import User

        users = User.objects.filter(username__in=[x.username for x in logins])
        secret = demo_second_factor_ensure(users)
        self.stdout.write(f"Demo-logins (wachtwoord: {demo.DEMO_PASSWORD}):")
        self.stdout.write(f"  tweede factor: TOTP-sleutel {secret}")
        for login in logins:
            self.stdout.write(f"  {login.username:<18} {login.label}")


SCHOOL_FOLLOWS_EVERY = 6  # one in six JGZ referrals of a pupil


def _schools_follow_some_referrals() -> int:
    """The demo school follows some of the JGZ's referrals of children of school
    age (4-12), with the family's consent, so the school's log-in shows the
    school view (initials, birth date, status and dates)."""
    from datetime import timedelta

    from django.db.models import F

    from registry.models import Organisation

    school = Organisation.objects.filter(kind=Organisation.Kind.SCHOOL).first()
    if school is None:
        return 0
    pupils = Referral.objects.filter(
        referrer_organisation__kind=Organisation.Kind.JGZ,
        child_birth_date__lte=F("referred_on") - timedelta(days=4 * 365),
        child_birth_date__gt=F("referred_on") - timedelta(days=13 * 365),
    ).order_by("id")
    ids = list(pupils.values_list("id", flat=True)[::SCHOOL_FOLLOWS_EVERY])
    return Referral.objects.filter(id__in=ids).update(
        follower_school=school, school_consent=True
    )
