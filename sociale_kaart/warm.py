"""A new worker's one-time costs, paid before it takes its first request.

Gunicorn starts a worker (and replaces each one after ``max_requests``) with
Django set up but nothing else loaded: its first requests imported every view
module through the URLconf, read the OpenAPI document (the query-key check)
and compiled the templates, 0.3-0.7 s each on the first search page and the
first API call, several seconds under load. ``gunicorn.conf.py`` calls
``worker_warm`` from its ``post_worker_init`` hook. Nothing here touches the
database or the cache.
"""

import logging

logger = logging.getLogger(__name__)

# The pages most requests are for (the cached template loader keeps them).
TEMPLATES = (
    "registry/search.html",
    "registry/service_detail.html",
    "registry/home.html",
    "referrals/family_status.html",
    "referrals/family_status_result.html",
)


def worker_warm() -> None:
    """Import every view, read the API document, compile the main templates.
    Each step on its own: a failure is logged, never raised (the worker then
    pays for that step on first use)."""
    for step in (_views, _api_document, *(_template(name) for name in TEMPLATES)):
        try:
            step()
        except Exception:  # noqa: BLE001 - warming is an optimisation only
            logger.warning("worker warm-up failed", exc_info=True)


def _views() -> None:
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports every URLconf and view)


def _api_document() -> None:
    from sociale_kaart import query_params

    query_params.operations_load()


def _template(name: str):
    def compile_template() -> None:
        from django.template.loader import get_template

        get_template(name)

    return compile_template
