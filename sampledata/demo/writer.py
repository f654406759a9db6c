"""Writing the demo plan: an upsert in bulk, validated row by row."""

from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from registry.models import (
    Capacity,
    Contract,
    DeliveryForm,
    District,
    Location,
    Membership,
    Organisation,
    Perceel,
    ProblemArea,
    Service,
    Subcontract,
    User,
)
from registry.services import service_refresh_search
from registry.services.groups import municipality_group_ensure
from sampledata.demo.catalogue import (
    CHANGE_REASON,
    DEFAULT_SEED,
    DEMO_LOGINS,
    DEMO_PASSWORD,
    DemoLogin,
    Kind,
)
from sampledata.demo.plan import Plan, build_plan


@dataclass
class ReferenceData:
    percelen: dict[str, Perceel]
    districts: dict[str, District]
    forms: dict[str, DeliveryForm]
    problems: dict[str, ProblemArea]

    @classmethod
    def load(cls) -> "ReferenceData":
        return cls(
            percelen=Perceel.objects.in_bulk(field_name="code"),
            districts=District.objects.in_bulk(field_name="slug"),
            forms=DeliveryForm.objects.in_bulk(field_name="slug"),
            problems=ProblemArea.objects.in_bulk(field_name="slug"),
        )


def provider_data_exists() -> bool:
    return Organisation.objects.filter(kind__in=Organisation.PROVIDER_KINDS).exists()


@transaction.atomic
def seed_demo(*, seed: int = DEFAULT_SEED, now: datetime | None = None) -> dict:
    """Write the demo dataset for ``seed`` as an upsert; returns counts to report.

    Invariants: every row written passes the model's field validation and
    ``clean()`` (keys and constraints are left to the database); a re-run with the
    same seed changes and duplicates nothing; existing capacity is never
    overwritten.
    Errors: ``ValidationError`` if the plan breaks a model rule (then nothing is
    written). Side effects: history rows with reason "demodata"; new capacity rows
    and their first history row carry the (past) date of their last update; the
    search documents of the demo services are refreshed.
    """
    plan = build_plan(seed)
    ref = ReferenceData.load()
    orgs = _write_organisations(plan)
    contracts = _write_contracts(plan, orgs, ref)
    _write_subcontracts(plan, orgs, contracts)
    locations = _write_locations(plan, orgs, ref)
    services = _write_services(plan, orgs, ref)
    _write_capacity(plan, services, now or timezone.now())
    _write_service_links(plan, services, locations, ref)
    service_refresh_search(services=services)
    return demo_counts()


def demo_counts() -> dict[str, int]:
    organisations = Organisation.objects.all()
    above_norm = Q(intake_wait_weeks__gt=settings.NORM_INTAKE_WEEKS) | Q(
        treatment_wait_weeks__gt=settings.NORM_TREATMENT_WEEKS
    )
    return {
        "hoofdaanbieders": organisations.filter(kind=Kind.HOOFDAANBIEDER).count(),
        "onderaannemers": organisations.filter(kind=Kind.ONDERAANNEMER).count(),
        "andere organisaties": organisations.exclude(
            kind__in=Organisation.PROVIDER_KINDS
        ).count(),
        "aanbod": Service.objects.count(),
        "capaciteit verouderd": Capacity.objects.stale().count(),
        "capaciteit boven de Treeknorm": Capacity.objects.filter(above_norm).count(),
    }


def _upsert(model, desired: list, key, fields: list[str], existing) -> list:
    """Create the rows of ``desired`` that ``existing`` lacks (matched by ``key``)
    and update those whose ``fields`` differ. Returns the saved rows, in order."""
    found = {key(row): row for row in existing}
    attnames = [model._meta.get_field(name).attname for name in fields]
    to_create, to_update = [], []
    for row in desired:
        current = found.get(key(row))
        if current is None:
            to_create.append(row)
        elif any(getattr(current, a) != getattr(row, a) for a in attnames):
            for attname in attnames:
                setattr(current, attname, getattr(row, attname))
            to_update.append(current)
    for row in to_create + to_update:
        _validate(row)
    _bulk_write(model, to_create, to_update, fields)
    found.update({key(row): row for row in to_create})
    return [found[key(row)] for row in desired]


def _validate(row) -> None:
    """``full_clean`` without the per-row queries the database repeats anyway
    (foreign keys point at rows in hand; uniqueness and constraints are enforced
    by the database in the bulk write)."""
    relations = [f.name for f in row._meta.concrete_fields if f.is_relation]
    row.full_clean(exclude=relations, validate_unique=False, validate_constraints=False)


def _bulk_write(model, to_create: list, to_update: list, fields: list[str]) -> None:
    tracked = hasattr(model._meta, "simple_history_manager_attribute")
    if tracked and to_create:
        bulk_create_with_history(to_create, model, default_change_reason=CHANGE_REASON)
    elif to_create:
        model.objects.bulk_create(to_create)
    if tracked and to_update:
        bulk_update_with_history(
            to_update, model, fields, default_change_reason=CHANGE_REASON
        )
    elif to_update:
        model.objects.bulk_update(to_update, fields)


ORGANISATION_FIELDS = [
    "name", "slug", "kind", "agb", "description", "phone", "email", "website",
]  # fmt: skip


def _write_organisations(plan: Plan) -> dict[str, Organisation]:
    desired = [
        Organisation(
            name=spec.name,
            slug=spec.slug,
            kind=spec.kind,
            kvk=spec.kvk,
            agb=spec.agb,
            description=spec.description,
            phone=spec.phone,
            email=f"info@{spec.slug}.example.org",
            website=f"https://{spec.slug}.example.org",
        )
        for spec in plan.organisations
    ]
    existing = Organisation.objects.filter(
        Q(kvk__in=[row.kvk for row in desired if row.kvk])
        | Q(slug__in=[row.slug for row in desired])
    )
    saved = _upsert(
        Organisation, desired, _organisation_key, ORGANISATION_FIELDS, existing
    )
    return {spec.slug: row for spec, row in zip(plan.organisations, saved, strict=True)}


def _organisation_key(row: Organisation) -> str:
    return f"kvk:{row.kvk}" if row.kvk else f"slug:{row.slug}"


def _contract_key(row: Contract) -> tuple:
    return (row.organisation_id, row.perceel_id, row.start_date)


def _write_contracts(plan, orgs, ref) -> dict[tuple[str, str], Contract]:
    start = date.fromisoformat(settings.CONTRACT_PERIOD_START)
    wanted = [
        (spec.slug, code)
        for spec in plan.organisations
        if spec.kind == Kind.HOOFDAANBIEDER
        for code in spec.percelen
    ]
    desired = [
        Contract(organisation=orgs[slug], perceel=ref.percelen[code], start_date=start)
        for slug, code in wanted
    ]
    existing = Contract.objects.filter(
        organisation__in=[row.organisation for row in desired], start_date=start
    )
    saved = _upsert(Contract, desired, _contract_key, [], existing)
    return dict(zip(wanted, saved, strict=True))


def _subcontract_key(row: Subcontract) -> tuple:
    return (row.contract_id, row.subcontractor_id)


def _write_subcontracts(plan, orgs, contracts) -> None:
    desired = [
        Subcontract(contract=contracts[(main, code)], subcontractor=orgs[sub])
        for main, code, sub in plan.subcontracts
    ]
    existing = Subcontract.objects.filter(
        subcontractor__in=[row.subcontractor for row in desired]
    )
    _upsert(Subcontract, desired, _subcontract_key, [], existing)


LOCATION_FIELDS = [
    "name", "street", "house_number", "house_letter", "house_number_addition",
    "postcode", "city", "district", "phone", "latitude", "longitude",
]  # fmt: skip


def _location_key(row: Location) -> tuple:
    # The main location is matched as "the main one", so it is updated, never doubled.
    return (row.organisation_id, "" if row.is_main else row.name)


def _write_locations(plan, orgs, ref) -> dict[tuple[str, str], Location]:
    desired = [
        Location(
            organisation=orgs[spec.org],
            name=spec.name,
            is_main=spec.is_main,
            street=spec.street,
            house_number=spec.house_number,
            postcode=spec.postcode,
            city="Almere",
            district=ref.districts[spec.district],
            phone=orgs[spec.org].phone,
            latitude=spec.latitude,
            longitude=spec.longitude,
        )
        for spec in plan.locations
    ]
    existing = Location.objects.filter(organisation__in=orgs.values())
    saved = _upsert(Location, desired, _location_key, LOCATION_FIELDS, existing)
    return {
        (spec.org, spec.name): row
        for spec, row in zip(plan.locations, saved, strict=True)
    }


SERVICE_FIELDS = [
    "perceel", "description", "age_min", "age_max", "how_to_refer", "intake_phone",
    "intake_email",
]  # fmt: skip


def _service_key(row: Service) -> tuple:
    return (row.organisation_id, row.name)


def _write_services(plan, orgs, ref) -> list[Service]:
    desired = [
        Service(
            organisation=orgs[spec.org],
            perceel=ref.percelen[spec.perceel],
            name=spec.template.name,
            description=spec.description,
            age_min=spec.template.age_min,
            age_max=spec.template.age_max,
            how_to_refer=spec.how_to_refer,
            intake_phone=orgs[spec.org].phone,
            intake_email=f"intake@{spec.org}.example.org",
        )
        for spec in plan.services
    ]
    existing = Service.objects.filter(organisation__in=orgs.values())
    return _upsert(Service, desired, _service_key, SERVICE_FIELDS, existing)


def _write_capacity(plan: Plan, services: list[Service], now: datetime) -> None:
    """Create capacity for services without any; its history starts at that date."""
    have = set(
        Capacity.objects.filter(service__in=services).values_list(
            "service_id", flat=True
        )
    )
    new = []
    for spec, service in zip(plan.services, services, strict=True):
        if service.pk in have:
            continue
        values = spec.capacity
        capacity = Capacity(
            service=service,
            status=values.status,
            intake_wait_weeks=values.intake_wait_weeks,
            treatment_wait_weeks=values.treatment_wait_weeks,
            free_places=values.free_places,
            note=values.note,
            updated_at=now - values.age,
        )
        _validate(capacity)
        capacity._history_date = capacity.updated_at
        new.append(capacity)
    if new:
        bulk_create_with_history(new, Capacity, default_change_reason=CHANGE_REASON)


def _write_service_links(plan, services, locations, ref) -> None:
    """Problem areas, forms, stadsdelen and locations; adds missing links only."""
    links = {"problem_areas": [], "forms": [], "districts": [], "locations": []}
    for spec, service in zip(plan.services, services, strict=True):
        pk = service.pk
        links["problem_areas"] += [
            (pk, ref.problems[s].pk) for s in spec.template.problems
        ]
        links["forms"] += [(pk, ref.forms[s].pk) for s in spec.template.forms]
        links["districts"] += [(pk, ref.districts[s].pk) for s in spec.districts]
        links["locations"] += [
            (pk, locations[(spec.org, name)].pk) for name in spec.locations
        ]
    for name, pairs in links.items():
        field_ = Service._meta.get_field(name)
        through = field_.remote_field.through
        source = f"{field_.m2m_field_name()}_id"
        target = f"{field_.m2m_reverse_field_name()}_id"
        rows = [through(**{source: a, target: b}) for a, b in pairs]
        through.objects.bulk_create(rows, ignore_conflicts=True)


# --- demo log-ins (DEBUG only) -----------------------------------------------------


@transaction.atomic
def demo_logins_ensure() -> tuple[DemoLogin, ...]:
    """Create (or reset) one log-in per role with the documented ``DEMO_PASSWORD``.

    Invariants: never outside DEBUG. Errors: ``ImproperlyConfigured`` when DEBUG is
    off (nothing created); ``KeyError`` if the demo organisations are missing.
    Side effects: users, memberships, the "Gemeente" group for the gemeente login.
    """
    if not settings.DEBUG:
        raise ImproperlyConfigured("Demo-logins worden nooit aangemaakt buiten DEBUG.")
    group = municipality_group_ensure()
    slugs = [login.organisation for login in DEMO_LOGINS]
    organisations = Organisation.objects.in_bulk(slugs, field_name="slug")
    # One (slow, Argon2) hash for all: the password is public anyway.
    password = make_password(DEMO_PASSWORD)
    for login in DEMO_LOGINS:
        user, _ = User.objects.get_or_create(username=login.username)
        user.email = f"{login.username}@example.org"
        user.first_name, user.last_name = "Demo", login.label
        user.is_staff = login.is_staff
        user.password = password
        user.save()
        Membership.objects.update_or_create(
            user=user,
            organisation=organisations[login.organisation],
            defaults={"role": login.role},
        )
        if login.is_staff:
            user.groups.add(group)
    return DEMO_LOGINS
