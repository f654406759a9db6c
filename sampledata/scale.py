"""Generated catalogues at scale, for benchmarks and scale tests.

``generate(config)`` builds a deterministic, fictional catalogue (the same seed
gives the same rows): organisations (hoofdaanbieders with contracts, onderaannemers
with subcontracts), locations, services with their problem areas, forms, districts
and locations, and a capacity row per service; then it refreshes the search
documents. Rows are written in bulk: PostgreSQL ``COPY`` (psycopg 3), SQLite
``bulk_create``. Primary keys are assigned here, so rows can refer to each other
without reading back; sequences are reset afterwards.

The work is split into named parts (``PARTS``) run in order; another app can add
one (e.g. referrals) with ``register_part``. Generated organisations have slugs
``scale-s<seed>-o<n>``; a catalogue already generated with the same seed and size
is left as it is.
"""

import random
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from registry.models import (
    Capacity,
    Contract,
    DeliveryForm,
    District,
    Location,
    Organisation,
    Perceel,
    ProblemArea,
    Service,
    Subcontract,
)

HOOFDAANBIEDER_SHARE = 0.2
CONTRACT_START = date(2019, 1, 1)
_NAME_HEADS = (
    "De Brug",
    "Kompas",
    "Horizon",
    "Het Anker",
    "Zonnestraal",
    "De Linde",
    "Vlinder",
    "Boomgaard",
    "Polderkind",
    "Sterk Thuis",
    "Koers",
    "Lichtpunt",
    "De Haven",
    "Groeikracht",
    "Samen Verder",
    "Kleurrijk",
    "Waterland",
    "Noorderlicht",
)
_NAME_TAILS = (
    "Jeugdhulp",
    "Begeleiding",
    "Jeugd-GGZ",
    "Gezinszorg",
    "Praktijk",
    "Zorg",
    "Kinderpraktijk",
    "Ambulant",
    "Behandelcentrum",
    "Coaching",
)
_SERVICE_KINDS = (
    "Individuele begeleiding",
    "Gezinsbegeleiding",
    "Groepstraining",
    "Behandeling",
    "Dagbehandeling",
    "Ouderbegeleiding",
    "Online behandeling",
    "Kortdurende behandeling",
    "Intensieve ambulante hulp",
    "Schoolbegeleiding",
)
_PHRASES = (
    "Voor kinderen en jongeren met {p}.",
    "Wij werken samen met ouders en school aan {p}.",
    "Behandelingen bij {p}, kort en dichtbij.",
    "Begeleiding thuis en in de wijk bij {p}.",
    "Groepen met leeftijdgenoten die ook te maken hebben met {p}.",
)
_STREETS = (
    "Stadhuisplein",
    "Grote Markt",
    "Havenstraat",
    "Baltimoreplein",
    "Globeplein",
    "Kruidenweg",
    "Literatuurweg",
    "Muziekweg",
    "Schoolstraat",
    "Olstgracht",
)
_POSTCODE_LETTERS = "ABCEGHJKLMNPRTVWXZ"


@dataclass(frozen=True)
class ScaleConfig:
    organisations: int = 5000
    services: int = 50000
    locations: int = 100000
    seed: int = 1
    # The ``referrals`` part (registry/scale_referrals.py): how many, over how long.
    referrals: int = 0
    referral_years: float = 3

    @property
    def slug_prefix(self) -> str:
        return f"scale-s{self.seed}-"


@dataclass
class ScaleState:
    """What earlier parts made, for later parts (ids, the random generator)."""

    config: ScaleConfig
    rng: random.Random
    now: datetime
    log: Callable[[str], None]
    organisation_ids: list[int] = field(default_factory=list)
    held_percelen: dict[int, list[int]] = field(default_factory=dict)
    locations_by_org: dict[int, list[int]] = field(default_factory=dict)
    service_ids: list[int] = field(default_factory=list)


def already_generated(config: ScaleConfig) -> bool:
    existing = Organisation.objects.filter(slug__startswith=config.slug_prefix)
    return existing.count() == config.organisations and (
        Service.objects.filter(
            organisation__slug__startswith=config.slug_prefix
        ).count()
        == config.services
    )


def generate(
    config: ScaleConfig, parts: Sequence[str] = ("catalogue",), log=None
) -> ScaleState:
    """Run ``parts`` in order (see ``PARTS``) and return the shared state."""
    state = ScaleState(
        config=config,
        rng=random.Random(config.seed),  # noqa: S311 (fictional data, not secrets)
        now=timezone.now(),
        log=log or (lambda message: None),
    )
    for name in parts:
        PARTS[name](state)
    return state


# --- bulk writing ----------------------------------------------------------------


def _next_id(model) -> int:
    return (model.objects.aggregate(top=models.Max("pk"))["top"] or 0) + 1


def _insert(model, fields: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Insert ``rows`` (tuples in ``fields`` order; attnames such as
    ``organisation_id``) as fast as the database allows."""
    if connection.vendor != "postgresql":
        objects = (model(**dict(zip(fields, row, strict=True))) for row in rows)
        model.objects.bulk_create(objects, batch_size=500)
        return
    columns = ", ".join(
        connection.ops.quote_name(model._meta.get_field(name).column) for name in fields
    )
    sql = (
        f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
    )
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


@contextmanager
def _capacity_trigger_paused():
    """On PostgreSQL, let the capacity -> service trigger skip its one UPDATE per
    row while loading (see migration 0003); the search refresh afterwards sets
    the same columns. Lasts until the end of the transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL registry.bulk_load = 'on'")
    yield


def _reset_sequences(*model_classes) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), model_classes)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


# --- the catalogue part ------------------------------------------------------------


def generate_catalogue(state: ScaleState) -> None:
    """Organisations, contracts, subcontracts, locations, services, capacity."""
    if already_generated(state.config):
        state.log("catalogue with this seed and size exists: skipped")
        return
    with transaction.atomic(), _capacity_trigger_paused():
        _organisations(state)
        _contracts(state)
        _locations(state)
        _services(state)
        _reset_sequences(
            Organisation, Contract, Subcontract, Location, Service, Capacity
        )
    from registry.services import service_refresh_search

    state.log("refreshing search documents")
    service_refresh_search(services=state.service_ids)


def _organisations(state: ScaleState) -> None:
    config, rng = state.config, state.rng
    first = _next_id(Organisation)
    heads = max(1, int(config.organisations * HOOFDAANBIEDER_SHARE))
    rows = []
    for n in range(config.organisations):
        kind = "hoofdaanbieder" if n < heads else "onderaannemer"
        name = f"{rng.choice(_NAME_HEADS)} {rng.choice(_NAME_TAILS)} {n + 1}"
        rows.append(_organisation_row(first + n, n, name, kind, state))
    fields = ("id", "name", "slug", "kind", "kvk", "agb", "description", "website")
    fields += ("phone", "email", "active", "created_at", "updated_at")
    _insert(Organisation, fields, rows)
    state.organisation_ids = [row[0] for row in rows]
    state.log(f"{len(rows)} organisations")


def _organisation_row(pk, n, name, kind, state):
    slug = f"{state.config.slug_prefix}o{n + 1}"
    kvk = f"9{state.config.seed % 10}{n:06d}"
    description = f"{name} biedt jeugdhulp in Almere."
    phone = f"036-{5000000 + n:07d}"
    email = f"info@o{n + 1}.example.org"
    return (
        pk, name, slug, kind, kvk, "", description, "", phone, email, True,
        state.now, state.now,
    )  # fmt: skip


def _contracts(state: ScaleState) -> None:
    rng = state.rng
    percelen = list(Perceel.objects.filter(active=True).values_list("pk", flat=True))
    heads = max(1, int(len(state.organisation_ids) * HOOFDAANBIEDER_SHARE))
    contract_id = _next_id(Contract)
    contracts, held = [], {}
    for org_id in state.organisation_ids[:heads]:
        chosen = sorted(rng.sample(percelen, rng.randint(1, len(percelen))))
        held[org_id] = chosen
        for perceel_id in chosen:
            contracts.append((contract_id, org_id, perceel_id, CONTRACT_START, None))
            contract_id += 1
    _insert(
        Contract, ("id", "organisation_id", "perceel_id", "start_date", "end_date"),
        contracts,
    )  # fmt: skip
    subcontracts = []
    for org_id in state.organisation_ids[heads:]:
        for contract in rng.sample(contracts, min(len(contracts), rng.randint(1, 2))):
            subcontracts.append((contract[0], org_id, CONTRACT_START))
            held.setdefault(org_id, [])
            if contract[2] not in held[org_id]:
                held[org_id].append(contract[2])
    _insert(
        Subcontract, ("contract_id", "subcontractor_id", "start_date"), subcontracts
    )
    state.held_percelen = held
    state.log(f"{len(contracts)} contracts, {len(subcontracts)} subcontracts")


def _locations(state: ScaleState) -> None:
    rng, config = state.rng, state.config
    districts = list(District.objects.values_list("pk", flat=True))
    orgs = state.organisation_ids
    owners = list(orgs) + [
        rng.choice(orgs) for _ in range(max(0, config.locations - len(orgs)))
    ]
    pk = _next_id(Location)
    rows = []
    for n, org_id in enumerate(owners):
        is_main = n < len(orgs)
        rows.append(_location_row(pk + n, org_id, is_main, rng.choice(districts), rng))
        state.locations_by_org.setdefault(org_id, []).append(pk + n)
    fields = ("id", "organisation_id", "name", "is_main", "street", "house_number")
    fields += ("house_letter", "house_number_addition", "postcode")
    fields += ("city", "district_id", "phone", "latitude", "longitude")
    _insert(Location, fields, rows)
    state.log(f"{len(rows)} locations")


def _location_row(pk, org_id, is_main, district_id, rng):
    letters = rng.choice(_POSTCODE_LETTERS) + rng.choice(_POSTCODE_LETTERS)
    postcode = f"13{rng.randint(10, 69)} {letters}"
    latitude = Decimal(f"{rng.uniform(52.32, 52.41):.5f}")
    longitude = Decimal(f"{rng.uniform(5.15, 5.32):.5f}")
    name = "Hoofdvestiging" if is_main else f"Vestiging {pk}"
    street, house_number = rng.choice(_STREETS), rng.randint(1, 200)
    return (
        pk, org_id, name, is_main, street, house_number, "", "", postcode, "Almere",
        district_id, "",
        latitude, longitude,
    )  # fmt: skip


def _services(state: ScaleState) -> None:
    rng, config = state.rng, state.config
    reference = {
        "problem": list(ProblemArea.objects.values_list("pk", "name")),
        "form": list(DeliveryForm.objects.values_list("pk", flat=True)),
        "district": list(District.objects.values_list("pk", flat=True)),
    }
    first = _next_id(Service)
    rows, links = [], {"problem": [], "form": [], "district": [], "location": []}
    for n in range(config.services):
        org_id = rng.choice(state.organisation_ids)
        problems = rng.sample(reference["problem"], rng.randint(1, 3))
        rows.append(_service_row(first + n, n, org_id, problems, state))
        _service_links(first + n, org_id, problems, reference, links, state)
    fields = ("id", "organisation_id", "perceel_id", "name", "description", "age_min")
    fields += ("age_max", "how_to_refer", "intake_phone", "intake_email", "active")
    fields += ("created_at", "updated_at", "search_text", "search_district_bits")
    fields += ("search_problem_bits", "search_form_bits", "search_open")
    _insert(Service, fields, rows)
    _insert_links(links)
    _capacities(state, [row[0] for row in rows])
    state.service_ids = [row[0] for row in rows]
    state.log(f"{len(rows)} services")


def _service_row(pk, n, org_id, problems, state):
    rng = state.rng
    perceel_id = rng.choice(state.held_percelen[org_id])
    topic = problems[0][1].lower()
    name = f"{rng.choice(_SERVICE_KINDS)} {topic} {n + 1}"
    description = " ".join(
        rng.choice(_PHRASES).format(p=problem[1].lower()) for problem in problems
    )
    age_min = rng.choice((0, 4, 6, 8, 12, 16))
    age_max = rng.choice([a for a in (5, 12, 17, 18, 23) if a >= age_min])
    how = "Verwijzing via huisarts, jeugdarts of wijkteam; bel de intake."
    phone = f"036-{6000000 + n:07d}"
    email = f"intake@s{n + 1}.example.org"
    return (
        pk, org_id, perceel_id, name, description, age_min, age_max, how, phone,
        email, True, state.now, state.now, "", 0, 0, 0, False,
    )  # fmt: skip


def _service_links(service_id, org_id, problems, reference, links, state):
    rng = state.rng
    links["problem"] += [(service_id, problem[0]) for problem in problems]
    forms = rng.sample(reference["form"], rng.randint(1, 2))
    links["form"] += [(service_id, form) for form in forms]
    districts = rng.sample(reference["district"], rng.randint(1, 3))
    links["district"] += [(service_id, district) for district in districts]
    own = state.locations_by_org[org_id]
    places = rng.sample(own, min(len(own), rng.randint(1, 2)))
    links["location"] += [(service_id, location) for location in places]


def _insert_links(links) -> None:
    throughs = {
        "problem": (Service.problem_areas.through, "problemarea_id"),
        "form": (Service.forms.through, "deliveryform_id"),
        "district": (Service.districts.through, "district_id"),
        "location": (Service.locations.through, "location_id"),
    }
    for group, (through, column) in throughs.items():
        _insert(through, ("service_id", column), links[group])


def _capacities(state: ScaleState, service_ids: list[int]) -> None:
    rng = state.rng
    rows = []
    for service_id in service_ids:
        status = rng.choices(("open", "waitlist", "closed"), weights=(35, 50, 15))[0]
        intake = None if rng.random() < 0.05 else rng.randint(0, 16)
        treatment = None if rng.random() < 0.05 else rng.randint(0, 26)
        updated = state.now - timedelta(minutes=rng.randint(0, 60 * 24 * 60))
        free = rng.randint(1, 10) if status == "open" else 0
        rows.append((service_id, status, intake, treatment, free, "", updated, 1))
    fields = ("service_id", "status", "intake_wait_weeks", "treatment_wait_weeks")
    fields += ("free_places", "note", "updated_at", "version")
    _insert(Capacity, fields, rows)


def generate_referrals(state: ScaleState) -> None:
    """Referrer organisations, referrals with events, capacity history."""
    from sampledata.scale_referrals import generate_referrals_part

    generate_referrals_part(state)


PARTS: dict[str, Callable[[ScaleState], None]] = {
    "catalogue": generate_catalogue,
    "referrals": generate_referrals,
}


def register_part(name: str, function: Callable[[ScaleState], None]) -> None:
    """Add a part (run after the catalogue when asked for by name)."""
    PARTS[name] = function
