"""The ``referrals`` part of ``sampledata.scale``: referrer organisations, referrals
with their events, and a capacity history, for benchmarks at municipal scale.

The referrals themselves come from ``sampledata.referral_scale.generate_referrals`` (one
generator for the whole project: stored status and dates equal
``referrals.workflow.derive`` of the generated events, waits and status mix
plausible, some events back-dated). This part adds what a national-scale run
needs around it: a few hundred referrer organisations (huisartsenpraktijken,
JGZ, wijkteams, a GI and hospitals) so referrals spread over many referrers,
and skipping when the asked number of generated referrals is already there.
"""

from django.db import transaction

from referrals.models import Referral
from referrals.services import referrer_role_choices
from registry.models import Organisation

# How many referrer organisations of each kind a generated municipality has.
REFERRER_COUNTS = {
    Organisation.Kind.HUISARTS: 180,
    Organisation.Kind.JGZ: 20,
    Organisation.Kind.WIJKTEAM: 60,
    Organisation.Kind.GI: 4,
    Organisation.Kind.ZIEKENHUIS: 8,
}
# Generated references start with this (sampledata.referral_scale: "VW-Z" + 7 chars).
GENERATED_REFERENCE_PREFIX = "VW-Z"


def referrer_slug_prefix(seed: int) -> str:
    # Not "scale-s<seed>-": that prefix counts the catalogue's organisations.
    return f"scale-ref-s{seed}-"


def referrer_organisations(*, seed: int) -> dict[str, list[int]]:
    """Referrer organisation ids per referrer role; creates the generated ones
    (``REFERRER_COUNTS``, slugs ``scale-ref-s<seed>-<kind>-<n>``) when missing."""
    prefix = referrer_slug_prefix(seed)
    existing = Organisation.objects.filter(slug__startswith=prefix)
    if not existing.exists():
        Organisation.objects.bulk_create(
            Organisation(
                name=f"{Organisation.Kind(kind).label} {n + 1} (gegenereerd)",
                slug=f"{prefix}{kind}-{n + 1}",
                kind=kind,
            )
            for kind, count in REFERRER_COUNTS.items()
            for n in range(count)
        )
    by_type: dict[str, list[int]] = {}
    for pk, kind in existing.order_by("pk").values_list("pk", "kind"):
        for role in referrer_role_choices(Organisation(kind=kind)):
            by_type.setdefault(role, []).append(pk)
    return by_type


def generated_referral_count() -> int:
    return Referral.objects.filter(
        reference__startswith=GENERATED_REFERENCE_PREFIX
    ).count()


def generate_referrals_part(state) -> None:
    """Add ``state.config.referrals`` generated referrals (minus those already
    there) over ``state.config.referral_years``, then a capacity history for
    services that have none. Referrals go to the catalogue's services."""
    from registry.models import Service
    from sampledata import referral_scale

    config = state.config
    missing = config.referrals - generated_referral_count()
    if missing <= 0:
        state.log("referrals with this size exist: skipped")
        return
    with transaction.atomic():
        referrers = referrer_organisations(seed=config.seed)
        services = Service.objects.filter(
            organisation__slug__startswith=config.slug_prefix, active=True
        )
        state.log(f"generating {missing} referrals over {config.referral_years} years")
        events = referral_scale.generate_referrals(
            count=missing, years=config.referral_years, seed=config.seed,
            services=services, referrers=referrers, log=state.log,
        )  # fmt: skip
    state.log(f"{missing} referrals, {events} events")
    rows = referral_scale.generate_capacity_history(seed=config.seed)
    state.log(f"{rows} capacity history rows")
