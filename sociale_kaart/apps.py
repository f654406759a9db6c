"""The project package as a small app: after every ``migrate`` it creates the
database cache table (``createcachetable`` is idempotent), so a fresh database
needs no extra step when the cache is the database (no REDIS_URL)."""

from django.apps import AppConfig
from django.core.management import call_command
from django.db.models.signals import post_migrate


def create_cache_table(sender, using, verbosity=1, **kwargs) -> None:
    call_command("createcachetable", database=using, verbosity=max(verbosity - 1, 0))


class SocialeKaartConfig(AppConfig):
    name = "sociale_kaart"
    label = "sociale_kaart"
    verbose_name = "Sociale Kaart Jeugd"

    def ready(self) -> None:
        from sociale_kaart import site  # noqa: F401 - registers the SITE_URL check

        # Sent once per migrate for this app (it needs a models module for that).
        post_migrate.connect(
            create_cache_table, sender=self, dispatch_uid="sociale_kaart_cache_table"
        )
