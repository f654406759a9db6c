"""The migration that moves the local referrer kind out of the COD327 field."""

import importlib

from django.apps import apps

import pytest

from referrals.models import Referral
from tests import factories

migration = importlib.import_module(
    "referrals.migrations.0012_referrer_role_cod327_only"
)


@pytest.mark.django_db
def test_existing_referrals_get_a_role_and_only_ijw_codes(service, referrer_org):
    wijkteam = factories.OrganisationFactory(kind="wijkteam")
    made = {
        name: factories.ReferralFactory(service=service, referrer_organisation=org)
        for name, org in (
            ("wijkteam_code", wijkteam),
            ("wijkteam_01", wijkteam),
            ("jgz_01", referrer_org),
            ("jgz_03", referrer_org),
        )
    }
    # The rows as they were before: no role, and "wijkteam" in the COD327 field.
    for name, code in (
        ("wijkteam_code", "wijkteam"),
        ("wijkteam_01", "01"),
        ("jgz_01", "01"),
        ("jgz_03", "03"),
    ):
        Referral.objects.filter(pk=made[name].pk).update(
            referrer_type=code, referrer_role=""
        )
    migration.move_roles(apps, None)
    found = {
        name: Referral.objects.values_list("referrer_role", "referrer_type").get(
            pk=referral.pk
        )
        for name, referral in made.items()
    }
    assert found == {
        "wijkteam_code": ("wijkteam", "01"),
        "wijkteam_01": ("wijkteam", "01"),
        "jgz_01": ("jgz_toegang", "01"),
        "jgz_03": ("jeugdarts", "03"),
    }
