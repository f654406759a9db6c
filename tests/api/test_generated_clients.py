"""Generated clients (issue 15): the committed openapi.yaml builds a working client
with openapi-python-client and with OpenAPI Generator (python), and each client
alone, with no HTTP written by hand, gets a provider system and a referrer
system through their day against a live server.

The clients are generated once per openapi.yaml (see tests/api/clients.py);
select these tests with ``pytest -m clients``."""

import uuid
from datetime import date

from django.utils import timezone

import pytest

from referrals.models import Referral, ReferralEvent
from referrals.services import referral_event_record
from registry import hsds, services
from registry.models import Capacity
from tests import factories

pytestmark = [pytest.mark.clients, pytest.mark.django_db(transaction=True)]

PARENT_EMAIL = "ouder@example.org"


def key_for(organisation) -> str:
    _token, key = services.api_token_create(
        organisation=organisation, actor=None, name="Koppeling"
    )
    return key


def capacity_row(service) -> tuple:
    capacity = Capacity.objects.get(service=service)
    return (capacity.status, capacity.intake_wait_weeks, capacity.version)


@pytest.fixture
def world(provider_org, service, outsider_service, referrer_org, provider_user):
    return provider_org, service, outsider_service, referrer_org


@pytest.fixture
def record_received(provider_user):
    """The provider records "received" (outside the client under test)."""

    def record(referral):
        referral_event_record(
            referral=referral,
            type="received",
            occurred_on=timezone.localdate(),
            actor=provider_user,
        )

    return record


def waits(attributes) -> dict:
    """The intake status and waiting time among a service's HSDS attributes."""
    codes = ("aanmeldstatus", "aanmeldwachttijd")
    return {
        a.taxonomy_term.code: a.value
        for a in attributes
        if a.taxonomy_term.code in codes
    }


def referral_in_inbox(service, referrer):
    return factories.ReferralFactory(service=service, referrer_organisation=referrer)


# --- openapi-python-client -----------------------------------------------------------


def test_opc_a_provider_systems_day(generated_clients, live_server, world):
    provider, own, other, referrer = world
    referral = referral_in_inbox(own, referrer)
    opc = generated_clients.opc
    client = opc.client.AuthenticatedClient(
        base_url=f"{live_server.url}/api/v1", token=key_for(provider)
    )
    from skj_opc.api.capacity import service_capacity_retrieve, service_capacity_update
    from skj_opc.api.catalogue import service_list
    from skj_opc.api.me import me_retrieve
    from skj_opc.api.referrals import referral_event_create, referral_list
    from skj_opc.models import (
        CapacityStatusEnum,
        EventCreateRequest,
        OrganisationKindEnum,
        PatchedCapacityUpdateRequest,
        ReferralEventTypeEnum,
    )

    me = me_retrieve.sync(client=client)
    assert me.auth.value == "key"
    [organisation] = me.organisations
    assert (organisation.slug, organisation.kind) == (
        provider.slug,
        OrganisationKindEnum.HOOFDAANBIEDER,
    )
    assert "capacity:write" in me.scopes

    page = service_list.sync(client=client, organisation=[organisation.slug])
    assert [s.id for s in page.results] == [own.pk]

    read = service_capacity_retrieve.sync_detailed(own.pk, client=client)
    assert read.status_code == 200
    etag = read.headers["ETag"]
    updated = service_capacity_update.sync_detailed(
        own.pk,
        client=client,
        body=PatchedCapacityUpdateRequest(
            status=CapacityStatusEnum.WAITLIST, intake_wait_weeks=6
        ),
        if_match=etag,
    )
    assert updated.status_code == 200, updated.content
    assert updated.parsed.status == CapacityStatusEnum.WAITLIST
    assert updated.headers["ETag"] != etag
    before = capacity_row(own)
    stale = service_capacity_update.sync_detailed(
        own.pk,
        client=client,
        body=PatchedCapacityUpdateRequest(intake_wait_weeks=1),
        if_match=etag,
    )
    assert stale.status_code == 412
    assert stale.parsed.status == 412  # a problem+json the client can read
    assert capacity_row(own) == before

    inbox = referral_list.sync(client=client)
    assert [r.reference for r in inbox.results] == [referral.reference]
    assert inbox.results[0].parent_email is None  # none given: null, not ""

    key = str(uuid.uuid4())
    body = EventCreateRequest(
        type_=ReferralEventTypeEnum.RECEIVED, occurred_on=timezone.localdate()
    )
    for _ in range(2):  # a retry with the same key records the step once
        step = referral_event_create.sync_detailed(
            referral.reference, client=client, body=body, idempotency_key=key
        )
        assert step.status_code in (200, 201), step.content
        assert step.parsed.status.value == "received"
        assert step.parsed.end_reason is None
    assert ReferralEvent.objects.filter(referral=referral).count() == 1

    theirs = service_list.sync(client=client, organisation=[str(other.organisation_id)])
    assert [s.id for s in theirs.results] == [other.pk]  # the public catalogue

    # The Open Referral API (its own document, its own generated client).
    from skj_hsda_opc.api.default import (
        get_fully_nested_service_by_id,
        get_paginated_list_of_services,
    )

    public = generated_clients.hsda_opc.Client(
        base_url=f"{live_server.url}/api/v1/hsds"
    )
    listed = get_paginated_list_of_services.sync(
        client=public, organization_id=hsds.hsds_id("organization", provider.pk)
    )
    assert [str(item.id) for item in listed.contents] == [
        hsds.hsds_id("service", own.pk)
    ]
    assert listed.total_items == 1
    full = get_fully_nested_service_by_id.sync(
        str(listed.contents[0].id), client=public
    )
    assert (full.name, full.organization.name) == (own.name, provider.name)
    # The waiting list set above, as structured attributes.
    assert waits(full.attributes) == {
        "aanmeldstatus": "waitlist",
        "aanmeldwachttijd": "6",
    }


def test_opc_a_referrer_systems_day(
    generated_clients, live_server, world, record_received
):
    _provider, own, _other, referrer = world
    opc = generated_clients.opc
    client = opc.client.AuthenticatedClient(
        base_url=f"{live_server.url}/api/v1", token=key_for(referrer)
    )
    from skj_opc.api.referrals import referral_create, referral_list, referral_retrieve
    from skj_opc.models import (
        ConsentByEnum,
        ReferralCreateRequest,
        ReferrerTypeEnum,
        UrgencyEnum,
    )

    created = referral_create.sync_detailed(
        client=client,
        body=ReferralCreateRequest(
            service=own.pk,
            child_initials="S.V.",
            child_birth_date=date(2012, 9, 1),
            help_question="Somber, trekt zich terug.",
            urgency=UrgencyEnum.REGULAR,
            consent_by=ConsentByEnum.BOTH,
            consent_date=timezone.localdate(),
            parent_phone="06 12345678",
            parent_email=PARENT_EMAIL,
        ),
    )
    assert created.status_code == 201, created.content
    referral = Referral.objects.get()
    family_code = created.parsed.family_code
    code = referral.family_code
    assert family_code == f"{code[:4]}-{code[4:8]}-{code[8:]}"
    assert created.parsed.consent_by == ConsentByEnum.BOTH
    # Named code values: COD327 01 is Gemeente (a JGZ of the municipality).
    assert created.parsed.referrer_type == ReferrerTypeEnum.GEMEENTE

    read = referral_retrieve.sync(created.parsed.reference, client=client)
    assert (read.parent_email, read.parent_phone) == (PARENT_EMAIL, "06 12345678")
    listed = referral_list.sync(client=client)
    assert [r.reference for r in listed.results] == [referral.reference]

    record_received(referral)
    read = referral_retrieve.sync(referral.reference, client=client)
    assert [e.type_.value for e in read.events] == ["received"]
    assert read.events[0].decline_reason is None
    assert read.status.value == "received"


# --- OpenAPI Generator (python) ------------------------------------------------------


def ogen_api(generated_clients, live_server, key):
    ogen = generated_clients.ogen
    configuration = ogen.Configuration(
        host=f"{live_server.url}/api/v1", access_token=key
    )
    return ogen, ogen.ApiClient(configuration)


def test_ogen_a_provider_systems_day(generated_clients, live_server, world):
    provider, own, other, referrer = world
    referral = referral_in_inbox(own, referrer)
    ogen, api = ogen_api(generated_clients, live_server, key_for(provider))

    me = ogen.MeApi(api).me_retrieve()
    assert me.auth == ogen.AuthEnum.KEY
    [organisation] = me.organisations
    assert organisation.kind == ogen.OrganisationKindEnum.HOOFDAANBIEDER
    assert organisation.slug == provider.slug

    catalogue = ogen.CatalogueApi(api)
    page = catalogue.service_list(organisation=[organisation.slug])
    assert [s.id for s in page.results] == [own.pk]

    capacity = ogen.CapacityApi(api)
    read = capacity.service_capacity_retrieve_with_http_info(id=own.pk)
    etag = read.headers["ETag"]
    updated = capacity.service_capacity_update_with_http_info(
        id=own.pk,
        if_match=etag,
        patched_capacity_update_request=ogen.PatchedCapacityUpdateRequest(
            status=ogen.CapacityStatusEnum.WAITLIST, intake_wait_weeks=6
        ),
    )
    assert updated.data.status == ogen.CapacityStatusEnum.WAITLIST
    before = capacity_row(own)
    with pytest.raises(ogen.ApiException) as stale:
        capacity.service_capacity_update(
            id=own.pk,
            if_match=etag,
            patched_capacity_update_request=ogen.PatchedCapacityUpdateRequest(
                intake_wait_weeks=1
            ),
        )
    assert stale.value.status == 412
    assert capacity_row(own) == before

    referrals = ogen.ReferralsApi(api)
    inbox = referrals.referral_list()
    assert [r.reference for r in inbox.results] == [referral.reference]

    key = str(uuid.uuid4())
    for _ in range(2):  # a retry with the same key records the step once
        step = referrals.referral_event_create(
            reference=referral.reference,
            idempotency_key=key,
            event_create_request=ogen.EventCreateRequest(
                type=ogen.ReferralEventTypeEnum.RECEIVED,
                occurred_on=timezone.localdate(),
            ),
        )
        assert step.status == "received"
        assert step.end_reason is None
    assert ReferralEvent.objects.filter(referral=referral).count() == 1

    # The Open Referral API (its own document, its own generated client).
    hsda = generated_clients.hsda_ogen
    public = hsda.DefaultApi(
        hsda.ApiClient(hsda.Configuration(host=f"{live_server.url}/api/v1/hsds"))
    )
    listed = public.get_paginated_list_of_services(
        organization_id=hsds.hsds_id("organization", provider.pk)
    )
    assert [str(item.id) for item in listed.contents] == [
        hsds.hsds_id("service", own.pk)
    ]
    full = public.get_fully_nested_service_by_id(id=str(listed.contents[0].id))
    assert (full.name, full.organization.name) == (own.name, provider.name)
    assert waits(full.attributes) == {
        "aanmeldstatus": "waitlist",
        "aanmeldwachttijd": "6",
    }


def test_ogen_a_referrer_systems_day(
    generated_clients, live_server, world, record_received
):
    _provider, own, _other, referrer = world
    ogen, api = ogen_api(generated_clients, live_server, key_for(referrer))
    referrals = ogen.ReferralsApi(api)

    created = referrals.referral_create(
        ogen.ReferralCreateRequest(
            service=own.pk,
            child_initials="S.V.",
            child_birth_date=date(2012, 9, 1),
            help_question="Somber, trekt zich terug.",
            urgency=ogen.UrgencyEnum.REGULAR,
            consent_by=ogen.ConsentByEnum.BOTH,
            consent_date=timezone.localdate(),
            parent_phone="06 12345678",
            parent_email=PARENT_EMAIL,
        )
    )
    referral = Referral.objects.get()
    code = referral.family_code
    assert created.family_code == f"{code[:4]}-{code[4:8]}-{code[8:]}"
    assert created.referrer_type == ogen.ReferrerTypeEnum.GEMEENTE

    read = referrals.referral_retrieve(reference=created.reference)
    assert (read.parent_email, read.parent_phone) == (PARENT_EMAIL, "06 12345678")
    listed = referrals.referral_list()
    assert [r.reference for r in listed.results] == [referral.reference]

    record_received(referral)
    read = referrals.referral_retrieve(reference=referral.reference)
    assert [e.type for e in read.events] == [ogen.ReferralEventTypeEnum.RECEIVED]
    assert read.events[0].decline_reason is None
