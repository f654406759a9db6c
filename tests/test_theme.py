"""NL Design System: the pages use the Utrecht community components, styled by
a theme that is tokens only, so another municipality changes tokens, not
templates. The built component CSS is committed (bin/build-css; bin/test
checks it for drift)."""

import re
from pathlib import Path

from django.urls import reverse

import pytest

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "static"
THEME = STATIC / "css" / "theme-almere.css"
COMPONENTS = STATIC / "vendor" / "utrecht" / "component-library.css"
OWN_CSS = [
    *sorted((STATIC / "css").glob("*.css")),
    *sorted(ROOT.glob("*/static/*/*.css")),
]
DECLARATION = re.compile(r"(--[\w-]+)\s*:")


def _without_comments(css: str) -> str:
    return re.sub(r"/\*.*?\*/", "", css, flags=re.S)


def test_the_theme_sets_tokens_only():
    css = _without_comments(THEME.read_text())
    for block in re.findall(r"\{([^{}]*)\}", css):
        for declaration in filter(None, (d.strip() for d in block.split(";"))):
            assert declaration.startswith("--"), declaration


def test_every_component_token_of_the_theme_is_one_the_components_read():
    # A misspelt token would silently do nothing.
    read = set(re.findall(r"var\((--utrecht-[\w-]+)", COMPONENTS.read_text()))
    theme = set(DECLARATION.findall(_without_comments(THEME.read_text())))
    unknown = {t for t in theme if t.startswith("--utrecht-")} - read
    assert not unknown


def test_only_the_theme_defines_tokens():
    for path in OWN_CSS:
        if path == THEME:
            continue
        defined = DECLARATION.findall(_without_comments(path.read_text()))
        assert not [t for t in defined if t.startswith(("--sk-", "--utrecht-"))], path


def test_the_component_library_ships_with_its_licence():
    assert "EUPL" in (COMPONENTS.parent / "LICENSE.md").read_text()
    assert "@utrecht/component-library-css" in COMPONENTS.read_text()[:300]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/status", "/bestaat-niet"])
def test_pages_load_the_components_and_the_theme(client, path):
    page = client.get(path).content.decode()
    assert re.search(r'<html lang="nl" class="almere-theme">', page)
    links = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page)
    assert [link.rsplit("/", 1)[-1] for link in links[:3]] == [
        "component-library.css",
        "theme-almere.css",
        "app.css",
    ]
    assert 'class="utrecht-heading-1"' in page


@pytest.mark.django_db
def test_form_fields_get_the_component_classes(client):
    page = client.get(reverse("referrals:status")).content.decode()
    assert re.search(r'<label class="utrecht-form-label" for="id_family_code"', page)
    assert re.search(
        r'<input type="text" name="family_code"[^>]* class="utrecht-textbox ', page
    )
    assert '<button class="utrecht-button utrecht-button--primary-action"' in page
