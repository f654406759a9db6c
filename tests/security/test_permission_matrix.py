"""Permission matrix: every URL pattern and every API operation, requested by
each of eight roles, gives the answer written down in this file.

Roles (tests/security/matrix_world.py), in column order: anonymous; referrer A
(JGZ, made the referral); referrer B (a GP practice, a stranger to it);
provider A (hoofdaanbieder: owns the service, location and token, receives the
referral); provider B (another hoofdaanbieder); the onderaannemer of A; the
school that follows the referral with the family's consent; the municipality
(staff with the admin's "Gemeente" group).

Answers: the status code, ``L`` for a redirect to the log-in page and ``A``
for a redirect to the admin's log-in page. Pages are requested with GET and
POST (empty form, or a minimal valid one for the writes in ``BODIES``); API
operations with their own method (``{}``, or a minimal valid JSON body).
Every answer must carry the Content-Security-Policy header. Every request runs
in a transaction that is rolled back, so one role's write never changes what
the next role sees. A URL pattern or API operation that is
missing here fails the test: a new page or endpoint needs its row.
"""

import functools
import json
import re

from django.db import transaction
from django.forms import MultiWidget
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

import pytest
from drf_spectacular.generators import SchemaGenerator

from registry import hsda_openapi
from tests.security.matrix_world import (
    KEY_ROLES,
    ROLES,
    SHARED_ROLES,
    build_shared_world,
    build_world,
    shared_client,
)

pytestmark = pytest.mark.django_db
EXCLUDED_PREFIXES = ("admin/",)  # Django admin internals: index and one list only

# fmt: off
# Columns: anonymous, referrer A, referrer B, provider A, provider B,
# onderaannemer of A, school, municipality.
PAGES = {
    "healthz":                        {"GET":  "200 200 200 200 200 200 200 200",
                                       "POST": "405 405 405 405 405 405 405 405"},
    "set_language":                   {"GET":  "302 302 302 302 302 302 302 302",
                                       "POST": "302 302 302 302 302 302 302 302"},
    "login":                          {"GET":  "200 302 302 302 302 302 302 302",
                                       "POST": "200 302 302 302 302 302 302 302"},
    "logout":                         {"GET":  "405 405 405 405 405 405 405 405",
                                       "POST": "302 302 302 302 302 302 302 302"},
    "password_reset":                 {"GET":  "200 200 200 200 200 200 200 200",
                                       "POST": "200 200 200 200 200 200 200 200"},
    "password_reset_done":            {"GET":  "200 200 200 200 200 200 200 200",
                                       "POST": "405 405 405 405 405 405 405 405"},
    "password_reset_confirm":         {"GET":  "200 200 200 200 200 200 200 200",
                                       "POST": "200 200 200 200 200 200 200 200"},
    "password_reset_complete":        {"GET":  "200 200 200 200 200 200 200 200",
                                       "POST": "405 405 405 405 405 405 405 405"},
    "password_change":                {"GET":  "L 200 200 200 200 200 200 200",
                                       "POST": "L 200 200 200 200 200 200 200"},
    "password_change_done":           {"GET":  "L 200 200 200 200 200 200 200",
                                       "POST": "L 405 405 405 405 405 405 405"},
    "api-schema":                     {"GET":  "200 200 200 200 200 200 200 200",
                                       "POST": "405 405 405 405 405 405 405 405"},
    "api-schema-json":                {"GET":  "200 200 200 200 200 200 200 200",
                                       "POST": "405 405 405 405 405 405 405 405"},
    "registry-api:hsds-openapi":      {"GET":  "200 200 200 200 200 200 200 200",
                                       "POST": "405 405 405 405 405 405 405 405"},
    "api-docs":                       {"GET":  "200 200 200 200 200 200 200 200",
                                       "POST": "405 405 405 405 405 405 405 405"},
    # Provider self-service: own organisation (and its onderaannemers), or all
    # for the municipality; anyone else's object is "not found".
    "provider:my-services":           {"GET":  "L 200 200 200 200 200 200 200",
                                       "POST": "L 405 405 405 405 405 405 405"},
    "provider:capacity-confirm-all":  {"GET":  "L 405 405 405 405 405 405 405",
                                       "POST": "L 200 200 200 200 200 200 200"},
    "provider:service-edit":          {"GET":  "L 404 404 200 404 404 404 200",
                                       "POST": "L 404 404 400 404 404 404 400"},
    "provider:capacity-update":       {"GET":  "L 405 405 405 405 405 405 405",
                                       "POST": "L 404 404 302 404 404 404 302"},
    "provider:capacity-confirm":      {"GET":  "L 405 405 405 405 405 405 405",
                                       "POST": "L 404 404 302 404 404 404 302"},
    "provider:organisation-edit":     {"GET":  "L 404 404 200 404 404 404 200",
                                       "POST": "L 404 404 400 404 404 404 400"},
    "provider:location-create":       {"GET":  "L 404 404 200 404 404 404 200",
                                       "POST": "L 404 404 400 404 404 404 400"},
    "provider:location-edit":         {"GET":  "L 404 404 200 404 404 404 200",
                                       "POST": "L 404 404 400 404 404 404 400"},
    # The PDOK address lookup of the location form: only for people who may
    # edit a location (a GET without postcode and number names them: 400).
    "provider:address-lookup":        {"GET":  "L 404 404 400 400 400 404 400",
                                       "POST": "L 405 405 405 405 405 405 405"},
    # API keys: a provider organisation's admins manage their own (nobody
    # else, the municipality included: the admin makes no keys).
    "provider:tokens":                {"GET":  "L 403 403 200 200 200 403 403",
                                       "POST": "L 403 403 400 400 400 403 403"},
    "provider:token-revoke":          {"GET":  "L 405 405 405 405 405 405 405",
                                       "POST": "L 404 404 302 404 404 404 404"},
    "provider:token-rotate":          {"GET":  "L 405 405 405 405 405 405 405",
                                       "POST": "L 404 404 200 404 404 404 404"},
    # Webhooks: the organisation's own admins (issue 15).
    "webhooks:list":                  {"GET":  "L 403 403 200 200 200 403 403",
                                       "POST": "L 403 403 400 400 400 403 403"},
    "webhooks:pause":                 {"GET":  "L 405 405 405 405 405 405 405",
                                       "POST": "L 404 404 302 404 404 404 404"},
    "webhooks:delete":                {"GET":  "L 405 405 405 405 405 405 405",
                                       "POST": "L 404 404 302 404 404 404 404"},
    "provider:service-history":       {"GET":  "200 200 200 200 200 200 200 200",
                                       "POST": "405 405 405 405 405 405 405 405"},
    # The public map. (POST renders the page too: read-only views, no write.)
    "registry:home":                  {"GET":  "200 200 200 200 200 200 200 200",
                                       "POST": "200 200 200 200 200 200 200 200"},
    "registry:start":                 {"GET":  "L 302 302 302 302 302 302 302",
                                       "POST": "L 302 302 302 302 302 302 302"},
    "registry:search":                {"GET":  "200 200 200 200 200 200 200 200",
                                       "POST": "200 200 200 200 200 200 200 200"},
    "registry:search-csv":            {"GET":  "200 200 200 200 200 200 200 200",
                                       "POST": "200 200 200 200 200 200 200 200"},
    "registry:organisation-detail":   {"GET":  "200 200 200 200 200 200 200 200",
                                       "POST": "200 200 200 200 200 200 200 200"},
    "registry:service-detail":        {"GET":  "200 200 200 200 200 200 200 200",
                                       "POST": "200 200 200 200 200 200 200 200"},
    # Referrals: only referrer organisations refer; the referral is seen by
    # referrer A, provider A and the school (status only); everyone else 404,
    # the municipality included (it sees anonymous figures and the access log).
    "referrals:referral-create":      {"GET":  "L 200 200 403 403 403 403 403",
                                       "POST": "L 302 302 403 403 403 403 403"},
    "referrals:referral-list":        {"GET":  "L 200 200 200 200 200 200 200",
                                       "POST": "L 200 200 200 200 200 200 200"},
    "referrals:access-log":           {"GET":  "L 404 404 404 404 404 404 200",
                                       "POST": "L 404 404 404 404 404 404 200"},
    "referrals:referral-detail":      {"GET":  "L 200 404 200 404 404 200 404",
                                       "POST": "L 200 404 200 404 404 200 404"},
    "referrals:referral-created":     {"GET":  "L 200 404 404 404 404 404 404",
                                       "POST": "L 200 404 404 404 404 404 404"},
    "referrals:referral-slip":        {"GET":  "L 200 404 404 404 404 404 404",
                                       "POST": "L 200 404 404 404 404 404 404"},
    "referrals:referral-event-create": {"GET": "L 405 405 405 405 405 405 405",
                                       "POST": "L 403 404 302 404 404 403 404"},
    "referrals:referral-event-retract": {"GET": "L 405 405 405 405 405 405 405",
                                       "POST": "L 403 404 302 404 404 403 404"},
    "referrals:inbox":                {"GET":  "L 200 200 200 200 200 200 200",
                                       "POST": "L 200 200 200 200 200 200 200"},
    "referrals:notification-read":    {"GET":  "L 405 405 405 405 405 405 405",
                                       "POST": "L 302 404 404 404 404 404 404"},
    "referrals:status":               {"GET":  "200 200 200 200 200 200 200 200",
                                       "POST": "200 200 200 200 200 200 200 200"},
    # Dashboard: the city for the municipality, own figures for providers.
    "dashboard:overview":             {"GET":  "L 403 403 302 302 302 403 200",
                                       "POST": "405 405 405 405 405 405 405 405"},
    "dashboard:organisations":        {"GET":  "L 403 403 403 403 403 403 200",
                                       "POST": "405 405 405 405 405 405 405 405"},
    "dashboard:own":                  {"GET":  "L 403 403 200 200 200 403 302",
                                       "POST": "405 405 405 405 405 405 405 405"},
    "dashboard:overdue":              {"GET":  "L 403 403 200 200 200 403 200",
                                       "POST": "405 405 405 405 405 405 405 405"},
    "dashboard:csv":                  {"GET":  "L 403 403 200 200 200 403 200",
                                       "POST": "405 405 405 405 405 405 405 405"},
    # iJw: the messaging report for the municipality; the family questionnaire
    # needs the link's token (an unknown token is "not found" for everyone).
    "ijw:compliance":                 {"GET":  "L 403 403 403 403 403 403 200",
                                       "POST": "405 405 405 405 405 405 405 405"},
    "ijw:compliance-csv":             {"GET":  "L 403 403 403 403 403 403 200",
                                       "POST": "405 405 405 405 405 405 405 405"},
    "ijw:experience":                 {"GET":  "404 404 404 404 404 404 404 404",
                                       "POST": "404 404 404 404 404 404 404 404"},
    # Accounts: the log-in's second step needs a pending first step (else back
    # to the log-in page); an organisation's people are managed by its own
    # admins (provider A's admin, not the onderaannemer's, not B's, not staff);
    # the municipality's admin sees them, deactivates accounts and invites a
    # first admin only where there is none, but never changes memberships.
    "accounts:second-factor":         {"GET":  "302 302 302 302 302 302 302 302",
                                       "POST": "302 302 302 302 302 302 302 302"},
    "accounts:second-factor-setup":   {"GET":  "302 302 302 302 302 302 302 302",
                                       "POST": "302 302 302 302 302 302 302 302"},
    "accounts:recovery-codes":        {"GET":  "L 302 302 302 302 302 302 302",
                                       "POST": "L 302 302 302 302 302 302 302"},
    "accounts:account":               {"GET":  "L 200 200 200 200 200 200 200",
                                       "POST": "L 200 200 200 200 200 200 200"},
    "accounts:session-end":           {"GET":  "L 405 405 405 405 405 405 405",
                                       "POST": "L 404 404 404 404 404 404 404"},
    "accounts:organisation-switch":   {"GET":  "L 200 200 200 200 200 200 200",
                                       "POST": "L 400 400 400 400 400 400 400"},
    "accounts:organisation-list":     {"GET":  "L 404 404 404 404 404 404 200",
                                       "POST": "L 404 404 404 404 404 404 200"},
    "accounts:people":                {"GET":  "L 404 404 200 404 404 404 200",
                                       "POST": "L 404 404 200 404 404 404 200"},
    "accounts:people-invite":         {"GET":  "L 405 405 405 405 405 405 405",
                                       "POST": "L 404 404 400 404 404 404 404"},
    "accounts:people-role":           {"GET":  "L 405 405 405 405 405 405 405",
                                       "POST": "L 404 404 302 404 404 404 404"},
    "accounts:people-remove":         {"GET":  "L 405 405 405 405 405 405 405",
                                       "POST": "L 404 404 302 404 404 404 404"},
    "accounts:people-deactivate":     {"GET":  "L 405 405 405 405 405 405 405",
                                       "POST": "L 404 404 404 404 404 404 302"},
    "accounts:people-second-factor-reset": {"GET": "L 405 405 405 405 405 405 405",
                                       "POST": "L 404 404 302 404 404 404 404"},
    "accounts:invitation-revoke":     {"GET":  "L 405 405 405 405 405 405 405",
                                       "POST": "L 404 404 302 404 404 404 404"},
    "accounts:invitation":            {"GET":  "200 200 200 200 200 200 200 200",
                                       "POST": "400 400 400 400 400 400 400 400"},
    # Single sign-on: the start page is public; without a provider chosen in
    # this session the hand-over and the callback send back (no log-in).
    "accounts:sso":                   {"GET":  "200 200 200 200 200 200 200 200",
                                       "POST": "400 400 400 400 400 400 400 400"},
    "accounts:oidc-authenticate":     {"GET":  "302 302 302 302 302 302 302 302",
                                       "POST": "405 405 405 405 405 405 405 405"},
    "accounts:oidc-callback":         {"GET":  "302 302 302 302 302 302 302 302",
                                       "POST": "405 405 405 405 405 405 405 405"},
    # The admin: municipality staff only.
    "admin:index":                    {"GET":  "A A A A A A A 200"},
    "admin:registry_organisation_changelist": {"GET": "A A A A A A A 200"},
}
API = {
    # The public catalogue (HSDS included) and capacity: read by anyone.
    "lot_list":                       "200 200 200 200 200 200 200 200",
    "lot_retrieve":                   "200 200 200 200 200 200 200 200",
    "district_list":                  "200 200 200 200 200 200 200 200",
    "district_retrieve":              "200 200 200 200 200 200 200 200",
    "problem_area_list":              "200 200 200 200 200 200 200 200",
    "form_list":                      "200 200 200 200 200 200 200 200",
    "organisation_list":              "200 200 200 200 200 200 200 200",
    "organisation_retrieve":          "200 200 200 200 200 200 200 200",
    "service_list":                   "200 200 200 200 200 200 200 200",
    "service_retrieve":               "200 200 200 200 200 200 200 200",
    # The Open Referral API (HSDA operation ids, from its own document).
    "getAPIMetaInformation":          "200 200 200 200 200 200 200 200",
    "getPaginatedListOfServices":     "200 200 200 200 200 200 200 200",
    "getFullyNestedServiceById":      "200 200 200 200 200 200 200 200",
    "getPaginatedListOfOrganizations": "200 200 200 200 200 200 200 200",
    "getOrganizationById":            "200 200 200 200 200 200 200 200",
    "getPaginatedListOfTaxonomies":   "200 200 200 200 200 200 200 200",
    "getTaxonomyById":                "200 200 200 200 200 200 200 200",
    # (HSDA's contract swaps these two operation ids; kept as published.)
    "getTaxonomyTermById":            "200 200 200 200 200 200 200 200",
    "getPaginatedListOfTaxonomyTerms": "200 200 200 200 200 200 200 200",
    "getPaginatedListOfServiceAtLocation": "200 200 200 200 200 200 200 200",
    "getServiceAtLocationWithNestedDataById": "200 200 200 200 200 200 200 200",
    "service_capacity_retrieve":      "200 200 200 200 200 200 200 200",
    "service_capacity_history_list":  "200 200 200 200 200 200 200 200",
    # Provider self-service writes: provider A (or the municipality); anyone
    # else "not found" (the onderaannemer never edits its hoofdaanbieder).
    "service_capacity_update":        "401 404 404 200 404 404 404 200",
    "service_capacity_confirm":       "401 404 404 200 404 404 404 200",
    "service_update":                 "401 404 404 200 404 404 404 200",
    "organisation_update":            "401 404 404 200 404 404 404 200",
    "organisation_location_create":   "401 404 404 201 404 404 404 201",
    "organisation_location_update":   "401 404 404 200 404 404 404 200",
    # Who am I: anyone logged in or with a key.
    "me_retrieve":                    "401 200 200 200 200 200 200 200",
    # Referrals: as on the pages.
    "referral_list":                  "401 200 200 200 200 200 200 200",
    "referral_create":                "401 201 201 403 403 403 403 403",
    "referral_retrieve":              "401 200 404 200 404 404 200 404",
    "referral_event_create":          "401 403 404 201 404 404 403 404",
    # Dashboard figures: as /regie (providers side by side: municipality only).
    "dashboard_summary":              "401 403 403 200 200 200 403 200",
    "dashboard_trend_list":           "401 403 403 200 200 200 403 200",
    "dashboard_provider_list":        "401 403 403 403 403 403 403 200",
    "dashboard_overdue_list":         "401 403 403 200 200 200 403 200",
    # iJw messages: only a municipality key with scope ijw (tests/ijw); a
    # session does not count (401), a provider's key is 403.
    "ijw_messages_create":            "401 401 401 401 401 401 401 401",
}
# Which roles find the referral's reference in a list (+) and which do not (-).
LISTS = {
    "referrals:referral-list":        "- + - - - - + -",
    "referrals:inbox":                "- - - + - - - -",
    "referral_list":                  "- + - + - - + -",
}
# Who sees the parent's contact (name, phone, e-mail; issue 14): the referrer
# and the receiving provider; never a school, the municipality or anyone else.
PARENT_CONTACT = {
    "referrals:referral-detail":      "- + - + - - - -",
    "referrals:referral-list":        "- - - - - - - -",
    "referrals:inbox":                "- - - - - - - -",
    "referral_list":                  "- + - + - - - -",
    "referral_retrieve":              "- + - + - - - -",
    "dashboard:overview":             "- - - - - - - -",
    "referrals:access-log":           "- - - - - - - -",
}
# fmt: on

# Path arguments: URL name -> {kwarg: key in World.values, or "=literal"}.
PAGE_ARGS = {
    "password_reset_confirm": {"uidb64": "=MQ", "token": "=set-password"},
    "provider:service-edit": {"pk": "service"},
    "provider:capacity-update": {"pk": "service"},
    "provider:capacity-confirm": {"pk": "service"},
    "provider:organisation-edit": {"pk": "organisation"},
    "provider:location-create": {"pk": "organisation"},
    "provider:location-edit": {"pk": "location"},
    "provider:token-revoke": {"pk": "token"},
    "provider:token-rotate": {"pk": "token"},
    "webhooks:pause": {"pk": "webhook"},
    "webhooks:delete": {"pk": "webhook"},
    "provider:service-history": {"pk": "service"},
    "registry:organisation-detail": {"slug": "organisation_slug"},
    "registry:service-detail": {"pk": "service"},
    "referrals:referral-create": {"service_pk": "service"},
    "referrals:referral-detail": {"reference": "reference"},
    "referrals:referral-created": {"reference": "reference"},
    "referrals:referral-slip": {"reference": "reference"},
    "referrals:referral-event-create": {"reference": "reference"},
    "referrals:referral-event-retract": {"reference": "reference", "event_id": "event"},
    "referrals:notification-read": {"pk": "notification"},
    "dashboard:csv": {"table": "=kerncijfers"},
    "ijw:experience": {"token": "=unknown-token"},
    "accounts:people": {"pk": "organisation"},
    "accounts:people-invite": {"pk": "organisation"},
    "accounts:people-role": {"pk": "organisation", "membership_pk": "membership"},
    "accounts:people-remove": {"pk": "organisation", "membership_pk": "membership"},
    "accounts:people-deactivate": {
        "pk": "organisation",
        "membership_pk": "membership",
    },
    "accounts:invitation-revoke": {"pk": "organisation", "invitation_pk": "invitation"},
    "accounts:people-second-factor-reset": {
        "pk": "organisation",
        "membership_pk": "membership",
    },
    "accounts:invitation": {"secret": "invitation_secret"},
}
# OpenAPI path parameters -> key in World.values (or "=literal").
API_ARGS = {
    "code": "perceel",
    "slug": "organisation_slug",
    "reference": "reference",
}
API_ARGS_BY_PATH = {
    "/api/v1/districts/{slug}": {"slug": "district"},
    "/api/v1/hsds/services/{id}": {"id": "hsds_service"},
    "/api/v1/hsds/organizations/{id}": {"id": "hsds_organization"},
    "/api/v1/hsds/taxonomies/{id}": {"id": "hsds_taxonomy"},
    "/api/v1/hsds/taxonomy_terms/{id}": {"id": "hsds_taxonomy_term"},
    "/api/v1/hsds/service_at_locations/{id}": {"id": "hsds_service_at_location"},
    "/api/v1/organisations/{slug}/locations/{id}": {"id": "location"},
}


def _today() -> str:
    return timezone.localdate().isoformat()


def _referral(world) -> dict:
    return {
        "child_initials": "Q.X.",
        "child_birth_date": "2016-04-03",
        "help_question": "Matrix: slaapt slecht.",
        "urgency": "regular",
        "consent_by": "parent",
        "parent_phone": "06 12345678",
        "consent_date": _today(),
    }


# Minimal valid bodies for the writes, so their answer is about permission.
BODIES = {
    "provider:capacity-update": lambda w: {
        f"s{w.values['service']}-status": "waitlist",
        f"s{w.values['service']}-intake_wait_weeks": "6",
        f"s{w.values['service']}-version": str(w.values["capacity_version"]),
    },
    "referrals:referral-create": lambda w: {
        **_referral(w),
        "referrer_role": "jgz_toegang" if w.role.endswith("referrer_a") else "huisarts",
    },
    "referrals:referral-event-create": lambda w: {
        "type": "intake",
        "intake-occurred_on": _today(),
    },
    "service_capacity_update": lambda w: {"status": "waitlist"},
    "service_update": lambda w: {"description": "Bijgewerkt via de API."},
    "organisation_update": lambda w: {"phone": "036 123 45 67"},
    "organisation_location_create": lambda w: {"name": "Matrix-locatie"},
    "organisation_location_update": lambda w: {"name": "Andere naam"},
    "referral_create": lambda w: {**_referral(w), "service": w.values["service"]},
    "referral_event_create": lambda w: {"type": "intake", "occurred_on": _today()},
    "referrals:referral-event-retract": lambda w: {"reason": "Verkeerde datum."},
}


def _walk(resolver, prefix="", namespace=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{ns}:{pattern.namespace}" if ns else pattern.namespace
            yield from _walk(pattern, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            yield (
                prefix + str(pattern.pattern),
                (f"{namespace}:{pattern.name}" if namespace else pattern.name),
            )


def url_names() -> set[str]:
    return {
        name
        for route, name in _walk(get_resolver())
        if not route.startswith(EXCLUDED_PREFIXES)
    }


@functools.cache
def api_operations() -> dict[str, tuple[str, str]]:
    """operationId -> (method, path) from the generated OpenAPI document and
    the Open Referral API's own document (served under /api/v1/hsds)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    documents = [
        (schema["servers"][0]["url"], schema),
        ("/api/v1/hsds", hsda_openapi.document()),
    ]
    return {
        operation["operationId"]: (method.upper(), prefix + path)
        for prefix, document in documents
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if method != "parameters"
    }


def _value(world, key: str) -> str:
    return key[1:] if key.startswith("=") else str(world.values[key])


def _page_url(world, name: str) -> str:
    kwargs = {k: _value(world, v) for k, v in PAGE_ARGS.get(name, {}).items()}
    return reverse(name, kwargs=kwargs)


def _api_url(world, path: str) -> str:
    """The OpenAPI path with provider A's objects filled in ({id} is the
    service unless the path says otherwise)."""
    names = {**API_ARGS, "id": "service", **API_ARGS_BY_PATH.get(path, {})}
    return re.sub(r"\{(\w+)\}", lambda m: _value(world, names[m[1]]), path)


def _answer(response) -> str:
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith(reverse("login") + "?next="):
            return "L"
        if location.startswith(reverse("admin:login")):
            return "A"
    return str(response.status_code)


def _request(world, role, key, method, url):
    world.role = role
    body = BODIES[key](world) if key in BODIES else {}
    client = world.client(role)
    with transaction.atomic():
        if method == "GET":
            response = client.get(url)
        elif url.startswith("/api/"):
            payload = json.dumps(body)
            response = client.generic(method, url, payload, "application/json")
        else:
            response = client.post(url, body)
        transaction.set_rollback(True)
    return response


def _mismatches(world, key, method, url, expected: str | None) -> list[str]:
    """``[]`` when every role gets the expected answer, with the CSP header; else
    what they got (for a missing row: the answers to check and write down)."""
    responses = [_request(world, role, key, method, url) for role in ROLES]
    answers = [_answer(response) for response in responses]
    problems = []
    if expected is None or answers != expected.split():
        got = " ".join(answers)
        problems.append(f'{key} {method} {url}: expected "{expected}", got "{got}"')
    for role, response in zip(ROLES, responses, strict=True):
        if "Content-Security-Policy" not in response:
            problems.append(f"{key} {method} {url}: no CSP header for {role}")
    return problems


@pytest.fixture
def world():
    return build_world()


def _sample_url(path: str) -> str:
    """A concrete URL for an OpenAPI path, only to find its URL pattern."""
    placeholder = "00000000-0000-0000-0000-000000000001" if "/hsds/" in path else "1"
    return re.sub(r"\{[^}]+\}", placeholder, path)


def test_every_url_pattern_has_its_answers():
    by_api = {resolve(_sample_url(p)).view_name for _m, p in api_operations().values()}
    missing = url_names() - set(PAGES) - by_api
    assert not missing, f"add these URL names to PAGES: {sorted(missing)}"
    stale = {name for name in PAGES if not name.startswith("admin:")} - url_names()
    assert not stale, f"these URL names are gone: {sorted(stale)}"


def test_every_api_operation_has_its_answers():
    assert set(api_operations()) == set(API)


def test_every_page_answers_each_role_as_written_down(world):
    problems = []
    for name, methods in PAGES.items():
        url = _page_url(world, name)
        for method, expected in methods.items():
            problems += _mismatches(world, name, method, url, expected)
    assert not problems, "\n".join(problems)


def test_every_api_operation_answers_each_role_as_written_down(world):
    problems = []
    for operation, (method, path) in api_operations().items():
        url = _api_url(world, path)
        problems += _mismatches(world, operation, method, url, API.get(operation))
    assert not problems, "\n".join(problems)


def test_lists_show_the_referral_only_to_those_who_may_see_it(world):
    operations = api_operations()
    reference = world.values["reference"]
    problems = []
    for key, expected in LISTS.items():
        url = (
            _api_url(world, operations[key][1])
            if key in operations
            else _page_url(world, key)
        )
        seen = []
        for role in ROLES:
            response = _request(world, role, key, "GET", url)
            seen.append("+" if reference in response.content.decode() else "-")
        if seen != expected.split():
            problems.append(f'{key}: expected "{expected}", got "{" ".join(seen)}"')
    assert not problems, "\n".join(problems)


# --- the admin: what municipality staff may not do ------------------------------
# Municipality staff manage organisations and contracts; a membership in, or a
# key for, a referrer, provider or school would give them children's data. Each
# write below is refused (403) or, where the admin ignores it, changes nothing.


def _form_data(context) -> dict:
    """The POST body the admin's change form would send as it stands (the main
    form, then every inline formset with its management form)."""
    data = {}

    def add(form):
        for bound in (form[n] for n in form.fields):
            value = bound.value()
            if value is None or value is False:
                continue
            if value is True:
                value = "on"
            widget = bound.field.widget
            if isinstance(widget, MultiWidget):  # e.g. a date and a time
                for index, part in enumerate(widget.decompress(value)):
                    data[f"{bound.html_name}_{index}"] = str(part)
                continue
            data[bound.html_name] = (
                [str(v) for v in value] if isinstance(value, list | tuple) else value
            )

    add(context["adminform"].form)
    for inline in context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            data[f"{formset.prefix}-{name}"] = formset.management_form[name].value()
        for form in formset.forms:
            add(form)
    return data


def _forge_inline(data: dict, prefix: str, row: dict) -> dict:
    """Add one new inline row, as a hand-written POST would."""
    total = int(data.get(f"{prefix}-TOTAL_FORMS", 0))
    data.setdefault(f"{prefix}-INITIAL_FORMS", 0)
    for name, value in row.items():
        data[f"{prefix}-{total}-{name}"] = value
    data[f"{prefix}-TOTAL_FORMS"] = total + 1
    return data


def _admin_attempts(world):
    from django.contrib.auth.models import Permission

    from registry.models import ApiToken, Membership, Organisation, User

    staff = world.users["municipality"]
    referrer = Organisation.objects.get(memberships__user=world.users["referrer_a"])
    provider = Organisation.objects.get(pk=world.values["organisation"])
    membership = Membership.objects.get(user=world.users["referrer_a"])
    return {
        "membership add": (
            reverse("admin:registry_membership_add"),
            {"user": staff.pk, "organisation": referrer.pk, "role": "admin"},
        ),
        "membership change": (
            reverse("admin:registry_membership_change", args=[membership.pk]),
            {"user": staff.pk, "organisation": referrer.pk, "role": "admin"},
        ),
        "membership delete": (
            reverse("admin:registry_membership_delete", args=[membership.pk]),
            {"post": "yes"},
        ),
        "api key add": (
            reverse("admin:registry_apitoken_add"),
            {"organisation": provider.pk, "name": "Van de gemeente"},
        ),
        "own user change": (
            reverse("admin:registry_user_change", args=[staff.pk]),
            {
                "username": staff.username,
                "is_active": "on",
                "is_staff": "on",
                "is_superuser": "on",
                "user_permissions": list(
                    Permission.objects.filter(codename="add_membership").values_list(
                        "pk", flat=True
                    )
                ),
                "date_joined_0": "2026-01-01",
                "date_joined_1": "00:00:00",
                "memberships-TOTAL_FORMS": 1,
                "memberships-INITIAL_FORMS": 0,
                "memberships-0-organisation": referrer.pk,
                "memberships-0-role": "admin",
            },
        ),
        "another user's password": (
            reverse(
                "admin:auth_user_password_change",
                args=[world.users["referrer_a"].pk],
            ),
            {"password1": "Overgenomen-2026!", "password2": "Overgenomen-2026!"},
        ),
        "user add": (
            reverse("admin:registry_user_add"),
            {
                "username": "stroman",
                "password1": "Stroman-2026!x",
                "password2": "Stroman-2026!x",
            },
        ),
        "_counts": lambda: (
            Membership.objects.count(),
            ApiToken.objects.count(),
            User.objects.filter(is_superuser=True).count(),
            Membership.objects.filter(user=staff).count(),
            User.objects.count(),
            User.objects.get(pk=world.users["referrer_a"].pk).password,
        ),
    }


def test_municipality_staff_cannot_write_memberships_keys_or_their_own_user(world):
    attempts = _admin_attempts(world)
    counts = attempts.pop("_counts")
    before = counts()
    client = world.client("municipality")
    problems = []
    for what, (url, body) in attempts.items():
        response = client.post(url, body)
        if response.status_code != 403:
            problems.append(f"{what}: POST {url} answered {response.status_code}")
    assert not problems, "\n".join(problems)
    assert counts() == before


@pytest.mark.parametrize("kind", ["jgz", "hoofdaanbieder", "onderaannemer", "school"])
def test_municipality_staff_cannot_add_a_member_through_the_organisation_page(
    world, kind
):
    from registry.models import Membership, Organisation

    organisation = (
        Organisation.objects.filter(kind=kind).exclude(memberships=None).first()
    )
    staff = world.users["municipality"]
    client = world.client("municipality")
    url = reverse("admin:registry_organisation_change", args=[organisation.pk])
    page = client.get(url)
    assert page.status_code == 200
    data = _forge_inline(
        _form_data(page.context),
        "memberships",
        {"user": staff.pk, "role": "admin", "organisation": organisation.pk},
    )
    response = client.post(url, data)
    assert response.status_code == 302  # the organisation itself may be saved
    assert not Membership.objects.filter(user=staff, organisation=organisation)
    assert 'name="memberships-0-role"' not in page.content.decode()  # read-only


def test_municipality_staff_are_offered_no_membership_or_key_writes(world):
    client = world.client("municipality")
    for name in ("admin:registry_membership_add", "admin:registry_apitoken_add"):
        assert client.get(reverse(name)).status_code == 403, name
    index = client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:registry_membership_add") not in index
    assert reverse("admin:registry_apitoken_add") not in index


# --- an onderaannemer shared by two hoofdaanbieders ------------------------------
# Each hoofdaanbieder reaches the onderaannemer's referrals, services and capacity
# only in the perceel of its own subcontract (``_a``: A's, ``_b``: B's); the
# onderaannemer itself reaches both. Pages are for people, the API also for keys.

# fmt: off
# Columns: hoofdaanbieder A, hoofdaanbieder B, the onderaannemer, A's key, B's key.
SHARED_PAGES = {
    ("referrals:referral-detail", "GET", "a"):       "200 404 200",
    ("referrals:referral-detail", "GET", "b"):       "404 200 200",
    ("referrals:referral-event-create", "POST", "a"): "302 404 302",
    ("referrals:referral-event-create", "POST", "b"): "404 302 302",
    ("provider:service-edit", "GET", "a"):           "200 404 200",
    ("provider:service-edit", "GET", "b"):           "404 200 200",
    ("provider:capacity-update", "POST", "a"):       "302 404 302",
    ("provider:capacity-update", "POST", "b"):       "404 302 302",
    ("provider:capacity-confirm", "POST", "a"):      "302 404 302",
    ("provider:capacity-confirm", "POST", "b"):      "404 302 302",
}
SHARED_API = {
    ("referral_retrieve", "a"):          "200 404 200 200 404",
    ("referral_retrieve", "b"):          "404 200 200 404 200",
    ("referral_event_create", "a"):      "201 404 201 201 404",
    ("referral_event_create", "b"):      "404 201 201 404 201",
    ("service_update", "a"):             "200 404 200 200 404",
    ("service_update", "b"):             "404 200 200 404 200",
    ("service_capacity_update", "a"):    "200 404 200 200 404",
    ("service_capacity_update", "b"):    "404 200 200 404 200",
    ("service_capacity_confirm", "a"):   "200 404 200 200 404",
    ("service_capacity_confirm", "b"):   "404 200 200 404 200",
}
# Which referral (a, b) each role finds in a list or on a page.
SHARED_LISTS = {
    "referrals:inbox":      ("a", "b", "ab"),
    "provider:my-services": ("a", "b", "ab"),
    "dashboard:overdue":    ("a", "b", "ab"),
    "referral_list":        ("a", "b", "ab", "a", "b"),
}
# fmt: on
SHARED_PERSONS = SHARED_ROLES[:3]


@pytest.fixture
def shared_world():
    return build_shared_world()


def _shared_body(world, key: str, lot: str) -> dict:
    pk = world.values[f"service_{lot}"]
    return {
        "referrals:referral-event-create": {
            "type": "intake",
            "intake-occurred_on": _today(),
        },
        "provider:capacity-update": {
            f"s{pk}-status": "waitlist",
            f"s{pk}-intake_wait_weeks": "6",
            f"s{pk}-version": str(world.values[f"version_{lot}"]),
        },
        "referral_event_create": {"type": "intake", "occurred_on": _today()},
        "service_update": {"description": "Bijgewerkt via de API."},
        "service_capacity_update": {"status": "waitlist"},
    }.get(key, {})


def _shared_page_url(world, name: str, lot: str) -> str:
    if name.startswith("referrals:"):
        return reverse(name, args=[world.values[f"reference_{lot}"]])
    return reverse(name, kwargs={"pk": world.values[f"service_{lot}"]})


def _shared_api_url(world, path: str, lot: str) -> str:
    values = {
        "reference": world.values[f"reference_{lot}"],
        "id": world.values[f"service_{lot}"],
    }
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m[1]]), path)


def _shared_request(world, role, method, url, body=None):
    client = shared_client(world, role)
    with transaction.atomic():
        if method == "GET":
            response = client.get(url)
        elif url.startswith("/api/"):
            response = client.generic(
                method, url, json.dumps(body or {}), "application/json"
            )
        else:
            response = client.post(url, body or {})
        transaction.set_rollback(True)
    return response


def test_a_shared_onderaannemers_pages_answer_each_hoofdaanbieder_by_perceel(
    shared_world,
):
    problems = []
    for (name, method, lot), expected in SHARED_PAGES.items():
        url = _shared_page_url(shared_world, name, lot)
        body = _shared_body(shared_world, name, lot)
        answers = [
            _answer(_shared_request(shared_world, role, method, url, body))
            for role in SHARED_PERSONS
        ]
        if answers != expected.split():
            problems.append(
                f'{name} {method} {lot}: expected "{expected}", got '
                f'"{" ".join(answers)}"'
            )
    assert not problems, "\n".join(problems)


def test_a_shared_onderaannemers_api_answers_each_hoofdaanbieder_by_perceel(
    shared_world,
):
    operations = api_operations()
    problems = []
    for (operation, lot), expected in SHARED_API.items():
        method, path = operations[operation]
        url = _shared_api_url(shared_world, path, lot)
        body = _shared_body(shared_world, operation, lot)
        answers = [
            _answer(_shared_request(shared_world, role, method, url, body))
            for role in SHARED_ROLES
        ]
        if answers != expected.split():
            problems.append(
                f'{operation} {lot}: expected "{expected}", got "{" ".join(answers)}"'
            )
    assert not problems, "\n".join(problems)


def _shared_list_url(world, key: str) -> str:
    if key in api_operations():
        return api_operations()[key][1]
    url = reverse(key)
    if key.startswith("dashboard:"):
        url += f"?aanbieder={world.values['shared_slug']}"
    return url


def _found(world, content: str, key: str) -> str:
    """Which of the two referrals (or, on /mijn/aanbod, their services) a
    page or list shows."""
    seen = ""
    for lot in "ab":
        if key == "provider:my-services":
            marker = f"s{world.values[f'service_{lot}']}-status"
        else:
            marker = world.values[f"reference_{lot}"]
        seen += lot if marker in content else ""
    return seen


def test_a_shared_onderaannemers_lists_show_each_hoofdaanbieder_its_perceel(
    shared_world,
):
    problems = []
    for key, expected in SHARED_LISTS.items():
        url = _shared_list_url(shared_world, key)
        for role, wanted in zip(SHARED_ROLES, expected, strict=False):
            response = _shared_request(shared_world, role, "GET", url)
            assert response.status_code == 200, (key, role, response.status_code)
            got = _found(shared_world, response.content.decode(), key)
            if got != wanted:
                problems.append(f"{key} for {role}: expected {wanted!r}, got {got!r}")
    assert not problems, "\n".join(problems)


def test_municipality_staff_cannot_turn_their_organisation_into_a_provider(world):
    """Else they could give it a contract, subcontract an onderaannemer under it
    and read that one's referrals as its hoofdaanbieder."""
    from registry.models import Organisation

    staff = world.users["municipality"]
    own = Organisation.objects.get(memberships__user=staff)
    client = world.client("municipality")
    url = reverse("admin:registry_organisation_change", args=[own.pk])
    data = _form_data(client.get(url).context)
    data.update(kind=Organisation.Kind.HOOFDAANBIEDER, kvk="39999999")
    assert client.post(url, data).status_code == 302
    own.refresh_from_db()
    assert own.kind == Organisation.Kind.GEMEENTE


def test_staff_who_may_change_users_still_grant_no_rights(world):
    """Should a group ever let municipality staff change users, they still
    cannot make themselves superuser or give themselves groups or permissions."""
    from django.contrib.auth.models import Permission

    staff = world.users["municipality"]
    staff.user_permissions.add(Permission.objects.get(codename="change_user"))
    client = world.client("municipality")
    url = reverse("admin:registry_user_change", args=[staff.pk])
    data = _form_data(client.get(url).context)
    data.update(
        is_superuser="on",
        user_permissions=[str(Permission.objects.get(codename="add_membership").pk)],
    )
    assert client.post(url, data).status_code == 302
    staff.refresh_from_db()
    assert not staff.is_superuser
    assert not staff.user_permissions.filter(codename="add_membership").exists()


def test_municipality_staff_open_no_referral_in_the_admin(world):
    client = world.client("municipality")
    for name in (
        "admin:referrals_referral_changelist",
        "admin:referrals_accesslogentry_changelist",
    ):
        assert client.get(reverse(name)).status_code == 403, name


def test_only_referrer_and_provider_see_the_parent_contact(world):
    """Each of the parent's contact fields, on every page and API answer that
    shows the referral, for each role."""
    operations = api_operations()
    secrets = [world.values[k] for k in ("parent_name", "parent_phone", "parent_email")]
    problems = []
    for key, expected in PARENT_CONTACT.items():
        url = (
            _api_url(world, operations[key][1])
            if key in operations
            else _page_url(world, key)
        )
        seen = []
        for role in ROLES:
            text = _request(world, role, key, "GET", url).content.decode()
            shown = [secret in text for secret in secrets]
            seen.append("+" if all(shown) else "-" if not any(shown) else "?")
        if seen != expected.split():
            problems.append(f'{key}: expected "{expected}", got "{" ".join(seen)}"')
    assert not problems, "\n".join(problems)


# --- organisation API keys of every kind (issue 15) -------------------------------


# fmt: off
# Organisation API keys (Bearer), columns: referrer A's key, referrer B's key,
# provider A's key, provider B's key, the school's key, the municipality's key
# (scopes ijw and catalogue:read). 403 for a scope the key lacks or a role its
# organisation lacks; 404 for another organisation's object; a municipality
# key never reads a referral, a school key only the one it follows.
KEY_API = {
    "dashboard_overdue_list":         "403 403 200 200 403 403",
    "dashboard_provider_list":        "403 403 403 403 403 403",
    "dashboard_summary":              "403 403 200 200 403 403",
    "dashboard_trend_list":           "403 403 200 200 403 403",
    "district_list":                  "200 200 200 200 200 200",
    "district_retrieve":              "200 200 200 200 200 200",
    "form_list":                      "200 200 200 200 200 200",
    "getAPIMetaInformation": "200 200 200 200 200 200",
    "getPaginatedListOfServices": "200 200 200 200 200 200",
    "getFullyNestedServiceById": "200 200 200 200 200 200",
    "getPaginatedListOfOrganizations": "200 200 200 200 200 200",
    "getOrganizationById": "200 200 200 200 200 200",
    "getPaginatedListOfTaxonomies": "200 200 200 200 200 200",
    "getTaxonomyById": "200 200 200 200 200 200",
    "getTaxonomyTermById": "200 200 200 200 200 200",
    "getPaginatedListOfTaxonomyTerms": "200 200 200 200 200 200",
    "getPaginatedListOfServiceAtLocation": "200 200 200 200 200 200",
    "getServiceAtLocationWithNestedDataById": "200 200 200 200 200 200",
    "ijw_messages_create":            "403 403 403 403 403 415",
    "lot_list":                       "200 200 200 200 200 200",
    "lot_retrieve":                   "200 200 200 200 200 200",
    "me_retrieve":                    "200 200 200 200 200 200",
    "organisation_list":              "200 200 200 200 200 200",
    "organisation_retrieve":          "200 200 200 200 200 200",
    "organisation_update":            "403 403 200 404 403 403",
    "organisation_location_create":   "403 403 201 404 403 403",
    "organisation_location_update":   "403 403 200 404 403 403",
    "problem_area_list":              "200 200 200 200 200 200",
    "referral_list":                  "200 200 200 200 200 403",
    "referral_create":                "201 201 403 403 403 403",
    "referral_retrieve":              "200 404 200 404 200 403",
    "referral_event_create":          "403 404 201 404 403 403",
    "service_list":                   "200 200 200 200 200 200",
    "service_retrieve":               "200 200 200 200 200 200",
    "service_update":                 "403 403 200 404 403 403",
    "service_capacity_retrieve":      "200 200 200 200 200 200",
    "service_capacity_update":        "403 403 200 404 403 403",
    "service_capacity_confirm":       "403 403 200 404 403 403",
    "service_capacity_history_list":  "200 200 200 200 200 200",
}
# Per key: R when the referral's reference is in the answer, P when the
# parent's contact is.
KEY_VISIBILITY = {
    "referral_list":                  "RP -- RP -- R- --",
    "referral_retrieve":              "RP -- RP -- R- --",
}
# fmt: on


def _key_answers(world, operation, method, path) -> list[str]:
    url = _api_url(world, path)
    return [
        _answer(_request(world, role, operation, method, url)) for role in KEY_ROLES
    ]


def test_every_api_operation_answers_each_key_as_written_down(world):
    assert set(KEY_API) == set(api_operations())
    problems = []
    for operation, (method, path) in api_operations().items():
        answers = _key_answers(world, operation, method, path)
        if answers != KEY_API[operation].split():
            got = " ".join(answers)
            problems.append(
                f'{operation}: expected "{KEY_API[operation]}", got "{got}"'
            )
    assert not problems, "\n".join(problems)


def test_keys_see_the_referral_and_parent_contact_only_as_their_organisation_may(
    world,
):
    """The referral in lists and its parent contact in every API answer: the
    referrer's and the receiving provider's keys only; a school key sees the
    followed referral without personal data; a municipality key nothing."""
    operations = api_operations()
    secrets = [world.values[k] for k in ("parent_name", "parent_phone", "parent_email")]
    problems = []
    for key, expected in KEY_VISIBILITY.items():
        url = _api_url(world, operations[key][1])
        seen = []
        for role in KEY_ROLES:
            text = _request(world, role, key, "GET", url).content.decode()
            reference = world.values["reference"] in text
            contact = any(secret in text for secret in secrets)
            seen.append(("R" if reference else "-") + ("P" if contact else "-"))
        if seen != expected.split():
            problems.append(f'{key}: expected "{expected}", got "{" ".join(seen)}"')
    assert not problems, "\n".join(problems)
