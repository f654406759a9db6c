"""The search document on Service, and the database machinery behind it.

Both databases get a trigger on ``registry_capacity`` that copies the status
("has room now") and the total waiting weeks onto the service
(``search_open``, ``search_total_wait``), whatever code writes the capacity, so
a search never joins the capacity table to filter, count or sort.

On PostgreSQL this migration also creates (SQLite skips it):
- the ``unaccent`` and ``pg_trgm`` extensions (both trusted: a database owner may);
- the text search configuration ``dutch_unaccent``: Dutch stemming after accents
  are folded, so "cliënten", "clienten" and "client" meet;
- a GIN index on ``search_vector``;
- ``registry_search_term``: the vocabulary of the search texts with a trigram
  index, for typo tolerance ("autsime" → "autisme"). It is derived data kept by
  ``services.service_refresh_search`` and rebuilt by ``rebuild_search_index``;
- a btree index on ``name, id`` so browsing all services in name order pages
  without sorting the whole table, and a covering index with every column a
  search filters or counts on, so counting many services reads only that index.
"""

import django.contrib.postgres.search
from django.db import migrations, models

_TOTAL_WAIT = (
    "CASE WHEN NEW.intake_wait_weeks IS NULL AND NEW.treatment_wait_weeks IS NULL "
    "THEN NULL ELSE COALESCE(NEW.intake_wait_weeks, 0) "
    "+ COALESCE(NEW.treatment_wait_weeks, 0) END"
)
# Fixed SQL assembled from the constants above; nothing comes from input.
_COPY_CAPACITY = (
    "UPDATE registry_service SET search_open = (NEW.status = 'open'), "  # noqa: S608
    f"search_total_wait = {_TOTAL_WAIT} WHERE id = NEW.service_id;"
)
_CAPACITY_WAIT = _TOTAL_WAIT.replace("NEW.", "c.")
_BACKFILL = (
    "UPDATE registry_service SET "  # noqa: S608
    "search_open = (SELECT c.status = 'open' FROM registry_capacity c "
    "WHERE c.service_id = registry_service.id), "
    f"search_total_wait = (SELECT {_CAPACITY_WAIT} FROM registry_capacity c "
    "WHERE c.service_id = registry_service.id) "
    "WHERE EXISTS (SELECT 1 FROM registry_capacity c "
    "WHERE c.service_id = registry_service.id)"
)
_WATCHED = "status, intake_wait_weeks, treatment_wait_weeks"

POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS dutch_unaccent",
    "CREATE TEXT SEARCH CONFIGURATION dutch_unaccent (COPY = pg_catalog.dutch)",
    "ALTER TEXT SEARCH CONFIGURATION dutch_unaccent ALTER MAPPING FOR "
    "hword, hword_part, word WITH unaccent, dutch_stem",
    "CREATE INDEX IF NOT EXISTS registry_service_search_vector_gin "
    "ON registry_service USING gin (search_vector)",
    "CREATE INDEX IF NOT EXISTS registry_service_name_id "
    "ON registry_service (name, id)",
    "CREATE INDEX IF NOT EXISTS registry_service_search_facets "
    "ON registry_service (id) INCLUDE (organisation_id, perceel_id, age_min, "
    "age_max, search_district_bits, search_problem_bits, search_form_bits, "
    "search_open, search_total_wait, name) WHERE active",
    "CREATE TABLE IF NOT EXISTS registry_search_term (term text PRIMARY KEY)",
    "CREATE INDEX IF NOT EXISTS registry_search_term_trgm "
    "ON registry_search_term USING gin (term gin_trgm_ops)",
    # A bulk load may set registry.bulk_load = 'on' (SET LOCAL) and refresh the
    # search documents afterwards instead of one UPDATE per capacity row.
    "CREATE OR REPLACE FUNCTION registry_capacity_to_service() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN "
    "IF current_setting('registry.bulk_load', true) = 'on' THEN RETURN NULL; "
    f"END IF; {_COPY_CAPACITY} RETURN NULL; END $$",
    "CREATE TRIGGER registry_capacity_to_service "
    f"AFTER INSERT OR UPDATE OF {_WATCHED} ON registry_capacity "
    "FOR EACH ROW EXECUTE FUNCTION registry_capacity_to_service()",
    _BACKFILL,
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS registry_capacity_to_service ON registry_capacity",
    "DROP FUNCTION IF EXISTS registry_capacity_to_service()",
    "DROP TABLE IF EXISTS registry_search_term",
    "DROP INDEX IF EXISTS registry_service_search_facets",
    "DROP INDEX IF EXISTS registry_service_name_id",
    "DROP INDEX IF EXISTS registry_service_search_vector_gin",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS dutch_unaccent",
]
SQLITE_FORWARD = [
    "CREATE TRIGGER registry_capacity_to_service_insert "
    f"AFTER INSERT ON registry_capacity BEGIN {_COPY_CAPACITY} END",
    "CREATE TRIGGER registry_capacity_to_service_update "
    f"AFTER UPDATE OF {_WATCHED} ON registry_capacity BEGIN {_COPY_CAPACITY} END",
    _BACKFILL,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS registry_capacity_to_service_insert",
    "DROP TRIGGER IF EXISTS registry_capacity_to_service_update",
]


def _run(postgres, sqlite):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        statements = {"postgresql": postgres, "sqlite": sqlite}.get(vendor, [])
        for statement in statements:
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0002_seed_reference_data"),
    ]

    operations = [
        migrations.AddField(
            model_name="service",
            name="search_text",
            field=models.TextField(
                blank=True, editable=False, verbose_name="zoektekst"
            ),
        ),
        migrations.AddField(
            model_name="service",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(
                editable=False, null=True
            ),
        ),
        migrations.AddField(
            model_name="service",
            name="search_district_bits",
            field=models.BigIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="service",
            name="search_problem_bits",
            field=models.BigIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="service",
            name="search_form_bits",
            field=models.BigIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="service",
            name="search_open",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.AddField(
            model_name="service",
            name="search_total_wait",
            field=models.PositiveSmallIntegerField(editable=False, null=True),
        ),
        migrations.RunPython(
            _run(POSTGRES_FORWARD, SQLITE_FORWARD),
            _run(POSTGRES_BACKWARD, SQLITE_BACKWARD),
        ),
    ]
