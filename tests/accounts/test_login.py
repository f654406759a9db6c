"""The two-step log-in: password, then a code from the authenticator app (set
up at the first log-in), with django-axes counting wrong codes too."""

from django.contrib.auth import SESSION_KEY
from django.urls import reverse

import pytest
from axes.models import AccessAttempt
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import login_flow
from accounts.models import UserSession
from tests import factories
from tests.accounts.helpers import force_login_password_only, totp_now

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _no_otp_throttle(settings):
    # django-otp's own delay between attempts (1 s, 2 s, ...) is tested once
    # below; the other tests try codes back to back.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


@pytest.fixture
def user(provider_org):
    user = factories.UserFactory(username="jan", email="jan@example.org")
    factories.MembershipFactory(user=user, organisation=provider_org)
    return user


@pytest.fixture
def device(user):
    return TOTPDevice.objects.create(user=user, name="app", confirmed=True)


def _password(client, username="jan", password=PASSWORD, next_url=""):
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("login"), data)


def _code(client, code):
    return client.post(reverse("accounts:second-factor"), {"code": code})


def test_the_first_log_in_sets_up_the_app_then_shows_recovery_codes(client, user):
    target = reverse("provider:my-services")
    response = _password(client, next_url=target)
    assert response["Location"] == reverse("accounts:second-factor-setup")
    assert SESSION_KEY not in client.session  # not logged in after the password

    page = client.get(reverse("accounts:second-factor-setup"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "style=" not in html.split("<svg", 1)[1][:2000]
    device = TOTPDevice.objects.get(user=user)
    assert not device.confirmed

    wrong = client.post(reverse("accounts:second-factor-setup"), {"code": "000000"})
    assert wrong.status_code == 400
    assert SESSION_KEY not in client.session

    done = client.post(
        reverse("accounts:second-factor-setup"), {"code": totp_now(device)}
    )
    assert done["Location"] == reverse("accounts:recovery-codes")
    assert client.session[SESSION_KEY] == str(user.pk)
    device.refresh_from_db()
    assert device.confirmed
    codes = client.get(reverse("accounts:recovery-codes"))
    assert codes.context["next"] == target
    assert len(codes.context["codes"]) == 10
    assert StaticToken.objects.filter(device__user=user).count() == 10
    # Shown once.
    assert client.get(reverse("accounts:recovery-codes")).status_code == 302
    assert client.get(target).status_code == 200


def test_a_later_log_in_asks_for_the_code_and_lands_where_wanted(client, user, device):
    target = reverse("provider:my-services")
    response = _password(client, next_url=target)
    assert response["Location"] == reverse("accounts:second-factor")
    assert client.get(target)["Location"].startswith(reverse("login"))
    response = _code(client, totp_now(device))
    assert response["Location"] == target
    assert client.get(target).status_code == 200
    assert UserSession.objects.filter(user=user, method="password").count() == 1


def test_a_wrong_code_is_refused_and_counted_as_a_failed_log_in(client, user, device):
    _password(client)
    response = _code(client, "123456")
    assert response.status_code == 400
    assert "Deze code klopt niet" in response.content.decode()
    assert SESSION_KEY not in client.session
    assert AccessAttempt.objects.get(username="jan").failures_since_start == 1


def test_wrong_codes_lock_the_account_out_even_with_the_right_code(
    client, user, device
):
    _password(client)
    for _ in range(4):
        assert _code(client, "123456").status_code == 400
    assert _code(client, "123456").status_code == 429
    # Locked: neither the right code nor the right password helps now.
    assert _code(client, totp_now(device)).status_code in (302, 429)
    assert SESSION_KEY not in client.session
    assert _password(client).status_code == 429
    assert SESSION_KEY not in client.session


def test_a_right_password_does_not_reset_the_count_of_wrong_codes(client, user, device):
    for _ in range(3):
        _password(client)
        _code(client, "123456")
        _code(client, "654321")
    # Six wrong codes over three password log-ins: locked (limit 5).
    assert _password(client).status_code == 429


def test_a_recovery_code_works_once(client, user, device):
    from accounts import services

    codes = services.recovery_codes_replace(user=user)
    _password(client)
    assert _code(client, codes[0])["Location"] == reverse("registry:start")
    client.post(reverse("logout"))
    _password(client)
    assert _code(client, codes[0]).status_code == 400


def test_django_otp_throttles_codes_tried_back_to_back(client, user, device, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 1
    _password(client)
    _code(client, "123456")
    # Within a second of a failure even the right code is refused.
    assert _code(client, totp_now(device)).status_code == 400
    assert SESSION_KEY not in client.session


def test_the_pending_step_expires(client, user, device, monkeypatch):
    _password(client)
    session = client.session
    session[login_flow.PENDING_KEY]["at"] -= login_flow.PENDING_MAX_SECONDS + 1
    session.save()
    response = _code(client, totp_now(device))
    assert response["Location"] == reverse("login")
    assert SESSION_KEY not in client.session


def test_a_municipality_employee_without_admin_rights_needs_no_second_factor(
    client, municipality_org
):
    factories.MembershipFactory(
        organisation=municipality_org,
        user=factories.UserFactory(username="beleid"),
    )
    response = _password(client, username="beleid")
    assert response["Location"] == reverse("registry:start")
    assert client.session[login_flow.SECOND_FACTOR_KEY] == "not-required"


def test_municipality_admins_and_admin_users_need_the_second_factor(
    client, municipality_org
):
    factories.MembershipFactory(
        organisation=municipality_org,
        user=factories.UserFactory(username="gemeentebeheer", is_staff=True),
    )
    response = _password(client, username="gemeentebeheer")
    assert response["Location"] == reverse("accounts:second-factor-setup")


def test_the_admin_log_in_goes_through_both_steps(client):
    response = client.get("/admin/login/?next=/admin/registry/")
    assert response["Location"] == "/inloggen?next=%2Fadmin%2Fregistry%2F"


def test_a_session_without_the_second_step_is_ended(client, user):
    force_login_password_only(client, user)
    response = client.get(reverse("provider:my-services"))
    assert response["Location"].startswith(reverse("login"))
    assert SESSION_KEY not in client.session


def test_force_login_in_tests_passes_both_factors(client, user):
    client.force_login(user)
    assert client.get(reverse("provider:my-services")).status_code == 200


def test_the_second_step_is_translated_to_english(client, user, device, settings):
    _password(client)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("accounts:second-factor")).content.decode()
    assert "Second step: your code" in page
    assert "Tweede stap" not in page
