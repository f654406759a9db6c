"""Indexes for the dashboard's live figures, on tables of other apps.

- Open referrals past a norm: partial (open referrals only), ordered by date, and
  covering the columns the list, its count and its filters read, so PostgreSQL
  answers from the index alone (the oldest first, or a count of 100,000 open
  referrals in a few milliseconds instead of a quarter second).
- Capacity now: active services' organisation and perceel, so counting 50,000
  capacity rows need not read the wide service rows.

Plain SQL that PostgreSQL and SQLite both accept; it lives here because the
dashboard is its only reader.
"""

from django.db import migrations

OPEN = "('first_contact', 'intake', 'received', 'sent', 'waitlisted')"


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0001_initial"),
        ("referrals", "0001_initial"),
        ("registry", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS dash_referral_open_by_date "
            "ON referrals_referral (referred_on, id, first_contact_on, intake_on, "
            f"provider_id, perceel_id, referrer_type) WHERE status IN {OPEN}",
            "DROP INDEX IF EXISTS dash_referral_open_by_date",
        ),
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS dash_service_active "
            "ON registry_service (id, organisation_id, perceel_id) WHERE active",
            "DROP INDEX IF EXISTS dash_service_active",
        ),
    ]
