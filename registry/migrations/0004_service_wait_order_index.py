"""An index for "shortest wait first": active services in (total wait, name, id)
order, so a search sorted by waiting time reads the first page from the index
instead of joining and sorting every match.

Measured at 50,000 services (benchmarks/RESULTS.md): the catalogue API's
``max_wait_weeks=10&ordering=wait`` page query went from 46 ms (sequential scan,
hash joins, top-N sort of 9,136 rows) to 1.1 ms (index scan, 20 rows).
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0003_service_search"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS registry_service_wait_order "
            "ON registry_service (search_total_wait, name, id) WHERE active",
            "DROP INDEX IF EXISTS registry_service_wait_order",
        ),
    ]
