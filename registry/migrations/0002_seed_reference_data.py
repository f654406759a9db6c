"""Seed the reference data the catalogue import matches against (see
registry.reference_data)."""

from django.db import migrations

from registry import reference_data


def seed(apps, schema_editor):
    reference_data.seed(
        apps.get_model("registry", "Perceel"),
        apps.get_model("registry", "District"),
        apps.get_model("registry", "DeliveryForm"),
        apps.get_model("registry", "ProblemArea"),
    )


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
