# The old one-line address is gone once 0010 has split it; the BAG parts and
# the pin get their database checks. Separate from 0010 so PostgreSQL runs the
# data update and these ALTER TABLEs in different transactions.

from django.db import migrations, models

import registry.validators


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0011_location_bag_address_parts"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="historicallocation",
            name="address",
        ),
        migrations.RemoveField(
            model_name="location",
            name="address",
        ),
        migrations.AlterField(
            model_name="historicallocation",
            name="latitude",
            field=models.DecimalField(
                blank=True,
                decimal_places=5,
                max_digits=8,
                null=True,
                validators=[registry.validators.validate_latitude_nl],
                verbose_name="breedtegraad",
            ),
        ),
        migrations.AlterField(
            model_name="historicallocation",
            name="longitude",
            field=models.DecimalField(
                blank=True,
                decimal_places=5,
                max_digits=8,
                null=True,
                validators=[registry.validators.validate_longitude_nl],
                verbose_name="lengtegraad",
            ),
        ),
        migrations.AlterField(
            model_name="location",
            name="latitude",
            field=models.DecimalField(
                blank=True,
                decimal_places=5,
                max_digits=8,
                null=True,
                validators=[registry.validators.validate_latitude_nl],
                verbose_name="breedtegraad",
            ),
        ),
        migrations.AlterField(
            model_name="location",
            name="longitude",
            field=models.DecimalField(
                blank=True,
                decimal_places=5,
                max_digits=8,
                null=True,
                validators=[registry.validators.validate_longitude_nl],
                verbose_name="lengtegraad",
            ),
        ),
        migrations.AddConstraint(
            model_name="location",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("house_number__isnull", True),
                    models.Q(("house_number__gte", 1), ("house_number__lte", 99999)),
                    _connector="OR",
                ),
                name="location_house_number_range",
            ),
        ),
        migrations.AddConstraint(
            model_name="location",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("house_letter", ""),
                    ("house_letter__regex", "^[A-Za-z]$"),
                    _connector="OR",
                ),
                name="location_house_letter_format",
            ),
        ),
        migrations.AddConstraint(
            model_name="location",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("house_number_addition", ""),
                    ("house_number_addition__regex", "^[A-Za-z0-9]{1,4}$"),
                    _connector="OR",
                ),
                name="location_house_number_addition_format",
            ),
        ),
        migrations.AddConstraint(
            model_name="location",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("latitude__isnull", True), ("longitude__isnull", True)),
                    models.Q(
                        ("latitude__gte", 50.7),
                        ("latitude__lte", 53.7),
                        ("longitude__gte", 3.2),
                        ("longitude__lte", 7.3),
                    ),
                    _connector="OR",
                ),
                name="location_coordinates_in_netherlands",
            ),
        ),
    ]
