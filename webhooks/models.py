"""Webhook subscriptions of an organisation's systems and their deliveries.

A subscription belongs to one organisation (managed by its own admins on
/mijn/webhooks). A delivery is one event for one subscription, stored in the
transaction of the change that caused it (the durable outbox) and sent after
commit by ``webhooks.services.delivery_send_due`` (command ``send_webhooks``),
retried with exponential back-off; each attempt is logged. Payloads carry no
personal data: event type, reference, time and the API URL.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.models import Organisation

REFERRAL_CREATED = "referral.created"
REFERRAL_WITHDRAWN = "referral.withdrawn"
REFERRAL_CORRECTED = "referral.corrected"
REFERRAL_STEP_RECORDED = "referral.step_recorded"
REFERRAL_OVERDUE = "referral.overdue"
EVENT_LABELS = {
    REFERRAL_CREATED: _("Nieuwe verwijzing (aanbieder)"),
    REFERRAL_WITHDRAWN: _("Verwijzing ingetrokken (aanbieder)"),
    REFERRAL_CORRECTED: _("Stap gecorrigeerd (aanbieder)"),
    REFERRAL_STEP_RECORDED: _("Stap vastgelegd (verwijzer)"),
    REFERRAL_OVERDUE: _("Norm verstreken (aanbieder en verwijzer)"),
}


class Subscription(models.Model):
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisatie"),
        on_delete=models.CASCADE,
        related_name="webhook_subscriptions",
    )
    url = models.URLField(_("adres (URL)"), max_length=500)
    events = models.CharField(_("gebeurtenissen"), max_length=300)
    # "whsec_" + base64 of 32 random bytes (Standard Webhooks); needed to sign.
    secret = models.CharField(max_length=80)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    paused_at = models.DateTimeField(_("gepauzeerd op"), null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self) -> str:
        return self.url

    @property
    def event_list(self) -> list[str]:
        return self.events.split()


class Delivery(models.Model):
    """One event for one subscription: the outbox row."""

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    message_id = models.CharField(max_length=40, unique=True)
    event = models.CharField(max_length=40)
    # For events seen more than once (overdue: per referral and deadline).
    dedupe_key = models.CharField(max_length=80, blank=True)
    payload = models.TextField()  # the exact body that is signed and sent
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    given_up_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.event} {self.message_id}"


class Attempt(models.Model):
    """The log of one try: what the receiver answered and how long it took."""

    delivery = models.ForeignKey(
        Delivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveIntegerField()
    at = models.DateTimeField(auto_now_add=True)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}: {self.status_code}"

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
