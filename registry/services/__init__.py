"""Write paths of the social map: one function per action, used by pages, admin,
import and API alike. Each is keyword-only, validates with ``full_clean()`` before
saving, and states its invariants and side effects.

One module per concern; everything is re-exported here, so callers keep writing
``from registry import services`` / ``services.capacity_update(...)``:

- ``capacity``: capacity updates (lost-update check), "nog actueel", new rows
- ``self_service``: a provider's service details, locations and contact data
- ``tokens``: API keys of a provider's own systems
- ``reminders``: stale-capacity reminders
- ``search_index``: search documents, the spelling vocabulary, facet-term deletes
- ``importer``: the municipality's contract list, all or nothing
- ``groups``: the municipality staff's admin group ("Gemeente")
"""

from registry.services.capacity import (
    CAPACITY_FIELDS,
    capacity_confirm_all,
    capacity_confirm_current,
    capacity_create,
    capacity_update,
)
from registry.services.groups import MUNICIPALITY_GROUP, municipality_group_ensure
from registry.services.importer import (
    IMPORT_BATCH_SIZE,
    catalogue_import,
    catalogue_import_rows,
    organisation_upsert,
    service_upsert,
)
from registry.services.reminders import capacity_reminder_send
from registry.services.search_index import (
    SEARCH_BATCH_SIZE,
    facet_terms_delete,
    search_index_rebuild,
    service_refresh_search,
)
from registry.services.self_service import (
    LOCATION_FIELDS,
    ORGANISATION_CONTACT_FIELDS,
    SERVICE_DETAIL_FIELDS,
    location_create,
    location_update,
    organisation_update_contact,
    service_update_details,
)
from registry.services.tokens import (
    API_KEY_PREFIX,
    api_key_hash,
    api_token_create,
    api_token_record_use,
    api_token_revoke,
    api_token_rotate,
)

__all__ = [
    "API_KEY_PREFIX",
    "CAPACITY_FIELDS",
    "IMPORT_BATCH_SIZE",
    "MUNICIPALITY_GROUP",
    "LOCATION_FIELDS",
    "ORGANISATION_CONTACT_FIELDS",
    "SEARCH_BATCH_SIZE",
    "SERVICE_DETAIL_FIELDS",
    "api_key_hash",
    "api_token_create",
    "api_token_record_use",
    "api_token_revoke",
    "api_token_rotate",
    "capacity_confirm_all",
    "capacity_confirm_current",
    "capacity_create",
    "capacity_reminder_send",
    "capacity_update",
    "catalogue_import",
    "catalogue_import_rows",
    "facet_terms_delete",
    "location_create",
    "location_update",
    "municipality_group_ensure",
    "organisation_update_contact",
    "search_index_rebuild",
    "service_refresh_search",
    "service_update_details",
    "service_upsert",
    "organisation_upsert",
]
