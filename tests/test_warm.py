"""A new gunicorn worker pays its one-time costs before its first request."""

import logging
import runpy
from pathlib import Path

from django.template import engines

from sociale_kaart import query_params, warm

ROOT = Path(__file__).resolve().parents[1]


def test_the_warm_up_reads_the_api_document_and_compiles_the_main_templates():
    query_params._operations.cache_clear()
    loader = engines["django"].engine.template_loaders[0]
    cached = getattr(loader, "get_template_cache", None)
    if cached is not None:
        cached.clear()

    warm.worker_warm()

    assert query_params._operations.cache_info().currsize == 1
    if cached is not None:
        assert set(warm.TEMPLATES) <= set(cached)


def test_a_failing_warm_up_is_logged_and_the_worker_starts_anyway(monkeypatch, caplog):
    def broken():
        raise OSError("openapi.yaml unreadable")

    monkeypatch.setattr(query_params, "operations_load", broken)
    loader = engines["django"].engine.template_loaders[0]
    loader.reset()
    with caplog.at_level(logging.WARNING, logger="sociale_kaart.warm"):
        warm.worker_warm()  # does not raise
    assert "worker warm-up failed" in caplog.text
    # The steps after the failed one still ran.
    assert set(warm.TEMPLATES) <= set(loader.get_template_cache)


def test_gunicorn_warms_each_new_worker(monkeypatch):
    called = []
    monkeypatch.setattr(warm, "worker_warm", lambda: called.append(True))
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))

    config["post_worker_init"](worker=None)

    assert called == [True]
