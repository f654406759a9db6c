"""Provider pages (/mijn/...): keep capacity, waiting times and contact data current.

Thin adapters: parse the form, call one service function, render. Objects come
from selectors scoped to the user, so another organisation's service, location or
token is "not found" (404), never "forbidden"; anonymous users go to the log-in
page. The public history page (/aanbod/<id>/geschiedenis) lives here too because
it shows the changes these pages make.
"""

import logging
import time
from functools import partial
from itertools import groupby

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from axes.utils import reset as axes_reset

from registry import history, permissions, selectors, services
from registry.forms import (
    ApiTokenCreateForm,
    CapacityForm,
    OrganisationContactForm,
    ServiceDetailsForm,
)
from registry.models import ApiToken, Service
from sociale_kaart.clients import client_address
from sociale_kaart.exceptions import PreconditionFailed
from sociale_kaart.site import site_url
from sociale_kaart.throttling import password_reset_allowed

logger = logging.getLogger(__name__)

HISTORY_PAGE_SIZE = 50


class PasswordResetView(auth_views.PasswordResetView):
    """Reset links point at ``SITE_URL`` (unset in development: the address
    served), not at whatever Host the request named.

    The answer is the same, and as fast, for an unknown address as for a known
    one: the look-up and the mail happen after the response has been sent (a
    resource closer, run when the WSGI server closes the response). Requests
    are limited per address and per client (429 with a Dutch message).
    """

    def form_valid(self, form):
        allowed = password_reset_allowed(
            email=form.cleaned_data["email"],
            client=client_address(self.request),
            now=time.time(),
        )
        if not allowed:
            form.add_error(
                "email",
                _(
                    "U heeft te vaak een nieuw wachtwoord aangevraagd. Probeer "
                    "het over een uur opnieuw."
                ),
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        opts = {
            "use_https": self.request.is_secure(),
            "token_generator": self.token_generator,
            "from_email": self.from_email,
            "email_template_name": self.email_template_name,
            "subject_template_name": self.subject_template_name,
            "request": self.request,
            "html_email_template_name": self.html_email_template_name,
            "extra_email_context": {"site_url": site_url(self.request)},
        }
        response = HttpResponseRedirect(self.get_success_url())
        response._resource_closers.append(partial(_send_reset_mail, form, opts))
        return response


def _send_reset_mail(form, opts) -> None:
    try:
        form.save(**opts)
    except Exception:  # noqa: BLE001 - after the response; nobody to tell but the log
        logger.exception("Password-reset mail could not be sent")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Setting a new password through a valid reset link (sent to the address on
    file) also lifts a log-in lock-out of that account: the safe way back in
    for someone whose account was locked by another's guesses."""

    def form_valid(self, form):
        response = super().form_valid(form)
        axes_reset(username=form.user.get_username())
        return response


def _capacity_prefix(service) -> str:
    return f"s{service.pk}"


def _editable_service(request, pk) -> Service:
    return get_object_or_404(
        selectors.service_list_for_editor(actor=request.user), pk=pk
    )


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed else default


def _list_url(service=None) -> str:
    url = reverse("provider:my-services")
    return f"{url}#service-{service.pk}" if service else url


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
@require_GET
def my_services(request):
    """All services the user may edit, grouped per organisation, stale first."""
    org_id = _int_or_none(request.GET.get("organisatie"))
    municipality = permissions.is_municipality_staff(request.user)
    # Every provider at once is too long a page: the municipality starts with
    # the stale ones.
    stale_only = request.GET.get("verouderd") == "1" or (
        municipality and org_id is None
    )
    rows = [
        (s, CapacityForm(instance=s.capacity, prefix=_capacity_prefix(s)))
        for s in _listed_services(request.user, org_id, stale_only)
    ]
    context = {
        "groups": [
            (org, list(items))
            for org, items in groupby(rows, key=lambda r: r[0].organisation)
        ],
        "service_count": len(rows),
        "stale_count": sum(1 for s, _form in rows if s.capacity_is_stale),
        "organisations": selectors.organisation_list_for_editor(actor=request.user),
        "selected_org_id": org_id,
        "stale_only": stale_only,
        "municipality": municipality,
        "manages_tokens": bool(
            permissions.token_manageable_organisations(request.user)
        ),
    }
    return render(request, "provider/my_services.html", context)


def _listed_services(user, org_id: int | None, stale_only: bool):
    services_qs = selectors.service_list_for_editor(actor=user)
    if org_id is not None:
        services_qs = services_qs.filter(organisation_id=org_id)
    if stale_only:
        services_qs = services_qs.filter(capacity_is_stale=True)
    return services_qs


@login_required
def service_edit(request, pk):
    """Capacity and the service's description and contact data (intake)."""
    service = _editable_service(request, pk)
    form = ServiceDetailsForm(request.POST or None, instance=service)
    if request.method == "POST":
        if form.is_valid() and _call(
            form, services.service_update_details, service=service, actor=request.user
        ):
            messages.success(
                request, _("De gegevens van %s zijn opgeslagen.") % service
            )
            return redirect("provider:service-edit", pk=service.pk)
        return _render_service_edit(request, service, details_form=form, status=400)
    return _render_service_edit(request, service, details_form=form)


def _render_service_edit(
    request, service, *, details_form=None, capacity_form=None, status=200, error=""
):
    context = {
        "service": service,
        "capacity_form": capacity_form
        or CapacityForm(instance=service.capacity, prefix=_capacity_prefix(service)),
        "details_form": details_form or ServiceDetailsForm(instance=service),
        "error": error,
    }
    return render(request, "provider/service_edit.html", context, status=status)


def _call(form, service_function, **kwargs) -> bool:
    """Call ``service_function`` with the form's changes; map errors onto the form."""
    try:
        service_function(data=form.changes(), **kwargs)
    except ValidationError as exc:
        form.add_error(None, exc)
        return False
    return True


@login_required
@require_POST
def capacity_update(request, pk):
    """Save status, waiting times, free places and note of one service."""
    service = _editable_service(request, pk)
    capacity = service.capacity
    form = CapacityForm(
        request.POST, instance=capacity, prefix=_capacity_prefix(service)
    )
    if not form.is_valid():
        return _render_service_edit(request, service, capacity_form=form, status=400)
    try:
        services.capacity_update(
            capacity=capacity,
            actor=request.user,
            data=form.changes(),
            expected_version=form.cleaned_data["version"],
        )
    except PreconditionFailed:
        service.capacity.refresh_from_db()
        message = _(
            "Iemand anders heeft dit aanbod intussen gewijzigd. Hieronder staan de "
            "huidige gegevens; pas ze zo nodig opnieuw aan."
        )
        return _render_service_edit(request, service, status=409, error=message)
    except ValidationError as exc:
        form.add_error(None, exc)
        return _render_service_edit(request, service, capacity_form=form, status=400)
    messages.success(request, _("Capaciteit van %s opgeslagen.") % service)
    return redirect(_next_url(request, _list_url(service)))


@login_required
@require_POST
def capacity_confirm(request, pk):
    """ "Nog actueel": the figures of one service are still correct."""
    service = _editable_service(request, pk)
    try:
        services.capacity_confirm_current(capacity=service.capacity, actor=request.user)
    except ValidationError as exc:
        # Figures that contradict each other are not confirmed: fix them first.
        messages.error(request, _incoherent_message(service, exc))
        return redirect(_next_url(request, _list_url(service)))
    messages.success(request, _("%s is bevestigd als nog actueel.") % service)
    return redirect(_next_url(request, _list_url(service)))


def _incoherent_message(service, exc: ValidationError) -> str:
    return _("%(service)s: niet bevestigd. %(errors)s") % {
        "service": service,
        "errors": " ".join(exc.messages),
    }


@login_required
@require_POST
def capacity_confirm_all(request):
    """ "Alles nog actueel" for every listed service (optionally one organisation)."""
    services_qs = selectors.service_list_for_editor(actor=request.user)
    org_id = _int_or_none(request.POST.get("organisatie"))
    if org_id is not None:
        services_qs = services_qs.filter(organisation_id=org_id)
    if request.POST.get("confirmed") != "1":
        # First show exactly what will be confirmed (works without JavaScript).
        context = {
            "services": list(services_qs),
            "org_id": org_id,
            "next": _next_url(request, _list_url()),
        }
        return render(request, "provider/confirm_all.html", context)
    try:
        count = services.capacity_confirm_all(
            capacities=[s.capacity for s in services_qs], actor=request.user
        )
    except ValidationError as exc:
        # All or nothing: one service with contradicting figures stops the lot.
        messages.error(request, _incoherent_message(exc.service, exc))
        return redirect(_next_url(request, _list_url()))
    messages.success(request, _("%d aanbod bevestigd als nog actueel.") % count)
    return redirect(_next_url(request, _list_url()))


@login_required
def organisation_edit(request, pk):
    """The organisation's contact data and its list of locations."""
    organisation = get_object_or_404(
        selectors.organisation_list_for_editor(actor=request.user), pk=pk
    )
    form = OrganisationContactForm(request.POST or None, instance=organisation)
    status = 200
    if request.method == "POST":
        if form.is_valid() and _call(
            form,
            services.organisation_update_contact,
            organisation=organisation,
            actor=request.user,
        ):
            messages.success(request, _("De contactgegevens zijn opgeslagen."))
            return redirect("provider:organisation-edit", pk=organisation.pk)
        status = 400
    locations = organisation.locations.select_related("district")
    context = {"organisation": organisation, "form": form, "locations": locations}
    return render(request, "provider/organisation_edit.html", context, status=status)


@never_cache
@login_required
def token_list(request):
    """API keys (and webhooks) of the organisations the user is an admin of, of
    any kind; create, rotate and revoke keys."""
    organisations = permissions.token_manageable_organisations(request.user)
    if not organisations:
        return render(request, "provider/tokens_forbidden.html", status=403)
    form = ApiTokenCreateForm(request.POST or None, organisations=organisations)
    created_key, status = None, 200
    if request.method == "POST":
        created_key = _create_token(request, form)
        if created_key:
            form = ApiTokenCreateForm(organisations=organisations)
        else:
            status = 400
    return _render_tokens(request, organisations, form, created_key, status)


def _render_tokens(request, organisations, form, created_key, status=200):
    context = {
        "form": form,
        "tokens": selectors.api_token_list(organisations=organisations),
        "created_key": created_key,
        "scope_labels": ApiToken.SCOPE_LABELS,
    }
    return render(request, "provider/tokens.html", context, status=status)


def _create_token(request, form) -> str | None:
    if not form.is_valid():
        return None
    try:
        _token, key = services.api_token_create(
            organisation=form.cleaned_data["organisation"],
            actor=request.user,
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            expires_at=form.expires_at(),
        )
    except ValidationError as exc:
        for name, errors in exc.message_dict.items():
            name = "expires_on" if name == "expires_at" else name
            form.add_error(name if name in form.fields else None, errors)
        return None
    return key


def _own_token(request, pk) -> ApiToken:
    organisations = permissions.token_manageable_organisations(request.user)
    return get_object_or_404(
        ApiToken.objects.select_related("organisation").filter(
            organisation__in=organisations
        ),
        pk=pk,
    )


@never_cache
@login_required
@require_POST
def token_rotate(request, pk):
    """A new key with the same name, scopes and end date; the old one keeps
    working until it is revoked, so the system switches over without downtime."""
    token = _own_token(request, pk)
    organisations = permissions.token_manageable_organisations(request.user)
    form = ApiTokenCreateForm(organisations=organisations)
    try:
        _new, key = services.api_token_rotate(token=token, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("provider:tokens")
    messages.success(
        request,
        _("Nieuwe sleutel gemaakt. Trek %s in zodra uw systeem de nieuwe gebruikt.")
        % token,
    )
    return _render_tokens(request, organisations, form, key)


@login_required
@require_POST
def token_revoke(request, pk):
    token = _own_token(request, pk)
    services.api_token_revoke(token=token, actor=request.user)
    messages.success(request, _("API-sleutel %s is ingetrokken.") % token)
    return redirect("provider:tokens")


@require_GET
def service_history(request, pk):
    """Public: who changed capacity and contact data of a service, when, old → new."""
    service = get_object_or_404(
        Service.objects.select_related("organisation", "capacity"), pk=pk
    )
    editable = permissions.can_edit_service(request.user, service)
    if not (service.active and service.organisation.active) and not editable:
        raise Http404
    entries = history.service_history(
        service=service,
        reveal_names=permissions.can_see_editor_names(request.user, service),
    )
    page = Paginator(entries, HISTORY_PAGE_SIZE).get_page(request.GET.get("pagina"))
    context = {"service": service, "page": page, "editable": editable}
    return render(request, "provider/service_history.html", context)
