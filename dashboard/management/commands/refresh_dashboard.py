"""Rebuild the precomputed dashboard figures (run nightly, e.g. from cron).

python manage.py refresh_dashboard              # all months
python manage.py refresh_dashboard --months 6   # the last 6 months only
python manage.py refresh_dashboard --since 2024-01
"""

import re
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dashboard.pages import WARM_SECONDS, memo_warm
from dashboard.periods import add_months, month_start
from dashboard.services import dashboard_refresh

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class Command(BaseCommand):
    help = "Rebuild the monthly figures behind /regie (see dashboard/services.py)."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--months", type=int, help="Only the last N months (incl. this one)."
        )
        group.add_argument("--since", help="Only from this month on (YYYY-MM).")
        parser.add_argument(
            "--warm-seconds",
            type=float,
            default=WARM_SECONDS,
            help="Then fill the page memo for the usual selections for at most "
            "this long (0: not at all).",
        )

    def handle(self, *args, **options):
        refresh = dashboard_refresh(since=self._since(options))
        # The first morning visitors read the usual selections warm.
        warmed = memo_warm(options["warm_seconds"]) if options["warm_seconds"] else []
        scope = f"from {refresh.from_month:%Y-%m}" if refresh.from_month else "all"
        self.stdout.write(
            f"dashboard figures rebuilt ({scope} months, {refresh.referrals} "
            f"referrals) in {refresh.duration_ms / 1000:.1f} s; "
            f"{len(warmed)} selections warmed"
        )

    def _since(self, options) -> date | None:
        if options["months"] is not None:
            if options["months"] < 1:
                raise CommandError("--months must be at least 1.")
            return add_months(month_start(timezone.localdate()), 1 - options["months"])
        if options["since"]:
            match = _MONTH.match(options["since"])
            if not match or not 1 <= int(match[2]) <= 12:
                raise CommandError("--since must be a month as YYYY-MM.")
            return date(int(match[1]), int(match[2]), 1)
        return None
