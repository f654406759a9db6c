"""A BSN never gets into a provider's own free text (service name, description,
"hoe verwijzen", capacity note, organisation description): the one check
(``registry.validators.validate_no_bsn``, also the referral tracker's) refuses
it on the page, in the API and in the import alike, naming the field, and
nothing is stored."""

from django.core.exceptions import ValidationError
from django.urls import reverse

import pytest

from referrals import validators as referral_validators
from registry import validators
from registry.models import Capacity, Organisation, Service
from tests.api.helpers import assert_problem, token_client
from tests.registry.test_import_catalogue import (
    FAMILY,
    MAIN,
    import_problems,
    snapshot,
    write_orgs,
    write_services,
)

pytestmark = pytest.mark.django_db

BSN = "111.222.333"  # passes the 11-proef
MESSAGE = "Deze tekst bevat een BSN."


def test_the_referral_tracker_uses_the_same_check():
    assert referral_validators.validate_no_bsn is validators.validate_no_bsn
    with pytest.raises(ValidationError):
        validators.validate_no_bsn(f"Kind met BSN {BSN}")
    validators.validate_no_bsn("Bel 036 123 45 67 of kijk op onze site.")


def _service_state(service):
    fresh = Service.objects.get(pk=service.pk)
    return (fresh.description, fresh.how_to_refer, fresh.history.count())


@pytest.mark.parametrize("field", ["description", "how_to_refer"])
def test_the_service_page_refuses_a_bsn_naming_the_field(
    client, provider_user, service, field
):
    client.force_login(provider_user)
    before = _service_state(service)
    data = {"description": "Nieuw", "how_to_refer": "Bel ons.", "intake_phone": ""}
    data[field] = f"Bijvoorbeeld voor het kind met BSN {BSN}."
    response = client.post(reverse("provider:service-edit", args=[service.pk]), data)
    assert response.status_code == 400
    form = response.context["details_form"]
    assert list(form.errors) == [field]
    assert MESSAGE in " ".join(form.errors[field])
    assert _service_state(service) == before


def test_the_capacity_page_refuses_a_bsn_in_the_note(client, provider_user, service):
    from tests.registry.test_provider_pages import _capacity_post

    client.force_login(provider_user)
    capacity = Capacity.objects.get(service=service)
    before = (capacity.note, capacity.version, capacity.history.count())
    response = client.post(
        reverse("provider:capacity-update", args=[service.pk]),
        _capacity_post(service, note=f"Plek voor {BSN}"),
    )
    assert response.status_code == 400
    assert list(response.context["capacity_form"].errors) == ["note"]
    capacity.refresh_from_db()
    assert (capacity.note, capacity.version, capacity.history.count()) == before


@pytest.mark.parametrize("field", ["description", "how_to_refer"])
def test_the_api_refuses_a_bsn_naming_the_field(provider_org, service, field):
    before = _service_state(service)
    api_name = {"how_to_refer": "how_to_refer"}.get(field, field)
    response = token_client(provider_org).patch(
        f"/api/v1/services/{service.pk}", {api_name: f"BSN {BSN}"}, format="json"
    )
    problem = assert_problem(response, 400, api_name)
    assert MESSAGE in str(problem["invalid_params"])
    assert _service_state(service) == before


def test_the_model_refuses_a_bsn_in_an_organisations_description(provider_org):
    provider_org.description = f"Ons kvk is 12345678, ons voorbeeldkind {BSN}."
    with pytest.raises(ValidationError) as caught:
        provider_org.full_clean()
    assert list(caught.value.message_dict) == ["description"]
    assert BSN not in Organisation.objects.get(pk=provider_org.pk).description


@pytest.mark.parametrize(
    ("column", "value"), [("omschrijving", f"Voor {BSN}"), ("aanbod", BSN)]
)
def test_the_import_refuses_a_bsn_naming_the_column(tmp_path, column, value):
    before = snapshot()
    svcs = write_services(tmp_path, [FAMILY | {column: value}])
    problems = import_problems(write_orgs(tmp_path, [MAIN]), svcs)
    assert problems == [f"aanbod.csv:2: {column}: {MESSAGE} Een BSN hoort hier "
                        "nooit: haal het nummer weg."]  # fmt: skip
    assert snapshot() == before


def test_the_capacity_api_refuses_a_bsn_in_the_note(provider_org, service):
    capacity = Capacity.objects.get(service=service)
    before = (capacity.note, capacity.version, capacity.history.count())
    response = token_client(provider_org).patch(
        reverse("registry-api:service-capacity", args=[service.pk]),
        {"note": f"Plek voor {BSN}"},
        format="json",
    )
    assert_problem(response, 400, "note")
    capacity.refresh_from_db()
    assert (capacity.note, capacity.version, capacity.history.count()) == before
