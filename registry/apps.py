from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("Sociale kaart")

    def ready(self):
        from registry import signals

        post_migrate.connect(_ensure_municipality_group, sender=self)
        signals.connect()


def _ensure_municipality_group(sender, using="default", **kwargs):
    """Every database gets the "Gemeente" admin group with the permissions
    municipality staff need, so a superuser only has to add staff to it.
    Permissions exist only after migrate, hence post_migrate, not a migration."""
    from registry.services.groups import municipality_group_ensure

    if using == "default":
        municipality_group_ensure()
