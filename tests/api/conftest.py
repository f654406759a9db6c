"""API test fixtures: throttle counts start empty for every test."""

from django.core.cache import cache

import pytest

# The clients generated from openapi.yaml (session fixture, test_generated_clients).
from tests.api.clients import generated_clients  # noqa: F401
from tests.caching import clear_cache_keeping_norms


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    # The throttles count in the default cache (process memory in tests). The
    # norms table the root conftest warmed for this test stays.
    clear_cache_keeping_norms()
    yield
    cache.clear()


@pytest.fixture(scope="class")
def seeded_demo(django_db_setup, django_db_blocker):
    """The full fictional demo dataset for the tests of one class (seeding takes
    a second or two), rolled back when the class is done."""
    from django.db import transaction

    from registry import reference_data
    from sampledata import demo

    with django_db_blocker.unblock(), transaction.atomic():
        reference_data.ensure()  # a transactional test may have flushed it
        demo.seed_demo()
        yield
        transaction.set_rollback(True)
