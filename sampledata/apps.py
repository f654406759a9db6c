from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SampledataConfig(AppConfig):
    name = "sampledata"
    verbose_name = _("Voorbeeldgegevens")
