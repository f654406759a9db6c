"""Facet terms own a bit slot, independent of their primary key: search keeps its
one-pass facet counts however often terms are added and removed. Runs on SQLite
and PostgreSQL."""

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.urls import reverse
from django.utils import translation

import pytest

from registry import selectors, services
from registry.models import BIT_SLOTS, DeliveryForm, District, ProblemArea, Service
from tests import factories
from tests.registry.search_data import build_catalogue, make_service
from tests.registry.test_public_pages import search_queries

pytestmark = pytest.mark.django_db


def counts(result, param):
    group = next(g for g in result.facets if g.param == param)
    return {o.slug: o.count for o in group.options if o.count}


def churn(model, prefix: str, until_id: int) -> None:
    """Create and delete terms until the table's ids pass ``until_id``."""
    n = 0
    while True:
        term = model.objects.create(slug=f"{prefix}-{n}", name=f"{prefix} {n}")
        n += 1
        pk = term.pk
        services.facet_terms_delete(terms=[term])
        if pk > until_id:
            return


def test_a_new_term_takes_the_lowest_free_slot_and_reuses_a_freed_one():
    taken = set(ProblemArea.objects.values_list("bit_slot", flat=True))
    assert len(taken) == ProblemArea.objects.count()  # unique per facet
    first = ProblemArea.objects.create(slug="nieuw-1", name="Nieuw 1")
    second = ProblemArea.objects.create(slug="nieuw-2", name="Nieuw 2")
    free = [slot for slot in range(BIT_SLOTS) if slot not in taken]
    assert (first.bit_slot, second.bit_slot) == (free[0], free[1])
    services.facet_terms_delete(terms=[first])
    third = ProblemArea.objects.create(slug="nieuw-3", name="Nieuw 3")
    assert third.bit_slot == free[0]
    assert third.pk > second.pk


def test_slots_are_per_facet():
    district = District.objects.create(slug="nieuwe-wijk", name="Nieuwe wijk")
    form = DeliveryForm.objects.create(slug="nieuw", name="Nieuwe vorm")
    assert district.bit_slot == District.objects.count() - 1
    assert form.bit_slot == DeliveryForm.objects.count() - 1


@pytest.mark.parametrize("model", [District, ProblemArea, DeliveryForm])
def test_a_full_facet_refuses_one_more_term_and_saves_nothing(model):
    for n in range(BIT_SLOTS - model.objects.count()):
        model.objects.create(slug=f"vol-{n}", name=f"Vol {n}")
    assert model.objects.count() == BIT_SLOTS
    extra = model(slug="een-te-veel", name="Een te veel")
    with translation.override("nl"), pytest.raises(ValidationError) as refused:
        extra.full_clean()
    message = refused.value.messages[0]
    assert "Zoekpositie (bit_slot)" in message and "63" in message
    with pytest.raises(ValidationError):
        extra.save()
    assert model.objects.count() == BIT_SLOTS
    assert not model.objects.filter(slug="een-te-veel").exists()


def test_the_admin_refuses_a_term_beyond_the_slots_with_a_message(client):
    admin = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    for n in range(BIT_SLOTS - DeliveryForm.objects.count()):
        DeliveryForm.objects.create(slug=f"vol-{n}", name=f"Vol {n}")
    url = reverse("admin:registry_deliveryform_add")
    response = client.post(
        url, {"name": "Een te veel", "slug": "een-te-veel"}, HTTP_ACCEPT_LANGUAGE="nl"
    )
    assert response.status_code == 200
    assert "Zoekpositie (bit_slot)" in response.content.decode()
    assert DeliveryForm.objects.count() == BIT_SLOTS


def test_deleting_a_term_in_the_admin_clears_its_bit_before_the_slot_is_reused(
    client,
):
    catalogue = build_catalogue()
    admin = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    old = ProblemArea.objects.create(slug="oud", name="Oud")
    catalogue["angst"].problem_areas.add(old)
    services.service_refresh_search(services=[catalogue["angst"]])
    url = reverse("admin:registry_problemarea_delete", args=[old.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    new = ProblemArea.objects.create(slug="nieuw", name="Nieuw")
    assert new.bit_slot == old.bit_slot
    result = selectors.search_run(QueryDict("probleem=nieuw"))
    assert result.pagination.count == 0
    assert counts(result, "probleem").get("nieuw") is None


def test_search_keeps_its_queries_and_counts_after_ids_pass_200(
    client, django_assert_num_queries, is_postgres
):
    """Terms come and go in the admin; ids grow past 200, slots stay small."""
    for model, prefix in (
        (District, "wijk"),
        (ProblemArea, "thema"),
        (DeliveryForm, "vorm"),
    ):
        churn(model, prefix, until_id=200)
    wijk = District.objects.create(slug="wijk-nieuw", name="Wijk nieuw")
    thema = ProblemArea.objects.create(slug="thema-nieuw", name="Thema nieuw")
    vorm = DeliveryForm.objects.create(slug="vorm-nieuw", name="Vorm nieuw")
    assert min(wijk.pk, thema.pk, vorm.pk) > 200
    assert max(wijk.bit_slot, thema.bit_slot, vorm.bit_slot) < BIT_SLOTS
    catalogue = build_catalogue()
    org = catalogue["angst"].organisation
    make_service(org, "begeleiding", "Nieuw aanbod", problems=["thema-nieuw"],
                 forms=["vorm-nieuw"], districts=["wijk-nieuw"])  # fmt: skip
    services.service_refresh_search(services=Service.objects.all())

    query = "probleem=thema-nieuw&vorm=vorm-nieuw&stadsdeel=wijk-nieuw"
    with django_assert_num_queries(search_queries(is_postgres, False)):
        response = client.get("/zoeken?" + query)
    result = response.context["result"]
    assert [s.name for s in result.services] == ["Nieuw aanbod"]
    assert counts(result, "probleem") == {"thema-nieuw": 1}
    assert counts(result, "vorm") == {"vorm-nieuw": 1}
    assert counts(result, "stadsdeel") == {"wijk-nieuw": 1}

    everything = selectors.search_run(QueryDict(""))
    assert counts(everything, "probleem") == {
        "angst": 2, "autisme": 1, "depressie": 1, "opvoeding": 1, "thema-nieuw": 1
    }  # fmt: skip
    assert counts(everything, "stadsdeel") == {
        "almere-haven": 2, "almere-buiten": 1, "almere-stad": 1, "wijk-nieuw": 1
    }  # fmt: skip
    assert counts(everything, "vorm") == {
        "groep": 1, "thuis": 1, "ambulant": 1, "online": 1, "vorm-nieuw": 1
    }  # fmt: skip


def test_the_reference_values_are_read_once_per_catalogue_version(
    client, django_assert_num_queries
):
    first = selectors.search_reference()
    with django_assert_num_queries(0):
        assert selectors.search_reference() is first
    ProblemArea.objects.create(name="Nieuw probleem", slug="nieuw-probleem")
    with django_assert_num_queries(1):
        again = selectors.search_reference()
    assert "nieuw-probleem" in {o.slug for o in again["problem"]}
    assert client.get("/zoeken").status_code == 200
