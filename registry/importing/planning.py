"""The plan: what to create, update and link, compared with the database.

``plan_catalogue`` runs the whole validation and returns a ``Plan``;
``services.catalogue_import`` carries it out.
"""

import gc
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry.importing.checks import State, check_catalogue
from registry.importing.reading import Catalogue, Table
from registry.importing.rows import (
    OrganisationRow,
    Reference,
    ServiceRow,
    organisation_row,
    service_row,
)
from registry.models import (
    Contract,
    Location,
    Organisation,
    Service,
    Subcontract,
)

CHANGE_REASON = "import"
PROGRESS_EVERY = 1000

ENTITY_LABELS = {
    "organisations": gettext_lazy("Organisaties"),
    "locations": gettext_lazy("Hoofdlocaties"),
    "contracts": gettext_lazy("Contracten"),
    "subcontracts": gettext_lazy("Onderaannemingen"),
    "services": gettext_lazy("Aanbod"),
    "capacities": gettext_lazy("Capaciteit"),
}
# Fields an import compares and overwrites on existing rows.
ORGANISATION_UPDATES = ("name", "agb", "website", "phone", "email")
LOCATION_UPDATES = (
    *Location.ADDRESS_FIELDS,
    "district",
)
SERVICE_UPDATES = (
    "perceel",
    "description",
    "age_min",
    "age_max",
    "intake_phone",
    "intake_email",
)

Progress = Callable[[str, int, int], None]


@dataclass
class EntityCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportResult:
    """What an import did (or, for a dry run, would do), per entity."""

    dry_run: bool
    counts: dict[str, EntityCounts]

    @property
    def changed(self) -> bool:
        return any(c.created or c.updated for c in self.counts.values())


@dataclass
class Changes:
    create: list = field(default_factory=list)
    update: list = field(default_factory=list)  # rows to save (bulk_update)
    fields: set[str] = field(default_factory=set)
    updated: int = 0  # rows that change, also through their links only
    unchanged: int = 0

    def counts(self) -> EntityCounts:
        return EntityCounts(len(self.create), self.updated, self.unchanged)

    def merge(self, old: models.Model, new: models.Model, names: Iterable[str]):
        """Copy the differing fields of ``new`` onto ``old``; return their names."""
        changed = []
        for name in names:
            attname = old._meta.get_field(name).attname
            if getattr(old, attname) != getattr(new, attname):
                setattr(old, attname, getattr(new, attname))
                changed.append(name)
        if changed:
            self.update.append(old)
            self.fields.update(changed)
        return changed


@dataclass
class LinkChange:
    service: Service
    field: str
    add: list  # target ids, or unsaved main locations this import creates
    remove: list[int]


@dataclass
class Plan:
    organisations: Changes = field(default_factory=Changes)
    locations: Changes = field(default_factory=Changes)
    contracts: Changes = field(default_factory=Changes)
    subcontracts: Changes = field(default_factory=Changes)
    services: Changes = field(default_factory=Changes)
    capacities: Changes = field(default_factory=Changes)  # update: (capacity, data)
    links: list[LinkChange] = field(default_factory=list)

    def result(self, *, dry_run: bool) -> ImportResult:
        counts = {name: getattr(self, name).counts() for name in ENTITY_LABELS}
        return ImportResult(dry_run=dry_run, counts=counts)


def plan_catalogue(catalogue: Catalogue, *, progress: Progress | None = None) -> Plan:
    """Validate the catalogue against itself and the database and plan the writes.

    Raises ``ImportFailed`` with every problem found. Run it inside the transaction
    that carries out the plan, so the plan matches the database it is applied to.
    """
    report = progress or (lambda stage, done, total: None)
    ref = Reference.load()
    unreadable = {row.get("kvk") for row in catalogue.organisations.rows if not row.ok}
    orgs = _parse(catalogue.organisations, organisation_row, ref, report)
    services = _parse(catalogue.services, service_row, ref, report)
    state = State.load({item.kvk for item in services})
    check_catalogue(catalogue, orgs, services, state, unreadable)
    catalogue.fail_if_problems()
    return _Planner(state).run(orgs, services, report)


@contextmanager
def gc_paused():
    """Pause Python's cyclic garbage collector while a large import runs.

    A full catalogue keeps a few hundred thousand objects alive; the collector would
    rescan them again and again (measured: validation three times slower). The
    garbage is collected as usual once the import is over.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _parse(table: Table, parse, ref: Reference, report: Progress) -> list:
    stage = _("%(file)s controleren") % {"file": table.name}
    items, total = [], len(table.rows)
    for done, row in enumerate(table.rows, start=1):
        if row.ok:  # a row with the wrong number of cells is not read further
            items.append(parse(row, ref))
        if done % PROGRESS_EVERY == 0 or done == total:
            report(stage, done, total)
    return items


class _Planner:
    """Turns validated rows into a Plan: new instances, changed instances, links."""

    def __init__(self, state: State):
        self.state = state
        self.plan = Plan()
        self.organisations: dict[str, Organisation] = {}
        self.main_locations: dict[str, Location | None] = {}
        self.new_contracts: dict[tuple[str, int], Contract] = {}
        self.start = date.fromisoformat(settings.CONTRACT_PERIOD_START)
        self.now = timezone.now()

    def run(self, orgs: list[OrganisationRow], services: list[ServiceRow], report):
        for item in orgs:
            self.organisation(item)
        for item in orgs:
            if item.organisation.kind == Organisation.Kind.HOOFDAANBIEDER:
                self.contracts(item)
        for item in orgs:
            if item.organisation.kind == Organisation.Kind.ONDERAANNEMER:
                self.subcontracts(item)
        stage, total = _("aanbod vergelijken"), len(services)
        for done, item in enumerate(services, start=1):
            self.service(item)
            if done % PROGRESS_EVERY == 0 or done == total:
                report(stage, done, total)
        return self.plan

    def organisation(self, item: OrganisationRow) -> None:
        new, old = item.organisation, self.state.organisations.get(item.kvk)
        changes = self.plan.organisations
        if old is None:
            new.slug = _unique_slug(new, self.state.slugs)
            changes.create.append(new)
        elif changes.merge(old, new, ORGANISATION_UPDATES):
            changes.updated += 1
        else:
            changes.unchanged += 1
        organisation = self.organisations[item.kvk] = old or new
        self.main_locations[item.kvk] = self.location(item.location, organisation)

    def location(self, new: Location | None, organisation: Organisation):
        old = self.state.main_locations.get(organisation.pk)
        if new is None:  # no address in the file: the existing one stays as it is
            return old
        changes = self.plan.locations
        if old is None:
            new.organisation = organisation
            changes.create.append(new)
            return new
        if changes.merge(old, new, LOCATION_UPDATES):
            changes.updated += 1
        else:
            changes.unchanged += 1
        return old

    def contracts(self, item: OrganisationRow) -> None:
        organisation = self.organisations[item.kvk]
        for perceel in item.percelen:
            if (organisation.pk, perceel.pk) in self.state.contracts:
                self.plan.contracts.unchanged += 1
                continue
            contract = Contract(
                organisation=organisation, perceel=perceel, start_date=self.start
            )
            self.plan.contracts.create.append(contract)
            self.new_contracts[(item.kvk, perceel.pk)] = contract

    def subcontracts(self, item: OrganisationRow) -> None:
        sub = self.organisations[item.kvk]
        main = self.organisations.get(item.main_kvk)
        main = main or self.state.organisations[item.main_kvk]
        held = self.state.subcontracted.get(sub.pk, set())
        for perceel in item.percelen:
            if (main.pk, perceel.pk) in held:
                self.plan.subcontracts.unchanged += 1
                continue
            contract = self.new_contracts.get((item.main_kvk, perceel.pk))
            contract = contract or self.state.contracts[(main.pk, perceel.pk)]
            self.plan.subcontracts.create.append(
                Subcontract(contract=contract, subcontractor=sub)
            )

    def service(self, item: ServiceRow) -> None:
        organisation = self.organisations.get(item.kvk)
        organisation = organisation or self.state.organisations[item.kvk]
        new = item.service
        new.organisation, new.perceel = organisation, item.perceel
        old = self.state.services.get((organisation.pk, new.name))
        changes = self.plan.services
        if old is None:
            changes.create.append(new)
            self.links(new, item, organisation)
        else:
            relinked = self.links(old, item, organisation)
            changed = bool(changes.merge(old, new, SERVICE_UPDATES)) or relinked
            changes.updated += changed
            changes.unchanged += not changed
        self.capacity(old or new, item)

    def links(self, service: Service, item: ServiceRow, organisation) -> bool:
        before = len(self.plan.links)
        for name, targets in item.links.items():
            have = self.state.links[name].get(service.pk, set())
            want = {target.pk for target in targets}
            if want != have:
                change = LinkChange(
                    service, name, sorted(want - have), sorted(have - want)
                )
                self.plan.links.append(change)
        main = self.main_locations.get(item.kvk)
        if item.kvk not in self.main_locations:
            main = self.state.main_locations.get(organisation.pk)
        if main is not None and main.pk not in self.state.links["locations"].get(
            service.pk, set()
        ):
            self.plan.links.append(LinkChange(service, "locations", [main], []))
        return len(self.plan.links) > before

    def capacity(self, service: Service, item: ServiceRow) -> None:
        changes = self.plan.capacities
        capacity = self.state.capacities.get(service.pk) if service.pk else None
        data = item.capacity_data
        if capacity is None:
            item.capacity.service, item.capacity.updated_at = service, self.now
            changes.create.append(item.capacity)
        elif any(getattr(capacity, name) != value for name, value in data.items()):
            changes.update.append((capacity, data))
            changes.updated += 1
        else:
            changes.unchanged += 1


def _unique_slug(organisation: Organisation, taken: set[str]) -> str:
    base = slugify(organisation.name)[:190] or "organisatie"
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}-{organisation.kvk}" + (f"-{number}" if number > 2 else "")
    taken.add(candidate)
    return candidate
