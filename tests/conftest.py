"""Shared fixtures: the standard cast of users every permission test needs.

referrer (JGZ), provider (hoofdaanbieder), subcontractor (onderaannemer of the
provider), outsider (another hoofdaanbieder), municipality staff and anonymous.
"""

import os

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import translation

import pytest

from registry import reference_data
from tests import factories

# Tests never depend on the developer's local environment.
os.environ.setdefault("TESTING", "1")


def pytest_collection_modifyitems(config, items):
    """Skip PostgreSQL-only tests when the suite runs on SQLite."""
    from django.conf import settings

    if settings.IS_POSTGRES:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fast_and_quiet(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Put back the reference data (percelen, stadsdelen, ...) for every test that
    uses the database: a transactional test flushes all tables when it ends,
    including the rows migration 0002 seeded."""
    names = request.fixturenames
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in names or bool(
        marker and marker.kwargs.get("transaction")
    )
    if not (marker or transactional or "db" in names):
        return
    request.getfixturevalue("transactional_db" if transactional else "db")
    reference_data.ensure()
    from referrals.selectors import NORMS_CACHE_KEY, norms_table_cached
    from referrals.services import response_norms_ensure

    response_norms_ensure()
    # The cache outlives a test's rolled-back rows: start from this test's
    # norms, read now (outside any pinned query count), as a warm cache would.
    cache.delete(NORMS_CACHE_KEY)
    norms_table_cached()


@pytest.fixture(autouse=True)
def _new_catalogue_version():
    """Every test starts from a new catalogue version: a test's rolled-back
    catalogue must not leave its cached search counts to the next test."""
    from django.core.cache import cache

    from registry.catalogue_version import CACHE_KEY, CAPACITY_CACHE_KEY

    cache.delete_many([CACHE_KEY, CAPACITY_CACHE_KEY])


@pytest.fixture(autouse=True)
def _new_dashboard_memo_version():
    """Every test starts from a new dashboard memo version: figures memoised
    from a test's rolled-back rows must not reach the next test."""
    from django.core.cache import cache

    from dashboard.memo import LIVE_VERSION_KEY, VERSION_KEY

    cache.delete(VERSION_KEY)
    cache.delete(LIVE_VERSION_KEY)


@pytest.fixture(autouse=True)
def _dutch_first():
    """Every test starts in Dutch, as a request does, and leaves no language
    active for the next (a test that switches to English must not leak)."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _force_login_passes_both_factors(monkeypatch):
    """``client.force_login(user)`` stands for a complete log-in: password and
    second factor (a verified TOTP device on the session). The second-factor
    check itself stays on; ``tests.accounts.helpers.force_login_password_only``
    logs in with the first step alone."""
    from django.test import Client

    from tests.accounts.helpers import force_login_password_only, verify_second_factor

    def force_login(self, user, backend=None):
        force_login_password_only(self, user, backend)
        verify_second_factor(self, user)

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture
def is_postgres():
    return connection.vendor == "postgresql"


@pytest.fixture
def perceel(db):
    from registry.models import Perceel

    return Perceel.objects.get(code="begeleiding")


@pytest.fixture
def provider_org(db, perceel):
    return factories.HoofdaanbiederFactory(percelen=[perceel])


@pytest.fixture
def subcontractor_org(db, provider_org, perceel):
    return factories.OnderaannemerFactory(
        main_contractor=provider_org, percelen=[perceel]
    )


@pytest.fixture
def outsider_org(db, perceel):
    return factories.HoofdaanbiederFactory(percelen=[perceel])


@pytest.fixture
def referrer_org(db):
    return factories.OrganisationFactory(kind="jgz", name="JGZ Almere (test)")


@pytest.fixture
def municipality_org(db):
    return factories.OrganisationFactory(kind="gemeente", name="Gemeente Almere (test)")


@pytest.fixture
def provider_user(provider_org):
    return factories.MembershipFactory(organisation=provider_org).user


@pytest.fixture
def provider_admin(provider_org):
    return factories.MembershipFactory(organisation=provider_org, role="admin").user


@pytest.fixture
def subcontractor_user(subcontractor_org):
    return factories.MembershipFactory(organisation=subcontractor_org).user


@pytest.fixture
def outsider_user(outsider_org):
    return factories.MembershipFactory(organisation=outsider_org).user


@pytest.fixture
def referrer_user(referrer_org):
    return factories.MembershipFactory(organisation=referrer_org).user


@pytest.fixture
def municipality_user(municipality_org):
    return factories.MembershipFactory(organisation=municipality_org).user


@pytest.fixture
def service(provider_org, perceel):
    return factories.ServiceFactory(organisation=provider_org, perceel=perceel)


@pytest.fixture
def subcontractor_service(subcontractor_org, perceel):
    return factories.ServiceFactory(organisation=subcontractor_org, perceel=perceel)


@pytest.fixture
def outsider_service(outsider_org, perceel):
    return factories.ServiceFactory(organisation=outsider_org, perceel=perceel)
