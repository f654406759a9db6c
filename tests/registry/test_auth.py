"""Log-in for professionals: Dutch pages, lock-out after repeated failures,
password reset by e-mail, strong hashing."""

import re
from datetime import timedelta

from django.core import mail
from django.urls import reverse
from django.utils import timezone

import pytest
import time_machine

from tests import factories

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


@pytest.fixture
def user(provider_org):
    user = factories.UserFactory(username="jan", email="jan@example.org")
    factories.MembershipFactory(user=user, organisation=provider_org)
    return user


def _login(client, username="jan", password=PASSWORD, **extra):
    return client.post(
        reverse("login"), {"username": username, "password": password, **extra}
    )


def test_the_login_page_is_dutch_and_links_to_password_reset(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Inloggen voor professionals" in page
    assert reverse("password_reset") in page


def test_a_provider_logs_in_and_is_sent_where_they_wanted_to_go(client, user):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.accounts.helpers import totp_now

    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    target = reverse("provider:my-services")
    response = _login(client, next=target)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:second-factor")  # issue 13
    response = client.post(response["Location"], {"code": totp_now(device)})
    assert response["Location"] == target
    assert client.get(target).status_code == 200


def test_a_wrong_password_is_refused_with_a_dutch_message(client, user):
    response = _login(client, password="fout")
    assert response.status_code == 200
    assert "gebruikersnaam en wachtwoord" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_five_failures_lock_the_account_out_even_with_the_right_password(client, user):
    for _ in range(4):
        assert _login(client, password="fout").status_code == 200
    fifth = _login(client, password="fout")
    assert fifth.status_code == 429
    locked = _login(client)  # the right password no longer helps
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Inloggen is tijdelijk geblokkeerd" in page
    assert "15 minuten" in page
    assert "_auth_user_id" not in client.session


def test_a_lock_out_does_not_block_other_accounts(client, user):
    other = factories.UserFactory(username="piet")
    for _ in range(5):
        _login(client, password="fout")
    response = _login(client, username=other.username)
    assert response.status_code == 302


def test_logout_is_a_post(client, user):
    client.force_login(user)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_reset_mails_a_link_that_sets_a_new_password(client, user, settings):
    settings.SITE_URL = "https://kaart.example"
    response = client.post(reverse("password_reset"), {"email": "jan@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["jan@example.org"]
    assert message.subject == "Nieuw wachtwoord voor de Sociale Kaart Jeugd"
    link = re.search(
        r"https://kaart\.example(/wachtwoord-herstellen/\S+)", message.body
    )
    assert link, message.body
    form_page = client.get(link.group(1), follow=True)
    assert "Nieuw wachtwoord kiezen" in form_page.content.decode()
    new = "een heel ander lang wachtwoord"
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new, "new_password2": new},
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(
    client, user
):
    response = client.post(
        reverse("password_reset"), {"email": "onbekend@example.org"}, follow=True
    )
    assert "Kijk in uw e-mail" in response.content.decode()
    assert mail.outbox == []


def test_passwords_are_hashed_with_argon2_and_must_be_long():
    from sociale_kaart import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    minimum = next(
        v
        for v in project_settings.AUTH_PASSWORD_VALIDATORS
        if v["NAME"].endswith("MinimumLengthValidator")
    )
    assert minimum["OPTIONS"]["min_length"] >= 12


# --- lock-out per account across addresses (issue 12) -------------------------


def _login_from(client, address, username="jan", password=PASSWORD):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def test_failures_from_many_addresses_lock_the_account(client, user):
    for n in range(5):
        _login_from(client, f"10.7.0.{n}", password="fout")
    locked = _login_from(client, "10.7.0.99")  # right password, new address
    assert locked.status_code == 429
    assert "Inloggen is tijdelijk geblokkeerd" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_account_lock_out_leaves_other_accounts_alone(client, user):
    other = factories.UserFactory(username="piet")
    for n in range(5):
        _login_from(client, f"10.7.1.{n}", password="fout")
    response = _login_from(client, "10.7.1.1", username=other.username)
    assert response.status_code == 302


def test_the_lock_out_ends_after_the_cool_off_time(client, user):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for n in range(5):
            _login_from(client, f"10.7.2.{n}", password="fout")
        assert _login(client).status_code == 429
    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        assert _login_from(client, "10.7.2.50").status_code == 302


def test_setting_a_new_password_by_reset_link_lifts_the_lock_out(client, user):
    for n in range(5):
        _login_from(client, f"10.7.3.{n}", password="fout")
    assert _login(client).status_code == 429
    client.post(reverse("password_reset"), {"email": "jan@example.org"})
    path = re.search(
        r"https?://[^/\s]+(/wachtwoord-herstellen/\S+)", mail.outbox[0].body
    )
    form_page = client.get(path.group(1), follow=True)
    new = "een heel ander lang wachtwoord"
    client.post(
        form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}
    )
    assert _login(client, password=new).status_code == 302
