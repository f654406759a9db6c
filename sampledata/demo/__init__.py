"""Fictional Almere demo data for trying the app (``manage.py seed_demo``).

Everything is invented (see ``catalogue``): organisation names, KvK numbers
starting with 99, ``example.org`` addresses and 036 555 phone numbers. The
percelen, stadsdelen, forms and problem areas are the reference data of migration
0002.

Generation is two steps: ``build_plan(seed)`` (``plan``) is pure Python and
deterministic for a seed; ``seed_demo()`` (``writer``) writes the plan as an upsert
(organisations by KvK or slug, locations and services by organisation + name), so
running it again duplicates nothing. Capacity is only created for services that
have none: a re-run never overwrites figures a provider has reported since.
"""

from registry.services.groups import MUNICIPALITY_GROUP, municipality_group_ensure
from sampledata.demo.catalogue import (
    DEFAULT_SEED,
    DEMO_LOGINS,
    DEMO_PASSWORD,
    DemoLogin,
)
from sampledata.demo.plan import Plan, build_plan
from sampledata.demo.writer import (
    demo_counts,
    demo_logins_ensure,
    provider_data_exists,
    seed_demo,
)

__all__ = [
    "DEFAULT_SEED",
    "DEMO_LOGINS",
    "DEMO_PASSWORD",
    "MUNICIPALITY_GROUP",
    "DemoLogin",
    "Plan",
    "build_plan",
    "demo_counts",
    "demo_logins_ensure",
    "municipality_group_ensure",
    "provider_data_exists",
    "seed_demo",
]
