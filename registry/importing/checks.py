"""Checks across rows and against the database: duplicates, roles, who holds
which perceel once the file is in. The database is read in bulk into ``State``.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext as _

from registry.importing.reading import Catalogue
from registry.importing.rows import LINK_COLUMNS, OrganisationRow, ServiceRow
from registry.models import (
    Capacity,
    Contract,
    Location,
    Organisation,
    Perceel,
    Service,
    Subcontract,
)

# --- The database as it is ---------------------------------------------------------


def _chunks(items: list, size: int = 500):
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class State:
    """The rows of the database an import compares against, loaded in bulk."""

    organisations: dict[str, Organisation]
    slugs: set[str]
    main_locations: dict[int, Location]
    contracts: dict[tuple[int, int], Contract]  # (hoofdaanbieder, perceel) -> latest
    subcontracted: dict[int, set[tuple[int, int]]]  # sub -> {(main, perceel)}
    contracted: dict[int, set[int]] = field(default_factory=dict)  # main -> percelen
    services: dict[tuple[int, str], Service] = field(default_factory=dict)
    capacities: dict[int, Capacity] = field(default_factory=dict)
    links: dict[str, dict[int, set[int]]] = field(default_factory=dict)

    @classmethod
    def load(cls, service_kvks: set[str]) -> "State":
        subcontracted = defaultdict(set)
        for sub, main, perceel in Subcontract.objects.values_list(
            "subcontractor_id", "contract__organisation_id", "contract__perceel_id"
        ):
            subcontracted[sub].add((main, perceel))
        state = cls(
            organisations={o.kvk: o for o in Organisation.objects.exclude(kvk="")},
            slugs=set(Organisation.objects.values_list("slug", flat=True)),
            main_locations={
                loc.organisation_id: loc
                for loc in Location.objects.filter(is_main=True)
            },
            contracts={
                (c.organisation_id, c.perceel_id): c
                for c in Contract.objects.order_by("start_date", "pk")
            },
            subcontracted=subcontracted,
        )
        state.contracted = defaultdict(set)
        for main, perceel in state.contracts:
            state.contracted[main].add(perceel)
        state.load_services(service_kvks)
        return state

    def load_services(self, kvks: set[str]) -> None:
        self.links = {name: defaultdict(set) for name in (*LINK_COLUMNS, "locations")}
        ids = sorted(self.organisations[k].pk for k in kvks if k in self.organisations)
        for chunk in _chunks(ids):
            for service in Service.objects.filter(organisation_id__in=chunk):
                self.services[(service.organisation_id, service.name)] = service
            for capacity in Capacity.objects.filter(service__organisation_id__in=chunk):
                self.capacities[capacity.service_id] = capacity
            for name, targets in self.links.items():
                through, source, target = link_model(name)
                pairs = through.objects.filter(
                    **{f"{source}__organisation_id__in": chunk}
                ).values_list(f"{source}_id", f"{target}_id")
                for service_id, target_id in pairs:
                    targets[service_id].add(target_id)

    def held_percelen(self, kvk: str) -> set[int]:
        org = self.organisations.get(kvk)
        if org is None:
            return set()
        if org.kind == Organisation.Kind.HOOFDAANBIEDER:
            return self.contracted.get(org.pk, set())
        return {perceel for _main, perceel in self.subcontracted.get(org.pk, ())}


def link_model(name: str) -> tuple[type[models.Model], str, str]:
    """The through model of ``Service.<name>`` and its two foreign key names."""
    m2m = Service._meta.get_field(name)
    return m2m.remote_field.through, m2m.m2m_field_name(), m2m.m2m_reverse_field_name()


# --- Checks across rows ------------------------------------------------------------


class Providers:
    """Who is which kind of organisation and holds which percelen once the file
    is in: the file's rows on top of the database."""

    def __init__(self, items: list[OrganisationRow], state: State, unreadable):
        self.file: dict[str, OrganisationRow] = {}
        for item in items:
            self.file.setdefault(item.kvk, item)
        self.unreadable = set(unreadable) - set(self.file)
        self.state = state

    def kind(self, kvk: str) -> str | None:
        """The kind once the file is in; None when unknown; "" when unsure because
        that organisation's row is in error (its problem is reported already)."""
        if kvk in self.unreadable:
            return ""
        item = self.file.get(kvk)
        if item is not None:
            return "" if item.row.failed & {"kvk", "rol"} else item.organisation.kind
        org = self.state.organisations.get(kvk)
        return org.kind if org else None

    def broken(self, kvk: str) -> bool:
        return kvk in self.file and not self.file[kvk].row.ok

    def name(self, kvk: str) -> str:
        item = self.file.get(kvk)
        return item.organisation.name if item else self.state.organisations[kvk].name

    def holds(self, kvk: str, perceel: Perceel) -> bool:
        item = self.file.get(kvk)
        in_file = item is not None and perceel in item.percelen
        return in_file or perceel.pk in self.state.held_percelen(kvk)


def _check_duplicates(items, key, column: str, message: Callable) -> None:
    first_line = {}
    for item in items:
        value = key(item)
        if not all(value):
            continue
        if value in first_line:
            item.row.error(column, message(item, first_line[value]))
        else:
            first_line[value] = item.row.line


def _check_role(item: OrganisationRow, state: State) -> None:
    existing = state.organisations.get(item.kvk)
    kind = item.organisation.kind
    if existing is not None and kind and existing.kind != kind:
        item.row.error(
            "rol",
            _(
                "KvK %(kvk)s staat al geregistreerd als %(kind)s; die rol verandert "
                "de import niet."
            )
            % {"kvk": item.kvk, "kind": existing.get_kind_display().lower()},
        )


def _check_main_contractor(item: OrganisationRow, providers: Providers) -> None:
    row, main = item.row, item.main_kvk
    kind = item.organisation.kind
    if kind == Organisation.Kind.HOOFDAANBIEDER and main:
        row.error("hoofdaanbieder_kvk", _("Vul dit alleen in bij een onderaannemer."))
    elif kind == Organisation.Kind.ONDERAANNEMER and not main:
        row.error(
            "hoofdaanbieder_kvk",
            _("Een onderaannemer heeft het KvK-nummer van zijn hoofdaanbieder nodig."),
        )
    elif kind == Organisation.Kind.ONDERAANNEMER and "hoofdaanbieder_kvk" not in (
        row.failed
    ):
        _check_main_holds(item, providers)


def _check_main_holds(item: OrganisationRow, providers: Providers) -> None:
    row, main = item.row, item.main_kvk
    kind = providers.kind(main)
    if kind == "":
        return
    if kind != Organisation.Kind.HOOFDAANBIEDER:
        row.error(
            "hoofdaanbieder_kvk",
            _(
                "Geen hoofdaanbieder met KvK-nummer %(kvk)s in het bestand of in de "
                "database."
            )
            % {"kvk": main},
        )
        return
    if providers.broken(main):  # its percelen may be incomplete
        return
    missing = [p.code for p in item.percelen if not providers.holds(main, p)]
    if missing:
        row.error(
            "percelen",
            _("Hoofdaanbieder %(kvk)s heeft geen contract voor %(percelen)s.")
            % {"kvk": main, "percelen": ", ".join(missing)},
        )


def _check_provider(item: ServiceRow, providers: Providers, org_file: str) -> None:
    row, kvk = item.row, item.kvk
    kind = providers.kind(kvk)
    if "kvk" in row.failed or kind == "":
        return
    if kind is None:
        message = _(
            "Geen organisatie met KvK-nummer %(kvk)s in %(file)s of in de database."
        )
        row.error("kvk", message % {"kvk": kvk, "file": org_file})
    elif kind not in Organisation.PROVIDER_KINDS:
        message = _("%(org)s is geen aanbieder.") % {"org": providers.name(kvk)}
        row.error("kvk", message)
    elif item.perceel and not (
        providers.broken(kvk) or providers.holds(kvk, item.perceel)
    ):
        row.error(
            "perceel",
            _("%(org)s heeft geen contract of onderaanneming voor %(perceel)s.")
            % {"org": providers.name(kvk), "perceel": item.perceel.code},
        )


def check_catalogue(catalogue: Catalogue, orgs, services, state, unreadable) -> None:
    _check_duplicates(
        orgs,
        lambda item: (item.kvk,),
        "kvk",
        lambda item, line: (
            _("KvK-nummer %(kvk)s staat al op regel %(line)d.")
            % {"kvk": item.kvk, "line": line}
        ),
    )
    _check_duplicates(
        services,
        lambda item: (item.kvk, item.service.name),
        "aanbod",
        lambda item, line: (
            _("Aanbod '%(name)s' van KvK %(kvk)s staat al op regel %(line)d.")
            % {"name": item.service.name, "kvk": item.kvk, "line": line}
        ),
    )
    for item in orgs:
        _check_role(item, state)
    providers = Providers(orgs, state, unreadable)
    for item in orgs:
        _check_main_contractor(item, providers)
    for item in services:
        _check_provider(item, providers, catalogue.organisations.name)
