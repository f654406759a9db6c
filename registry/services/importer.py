"""The catalogue import (the municipality's contract list): reading, validation
and planning live in registry.importing; these functions carry out a plan in one
transaction.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from contextlib import contextmanager

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone, translation

from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from registry import importing, norms
from registry.catalogue_version import catalogue_writes_batched
from registry.models import (
    Capacity,
    Contract,
    Location,
    Organisation,
    Service,
    Subcontract,
)
from registry.services._common import _history_user
from registry.services.capacity import capacity_update
from registry.services.search_index import (
    search_terms_add,
    service_refresh_search,
    service_search_prefill,
)

IMPORT_BATCH_SIZE = 1000


def catalogue_import(
    *,
    organisations,
    services,
    actor=None,
    dry_run: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> importing.ImportResult:
    """Import the contract list from two CSV files (paths): all or nothing.

    ``organisations`` and ``services`` use the columns of
    ``importing.ORGANISATION_COLUMNS``/``SERVICE_COLUMNS``. Organisations are
    upserted by KvK, their main location (``is_main``) by organisation, services by
    KvK + aanbod name; each service's capacity goes through ``capacity_update``.
    Invariants: additive for contracts and subcontracts (nothing missing from the
    file is ended or deleted, nor are services or locations); an unchanged file
    changes nothing (no history rows, no capacity version bump); an organisation's
    role (kind) and slug never change on update.
    Errors: ``importing.ImportFailed`` listing every problem as
    ``FILE:LINE: column: message``; nothing is written then. ``PreconditionFailed``
    when a capacity changes while the import runs.
    Side effects: creates/updates Organisation, Location, Contract (start
    ``settings.CONTRACT_PERIOD_START``), Subcontract, Service (and its links),
    Capacity; history rows by ``actor`` with reason "import"; new services are
    inserted with their search documents (as ``service_refresh_search`` builds
    them), the documents of existing services that changed are refreshed.
    ``dry_run`` validates and writes it all,
    then rolls back (skipping the derived search documents), and returns the counts
    of what would change. ``progress(stage, done, total)`` is called as rows are
    checked and written. Python's cyclic GC is paused meanwhile (``gc_paused``).
    """
    with importing.gc_paused():
        catalogue = importing.read_catalogue(
            organisations=organisations, services=services
        )
        return _catalogue_import(
            catalogue, actor=actor, dry_run=dry_run, progress=progress
        )


def catalogue_import_rows(
    *,
    organisations: Iterable[Mapping] = (),
    services: Iterable[Mapping] = (),
    actor=None,
    dry_run: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> importing.ImportResult:
    """``catalogue_import`` for rows already in memory: dicts keyed by CSV column
    (values may be str, int or None). Problems name the file "organisaties" or
    "aanbod" and line index + 2, as if the rows were a file. Same invariants,
    errors and side effects as ``catalogue_import``."""
    catalogue = importing.rows_catalogue(organisations=organisations, services=services)
    return _catalogue_import(catalogue, actor=actor, dry_run=dry_run, progress=progress)


def organisation_upsert(*, actor, row: Mapping) -> Organisation:
    """Create or update one provider from one organisations row (see
    ``catalogue_import_rows``), with its main location and contracts or
    subcontracts. Errors: ``importing.ImportFailed``. Returns the organisation."""
    catalogue_import_rows(organisations=[row], actor=actor)
    return Organisation.objects.get(kvk=str(row["kvk"]).strip())


def service_upsert(*, actor, row: Mapping) -> Service:
    """Create or update one service and its capacity from one services row (see
    ``catalogue_import_rows``); the organisation must exist and hold the perceel.
    Errors: ``importing.ImportFailed``. Returns the service."""
    catalogue_import_rows(services=[row], actor=actor)
    return Service.objects.get(
        organisation__kvk=str(row["kvk"]).strip(), name=str(row["aanbod"]).strip()
    )


def _catalogue_import(catalogue, *, actor, dry_run: bool, progress):
    report = progress or (lambda stage, done, total: None)
    # One catalogue-version bump at the end: organisations, locations and links
    # are written in bulk (no signals), capacities one by one (a signal each).
    with importing.gc_paused(), norms.held(), transaction.atomic():
        with catalogue_writes_batched():
            plan = importing.plan_catalogue(catalogue, progress=report)
            # New services get their search documents before they are inserted
            # (each row written once); a dry run skips the derived documents.
            terms = None if dry_run else _new_services_search_prefill(plan)
            _catalogue_write(plan, actor=actor, report=report, prefilled=not dry_run)
            if not dry_run:
                search_terms_add(terms)
                service_refresh_search(services=_catalogue_stale_services(plan))
        # Outside the batch: its closing bump writes the cache, which may be
        # the database (no queries once a rollback is set).
        if dry_run:
            transaction.set_rollback(True)
    return plan.result(dry_run=dry_run)


def _new_services_search_prefill(plan) -> set[str]:
    """Fill the search columns of the services the import creates: the plan
    holds their whole document (organisation and main location as they will
    be, links, capacity). Returns their spelling words. Three queries (the
    facet terms, in their default order as a prefetch reads them)."""
    from registry.search import service_document

    if not plan.services.create:
        return set()
    facets = {name: _facet_terms(name) for name in importing.LINK_COLUMNS}
    added = defaultdict(lambda: defaultdict(list))
    for change in plan.links:
        added[id(change.service)][change.field] += change.add
    capacities = {id(c.service): c for c in plan.capacities.create}
    terms = set()
    for service in plan.services.create:
        links = added[id(service)]
        related = {
            name: [term for pk, term in by_pk.items() if pk in links[name]]
            for name, by_pk in facets.items()
        }
        document = service_document(
            service,
            **related,
            locations=links["locations"],  # a new service: the main location only
            capacity=capacities.get(id(service)),
        )
        terms |= service_search_prefill(service, document)
    return terms


def _facet_terms(name: str) -> dict:
    """The terms ``Service.<name>`` links to, by id, in their default order."""
    model = Service._meta.get_field(name).related_model
    return {term.pk: term for term in model.objects.all()}


def _catalogue_write(plan, *, actor, report, prefilled: bool) -> None:
    # Rows were validated with full_clean() while planning (importing._full_clean);
    # uniqueness and relations were checked against the file and the database.
    user = _history_user(actor)
    steps = [
        lambda: _rows_save(Organisation, plan.organisations, user),
        lambda: _rows_save(Location, plan.locations, user),
        lambda: Contract.objects.bulk_create(plan.contracts.create, IMPORT_BATCH_SIZE),
        lambda: Subcontract.objects.bulk_create(
            plan.subcontracts.create, IMPORT_BATCH_SIZE
        ),
        lambda: _rows_save(Service, plan.services, user),
        lambda: _service_links_save(plan.links),
        lambda: _capacities_save(plan.capacities, user, prefilled=prefilled),
        lambda: _capacities_update(plan.capacities.update, actor=actor),
    ]
    for done, step in enumerate(steps, start=1):
        step()
        report(translation.gettext("opslaan"), done, len(steps))


def _rows_save(model, changes, user) -> None:
    """Bulk-create ``changes.create`` and bulk-update ``changes.update`` (model
    instances only) with one history row each, reason "import"."""
    history = {"default_user": user, "default_change_reason": importing.CHANGE_REASON}
    if changes.create:
        bulk_create_with_history(
            changes.create, model, batch_size=IMPORT_BATCH_SIZE, **history
        )
    rows = [row for row in changes.update if isinstance(row, model)]
    if rows:
        fields = sorted(changes.fields)
        if any(f.name == "updated_at" for f in model._meta.fields):
            now = timezone.now()
            for row in rows:
                row.updated_at = now
            fields.append("updated_at")
        bulk_update_with_history(
            rows, model, fields, batch_size=IMPORT_BATCH_SIZE, **history
        )


def _service_links_save(links) -> None:
    """Apply planned many-to-many changes through the through tables in bulk."""
    pairs = defaultdict(list)
    for change in links:
        through, source, target = importing.link_model(change.field)
        if change.remove:
            through.objects.filter(
                **{source: change.service, f"{target}__in": change.remove}
            ).delete()
        service_id = change.service.pk
        pairs[change.field] += [(service_id, getattr(x, "pk", x)) for x in change.add]
    for name, rows in pairs.items():
        if rows:
            _link_rows_insert(name, rows)


def _link_rows_insert(name: str, rows: list[tuple[int, int]]) -> None:
    """Insert (service id, target id) link rows without model instances: a full
    import adds a hundred thousand or more. One UNNEST statement on PostgreSQL."""
    through, source, target = importing.link_model(name)
    fields = [through._meta.get_field(field) for field in (source, target)]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    insert = f"INSERT INTO {quote(through._meta.db_table)} ({columns}) "
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.executemany(insert + "VALUES (%s, %s)", rows)
            return
        # Identifiers come from model metadata, never from the file.
        types = [field.db_type(connection) for field in fields]
        unnest = f"SELECT * FROM UNNEST(%s::{types[0]}[], %s::{types[1]}[])"  # noqa: S608
        cursor.execute(
            insert + unnest, [[row[0] for row in rows], [row[1] for row in rows]]
        )


def _capacities_save(changes, user, *, prefilled: bool) -> None:
    if not (prefilled and connection.vendor == "postgresql"):
        _rows_save(Capacity, changes, user)
        return
    # The new services' search columns hold their capacity's figures already;
    # the capacity trigger would rewrite each of those rows once more. The
    # other services it would have updated are refreshed instead (see
    # _catalogue_stale_services). SQLite's trigger has no such switch.
    with _capacity_trigger_paused():
        _rows_save(Capacity, changes, user)


@contextmanager
def _capacity_trigger_paused():
    """Skip registry_capacity_to_service (migration 0003) in this transaction."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('registry.bulk_load', 'on', true)")
        try:
            yield
        finally:
            cursor.execute("SELECT set_config('registry.bulk_load', 'off', true)")


def _capacities_update(updates, *, actor) -> None:
    for capacity, data in updates:
        capacity_update(
            capacity=capacity,
            actor=actor,
            data=data,
            expected_version=capacity.version,
            reason=importing.CHANGE_REASON,
        )


def _catalogue_stale_services(plan) -> set[int]:
    """Services whose search document may have changed through this import,
    besides the new ones (filled before their insert)."""
    new = {service.pk for service in plan.services.create}
    # A capacity added to an existing service (the trigger was paused).
    ids = {c.service.pk for c in plan.capacities.create}
    ids |= {service.pk for service in plan.services.update}
    ids |= {change.service.pk for change in plan.links}
    organisations = [org.pk for org in plan.organisations.update]
    locations = [location.pk for location in plan.locations.update]
    if organisations or locations:
        ids |= set(
            Service.objects.filter(
                Q(organisation__in=organisations) | Q(locations__in=locations)
            ).values_list("pk", flat=True)
        )
    return ids - new
