"""Security tests. Importing this conftest (at collection, before any test
runs) starts collecting the log records of the whole run; the test that checks
them is moved to the very end."""

from tests.referrals.fixtures import (  # noqa: F401 - fixtures
    make_referral,
    referral,
    school_org,
    school_user,
)
from tests.security import logcapture

logcapture.install()

LAST = "test_no_personal_data_in_the_logs_of_the_whole_run"


def pytest_collection_modifyitems(config, items):
    last = [item for item in items if item.name == LAST]
    items[:] = [item for item in items if item.name != LAST] + last
