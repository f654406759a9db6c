"""Single sign-on with OpenID Connect, one identity provider per organisation.

mozilla-django-oidc reads one provider from settings; here its views and
backend take their configuration from the organisation's ``OidcProvider`` row
(endpoints from the issuer's discovery document, cached). The flow:

1. ``/inloggen/sso``: the user types their work e-mail address; its domain
   picks the organisation's provider (only active providers; refused when no
   organisation covers the domain).
2. ``OrganisationOidcRequestView`` sends them to that provider (code flow,
   PKCE, nonce and state in the session, as the library does).
3. ``OrganisationOidcCallbackView`` checks state, then
   ``OrganisationOidcBackend`` exchanges the code, verifies the ID token
   (RS256, the provider's JWKS) and matches or provisions the user **in that
   organisation only** (``services.sso_user_for``). An e-mail outside the
   organisation's domains is refused.
4. ``login_flow.begin``: the app's second factor follows unless the
   organisation switched it off for SSO and the provider asserted MFA
   (``amr`` contains ``mfa``, or ``acr`` is one of ``OIDC_MFA_ACR_VALUES``).
"""

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

import requests
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from accounts import forms, login_flow, services
from accounts.models import OidcProvider

logger = logging.getLogger(__name__)
PROVIDER_SESSION_KEY = "accounts_oidc_provider"
DISCOVERY_CACHE_SECONDS = 3600


class SsoRefused(Exception):  # noqa: N818 (a refusal, not a bug)
    """The identity provider vouched for someone this organisation may not
    let in (another domain, another organisation's member, an inactive
    account). The message is shown to the user."""


def discovery(issuer: str) -> dict:
    key = f"oidc-discovery:{issuer}"
    document = cache.get(key)
    if document is None:
        response = requests.get(
            issuer.rstrip("/") + "/.well-known/openid-configuration",
            timeout=settings.OIDC_TIMEOUT,
        )
        response.raise_for_status()
        document = response.json()
        if document.get("issuer", "").rstrip("/") != issuer.rstrip("/"):
            raise SuspiciousOperation("OIDC discovery: issuer does not match")
        cache.set(key, document, DISCOVERY_CACHE_SECONDS)
    return document


def provider_settings(provider: OidcProvider) -> dict:
    """The mozilla-django-oidc settings for one organisation's provider."""
    document = discovery(provider.issuer)
    return {
        "OIDC_OP_AUTHORIZATION_ENDPOINT": document["authorization_endpoint"],
        "OIDC_OP_TOKEN_ENDPOINT": document["token_endpoint"],
        "OIDC_OP_USER_ENDPOINT": document["userinfo_endpoint"],
        "OIDC_OP_JWKS_ENDPOINT": document["jwks_uri"],
        "OIDC_RP_CLIENT_ID": provider.client_id,
        "OIDC_RP_CLIENT_SECRET": provider.client_secret,
        "OIDC_RP_SIGN_ALGO": "RS256",
        "OIDC_RP_SCOPES": "openid email profile",
        "OIDC_USE_PKCE": True,
        "OIDC_AUTHENTICATION_CALLBACK_URL": "accounts:oidc-callback",
        "OIDC_CREATE_USER": True,
        "OIDC_TIMEOUT": settings.OIDC_TIMEOUT,
    }


def _session_provider(request) -> OidcProvider | None:
    pk = request.session.get(PROVIDER_SESSION_KEY)
    if pk is None:
        return None
    return (
        OidcProvider.objects.select_related("organisation")
        .filter(pk=pk, active=True, organisation__active=True)
        .first()
    )


class _ProviderSettings:
    """``get_settings`` that answers from the organisation's provider first."""

    provider_config: dict = {}

    def get_settings(self, attr, *args):
        if attr in self.provider_config:
            return self.provider_config[attr]
        return import_from_settings(attr, *args)


class SsoStartView(View):
    """Step 0: which organisation? Decided by the work e-mail's domain."""

    def get(self, request):
        return self._render(
            forms.SsoEmailForm(initial={"next": request.GET.get("next")})
        )

    def post(self, request):
        form = forms.SsoEmailForm(request.POST)
        if not form.is_valid():
            return self._render(form, status=400)
        provider = services.sso_provider_for_email(email=form.cleaned_data["email"])
        if provider is None:
            form.add_error(
                "email",
                _(
                    "Uw organisatie logt niet in met single sign-on; log in met "
                    "uw wachtwoord."
                ),
            )
            return self._render(form, status=400)
        request.session[PROVIDER_SESSION_KEY] = provider.pk
        next_url = login_flow.safe_next(request, form.cleaned_data.get("next"), "")
        target = reverse("accounts:oidc-authenticate")
        return redirect(f"{target}?next={next_url}" if next_url else target)

    def _render(self, form, status=200):
        response = render(
            self.request, "accounts/sso.html", {"form": form}, status=status
        )
        # The form's redirects end at the organisation's provider, and CSP
        # form-action also governs redirects after a form submission.
        response._csp_update = {"form-action": issuer_origins()}
        return response


def issuer_origins() -> list[str]:
    issuers = OidcProvider.objects.filter(active=True).values_list("issuer", flat=True)
    origins = set()
    for issuer in issuers:
        parts = urlsplit(issuer)
        origins.add(f"{parts.scheme}://{parts.netloc}")
    return sorted(origins)


class OrganisationOidcRequestView(_ProviderSettings, OIDCAuthenticationRequestView):
    def __init__(self, *args, **kwargs):
        View.__init__(self, *args, **kwargs)  # settings are read per request

    def get(self, request):
        provider = _session_provider(request)
        if provider is None:
            return redirect("accounts:sso")
        self.provider_config = provider_settings(provider)
        self.OIDC_OP_AUTH_ENDPOINT = self.provider_config[
            "OIDC_OP_AUTHORIZATION_ENDPOINT"
        ]
        self.OIDC_RP_CLIENT_ID = provider.client_id
        return super().get(request)


class OrganisationOidcBackend(_ProviderSettings, OIDCAuthenticationBackend):
    """Not in AUTHENTICATION_BACKENDS: the callback view calls it with the
    organisation's provider, so no other log-in path can reach it."""

    def __init__(self, provider: OidcProvider):
        self.provider = provider
        self.provider_config = provider_settings(provider)
        for name in (
            "OIDC_OP_TOKEN_ENDPOINT",
            "OIDC_OP_USER_ENDPOINT",
            "OIDC_OP_JWKS_ENDPOINT",
            "OIDC_RP_CLIENT_ID",
            "OIDC_RP_CLIENT_SECRET",
            "OIDC_RP_SIGN_ALGO",
        ):
            setattr(self, name, self.provider_config[name])
        self.OIDC_RP_IDP_SIGN_KEY = None
        from django.contrib.auth import get_user_model

        self.UserModel = get_user_model()
        self.id_token_claims = {}

    def verify_token(self, token, **kwargs):
        payload = super().verify_token(token, **kwargs)
        if kwargs.get("nonce") is not None:  # the ID token, not userinfo
            if payload.get("iss", "").rstrip("/") != self.provider.issuer.rstrip("/"):
                raise SuspiciousOperation("OIDC: wrong issuer")
            audience = payload.get("aud")
            audiences = audience if isinstance(audience, list) else [audience]
            if self.provider.client_id not in audiences:
                raise SuspiciousOperation("OIDC: wrong audience")
            self.id_token_claims = payload
        return payload

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        return services.sso_user_for(provider=self.provider, claims=claims)


def mfa_asserted(id_token_claims: dict) -> bool:
    """Whether the identity provider says it used more than one factor."""
    amr = id_token_claims.get("amr") or []
    if isinstance(amr, str):
        amr = [amr]
    acr = id_token_claims.get("acr")
    return "mfa" in amr or (bool(acr) and acr in settings.OIDC_MFA_ACR_VALUES)


class OrganisationOidcCallbackView(OIDCAuthenticationCallbackView):
    """Back from the provider: state and nonce checks as in the library, then
    the organisation's backend, then the second step of our own log-in."""

    def get(self, request):
        provider = _session_provider(request)
        states = request.session.get("oidc_states") or {}
        state = request.GET.get("state")
        if provider is None or not state or state not in states:
            return self._refuse(
                _("De log-in via uw organisatie is verlopen. Probeer het opnieuw.")
            )
        entry = states.pop(state)
        request.session["oidc_states"] = states
        if request.GET.get("error") or "code" not in request.GET:
            return self._refuse(_("Uw organisatie heeft de log-in niet bevestigd."))
        backend = OrganisationOidcBackend(provider)
        try:
            user = backend.authenticate(
                request,
                nonce=entry.get("nonce"),
                code_verifier=entry.get("code_verifier"),
            )
        except SsoRefused as exc:
            return self._refuse(str(exc))
        except (SuspiciousOperation, requests.RequestException) as exc:
            logger.warning("OIDC log-in failed: %s", type(exc).__name__)
            user = None
        if user is None or not user.is_active:
            return self._refuse(_("Inloggen via uw organisatie is niet gelukt."))
        idp_mfa = not provider.require_app_second_factor and mfa_asserted(
            backend.id_token_claims
        )
        next_url = login_flow.safe_next(
            request,
            request.session.pop("oidc_login_next", None),
            reverse("registry:start"),
        )
        request.session.pop(PROVIDER_SESSION_KEY, None)
        return redirect(
            login_flow.begin(
                request,
                user,
                method="sso",
                next_url=next_url,
                idp_mfa=idp_mfa,
                backend=login_flow.MODEL_BACKEND,
            )
        )

    def _refuse(self, message):
        self.request.session.pop(PROVIDER_SESSION_KEY, None)
        messages.error(self.request, message)
        return redirect("login")
