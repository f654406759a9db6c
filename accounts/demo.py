"""Demo log-ins (DEBUG only) get one fixed, documented TOTP secret, so anyone
trying the demo can add it to an authenticator app (or compute the code with
``oathtool --totp -b SECRET``). Never possible with DEBUG off."""

from base64 import b32decode

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from django_otp.plugins.otp_totp.models import TOTPDevice

# Public on purpose (README, "Demo"): 20 bytes, base32.
DEMO_TOTP_SECRET = "SOCIALEKAARTJEUGDDEMOTOTPGEHEIM2"  # noqa: S105


@transaction.atomic
def demo_second_factor_ensure(users) -> str:
    """Give each demo user a confirmed TOTP device with the demo secret.

    Errors: ``ImproperlyConfigured`` when DEBUG is off (nothing changes).
    """
    if not settings.DEBUG:
        raise ImproperlyConfigured("De demo-TOTP-sleutel bestaat nooit buiten DEBUG.")
    key = b32decode(DEMO_TOTP_SECRET).hex()
    for user in users:
        TOTPDevice.objects.filter(user=user).delete()
        TOTPDevice.objects.create(user=user, name="demo", key=key, confirmed=True)
    return DEMO_TOTP_SECRET
