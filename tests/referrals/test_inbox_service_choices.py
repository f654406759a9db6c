"""Issue 18: the inbox's service filter lists the services its reach covers,
read once and then kept in the cache under the catalogue version and the reach
(``selectors.service_choices_for_inbox``). A write to a service shows on the
next page; one provider's list never answers another's."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import pytest

from referrals import selectors

pytestmark = pytest.mark.django_db

INBOX = reverse("referrals:inbox")


def _reads_services(queries) -> bool:
    """The service filter's own statement (its label column)."""
    return any('AS "organisation__name"' in q["sql"] for q in queries)


def _option(service) -> str:
    return f"{service.name} ({service.organisation.name})"


def test_the_services_are_read_once_then_come_from_the_cache(
    client, provider_user, service, subcontractor_service
):
    client.force_login(provider_user)
    with CaptureQueriesContext(connection) as first:
        response = client.get(INBOX)
    assert _option(service) in response.text
    assert _option(subcontractor_service) in response.text
    with CaptureQueriesContext(connection) as second:
        response = client.get(INBOX)
    assert _option(service) in response.text
    assert _option(subcontractor_service) in response.text
    assert len(second) == len(first) - 1
    assert _reads_services(first.captured_queries)
    assert not _reads_services(second.captured_queries)


def test_a_renamed_service_shows_on_the_next_page(client, provider_user, service):
    client.force_login(provider_user)
    assert _option(service) in client.get(INBOX).text
    service.name = "Nieuwe naam & meer"
    service.save()  # a catalogue write: a new catalogue version
    response = client.get(INBOX)
    assert "Nieuwe naam &amp; meer" in response.text


def test_each_reach_gets_its_own_services(
    provider_user, subcontractor_user, service, subcontractor_service
):
    # The hoofdaanbieder's list first (cached), then its onderaannemer's.
    assert {
        pk for pk, _ in selectors.service_choices_for_inbox(actor=provider_user)
    } == {
        service.pk,
        subcontractor_service.pk,
    }
    assert [
        pk for pk, _ in selectors.service_choices_for_inbox(actor=subcontractor_user)
    ] == [subcontractor_service.pk]


def test_without_the_cache_setting_the_services_are_read_every_time(
    settings, client, provider_user, service
):
    settings.SEARCH_COUNTS_CACHE_SECONDS = 0
    client.force_login(provider_user)
    client.get(INBOX)
    with CaptureQueriesContext(connection) as again:
        assert _option(service) in client.get(INBOX).text
    assert _reads_services(again.captured_queries)
