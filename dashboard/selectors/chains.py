"""Children passed on: referral chains (``Referral.previous_referral``), live.

The audit office's core finding is that children with complex needs are
referred again and again and wait each time; per referral the wait starts at
zero. Here a chain's wait runs from its first referral until help started (or
today) and chains are counted by length: 2, 3, 4 or more referrals. Anonymous:
counts and weeks only.
"""

from dataclasses import dataclass
from datetime import date
from statistics import median

from django.db.models import Q
from django.utils import timezone

from dashboard.selectors.base import Filters, scope_q
from referrals.models import Referral

LENGTHS = (2, 3, 4)  # 4 means "4 or more"


@dataclass(frozen=True)
class ChainGroup:
    length: int  # 4 = four or more
    children: int
    median_wait_weeks: float | None
    within_norm: int  # help started within the total norm


def _chains(rows: dict[int, dict]) -> list[list[dict]]:
    """Rows linked by previous_referral, first to last, longer than one."""
    followers = {r["previous_referral_id"]: r for r in rows.values()}
    chains = []
    for row in rows.values():
        if row["previous_referral_id"] is not None:
            continue  # not the first of its chain
        chain = [row]
        while chain[-1]["pk"] in followers and len(chain) < 50:
            chain.append(followers[chain[-1]["pk"]])
        if len(chain) > 1:
            chains.append(chain)
    return chains


def chain_groups(
    f: Filters, *, norm_weeks: int, today: date | None = None
) -> list[ChainGroup]:
    """Chains whose first referral falls in the selected months (and perceel /
    organisation), grouped by length. One query: only referrals in a chain."""
    today = today or timezone.localdate()
    in_chain = Q(previous_referral__isnull=False) | Q(next_referrals__isnull=False)
    qs = Referral.objects.filter(in_chain).distinct()
    if f.perceel is not None:
        qs = qs.filter(perceel=f.perceel)
    qs = qs.filter(scope_q(f, organisation="provider_id", perceel="perceel_id"))
    rows = {
        r["pk"]: r
        for r in qs.values("pk", "previous_referral_id", "referred_on", "started_on")
    }
    groups: dict[int, list[tuple[int, bool]]] = {n: [] for n in LENGTHS}
    for chain in _chains(rows):
        first = chain[0]["referred_on"]
        if not f.first <= first.replace(day=1) <= f.last:  # cohort months
            continue
        started = chain[-1]["started_on"]
        wait = ((started or today) - first).days
        groups[min(len(chain), 4)].append((wait, started is not None))
    return [
        ChainGroup(
            length=n,
            children=len(waits),
            median_wait_weeks=round(median(w for w, _s in waits) / 7, 1)
            if waits
            else None,
            within_norm=sum(1 for w, s in waits if s and w <= norm_weeks * 7),
        )
        for n, waits in groups.items()
    ]
