"""Write paths of the social map: one function per action, used by pages, admin,
import and API alike. Each is keyword-only, validates with ``full_clean()`` before
saving, and states its invariants and side effects.
"""

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from registry import permissions
from registry.models import (
    ApiToken,
    Capacity,
    CapacityReminder,
    FacetTerm,
    Location,
    Organisation,
    Service,
)
from sociale_kaart.exceptions import PreconditionFailed
from sociale_kaart.site import site_url

CAPACITY_FIELDS = (
    "status",
    "intake_wait_weeks",
    "treatment_wait_weeks",
    "free_places",
    "note",
)


def _history_user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


@transaction.atomic
def capacity_update(
    *,
    capacity: Capacity,
    actor,
    data: dict[str, Any],
    expected_version: int | None = None,
    reason: str = "",
) -> Capacity:
    """Change a service's capacity and waiting times.

    Invariants: only ``CAPACITY_FIELDS`` change; the row is locked while checked,
    so of two writers holding the same ``expected_version`` exactly one wins.
    Errors: ``PreconditionFailed`` when ``expected_version`` is not the current
    version; ``ValidationError`` naming the field for bad values (nothing saved).
    Side effects: when anything changed, ``version`` increases, ``updated_at``/
    ``updated_by`` are set and one history row records who and why. Unchanged
    data saves nothing (a re-import is a no-op); use ``capacity_confirm_current``
    to mark unchanged figures as still correct.
    """
    unknown = sorted(set(data) - set(CAPACITY_FIELDS))
    if unknown:
        raise ValidationError({name: "Onbekend veld." for name in unknown})
    locked = Capacity.objects.select_for_update().get(pk=capacity.pk)
    if expected_version is not None and locked.version != expected_version:
        raise PreconditionFailed(current_version=locked.version)
    changed = {
        name: value for name, value in data.items() if getattr(locked, name) != value
    }
    if not changed:
        return locked
    for name, value in changed.items():
        setattr(locked, name, value)
    return _capacity_save(locked, actor=actor, reason=reason or "bijgewerkt")


@transaction.atomic
def capacity_confirm_current(
    *, capacity: Capacity, actor, reason: str = ""
) -> Capacity:
    """Mark the figures as still correct ("nog actueel") without changing them.

    Side effects: ``updated_at``/``updated_by`` and ``version`` change, and a
    history row records the confirmation.
    """
    locked = Capacity.objects.select_for_update().get(pk=capacity.pk)
    return _capacity_save(locked, actor=actor, reason=reason or "nog actueel")


def _capacity_save(capacity: Capacity, *, actor, reason: str) -> Capacity:
    capacity.updated_at = timezone.now()
    capacity.updated_by = _history_user(actor)
    capacity.version += 1
    capacity.full_clean(exclude=["service"])
    capacity._history_user = _history_user(actor)
    capacity._change_reason = reason
    capacity.save()
    return capacity


# --- Provider self-service: contact data, locations, confirmations, API tokens ---
# Callers check permission first (registry.permissions); these functions enforce
# the data invariants and record who changed what (django-simple-history).

SERVICE_DETAIL_FIELDS = ("description", "how_to_refer", "intake_phone", "intake_email")
LOCATION_FIELDS = ("name", "address", "postcode", "city", "district", "phone")
ORGANISATION_CONTACT_FIELDS = ("phone", "email", "website")
API_KEY_PREFIX = "skj_"


def api_key_hash(key: str) -> str:
    """The stored form of an API key (hex sha256)."""
    return hashlib.sha256(key.encode()).hexdigest()


def _reject_unknown_fields(data: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationError({name: "Onbekend veld." for name in unknown})


def _apply_changes(obj, data: dict[str, Any]) -> bool:
    changed = False
    for name, value in data.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _save_with_history(obj, *, actor, reason: str):
    obj.full_clean()
    obj._history_user = _history_user(actor)
    obj._change_reason = reason
    obj.save()
    return obj


@transaction.atomic
def service_update_details(
    *, service: Service, actor, data: dict[str, Any], reason: str = ""
) -> Service:
    """Change a service's description and contact data (``SERVICE_DETAIL_FIELDS``).

    Invariants: only those fields change; the row is locked while changed.
    Errors: ``ValidationError`` naming the field (unknown field, bad phone or
    e-mail); nothing is saved then.
    Side effects: one history row with ``actor`` and ``reason`` when anything
    changed, and the search document is refreshed; unchanged data saves nothing.
    """
    _reject_unknown_fields(data, SERVICE_DETAIL_FIELDS)
    locked = Service.objects.select_for_update().get(pk=service.pk)
    if not _apply_changes(locked, data):
        return locked
    _save_with_history(locked, actor=actor, reason=reason or "gegevens bijgewerkt")
    service_refresh_search(services=[locked])
    return locked


@transaction.atomic
def location_update(
    *, location: Location, actor, data: dict[str, Any], reason: str = ""
) -> Location:
    """Change a location's address, phone or stadsdeel (``LOCATION_FIELDS``).

    Errors: ``ValidationError`` naming the field (postcode, phone); nothing saved.
    Side effects: one history row when anything changed, and the search
    documents of the services offered there are refreshed. The postcode is
    stored in its normal form (``1315 AB``).
    """
    _reject_unknown_fields(data, LOCATION_FIELDS)
    locked = Location.objects.select_for_update().get(pk=location.pk)
    if not _apply_changes(locked, data):
        return locked
    _save_with_history(locked, actor=actor, reason=reason or "locatie bijgewerkt")
    service_refresh_search(services=locked.services.values_list("pk", flat=True))
    return locked


@transaction.atomic
def location_create(
    *, organisation: Organisation, actor, data: dict[str, Any], reason: str = ""
) -> Location:
    """Add a location (vestiging) to ``organisation``.

    Invariants: the organisation's first location becomes its main address; a
    later one never does (one main location per organisation).
    Errors: ``ValidationError`` naming the field; nothing saved.
    Side effects: one history row.
    """
    _reject_unknown_fields(data, LOCATION_FIELDS)
    locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
    location = Location(organisation=locked, **data)
    location.is_main = not locked.locations.filter(is_main=True).exists()
    return _save_with_history(
        location, actor=actor, reason=reason or "locatie toegevoegd"
    )


@transaction.atomic
def organisation_update_contact(
    *, organisation: Organisation, actor, data: dict[str, Any], reason: str = ""
) -> Organisation:
    """Change an organisation's phone, e-mail or website.

    Invariants: only ``ORGANISATION_CONTACT_FIELDS`` change; name, KvK, kind,
    contracts and subcontracts are the municipality's (admin) business.
    Errors: ``ValidationError`` naming the field; nothing saved.
    Side effects: one history row when anything changed.
    """
    _reject_unknown_fields(data, ORGANISATION_CONTACT_FIELDS)
    locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if not _apply_changes(locked, data):
        return locked
    return _save_with_history(
        locked, actor=actor, reason=reason or "contactgegevens bijgewerkt"
    )


@transaction.atomic
def capacity_confirm_all(
    *, capacities: Iterable[Capacity], actor, reason: str = ""
) -> int:
    """Confirm "nog actueel" for several services at once; returns how many.

    All or nothing: one transaction, each row through ``capacity_confirm_current``
    (one history row per service).
    """
    count = 0
    for capacity in capacities:
        capacity_confirm_current(capacity=capacity, actor=actor, reason=reason)
        count += 1
    return count


def api_token_create(
    *,
    organisation: Organisation,
    actor,
    name: str,
    scopes=None,
    expires_at=None,
) -> tuple[ApiToken, str]:
    """Create an API key for an organisation's own systems; returns (token, key).

    ``scopes``: a space-separated string or an iterable of ``ApiToken.SCOPE_*``;
    None gives the kind's defaults (``permissions.token_scopes_default``; the
    municipality has none and must ask for ``ijw``). ``expires_at``: None for a
    key without end date.
    Invariants: only a hash of the key is stored (sha256; the key is 256 random
    bits, so a slow hash adds nothing); the key is returned once, here. A person
    creates a key only for an organisation they are an admin of
    (``permissions.can_manage_tokens``; never municipality staff for another
    organisation); ``actor=None`` is the system (commands, tests).
    Errors: ``PermissionDenied`` for any other person (nothing stored);
    ``ValidationError`` on ``scopes`` (none, or one the kind may not hold),
    ``expires_at`` (in the past) or ``name``.
    """
    if actor is not None and not permissions.can_manage_tokens(actor, organisation):
        raise PermissionDenied(
            _("Alleen een beheerder van de organisatie maakt sleutels.")
        )
    if scopes is None:
        chosen = set(permissions.token_scopes_default(organisation))
    else:
        chosen = set(scopes.split() if isinstance(scopes, str) else scopes)
    allowed = permissions.token_scopes_allowed(organisation)
    errors = {}
    if not chosen:
        errors["scopes"] = _("Kies ten minste één bevoegdheid.")
    elif not chosen <= set(allowed):
        errors["scopes"] = _(
            "Een %(kind)s kan deze bevoegdheden niet krijgen: %(scopes)s."
        ) % {
            "kind": organisation.get_kind_display(),
            "scopes": ", ".join(sorted(chosen - set(allowed))),
        }
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = _("Kies een datum in de toekomst.")
    if errors:
        raise ValidationError(errors)
    key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        organisation=organisation,
        name=(name or "").strip(),
        prefix=key[:12],
        key_hash=api_key_hash(key),
        created_by=_history_user(actor),
        scopes=" ".join(sorted(chosen)),
        expires_at=expires_at,
    )
    token.full_clean()
    token.save()
    return token, key


def api_token_rotate(*, token: ApiToken, actor) -> tuple[ApiToken, str]:
    """Rotation without downtime: a new key with the same name, scopes and end
    date; the old one stays valid until it is revoked (``api_token_revoke``), so
    the system can switch over first. Errors: as ``api_token_create``; a revoked
    or expired key is not rotated (``ValidationError``)."""
    if not token.is_active:
        raise ValidationError(_("Een ingetrokken of verlopen sleutel vervangt u niet."))
    return api_token_create(
        organisation=token.organisation,
        actor=actor,
        name=token.name,
        scopes=token.scope_list,
        expires_at=token.expires_at,
    )


def api_token_revoke(*, token: ApiToken, actor) -> ApiToken:
    """Revoke ``token`` for good; revoking a revoked token changes nothing.

    Side effects: requests with the key get 401 from now on.
    """
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_record_use(*, token: ApiToken) -> None:
    """Note that ``token`` was used; writes at most once a minute per token."""
    now = timezone.now()
    recent = now - timedelta(seconds=60)
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=recent)
    ).update(last_used_at=now)


def capacity_reminder_send(
    *,
    organisation: Organisation,
    period: str,
    services: list[Service],
    recipients: list[str],
) -> CapacityReminder | None:
    """Record and send one stale-capacity reminder to ``organisation`` for ``period``.

    Invariants: at most one reminder per organisation and period (unique
    constraint; a second call returns None and sends nothing), so a daily run
    mails once per period. Call inside the caller's transaction.
    Side effects: the e-mail goes out after commit; if sending fails the
    reminder stays recorded (at most once, never twice) and the error is logged.
    """
    with transaction.atomic():
        reminder, created = CapacityReminder.objects.get_or_create(
            organisation=organisation,
            period=period,
            defaults={"service_count": len(services)},
        )
    if not created:
        return None
    message = _capacity_reminder_message(organisation, period, services, recipients)
    transaction.on_commit(message.send, robust=True)
    return reminder


def _capacity_reminder_message(organisation, period, services, recipients):
    context = {
        "organisation": organisation,
        "period": period,
        "services": services,
        "site_url": site_url(),
        "stale_days": settings.CAPACITY_STALE_DAYS,
    }
    with translation.override("nl"):
        subject = render_to_string("provider/email/stale_subject.txt", context)
        body = render_to_string("provider/email/stale_body.txt", context)
    return EmailMessage(
        subject=" ".join(subject.split()), body=body, to=sorted(set(recipients))
    )


# --- search documents ------------------------------------------------------------

SEARCH_BATCH_SIZE = 2000

_SEARCH_UPDATE_SQL = """
UPDATE registry_service AS s
   SET search_text = d.text,
       search_vector =
           setweight(to_tsvector('dutch_unaccent', d.title), 'A')
        || setweight(to_tsvector('dutch_unaccent', d.tags), 'B')
        || setweight(to_tsvector('dutch_unaccent', d.body), 'C'),
       search_district_bits = d.district_bits,
       search_problem_bits = d.problem_bits,
       search_form_bits = d.form_bits,
       search_open = d.open,
       search_total_wait = d.total_wait
  FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[],
              %s::bigint[], %s::bigint[], %s::bigint[], %s::boolean[], %s::int[])
       AS d(id, title, tags, body, text, district_bits, problem_bits, form_bits,
            open, total_wait)
 WHERE s.id = d.id
"""
# Document fields stored as search_<name> besides the text.
_SEARCH_EXTRA_FIELDS = (
    "district_bits",
    "problem_bits",
    "form_bits",
    "open",
    "total_wait",
)
_SEARCH_TERMS_SQL = """
INSERT INTO registry_search_term (term)
SELECT DISTINCT unnest(%s::text[]) ON CONFLICT DO NOTHING
"""


def service_refresh_search(*, services: Iterable[Service | int]) -> int:
    """Rebuild the search document of ``services`` (instances, ids or a QuerySet).

    Call it after anything a search looks at changes: a service's own texts, its
    organisation's or perceel's name, its problem areas, forms, districts or
    locations. Returns the number of services refreshed.
    Invariants: ``search_text`` is the folded text of the document
    (``search.build_document``), the ``search_*_bits`` hold the bit slots of
    its districts, problem areas and forms; on PostgreSQL ``search_vector`` weighs
    the name A, organisation/perceel/tags B and descriptions/places C.
    Side effects: updates only the search columns (no history row, no
    ``updated_at`` change); on PostgreSQL adds new words to the spelling
    vocabulary ``registry_search_term``. A fixed number of queries per batch.
    """
    ids = sorted({getattr(item, "pk", item) for item in services})
    for start in range(0, len(ids), SEARCH_BATCH_SIZE):
        with transaction.atomic():
            _refresh_search_batch(ids[start : start + SEARCH_BATCH_SIZE])
    return len(ids)


def _refresh_search_batch(ids: list[int]) -> None:
    from registry.search import build_document, vocabulary

    batch = (
        Service.objects.filter(pk__in=ids)
        .select_related("organisation", "perceel", "capacity")
        .prefetch_related("problem_areas", "forms", "districts", "locations")
    )
    documents = [build_document(service) for service in batch]
    if connection.vendor != "postgresql":
        rows = [_search_fields(d) for d in documents]
        fields = ["search_text"] + [f"search_{name}" for name in _SEARCH_EXTRA_FIELDS]
        Service.objects.bulk_update(rows, fields)
        return
    columns = [
        [d.service_id for d in documents],
        [d.title for d in documents],
        [d.tags for d in documents],
        [d.body for d in documents],
        [d.text for d in documents],
    ] + [[getattr(d, name) for d in documents] for name in _SEARCH_EXTRA_FIELDS]
    terms = set().union(*(vocabulary(d.text) for d in documents))
    with connection.cursor() as cursor:
        cursor.execute(_SEARCH_UPDATE_SQL, columns)
        cursor.execute(_SEARCH_TERMS_SQL, [sorted(terms)])


def _search_fields(document) -> Service:
    service = Service(pk=document.service_id, search_text=document.text)
    for name in _SEARCH_EXTRA_FIELDS:
        setattr(service, f"search_{name}", getattr(document, name))
    return service


def facet_terms_delete(*, terms: Iterable[FacetTerm]) -> int:
    """Delete facet terms (stadsdelen, problem areas, forms) and refresh the
    search documents of the services that had them.

    Invariants: no service's stored bit set keeps a deleted term's bit, so a new
    term that reuses the freed ``bit_slot`` is not found on those services.
    Side effects: the terms' links to services go with them (cascade). Returns
    the number of terms deleted. One transaction.
    """
    terms = list(terms)
    with transaction.atomic():
        affected: set[int] = set()
        for term in terms:
            affected.update(term.services.values_list("pk", flat=True))
        for term in terms:
            term.delete()
        service_refresh_search(services=affected)
    return len(terms)


def search_index_rebuild() -> int:
    """Refresh every service's search document and rebuild the spelling
    vocabulary from scratch (dropping words no service uses any more)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM registry_search_term")
        ids = list(Service.objects.values_list("pk", flat=True))
        return service_refresh_search(services=ids)


@transaction.atomic
def capacity_create(
    *, service: Service, actor, data: dict[str, Any] | None = None, reason: str = ""
) -> Capacity:
    """Give a new service its capacity row (every service has exactly one).

    Used where a service is created outside the import, e.g. the admin.
    Invariants: at most one capacity per service; only ``CAPACITY_FIELDS`` are set.
    Errors: ``ValidationError`` naming the field for bad values, an unknown field,
    or a service that already has a capacity row (field ``service``); nothing saved.
    Side effects: one history row with ``actor`` and ``reason``.
    """
    data = dict(data or {})
    _reject_unknown_fields(data, CAPACITY_FIELDS)
    capacity = Capacity(
        service=service, updated_by=_history_user(actor), updated_at=timezone.now()
    )
    for name, value in data.items():
        setattr(capacity, name, value)
    return _save_with_history(capacity, actor=actor, reason=reason or "aangemaakt")


# --- Catalogue import (the municipality's contract list) -----------------------------
# Reading, validation and planning live in registry.importing; these functions carry
# out a plan in one transaction. Imports are kept with this appended section.

from collections import defaultdict  # noqa: E402
from collections.abc import Callable, Mapping  # noqa: E402

from simple_history.utils import (  # noqa: E402
    bulk_create_with_history,
    bulk_update_with_history,
)

from registry import importing  # noqa: E402
from registry.models import Contract, Subcontract  # noqa: E402

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
    Capacity; history rows by ``actor`` with reason "import"; refreshes the search
    documents of the services that changed. ``dry_run`` validates and writes it all,
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
    with importing.gc_paused(), transaction.atomic():
        plan = importing.plan_catalogue(catalogue, progress=report)
        _catalogue_write(plan, actor=actor, report=report)
        if dry_run:
            transaction.set_rollback(True)
        else:
            service_refresh_search(services=_catalogue_touched_services(plan))
    return plan.result(dry_run=dry_run)


def _catalogue_write(plan, *, actor, report) -> None:
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
        lambda: _rows_save(Capacity, plan.capacities, user),
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


def _capacities_update(updates, *, actor) -> None:
    for capacity, data in updates:
        capacity_update(
            capacity=capacity,
            actor=actor,
            data=data,
            expected_version=capacity.version,
            reason=importing.CHANGE_REASON,
        )


def _catalogue_touched_services(plan) -> set[int]:
    """Services whose search document may have changed through this import."""
    ids = {service.pk for service in plan.services.create + plan.services.update}
    ids |= {change.service.pk for change in plan.links}
    organisations = [org.pk for org in plan.organisations.update]
    locations = [location.pk for location in plan.locations.update]
    if organisations or locations:
        ids |= set(
            Service.objects.filter(
                Q(organisation__in=organisations) | Q(locations__in=locations)
            ).values_list("pk", flat=True)
        )
    return ids
