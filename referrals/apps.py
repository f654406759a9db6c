from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = _("Verwijzingen")

    def ready(self) -> None:
        from referrals import signals  # noqa: F401 - connects the receivers
        from referrals.selectors import regular_norm_weeks
        from registry import norms

        norms.use(regular_norm_weeks)  # the catalogue states the norms data
