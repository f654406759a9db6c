"""Catalogue import, part one: read the municipality's contract list and plan it.

The list is two CSV files, UTF-8 (a BOM is fine), ``;`` or ``,`` separated, with a
header row naming exactly ``ORGANISATION_COLUMNS`` and ``SERVICE_COLUMNS`` (any
order). Lists inside a cell are separated by ``|``.

This package reads both files (``reading``), validates every row with the models'
own validation (``full_clean``) and ``validators.py`` (``rows``), checks the rows
against each other and the database (``checks``), and returns a ``Plan`` of what to
create and update (``planning``). It writes nothing: ``services.catalogue_import``
carries out the plan. Every problem becomes a ``Problem`` printed as
``FILE:LINE: column: message`` (LINE is the physical line, the header is line 1);
if there is any, ``ImportFailed`` carries all of them.
"""

from registry.importing.checks import link_model
from registry.importing.planning import (
    CHANGE_REASON,
    ENTITY_LABELS,
    EntityCounts,
    ImportResult,
    Plan,
    gc_paused,
    plan_catalogue,
)
from registry.importing.reading import (
    ORGANISATION_COLUMNS,
    SEPARATOR,
    SERVICE_COLUMNS,
    ImportFailed,
    Problem,
    read_catalogue,
    rows_catalogue,
)
from registry.importing.rows import (
    LINK_COLUMNS,
    MAIN_LOCATION_NAME,
    ROLES,
    STATUSES,
)

__all__ = [
    "CHANGE_REASON",
    "ENTITY_LABELS",
    "LINK_COLUMNS",
    "MAIN_LOCATION_NAME",
    "ORGANISATION_COLUMNS",
    "ROLES",
    "SEPARATOR",
    "SERVICE_COLUMNS",
    "STATUSES",
    "EntityCounts",
    "ImportFailed",
    "ImportResult",
    "Plan",
    "Problem",
    "gc_paused",
    "link_model",
    "plan_catalogue",
    "read_catalogue",
    "rows_catalogue",
]
