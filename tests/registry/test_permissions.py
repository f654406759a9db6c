"""Who may edit what: the pure permission functions, as a matrix over the cast."""

import datetime

import pytest

from registry import permissions, services
from registry.api.authentication import TokenActor
from registry.models import Subcontract
from tests import factories

pytestmark = pytest.mark.django_db

ACTORS = [
    "anonymous",
    "provider_user",
    "provider_admin",
    "subcontractor_user",
    "outsider_user",
    "referrer_user",
    "municipality_user",
]


@pytest.fixture
def actor(request):
    if request.param == "anonymous":
        from django.contrib.auth.models import AnonymousUser

        return AnonymousUser()
    return request.getfixturevalue(request.param)


# service of: provider (hoofdaanbieder), its subcontractor, an outsider
EDIT_SERVICE = {
    "anonymous": (False, False, False),
    "provider_user": (True, True, False),
    "provider_admin": (True, True, False),
    "subcontractor_user": (False, True, False),
    "outsider_user": (False, False, True),
    "referrer_user": (False, False, False),
    "municipality_user": (True, True, True),
}


@pytest.mark.parametrize("actor", ACTORS, indirect=True)
def test_can_edit_service_follows_membership_and_subcontracts(
    actor, request, service, subcontractor_service, outsider_service
):
    name = request.node.callspec.params["actor"]
    got = tuple(
        permissions.can_edit_service(actor, s)
        for s in (service, subcontractor_service, outsider_service)
    )
    assert got == EDIT_SERVICE[name]


@pytest.mark.parametrize("actor", ACTORS, indirect=True)
def test_can_edit_organisation_matches_can_edit_service(
    actor, request, provider_org, subcontractor_org, outsider_org, municipality_org
):
    name = request.node.callspec.params["actor"]
    got = tuple(
        permissions.can_edit_organisation(actor, org)
        for org in (provider_org, subcontractor_org, outsider_org)
    )
    assert got == EDIT_SERVICE[name]
    assert not permissions.can_edit_organisation(actor, municipality_org)


def test_an_onderaannemer_never_edits_its_hoofdaanbieder(
    subcontractor_user, provider_org, service
):
    assert not permissions.can_edit_organisation(subcontractor_user, provider_org)
    assert not permissions.can_edit_service(subcontractor_user, service)
    assert provider_org not in permissions.editable_organisations(subcontractor_user)


def test_a_hoofdaanbieder_loses_an_onderaannemer_whose_subcontract_ended(
    provider_user, subcontractor_org, subcontractor_service
):
    Subcontract.objects.filter(subcontractor=subcontractor_org).update(
        end_date=datetime.date(2020, 12, 31)
    )
    assert not permissions.can_edit_service(provider_user, subcontractor_service)


def test_editable_organisations_lists_own_and_subcontractors(
    provider_user, provider_org, subcontractor_org, outsider_org
):
    assert set(permissions.editable_organisations(provider_user)) == {
        provider_org,
        subcontractor_org,
    }


def test_municipality_staff_may_edit_every_provider_but_not_referrers(
    municipality_user, provider_org, outsider_org, referrer_org
):
    editable = set(permissions.editable_organisations(municipality_user))
    assert {provider_org, outsider_org} <= editable
    assert referrer_org not in editable


def test_only_members_of_the_gemeente_are_municipality_staff(
    municipality_user, provider_admin, referrer_user
):
    assert permissions.is_municipality_staff(municipality_user)
    assert not permissions.is_municipality_staff(provider_admin)
    assert not permissions.is_municipality_staff(referrer_user)


def test_contracts_are_managed_by_the_municipality_alone(
    municipality_user, provider_admin
):
    assert permissions.can_manage_contracts(municipality_user)
    assert not permissions.can_manage_contracts(provider_admin)


def test_tokens_are_managed_by_the_providers_admin_never_the_municipality(
    provider_admin,
    provider_user,
    subcontractor_user,
    municipality_user,
    provider_org,
    subcontractor_org,
    municipality_org,
):
    assert permissions.can_manage_tokens(provider_admin, provider_org)
    assert not permissions.can_manage_tokens(provider_admin, subcontractor_org)
    assert not permissions.can_manage_tokens(provider_user, provider_org)
    assert not permissions.can_manage_tokens(subcontractor_user, subcontractor_org)
    assert not permissions.can_manage_tokens(municipality_user, provider_org)
    assert not permissions.can_manage_tokens(municipality_user, municipality_org)
    assert permissions.token_manageable_organisations(provider_admin) == [provider_org]
    assert permissions.token_manageable_organisations(municipality_user) == []


def test_a_token_acts_for_its_organisation_and_its_onderaannemers(
    provider_org, subcontractor_org, service, subcontractor_service, outsider_service
):
    token, _key = services.api_token_create(
        organisation=provider_org, actor=None, name="Planning"
    )
    actor = TokenActor(token)
    assert permissions.can_edit_service(actor, service)
    assert permissions.can_edit_service(actor, subcontractor_service)
    assert not permissions.can_edit_service(actor, outsider_service)
    assert not permissions.is_municipality_staff(actor)
    assert not permissions.can_manage_tokens(actor, provider_org)


def test_a_revoked_token_may_edit_nothing(provider_org, service):
    token, _key = services.api_token_create(
        organisation=provider_org, actor=None, name="Oud"
    )
    services.api_token_revoke(token=token, actor=None)
    assert not permissions.can_edit_service(TokenActor(token), service)


def test_a_member_of_an_inactive_organisation_may_edit_nothing(provider_org, service):
    user = factories.MembershipFactory(organisation=provider_org).user
    provider_org.active = False
    provider_org.save()
    assert not permissions.can_edit_service(user, service)


def test_names_in_history_are_for_editors_and_the_municipality(
    provider_user, subcontractor_user, outsider_user, municipality_user, service
):
    assert permissions.can_see_editor_names(provider_user, service)
    assert permissions.can_see_editor_names(municipality_user, service)
    assert not permissions.can_see_editor_names(subcontractor_user, service)
    assert not permissions.can_see_editor_names(outsider_user, service)
