"""The dashboard's figures: reads of the precomputed tables and a few live reads.

Nothing here returns personal data: counts, waiting-time statistics, references
and organisation names. Callers decide who may see which organisation
(``dashboard.permissions``); every selector takes explicit ``Filters``.

Precomputed (as of the last ``refresh_dashboard``): counts, waiting times,
declines, the capacity trend (``figures``, ``capacity``). Live: open referrals
past a norm (``overdue``) and capacity now (``capacity``).
"""

from dashboard.selectors.base import (
    COUNT_FIELDS,
    Figures,
    Filters,
    OrganisationRow,
    ReportedWaits,
    last_refresh,
    with_members,
)
from dashboard.selectors.capacity import (
    CapacityMonth,
    CapacityNow,
    capacity_now,
    capacity_trend,
)
from dashboard.selectors.chains import ChainGroup, chain_groups
from dashboard.selectors.figures import (
    PER_PAGE,
    SORTS,
    OrganisationPage,
    Overview,
    declines,
    figures,
    members,
    monthly_figures,
    organisation_table,
    overview,
)
from dashboard.selectors.hotspots import MIN_ASSESSED as hotspots_minimum
from dashboard.selectors.hotspots import MetricHotspots, hotspots
from dashboard.selectors.overdue import (
    OverdueRow,
    overdue_referrals,
    overdue_rows,
    overdue_values,
)

__all__ = [
    "COUNT_FIELDS",
    "PER_PAGE",
    "SORTS",
    "MetricHotspots",
    "hotspots",
    "hotspots_minimum",
    "CapacityMonth",
    "CapacityNow",
    "Figures",
    "Filters",
    "OrganisationPage",
    "OrganisationRow",
    "OverdueRow",
    "Overview",
    "ReportedWaits",
    "capacity_now",
    "capacity_trend",
    "declines",
    "ChainGroup",
    "chain_groups",
    "figures",
    "last_refresh",
    "members",
    "monthly_figures",
    "organisation_table",
    "overdue_referrals",
    "overdue_rows",
    "overdue_values",
    "overview",
    "with_members",
]
