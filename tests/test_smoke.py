import pytest

from registry.models import Capacity, Subcontract


@pytest.mark.django_db
def test_cast_builds_a_hoofdaanbieder_with_a_subcontractor(
    subcontractor_org, provider_org
):
    sub = Subcontract.objects.get(subcontractor=subcontractor_org)
    assert sub.main_contractor == provider_org


@pytest.mark.django_db
def test_service_factory_creates_its_capacity(service):
    assert Capacity.objects.get(service=service).status == "open"
