"""Read-side of webhooks for the organisation's admin page."""

from django.db.models import QuerySet

from webhooks.models import Attempt, Subscription

RECENT_ATTEMPTS = 30


def subscription_list(*, organisations) -> QuerySet[Subscription]:
    return Subscription.objects.filter(organisation__in=organisations).select_related(
        "organisation"
    )


def recent_attempts(*, organisations) -> QuerySet[Attempt]:
    """The latest delivery attempts of these organisations' subscriptions."""
    return Attempt.objects.filter(
        delivery__subscription__organisation__in=organisations
    ).select_related("delivery", "delivery__subscription")[:RECENT_ATTEMPTS]
