"""Test helpers for the two-step log-in.

``client.force_login(user)`` in tests stands for a complete log-in, both
factors (tests/conftest.py wraps it with ``verify_second_factor``); the check
itself stays on. ``force_login_password_only`` is the first step alone.
"""

import time
from base64 import b32encode

from django.test import Client

import pyotp
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import login_flow

force_login_password_only = Client.force_login


def verify_second_factor(client, user) -> TOTPDevice:
    """Give ``user`` a confirmed TOTP device and mark this client's session as
    verified with it, as ``accounts.views.second_factor`` does."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[login_flow.SECOND_FACTOR_KEY] = "otp"
    session.save()
    return device


def totp_now(device: TOTPDevice, offset_steps: int = 0) -> str:
    """The code the user's app shows now (or ``offset_steps`` periods later)."""
    totp = pyotp.TOTP(b32encode(device.bin_key).decode(), interval=device.step)
    return totp.at(time.time() + offset_steps * device.step)
