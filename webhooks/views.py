"""/mijn/webhooks: an organisation's admin subscribes its systems to events,
sees every delivery attempt, pauses, resumes and removes subscriptions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from registry import permissions
from webhooks import selectors, services
from webhooks.forms import SubscriptionForm
from webhooks.models import Subscription


@never_cache
@login_required
def subscription_list(request):
    organisations = permissions.token_manageable_organisations(request.user)
    if not organisations:
        return render(request, "provider/tokens_forbidden.html", status=403)
    form = SubscriptionForm(request.POST or None, organisations=organisations)
    secret, status = None, 200
    if request.method == "POST":
        secret = _create(request, form)
        if secret:
            form = SubscriptionForm(organisations=organisations)
        else:
            status = 400
    context = {
        "form": form,
        "secret": secret,
        "subscriptions": selectors.subscription_list(organisations=organisations),
        "attempts": selectors.recent_attempts(organisations=organisations),
    }
    return render(request, "webhooks/list.html", context, status=status)


def _create(request, form) -> str | None:
    if not form.is_valid():
        return None
    try:
        _subscription, secret = services.subscription_create(
            organisation=form.cleaned_data["organisation"],
            actor=request.user,
            url=form.cleaned_data["url"],
            events=form.cleaned_data["events"],
        )
    except ValidationError as exc:
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
        return None
    return secret


def _own(request, pk) -> Subscription:
    organisations = permissions.token_manageable_organisations(request.user)
    return get_object_or_404(
        Subscription.objects.select_related("organisation").filter(
            organisation__in=organisations
        ),
        pk=pk,
    )


@login_required
@require_POST
def subscription_pause(request, pk):
    subscription = _own(request, pk)
    paused = subscription.paused_at is None
    services.subscription_set_paused(
        subscription=subscription, actor=request.user, paused=paused
    )
    messages.success(
        request, _("Webhook gepauzeerd.") if paused else _("Webhook staat weer aan.")
    )
    return redirect("webhooks:list")


@login_required
@require_POST
def subscription_delete(request, pk):
    services.subscription_delete(subscription=_own(request, pk), actor=request.user)
    messages.success(request, _("Webhook verwijderd."))
    return redirect("webhooks:list")
