"""pa11y beside axe-core: HTML_CodeSniffer and axe (WCAG 2.1 AA) find no error
on the pages the axe tests visit, in Dutch and in English.

pa11y runs in Node (npm, pinned in package.json) against the live server and
launches Debian's Chromium; puppeteer never downloads a browser
(.puppeteerrc.cjs, PUPPETEER_SKIP_DOWNLOAD in bin/test)."""

import json
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import CHROMIUM, SCREENSHOTS
from tests.e2e.test_reflow import _pages, city  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
RUNNER = Path(__file__).parent / "pa11y_run.cjs"


def session_cookie(user) -> str:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def pa11y_errors(pages: list[dict]) -> list[str]:
    """One line per error on ``pages`` ([{"url", "cookie"}]), in their order."""
    spec = {"executablePath": CHROMIUM, "pages": pages}
    done = subprocess.run(  # noqa: S603 - our own script, no shell
        [shutil.which("node") or "node", str(RUNNER)],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads(done.stdout)
    assert [r["url"] for r in results] == [p["url"] for p in pages]
    return [
        f"{urlsplit(r['url']).path}: {e['runner']} {e['code']} at {e['selector']}: "
        f"{e['message'][:200]}"
        for r in results
        for e in r["errors"]
    ]


def _save(found: list[str], language: str) -> None:
    """The whole list in test-results/, the failure message shows the start."""
    SCREENSHOTS.mkdir(exist_ok=True)
    (SCREENSHOTS / f"pa11y-{language}.txt").write_text("\n".join(found) + "\n")


@pytest.fixture
def node_tools():
    if not (ROOT / "node_modules" / "pa11y").is_dir():
        pytest.skip("npm ci has not run (bin/test runs it)")


@pytest.mark.parametrize("language", ["nl", "en"])
def test_pa11y_finds_no_error_on_any_page(
    live_server,
    city,  # noqa: F811 - fixture
    node_tools,
    language,
):
    sessions = {}
    pages = []
    for who, path in [*_pages(city), (None, "/zoeken?q=jeugd")]:
        cookie = f"django_language={language}"
        if who:
            if who not in sessions:
                sessions[who] = session_cookie(city["users"][who])
            cookie += f"; sessionid={sessions[who]}"
        pages.append({"url": live_server.url + path, "cookie": cookie})
    found = pa11y_errors(pages)
    _save(found, language)
    assert not found, f"{len(found)} pa11y errors:\n" + "\n".join(found)


def test_pa11y_reports_what_it_finds(node_tools, tmp_path):
    # The runner really reports: an image without alt text is an error for
    # both runners.
    page = tmp_path / "broken.html"
    page.write_text('<!DOCTYPE html><html lang="en"><title>x</title><img src="x.png">')
    found = pa11y_errors([{"url": page.as_uri(), "cookie": ""}])
    assert any(" htmlcs " in f and ".H37" in f for f in found), found
    assert any(" axe image-alt " in f for f in found), found
