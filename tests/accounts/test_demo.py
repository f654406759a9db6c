"""Demo log-ins share one documented TOTP secret, only with DEBUG on."""

from io import StringIO

from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.urls import reverse

import pyotp
import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.demo import DEMO_TOTP_SECRET, demo_second_factor_ensure
from sampledata import demo
from tests import factories

pytestmark = pytest.mark.django_db


def test_demo_logins_get_the_documented_secret_and_can_log_in(settings, client):
    settings.DEBUG = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    out = StringIO()
    call_command("seed_demo", "--with-demo-logins", "--referrals", "0", stdout=out)
    assert DEMO_TOTP_SECRET in out.getvalue()
    readme = (settings.BASE_DIR / "README.md").read_text()
    assert DEMO_TOTP_SECRET in readme
    assert TOTPDevice.objects.filter(confirmed=True).count() == len(demo.DEMO_LOGINS)
    client.post(reverse("login"), {"username": "jgz", "password": demo.DEMO_PASSWORD})
    code = pyotp.TOTP(DEMO_TOTP_SECRET).now()
    response = client.post(reverse("accounts:second-factor"), {"code": code})
    assert response["Location"] == reverse("registry:start")


def test_the_demo_secret_is_refused_without_debug(settings):
    settings.DEBUG = False
    user = factories.UserFactory()
    with pytest.raises(ImproperlyConfigured):
        demo_second_factor_ensure([user])
    assert not TOTPDevice.objects.exists()
