"""Issue 14: status, free places and waiting times agree. One rule
(``validators.validate_capacity_coherent`` via ``Capacity.clean``) for the
provider page, the API and the import; a refusal changes nothing."""

from io import StringIO

from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

import pytest
from rest_framework.test import APIClient

from registry import services
from registry.models import Capacity
from registry.validators import validate_capacity_coherent
from tests.registry.test_import_catalogue import (
    FAMILY,
    MAIN,
    write_orgs,
    write_services,
)


def check(status, free_places, intake):
    validate_capacity_coherent(
        status=status,
        free_places=free_places,
        intake_wait_weeks=intake,
        intake_norm_weeks=4,
    )


@pytest.mark.parametrize(
    ("status", "places", "intake", "field"),
    [
        ("open", 0, 25, "status"),
        ("open", None, None, "status"),
        ("open", 0, 5, "status"),
        ("closed", 5, None, "free_places"),
    ],
)
def test_contradicting_figures_are_refused_naming_the_field(
    status, places, intake, field
):
    with pytest.raises(ValidationError) as exc:
        check(status, places, intake)
    assert list(exc.value.message_dict) == [field]


@pytest.mark.parametrize(
    ("status", "places", "intake"),
    [
        ("open", 2, None),
        ("open", 0, 4),  # no place free today, but an intake within the norm
        ("open", None, 0),
        ("closed", 0, None),
        ("closed", None, 30),
        ("waitlist", 0, 25),
        ("waitlist", 3, 1),
    ],
)
def test_figures_that_agree_are_accepted(status, places, intake):
    check(status, places, intake)


def _snapshot(service):
    return Capacity.objects.filter(service=service).values().get()


@pytest.mark.django_db
def test_the_provider_page_refuses_open_with_a_long_wait(
    client, provider_user, service
):
    client.force_login(provider_user)
    before = _snapshot(service)
    capacity = service.capacity
    response = client.post(
        reverse("provider:capacity-update", args=[service.pk]),
        {
            f"s{service.pk}-status": "open",
            f"s{service.pk}-intake_wait_weeks": "25",
            f"s{service.pk}-treatment_wait_weeks": "",
            f"s{service.pk}-free_places": "0",
            f"s{service.pk}-note": "",
            f"s{service.pk}-version": str(capacity.version),
        },
    )
    assert response.status_code == 400
    assert "Kies anders Wachtlijst" in response.text
    assert _snapshot(service) == before


@pytest.mark.django_db
def test_the_api_refuses_aanmeldstop_with_free_places(provider_org, service):
    _token, key = services.api_token_create(
        organisation=provider_org, actor=None, name="Planning"
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    before = _snapshot(service)
    response = api.patch(
        f"/api/v1/services/{service.pk}/capacity",
        {"status": "closed", "free_places": 5},
        format="json",
    )
    assert response.status_code == 400, response.content
    names = [p["name"] for p in response.json()["invalid_params"]]
    assert names == ["free_places"]
    assert _snapshot(service) == before


@pytest.mark.django_db
def test_the_import_refuses_open_without_room(tmp_path, db):
    row = FAMILY | {
        "status": "open",
        "aanmeldwachttijd_weken": "25",
        "vrije_plekken": "0",
    }
    with pytest.raises(CommandError):
        call_command(
            "import_catalogue",
            str(write_orgs(tmp_path, [MAIN])),
            str(write_services(tmp_path, [row])),
            stdout=StringIO(),
            stderr=StringIO(),
        )
    assert not Capacity.objects.exists()


@pytest.mark.django_db
def test_nog_actueel_is_refused_for_contradicting_figures(
    client, provider_user, service
):
    # Figures stored before the rule existed: confirming them is refused.
    Capacity.objects.filter(service=service).update(
        status="open", free_places=0, intake_wait_weeks=25
    )
    before = _snapshot(service)
    client.force_login(provider_user)
    response = client.post(
        reverse("provider:capacity-confirm", args=[service.pk]), follow=True
    )
    assert "niet bevestigd" in response.text
    assert _snapshot(service) == before
    response = client.post(
        reverse("provider:capacity-confirm-all"), {"confirmed": "1"}, follow=True
    )
    assert "niet bevestigd" in response.text
    assert _snapshot(service) == before


@pytest.mark.django_db
def test_a_service_added_without_figures_starts_on_the_waitlist(service):
    service.capacity.delete()
    capacity = services.capacity_create(service=service, actor=None)
    assert capacity.status == Capacity.Status.WAITLIST
