"""COD327 fields carry only iJw codes: the local kind of referrer moves to its own
field ``referrer_role``, and a wijkteam's referrals carry COD327 01 (Gemeente)."""

from django.db import migrations, models

# COD327 code (and, for 01, the organisation kind) -> local role.
_ROLE_BY_CODE = {
    "02": "huisarts",
    "03": "jeugdarts",
    "04": "gi",
    "05": "medisch_specialist",
    "wijkteam": "wijkteam",
}


def move_roles(apps, schema_editor):
    Referral = apps.get_model("referrals", "Referral")
    for code, role in _ROLE_BY_CODE.items():
        Referral.objects.filter(referrer_type=code).update(referrer_role=role)
    Referral.objects.filter(
        referrer_type="01", referrer_organisation__kind="wijkteam"
    ).update(referrer_role="wijkteam")
    Referral.objects.filter(referrer_type="01", referrer_role="").update(
        referrer_role="jgz_toegang"
    )
    Referral.objects.filter(referrer_type="wijkteam").update(referrer_type="01")


def restore_codes(apps, schema_editor):
    Referral = apps.get_model("referrals", "Referral")
    Referral.objects.filter(referrer_role="wijkteam").update(referrer_type="wijkteam")


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0011_merge_chains_and_keys"),
        ("registry", "0008_api_token_expiry_and_scopes"),
    ]

    operations = [
        migrations.AddField(
            model_name="referral",
            name="referrer_role",
            field=models.CharField(
                default="", max_length=30, verbose_name="rol verwijzer"
            ),
            preserve_default=False,
        ),
        migrations.RunPython(move_roles, restore_codes),
        migrations.AlterField(
            model_name="referral",
            name="referrer_role",
            field=models.CharField(
                choices=[
                    ("jgz_toegang", "JGZ (toegang van de gemeente)"),
                    ("jeugdarts", "Jeugdarts"),
                    ("jeugdverpleegkundige", "Jeugdverpleegkundige (JGZ)"),
                    ("huisarts", "Huisarts of POH-GGZ"),
                    ("gi", "Gecertificeerde instelling"),
                    ("medisch_specialist", "Medisch specialist"),
                    ("wijkteam", "Wijkteam"),
                ],
                max_length=30,
                verbose_name="rol verwijzer",
            ),
        ),
        migrations.AlterField(
            model_name="referral",
            name="referrer_type",
            field=models.CharField(
                choices=[
                    ("01", "Gemeente"),
                    ("02", "Huisarts"),
                    ("03", "Jeugdarts"),
                    ("04", "Gecertificeerde instelling"),
                    ("05", "Medisch specialist"),
                ],
                max_length=10,
                verbose_name="soort verwijzer (COD327)",
            ),
        ),
    ]
