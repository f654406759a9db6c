"""Property-based test of the whole API against its live OpenAPI document.

schemathesis generates valid and invalid requests for every operation of the
document the running app serves (/api/v1/openapi.yaml) and sends them in-process
to the WSGI app, authenticated with a provider's API token over a small seeded
catalogue. The standard checks: no server errors, only documented status codes
and content types, and responses (bodies and headers) that conform to the schema.
"""

from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import checks

from registry import services
from tests import factories

pytestmark = pytest.mark.django_db

APP = get_wsgi_application()
SCHEMA = schemathesis.openapi.from_wsgi("/api/v1/openapi.yaml", APP)
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]
# Path parameters of objects that exist in the seeded data, per path template
# (filled by the ``api_token`` fixture). Random ids and slugs mostly find nothing.
KNOWN: dict[str, dict] = {}


@SCHEMA.hook
def flatmap_case(context, case):
    """Half of the valid (positive) cases address an existing object, so the
    success paths are exercised too, not only 404."""
    known = KNOWN.get(case.operation.path)
    if not known or not case.meta or not case.meta.generation.mode.is_positive:
        return st.just(case)

    def address(existing: bool):
        if existing:
            case.path_parameters = {**(case.path_parameters or {}), **known}
        return case

    return st.booleans().map(address)


@pytest.fixture
def api_token(settings, provider_org, subcontractor_org, referrer_org, perceel):
    """A small catalogue with a referral, and a token of its hoofdaanbieder.

    Throttling is off here: a run sends hundreds of requests in seconds.
    """
    settings.API_THROTTLE_ANON = settings.API_THROTTLE_USER = ""
    location = factories.LocationFactory(organisation=provider_org, is_main=True)
    for _ in range(3):
        service = factories.ServiceFactory(organisation=provider_org, perceel=perceel)
        service.locations.add(location)
    factories.ServiceFactory(organisation=subcontractor_org, perceel=perceel)
    referral = factories.ReferralFactory(
        service=service, referrer_organisation=referrer_org, received=True
    )
    _token, key = services.api_token_create(
        organisation=provider_org, actor=None, name="schemathesis"
    )
    _know_objects(service, provider_org, referral, location)
    yield key
    KNOWN.clear()


def _know_objects(service, organisation, referral, location) -> None:
    prefix = ""  # paths are relative to the server /api/v1
    KNOWN.update(
        {
            f"{prefix}/lots/{{code}}": {"code": service.perceel.code},
            f"{prefix}/districts/{{slug}}": {"slug": "almere-stad"},
            f"{prefix}/organisations/{{slug}}": {"slug": organisation.slug},
            f"{prefix}/services/{{id}}": {"id": service.pk},
            f"{prefix}/services/{{id}}/capacity": {"id": service.pk},
            f"{prefix}/services/{{id}}/capacity/history": {"id": service.pk},
            f"{prefix}/services/{{id}}/capacity/confirmation": {"id": service.pk},
            f"{prefix}/organisations/{{slug}}/locations": {"slug": organisation.slug},
            f"{prefix}/organisations/{{slug}}/locations/{{id}}": {
                "slug": organisation.slug,
                "id": location.pk,
            },
            f"{prefix}/referrals/{{reference}}": {"reference": referral.reference},
            f"{prefix}/referrals/{{reference}}/events": {
                "reference": referral.reference
            },
        }
    )


@pytest.fixture
def in_process_requests():
    """Keep the test's database connection across in-process requests (the
    WSGI handler would close it at the end of each request, as Django's test
    client avoids too)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@SCHEMA.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_every_operation_conforms_to_the_openapi_document(
    case, api_token, in_process_requests
):
    case.call_and_validate(
        headers={"Authorization": f"Token {api_token}"}, checks=CHECKS
    )
