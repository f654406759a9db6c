"""The second log-in step in the browser (issue 13), for every browser test
that logs in: set up the app on the first log-in (reading the key from the
page, as a person's authenticator app would from the QR code), or type the
current code of the user's app."""

import re
import time
from urllib.parse import urlsplit

import pyotp
from django_otp.plugins.otp_totp.models import TOTPDevice


def next_code(secret: str, last_t: int = -1, step: int = 30) -> str:
    """The next code the server accepts: never one already used (django-otp
    refuses replays), within its tolerance of one period ahead."""
    totp = pyotp.TOTP(secret, interval=step)
    now_t = int(time.time()) // step
    t = max(now_t, last_t + 1)
    if t > now_t + 1:  # both usable codes spent: wait for the next period
        time.sleep((t - 1) * step - time.time() + 0.5)
    return totp.at(t * step)


def device_secret(device: TOTPDevice) -> str:
    from base64 import b32encode

    return b32encode(device.bin_key).decode()


def _path(page) -> str:
    return urlsplit(page.url).path


def complete_log_in(page, username: str) -> None:
    """After "Inloggen": pass the second step, whichever the server asks for."""
    page.wait_for_url(lambda url: urlsplit(url).path != "/inloggen")
    if _path(page) == "/inloggen/instellen":
        secret = re.sub(r"\s", "", page.locator("#totp-secret").inner_text())
        page.get_by_label("Code uit de app").fill(next_code(secret))
        page.get_by_role("button", name="Instellen").click()
        page.get_by_role("link", name="Ik heb de codes bewaard, verder").click()
    elif _path(page) == "/inloggen/code":
        device = TOTPDevice.objects.get(user__username=username, confirmed=True)
        page.get_by_label("Code", exact=False).first.fill(
            next_code(device_secret(device), device.last_t, device.step)
        )
        page.get_by_role("button", name="Bevestigen").click()
    page.wait_for_url(lambda url: not urlsplit(url).path.startswith("/inloggen"))
