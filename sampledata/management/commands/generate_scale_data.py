"""Generate a large fictional catalogue for benchmarks and scale tests.

    python manage.py generate_scale_data --organisations 5000 --services 50000 \\
        --locations 100000 --referrals 1000000 --years 3 --seed 1

``--referrals 0`` makes the catalogue only. Referrals (with their events, a few
hundred referrer organisations and a capacity history) are added up to the
asked number of generated referrals; what is already there is kept.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from sampledata import scale


class Command(BaseCommand):
    help = (
        "Generate a deterministic fictional catalogue in bulk (see registry/scale.py)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--organisations", type=int, default=5000)
        parser.add_argument("--services", type=int, default=50000)
        parser.add_argument("--locations", type=int, default=100000)
        parser.add_argument("--referrals", type=int, default=1_000_000)
        parser.add_argument(
            "--years", type=float, default=3, help="Referrals over this many years."
        )
        parser.add_argument("--seed", type=int, default=1)

    def parts(self, options) -> list[str]:
        """The catalogue, then the referrals unless ``--referrals 0``."""
        return ["catalogue", "referrals"] if options["referrals"] > 0 else ["catalogue"]

    def handle(self, *args, **options):
        config = scale.ScaleConfig(
            organisations=options["organisations"],
            services=options["services"],
            locations=options["locations"],
            seed=options["seed"],
            referrals=options["referrals"],
            referral_years=options["years"],
        )
        if config.organisations < 1 or config.services < 0:
            raise CommandError("--organisations must be at least 1.")
        if config.locations < config.organisations:
            raise CommandError("--locations must be at least --organisations.")
        if config.referrals < 0 or config.referral_years <= 0:
            raise CommandError("--referrals must be 0 or more and --years above 0.")
        started = time.monotonic()
        scale.generate(config, parts=self.parts(options), log=self._log)
        self._log(f"done in {time.monotonic() - started:.1f} s")

    def _log(self, message: str) -> None:
        self.stdout.write(message)
