"""Readable change history of a service: capacity, contact data and locations.

Built from django-simple-history rows: each row is compared with the previous row
of the same object (``diff_against``) and shown as "field: old → new", with when
and by whom. Changes by the import (no user, reason "import") and by the API
(reason "api: <token name>") appear like any other.

Privacy: everyone sees *that*, *when* and by which organisation something
changed; personal names only people who may edit the service, and the
municipality (``permissions.can_see_editor_names``).
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Model
from django.utils.translation import gettext as _

from registry.models import (
    Capacity,
    District,
    Location,
    Membership,
    Organisation,
    Service,
)

CAPACITY_FIELDS = (
    "status",
    "intake_wait_weeks",
    "treatment_wait_weeks",
    "free_places",
    "note",
)
SERVICE_FIELDS = (
    "name",
    "description",
    "how_to_refer",
    "intake_phone",
    "intake_email",
    "age_min",
    "age_max",
    "active",
)
LOCATION_FIELDS = (
    "name",
    *Location.ADDRESS_FIELDS,
    "district",
    "phone",
    "latitude",
    "longitude",
)
ORGANISATION_FIELDS = ("name", "phone", "email", "website")
_TEXT_LIMIT = 200


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    old_value: Any
    new_value: Any
    old: str
    new: str


@dataclass
class HistoryEntry:
    changed_at: datetime
    changed_by: str
    source: str  # "page", "import", "api" or "system"
    subject: str  # what changed: capacity, the service, a location, organisation
    kind: str  # "created", "changed", "confirmed" or "deleted"
    reason: str
    changes: list[FieldChange] = field(default_factory=list)


def capacity_history(*, service: Service, reveal_names: bool) -> list[HistoryEntry]:
    """The capacity changes of ``service``, newest first."""
    records = _records(Capacity.history.filter(service_id=service.pk))
    return _build(records, service, reveal_names)


def service_history(*, service: Service, reveal_names: bool) -> list[HistoryEntry]:
    """Capacity, service, location and organisation-contact changes, newest first."""
    records = [
        *_records(Capacity.history.filter(service_id=service.pk)),
        *_records(Service.history.filter(id=service.pk)),
        *_records(Location.history.filter(id__in=service.locations.values("pk"))),
        *_records(Organisation.history.filter(id=service.organisation_id)),
    ]
    return _build(records, service, reveal_names)


def _records(queryset) -> list:
    return list(queryset.select_related("history_user").order_by("history_id"))


def _build(records, service, reveal_names) -> list[HistoryEntry]:
    names = _NameResolver(records, service, reveal_names)
    values = _ValueFormatter()
    entries = []
    previous: dict[tuple[type, int], Model] = {}
    for record in sorted(records, key=lambda r: (r.history_date, r.history_id)):
        key = (type(record), record.id)
        entry = _entry(record, previous.get(key), names, values)
        previous[key] = record
        if entry is not None:
            entries.append(entry)
    entries.reverse()
    return entries


def _entry(record, before, names, values) -> HistoryEntry | None:
    model = record.instance_type
    fields = _FIELDS[model]
    kind = {"+": "created", "-": "deleted"}.get(record.history_type, "changed")
    if kind == "created" and model is Organisation:
        return None  # the organisation predates the service; only its changes count
    if kind == "created" or before is None:
        changes = [
            _change(model, name, None, getattr(record, _attname(model, name)), values)
            for name in fields
            if getattr(record, _attname(model, name)) not in (None, "")
        ]
    else:
        delta = record.diff_against(before, included_fields=fields)
        changes = [_change(model, c.field, c.old, c.new, values) for c in delta.changes]
    if kind == "changed" and not changes:
        if model is not Capacity:
            return None  # a save that touched only untracked fields
        kind = "confirmed"
    who, source = names.resolve(record)
    return HistoryEntry(
        changed_at=record.history_date,
        changed_by=who,
        source=source,
        subject=_subject(record),
        kind=kind,
        reason=names.reason(record),
        changes=sorted(changes, key=lambda c: fields.index(c.field)),
    )


_FIELDS = {
    Capacity: CAPACITY_FIELDS,
    Service: SERVICE_FIELDS,
    Location: LOCATION_FIELDS,
    Organisation: ORGANISATION_FIELDS,
}


def _attname(model, name: str) -> str:
    return model._meta.get_field(name).attname


def _subject(record) -> str:
    model = record.instance_type
    if model is Capacity:
        return _("Capaciteit en wachttijden")
    if model is Service:
        return _("Aanbod")
    if model is Location:
        return _("Locatie %(name)s") % {"name": record.name}
    return _("Organisatie")


def _change(model, name, old, new, values) -> FieldChange:
    model_field = model._meta.get_field(name)
    return FieldChange(
        field=name,
        label=str(model_field.verbose_name),
        old_value=old,
        new_value=new,
        old=values.format(model_field, old),
        new=values.format(model_field, new),
    )


class _ValueFormatter:
    """Shows stored values as people read them (labels, names, Ja/Nee)."""

    def __init__(self):
        self._districts: dict[int, str] | None = None

    def format(self, model_field, value) -> str:
        if value is None or value == "":
            return "—"
        if model_field.choices:
            return str(dict(model_field.choices).get(value, value))
        if isinstance(value, bool):
            return _("ja") if value else _("nee")
        if getattr(model_field, "related_model", None) is District:
            return self._district_name(value)
        text = str(value)
        return text if len(text) <= _TEXT_LIMIT else text[: _TEXT_LIMIT - 1] + "…"

    def _district_name(self, pk) -> str:
        if self._districts is None:
            self._districts = dict(District.objects.values_list("pk", "name"))
        return self._districts.get(pk, str(pk))


class _NameResolver:
    """Who made a change: a person's name, or for the public an organisation."""

    def __init__(self, records, service: Service, reveal_names: bool):
        self.reveal_names = reveal_names
        self.service = service
        self._orgs: dict[int, str] = {}
        user_ids = {r.history_user_id for r in records if r.history_user_id}
        if user_ids and not reveal_names:
            self._orgs = self._organisation_names(user_ids)

    def _organisation_names(self, user_ids) -> dict[int, str]:
        memberships = Membership.objects.filter(user_id__in=user_ids).select_related(
            "organisation"
        )
        ranked: dict[int, tuple[int, str]] = {}
        for m in memberships:
            rank = self._rank(m.organisation)
            if m.user_id not in ranked or rank < ranked[m.user_id][0]:
                ranked[m.user_id] = (rank, m.organisation.name)
        return {user_id: name for user_id, (_rank, name) in ranked.items()}

    def _rank(self, organisation: Organisation) -> int:
        if organisation.pk == self.service.organisation_id:
            return 0
        return 1 if organisation.is_provider else 2

    def resolve(self, record) -> tuple[str, str]:
        reason = (record.history_change_reason or "").strip()
        user = record.history_user
        if reason.lower().startswith("api"):
            return self._api_label(reason, user), "api"
        if user is None:
            if reason.lower().startswith("import"):
                return _("Import"), "import"
            return _("Systeem"), "system"
        if self.reveal_names:
            return user.get_full_name() or user.username, "page"
        return self._orgs.get(user.pk, _("Beheer")), "page"

    def _api_label(self, reason: str, user) -> str:
        token_name = reason.partition(":")[2].strip()
        if self.reveal_names and user is not None:
            name = user.get_full_name() or user.username
            return _("%(name)s (API)") % {"name": name}
        if self.reveal_names and token_name:
            return _("API-koppeling (%(name)s)") % {"name": token_name}
        return _("API-koppeling")

    def reason(self, record) -> str:
        """The change reason; an API token's name only for those who see names."""
        reason = (record.history_change_reason or "").strip()
        if not self.reveal_names and reason.lower().startswith("api"):
            return "api"
        return reason
