"""Webhooks (issue 15): Standard Webhooks signatures, the durable outbox with
retries and back-off, pausing after repeated failure, the SSRF guard and the
admin's page. Sent to a real HTTP receiver on 127.0.0.1 (http.server in a
thread); the signature is checked with an independent implementation."""

import base64
import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

import pytest
import time_machine

from referrals import services as referral_services
from referrals.models import Referral
from registry import services as registry_services
from tests import factories
from webhooks import services
from webhooks.models import Attempt, Delivery, Subscription

pytestmark = pytest.mark.django_db(transaction=True)


class Receiver:
    """A webhook receiver on 127.0.0.1 that records what it gets and answers
    ``status`` (settable); ``stop()``/``start()`` take it down and back up on
    the same port."""

    def __init__(self):
        self.received = []
        self.status = 204
        self.port = None
        self.server = None
        self.start()

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                length = int(self.headers["content-length"])
                body = self.rfile.read(length).decode()
                receiver.received.append((dict(self.headers), body))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port or 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/hook"


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.stop()


def verify(secret: str, headers: dict, body: str) -> bool:
    """Standard Webhooks verification written from the spec, not from our code."""
    key = base64.b64decode(secret[len("whsec_") :])
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.{body}"
    expected = base64.b64encode(
        hmac.new(key, signed.encode(), hashlib.sha256).digest()
    ).decode()
    return any(
        sig.split(",", 1)[1] == expected
        for sig in headers["webhook-signature"].split()
        if sig.startswith("v1,")
    )


def lower(headers: dict) -> dict:
    return {k.lower(): v for k, v in headers.items()}


def refer(service, referrer_org):
    _t, key = registry_services.api_token_create(
        organisation=referrer_org, actor=None, name="x"
    )
    today = timezone.localdate()
    return referral_services.referral_create(
        actor=_key_actor(key),
        service=service,
        data={
            "child_initials": "A.B.",
            "child_birth_date": today.replace(year=today.year - 10),
            "help_question": "Slaapt slecht.",
            "consent_by": "both",
            "consent_date": today,
            "parent_phone": "06 12345678",
        },
        allow_duplicate=True,
    )


def _key_actor(key):
    from registry.api.authentication import ApiTokenAuthentication

    return ApiTokenAuthentication()._actor_for(key)[0]


def test_a_new_referral_reaches_the_provider_signed_and_without_personal_data(
    receiver, provider_org, service, referrer_org
):
    subscription, secret = services.subscription_create(
        organisation=provider_org,
        actor=None,
        url=receiver.url,
        events=["referral.created"],
    )
    assert secret.startswith("whsec_") and subscription.secret == secret
    referral = refer(service, referrer_org)
    assert Delivery.objects.count() == 1  # stored with the referral
    assert services.delivery_send_due() == (1, 0)
    [(headers, body)] = receiver.received
    headers = lower(headers)
    assert verify(secret, headers, body)
    assert not verify(services.new_secret(), headers, body)
    payload = json.loads(body)
    assert payload["type"] == "referral.created"
    assert payload["data"]["reference"] == referral.reference
    assert payload["data"]["url"].endswith(f"/api/v1/referrals/{referral.reference}")
    for secret_text in ("A.B.", "Slaapt", "06 12345678", "birth"):
        assert secret_text not in body
    attempt = Attempt.objects.get()
    assert (attempt.number, attempt.status_code) == (1, 204)
    assert attempt.duration_ms >= 0
    assert services.delivery_send_due() == (0, 0)  # delivered once


def test_the_standardwebhooks_package_accepts_the_signature(
    receiver, provider_org, service, referrer_org
):
    standardwebhooks = pytest.importorskip("standardwebhooks")
    _s, secret = services.subscription_create(
        organisation=provider_org,
        actor=None,
        url=receiver.url,
        events=["referral.created"],
    )
    refer(service, referrer_org)
    services.delivery_send_due()
    [(headers, body)] = receiver.received
    standardwebhooks.Webhook(secret).verify(body, lower(headers))


def test_a_receiver_that_is_down_gets_it_after_a_retry_with_back_off(
    receiver, provider_org, service, referrer_org
):
    services.subscription_create(
        organisation=provider_org,
        actor=None,
        url=receiver.url,
        events=["referral.created"],
    )
    refer(service, referrer_org)
    receiver.stop()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert services.delivery_send_due() == (0, 1)
        delivery = Delivery.objects.get()
        assert delivery.attempts == 1 and delivery.delivered_at is None
        assert delivery.next_attempt_at == start + timedelta(seconds=30)
        assert services.delivery_send_due() == (0, 0)  # not due yet
    receiver.start()
    with time_machine.travel(start + timedelta(seconds=31), tick=False):
        assert services.delivery_send_due() == (1, 0)
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.delivered_at is not None
    log = list(Attempt.objects.order_by("number").values_list("number", "status_code"))
    assert log == [(1, None), (2, 204)]
    assert Attempt.objects.get(number=1).error
    assert len(receiver.received) == 1
    assert Subscription.objects.get().consecutive_failures == 0


def test_ten_failures_in_a_row_pause_the_subscription_and_mail_the_admin(
    receiver, provider_org, service, referrer_org
):
    admin = factories.MembershipFactory(organisation=provider_org, role="admin").user
    services.subscription_create(
        organisation=provider_org,
        actor=None,
        url=receiver.url,
        events=["referral.created"],
    )
    receiver.status = 500
    for _ in range(10):
        refer_again = refer(service, referrer_org)
        assert refer_again
        services.delivery_send_due()
    subscription = Subscription.objects.get()
    assert subscription.paused_at is not None
    assert subscription.consecutive_failures == 10
    assert [m.to for m in mail.outbox if "Webhook" in m.subject] == [[admin.email]]
    before = Attempt.objects.count()
    refer(service, referrer_org)
    assert services.delivery_send_due() == (0, 0)  # paused: nothing sent
    assert Attempt.objects.count() == before


def test_events_go_only_to_the_organisation_they_concern(
    receiver, provider_org, outsider_org, service, referrer_org
):
    services.subscription_create(
        organisation=outsider_org,
        actor=None,
        url=receiver.url,
        events=["referral.created"],
    )
    _s, referrer_secret = services.subscription_create(
        organisation=referrer_org,
        actor=None,
        url=receiver.url,
        events=["referral.step_recorded"],
    )
    referral = refer(service, referrer_org)
    referral_services.referral_event_record(
        actor=factories.MembershipFactory(organisation=provider_org).user,
        referral=Referral.objects.get(pk=referral.pk),
        type="received",
        occurred_on=timezone.localdate(),
    )
    services.delivery_send_due()
    [(headers, body)] = receiver.received
    assert json.loads(body)["type"] == "referral.step_recorded"
    assert verify(referrer_secret, lower(headers), body)


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("http://example.org/hook", "url"),
        ("https://10.0.0.5/hook", "url"),
        ("https://169.254.169.254/latest", "url"),
        ("https://192.168.1.1/hook", "url"),
        ("https://[fd00::1]/hook", "url"),
        ("https://user:pw@example.org/hook", "url"),
    ],
)
def test_the_ssrf_guard_refuses_internal_and_plain_http_urls(provider_org, url, field):
    with pytest.raises(ValidationError) as info:
        services.subscription_create(
            organisation=provider_org, actor=None, url=url, events=["referral.created"]
        )
    assert field in info.value.message_dict
    assert not Subscription.objects.exists()


def test_loopback_is_refused_outside_debug_and_testing(settings, provider_org):
    settings.DEBUG = False
    settings.TESTING = False
    with pytest.raises(ValidationError):
        services.check_url("http://127.0.0.1:9/hook")
    with pytest.raises(ValidationError):
        services.check_url("https://127.0.0.1:9/hook")


def test_a_kind_gets_only_its_events(referrer_org, provider_org):
    with pytest.raises(ValidationError) as info:
        services.subscription_create(
            organisation=referrer_org,
            actor=None,
            url="https://127.0.0.1/x",
            events=["referral.created"],
        )
    assert "events" in info.value.message_dict
    school = factories.OrganisationFactory(kind="school")
    with pytest.raises(ValidationError):
        services.subscription_create(
            organisation=school,
            actor=None,
            url="https://127.0.0.1/x",
            events=["referral.overdue"],
        )
    assert not Subscription.objects.exists()


# --- the admin's page -----------------------------------------------------------


def test_the_admin_subscribes_sees_the_secret_once_and_the_attempts(
    client,
    receiver,
    provider_org,
    provider_admin,
    service,
    referrer_org,
    django_assert_num_queries,
):
    client.force_login(provider_admin)
    url = reverse("webhooks:list")
    response = client.post(
        url,
        {
            "organisation": provider_org.pk,
            "url": receiver.url,
            "events": ["referral.created", "referral.overdue"],
        },
    )
    assert response.status_code == 200
    secret = response.context["secret"]
    assert secret in response.content.decode()
    refer(service, referrer_org)
    services.delivery_send_due()
    with django_assert_num_queries(5):  # session, user, memberships, subs, attempts
        page = client.get(url).content.decode()
    assert secret not in page
    assert "referral.created" in page and ">204<" in page


@pytest.mark.parametrize("who", ["member", "other_admin", "municipality_admin"])
def test_nobody_else_sees_or_changes_an_organisations_webhooks(
    client, provider_org, who
):
    subscription, _secret = services.subscription_create(
        organisation=provider_org,
        actor=None,
        url="https://127.0.0.1/x",
        events=["referral.created"],
    )
    user = {
        "member": lambda: factories.MembershipFactory(organisation=provider_org).user,
        "other_admin": lambda: (
            factories.MembershipFactory(
                organisation=factories.HoofdaanbiederFactory(), role="admin"
            ).user
        ),
        "municipality_admin": lambda: (
            factories.MembershipFactory(
                organisation=factories.OrganisationFactory(kind="gemeente"),
                role="admin",
            ).user
        ),
    }[who]()
    client.force_login(user)
    page = client.get(reverse("webhooks:list"))
    assert subscription.url not in page.content.decode()
    for name in ("webhooks:pause", "webhooks:delete"):
        assert client.post(reverse(name, args=[subscription.pk])).status_code == 404
    subscription.refresh_from_db()
    assert subscription.paused_at is None
