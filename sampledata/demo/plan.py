"""The demo dataset as plain Python: deterministic for a seed, no database."""

import random
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.utils.text import slugify

from registry.models import Capacity, Organisation
from sampledata.demo.catalogue import (
    BEGELEIDING,
    CAPACITY_NOTES,
    DEFAULT_SEED,
    DISTRICT_GEO,
    EXTRA_SENTENCES,
    HOOFD_CORES,
    HOOFD_PATTERNS,
    HOOFDAANBIEDER_COUNT,
    HOW_TO_REFER,
    LVB,
    MAIN_PERCEEL_CYCLE,
    ONDER_CORES,
    ONDER_TYPES,
    ONDERAANNEMER_COUNT,
    POSTCODE_LETTERS,
    PSYCHIATRIE,
    REFERRERS,
    STREETS,
    TEMPLATES,
    Kind,
    ServiceTemplate,
)


@dataclass
class OrgSpec:
    slug: str
    name: str
    kind: str
    kvk: str = ""
    agb: str = ""
    description: str = ""
    phone: str = ""
    percelen: list[str] = field(default_factory=list)


@dataclass
class LocationSpec:
    org: str
    name: str
    is_main: bool
    district: str
    street: str
    house_number: int
    postcode: str
    latitude: Decimal
    longitude: Decimal


@dataclass
class CapacitySpec:
    status: str
    intake_wait_weeks: int | None
    treatment_wait_weeks: int | None
    free_places: int | None
    note: str
    age: timedelta


@dataclass
class ServiceSpec:
    org: str
    perceel: str
    template: ServiceTemplate
    description: str
    districts: list[str]
    locations: list[str]
    how_to_refer: str
    capacity: CapacitySpec


@dataclass
class Plan:
    organisations: list[OrgSpec] = field(default_factory=list)
    subcontracts: list[tuple[str, str, str]] = field(default_factory=list)
    locations: list[LocationSpec] = field(default_factory=list)
    services: list[ServiceSpec] = field(default_factory=list)


def build_plan(seed: int = DEFAULT_SEED) -> Plan:
    """The whole fictional dataset for ``seed``; the same seed gives the same plan."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    plan = Plan()
    hoofd = [_hoofdaanbieder(rng, index) for index in range(HOOFDAANBIEDER_COUNT)]
    onder = [_onderaannemer(index) for index in range(ONDERAANNEMER_COUNT)]
    plan.subcontracts = _subcontracts(rng, hoofd, onder)
    referrers = [
        OrgSpec(slug=slugify(name), name=name, kind=kind, phone=_phone(rng))
        for name, kind in REFERRERS
    ]
    for index, spec in enumerate(referrers):
        if spec.kind == Kind.HUISARTS:
            spec.agb = f"0199{index:04d}"
    plan.organisations = hoofd + onder + referrers
    for spec in plan.organisations:
        plan.locations += _locations(rng, spec)
    for spec in hoofd + onder:
        plan.services += _services(rng, spec, plan.locations)
    return plan


def _hoofdaanbieder(rng: random.Random, index: int) -> OrgSpec:
    main = MAIN_PERCEEL_CYCLE[index % len(MAIN_PERCEEL_CYCLE)]
    patterns = HOOFD_PATTERNS[main]
    name = patterns[index % len(patterns)].format(HOOFD_CORES[index])
    percelen = [main]
    if rng.random() < 0.3:  # some hold two percelen
        percelen.append(rng.choice([p for p in TEMPLATES if p != main]))
    return OrgSpec(
        slug=slugify(name),
        name=name,
        kind=Kind.HOOFDAANBIEDER,
        kvk=f"9900{index + 1:04d}",
        description=_org_description(rng, percelen),
        phone=_phone(rng),
        percelen=percelen,
    )


def _onderaannemer(index: int) -> OrgSpec:
    kind_of_practice = ONDER_TYPES[index % len(ONDER_TYPES)]
    name = f"{kind_of_practice} {ONDER_CORES[index // len(ONDER_TYPES)]}"
    return OrgSpec(
        slug=slugify(name),
        name=name,
        kind=Kind.ONDERAANNEMER,
        kvk=f"9901{index + 1:04d}",
        description=f"Kleine {kind_of_practice.lower()} in Almere die als "
        "onderaannemer werkt voor een hoofdaanbieder. Fictieve organisatie (demo).",
        phone=f"036 555 {10 + index // 10:02d} {index % 100:02d}",
    )


def _subcontracts(rng, hoofd: list[OrgSpec], onder: list[OrgSpec]):
    """(hoofdaanbieder, perceel, onderaannemer); a few big ones have many.

    An onderaannemer that works for a second hoofdaanbieder does so in another
    perceel, so each hoofdaanbieder's reach (the percelen of its own
    subcontract, DESIGN.md "One permission scope") shows in the demo.
    """
    weights = [rng.choice((1, 1, 1, 2, 3, 6)) for _ in hoofd]
    links = []
    for index, sub in enumerate(onder):
        # The first onderaannemer works for the first hoofdaanbieder (demo logins).
        first = hoofd[0] if index == 0 else rng.choices(hoofd, weights)[0]
        pairs = [(first, rng.choice(first.percelen))]
        if rng.random() < 0.12:  # a few work for a second hoofdaanbieder
            others = [
                h for h in hoofd if h is not first and set(h.percelen) - {pairs[0][1]}
            ]
            second = rng.choice(others)
            pairs.append(
                (second, rng.choice([p for p in second.percelen if p != pairs[0][1]]))
            )
        for main, perceel in pairs:
            links.append((main.slug, perceel, sub.slug))
            if perceel not in sub.percelen:
                sub.percelen.append(perceel)
    return links


def _org_description(rng, percelen: list[str]) -> str:
    focus = {
        BEGELEIDING: "begeleiding van kinderen, jongeren en gezinnen",
        PSYCHIATRIE: "behandeling in de jeugd-GGZ",
        LVB: "behandeling van jeugdigen met een licht verstandelijke beperking",
    }
    parts = " en ".join(focus[p] for p in percelen)
    return (
        f"Gecontracteerde hoofdaanbieder in Almere voor {parts}. "
        f"{rng.choice(EXTRA_SENTENCES)} Fictieve organisatie (demo)."
    )


def _phone(rng) -> str:
    return f"036 555 {rng.randint(0, 99):02d} {rng.randint(0, 99):02d}"


def _locations(rng, spec: OrgSpec) -> list[LocationSpec]:
    """A main location for everyone; JGZ works from every stadsdeel."""
    if spec.kind == Kind.JGZ:
        names = [f"JGZ {_district_name(slug)}" for slug in DISTRICT_GEO]
        districts = list(DISTRICT_GEO)
    else:
        extra = spec.kind in Organisation.PROVIDER_KINDS and rng.random() < 0.3
        districts = rng.sample(list(DISTRICT_GEO), 2 if extra else 1)
        names = [f"Vestiging {_district_name(slug)}" for slug in districts]
        names[0] = f"Hoofdvestiging {_district_name(districts[0])}"
    return [
        _location(rng, spec, district, name=name, is_main=index == 0)
        for index, (district, name) in enumerate(zip(districts, names, strict=True))
    ]


def _district_name(slug: str) -> str:
    return slug.replace("-", " ").title()


def _location(rng, spec: OrgSpec, district: str, *, name, is_main) -> LocationSpec:
    (pc_low, pc_high), (lat_low, lat_high), (lon_low, lon_high) = DISTRICT_GEO[district]
    letters = "".join(rng.choice(POSTCODE_LETTERS) for _ in range(2))
    return LocationSpec(
        org=spec.slug,
        name=name,
        is_main=is_main,
        district=district,
        street=rng.choice(STREETS),
        house_number=rng.randint(1, 180),
        postcode=f"{rng.randint(pc_low, pc_high)} {letters}",
        latitude=Decimal(f"{rng.uniform(lat_low, lat_high):.5f}"),
        longitude=Decimal(f"{rng.uniform(lon_low, lon_high):.5f}"),
    )


def _services(rng, spec: OrgSpec, locations: list[LocationSpec]) -> list[ServiceSpec]:
    own = [loc for loc in locations if loc.org == spec.slug]
    services = []
    for perceel in spec.percelen:
        count = rng.randint(3, 4) if spec.kind == Kind.HOOFDAANBIEDER else 1
        if spec.kind == Kind.ONDERAANNEMER and len(spec.percelen) == 1:
            count = rng.randint(1, 2)
        for template in rng.sample(TEMPLATES[perceel], count):
            services.append(_service(rng, spec, perceel, template, own))
    return services


def _service(rng, spec, perceel, template, own) -> ServiceSpec:
    if rng.random() < 0.6:
        districts = list(DISTRICT_GEO)
    else:
        districts = sorted({own[0].district, *rng.sample(list(DISTRICT_GEO), 2)})
    return ServiceSpec(
        org=spec.slug,
        perceel=perceel,
        template=template,
        description=f"{template.description} {rng.choice(EXTRA_SENTENCES)}",
        districts=districts,
        locations=[loc.name for loc in own if loc.is_main or rng.random() < 0.5],
        how_to_refer=rng.choice(HOW_TO_REFER[perceel]),
        capacity=_capacity(rng),
    )


def _free_places(rng, drawn_open: bool, status: str) -> int:
    # Draw as before so the rest of the plan stays the same for a seed.
    places = rng.randint(1, 8) if drawn_open else 0
    return places if status == Capacity.Status.OPEN else 0


def _capacity(rng) -> CapacitySpec:
    """Mostly open or wachtlijst, a few aanmeldstop; ~20% above the Treeknormen
    (never open then); open always with free places, aanmeldstop never; ~20%
    not updated for longer than ``CAPACITY_STALE_DAYS``."""
    status = rng.choices(list(Capacity.Status), weights=(50, 40, 10))[0]
    drawn_open = status == Capacity.Status.OPEN
    intake = rng.randint(0, 2) if status == Capacity.Status.OPEN else rng.randint(1, 4)
    treatment = rng.randint(0, 10)
    if rng.random() < 0.2:  # above the norm
        if rng.random() < 0.5:
            intake = rng.randint(settings.NORM_INTAKE_WEEKS + 1, 16)
        else:
            treatment = rng.randint(settings.NORM_TREATMENT_WEEKS + 1, 30)
        # Coherent (Capacity.clean): a service that waits above the norm has no
        # place now, so "Nu plek" never shows it.
        if status == Capacity.Status.OPEN:
            status = Capacity.Status.WAITLIST
    stale_days = settings.CAPACITY_STALE_DAYS
    if rng.random() < 0.2:
        age = timedelta(days=rng.randint(stale_days + 1, stale_days + 76))
    else:
        age = timedelta(days=rng.randint(0, stale_days - 1), hours=rng.randint(0, 12))
    return CapacitySpec(
        status=status,
        intake_wait_weeks=intake,
        treatment_wait_weeks=treatment,
        free_places=_free_places(rng, drawn_open, status),
        note=rng.choice(CAPACITY_NOTES[status]),
        age=age,
    )
