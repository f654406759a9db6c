"""Screenshots of every page for a person to look at, not a test bin/test runs
(the file name does not start with test_). Each role's pages (the English
walk's), in Dutch and English, at 375 px (phone), 1,280 px (laptop) and 400 %
zoom (a 1,280 px window at 400 % is 320 CSS px wide), full page:

    SHOTS_DIR=/some/folder .venv/bin/pytest tests/e2e/shots_every_page.py

Files: <language>/<size>/<role>__<page>.png in SHOTS_DIR (default
test-results/shots), and at 1,280 px also the first screen (``__top.png``).
A page that scrolls sideways is listed in SHOTS_DIR/sideways-<language>.txt.
"""

import os
import re
from pathlib import Path

import pytest

from tests.e2e.test_english_walk import _context, _walks, city  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = {"375": (375, 800), "1280": (1280, 900), "zoom400": (320, 800)}
SHOTS = Path(
    os.environ.get(
        "SHOTS_DIR", Path(__file__).resolve().parents[2] / "test-results/shots"
    )
)


def _name(who, path) -> str:
    page = re.sub(r"[^\w-]+", "_", path.strip("/")) or "home"
    return f"{who or 'public'}__{page}"


@pytest.mark.parametrize("language", ["nl", "en"])
def test_screenshots_of_every_page(live_server, browser, city, language):  # noqa: F811
    sideways = []
    for who, paths in _walks(city).items():
        context = _context(
            browser, live_server, who and city["users"][who], language=language
        )
        page = context.new_page()
        for path in paths:
            for size, (width, height) in SIZES.items():
                page.set_viewport_size({"width": width, "height": height})
                page.goto(live_server.url + path)
                folder = SHOTS / language / size
                folder.mkdir(parents=True, exist_ok=True)
                name = _name(who, path)
                page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
                if size == "1280":  # the first screen, readable at a glance
                    page.screenshot(path=str(folder / f"{name}__top.png"))
                if page.evaluate(
                    "document.documentElement.scrollWidth > "
                    "document.documentElement.clientWidth"
                ):
                    sideways.append(f"{language} {size} {who} {path}")
        context.close()
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / f"sideways-{language}.txt").write_text("\n".join(sideways) + "\n")
