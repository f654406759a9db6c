"""The scale-data generator and the search index commands."""

from io import StringIO

from django.core.management import call_command

import pytest

from registry.models import (
    Capacity,
    Contract,
    Location,
    Organisation,
    Service,
    Subcontract,
)
from sampledata import scale

pytestmark = pytest.mark.django_db

SMALL = scale.ScaleConfig(organisations=10, services=40, locations=25, seed=7)


def generate(config=SMALL) -> str:
    out = StringIO()
    call_command(
        "generate_scale_data",
        organisations=config.organisations,
        services=config.services,
        locations=config.locations,
        seed=config.seed,
        referrals=0,
        stdout=out,
    )
    return out.getvalue()


def test_it_generates_the_asked_numbers_of_rows():
    generate()
    assert Organisation.objects.count() == 10
    assert Service.objects.count() == 40
    assert Capacity.objects.count() == 40
    assert Location.objects.count() == 25
    assert Location.objects.filter(is_main=True).count() == 10
    assert Contract.objects.exists() and Subcontract.objects.exists()


def test_every_service_lies_in_a_perceel_its_organisation_holds():
    generate()
    for service in Service.objects.select_related("organisation", "perceel"):
        assert service.organisation.holds_perceel(service.perceel)
        service.full_clean()  # the model's own rules accept the generated rows


def test_generated_services_are_searchable():
    generate()
    assert not Service.objects.filter(search_text="").exists()
    assert not Service.objects.filter(search_problem_bits=0).exists()


def test_the_same_seed_and_size_is_not_generated_twice():
    generate()
    names = sorted(Service.objects.values_list("name", flat=True))
    assert "skipped" in generate()
    assert sorted(Service.objects.values_list("name", flat=True)) == names


def snapshot() -> list[tuple]:
    rows = Service.objects.order_by("pk").values_list(
        "name", "organisation__name", "perceel__code", "age_min", "capacity__status"
    )
    return list(rows)


def delete_catalogue() -> None:
    Service.objects.all().delete()
    Subcontract.objects.all().delete()
    Contract.objects.all().delete()
    Location.objects.all().delete()
    Organisation.objects.all().delete()


def test_the_same_seed_gives_the_same_catalogue():
    scale.generate(SMALL)
    first = snapshot()
    delete_catalogue()
    scale.generate(SMALL)
    assert snapshot() == first
    delete_catalogue()
    scale.generate(scale.ScaleConfig(organisations=10, services=40, locations=25))
    assert snapshot() != first  # another seed, another catalogue


def test_bad_sizes_are_refused():
    with pytest.raises(Exception, match="--locations"):
        generate(scale.ScaleConfig(organisations=10, services=5, locations=3))
    assert not Organisation.objects.exists()


def test_rebuild_search_index_refreshes_every_service(service):
    Service.objects.update(search_text="")
    out = StringIO()
    call_command("rebuild_search_index", stdout=out)
    assert "1 services refreshed" in out.getvalue()
    service.refresh_from_db()
    assert service.name.lower() in service.search_text
