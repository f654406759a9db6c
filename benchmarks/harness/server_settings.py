"""Settings of the benchmark's gunicorn servers: the production settings, with
static files collected into the benchmark's own folder (BENCH_STATIC_ROOT)."""

import os
from pathlib import Path

from sociale_kaart.settings import *  # noqa: F403

STATIC_ROOT = Path(os.environ["BENCH_STATIC_ROOT"])
