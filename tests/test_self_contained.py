"""The repository is self-contained: nothing in it reads or points at a folder
beside the clone (the reference material some sessions had in ../shared)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SKIP_DIRS = {".git", ".venv", "node_modules", "__pycache__", "out", "staticfiles"}
TEXT_SUFFIXES = {".py", ".md", ".txt", ".html", ".yaml", ".yml", ".toml", ".cfg",
                 ".json", ".js", ".css", ".sh", ".example", ""}  # fmt: skip
OUTSIDE = re.compile(r"\.\./shared\b|/work/shared\b|parents\[\d+\]\.parent\b")


def repository_files():
    for path in ROOT.rglob("*"):
        parts = set(path.relative_to(ROOT).parts)
        if path.is_file() and not parts & SKIP_DIRS and path.suffix in TEXT_SUFFIXES:
            yield path


def test_no_file_reaches_outside_the_repository():
    this = Path(__file__).resolve()
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in repository_files()
        if path != this
        for n, line in enumerate(path.read_text("utf-8", "ignore").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert found == []


def test_the_hsds_schemas_are_vendored_with_their_licence():
    base = ROOT / "registry" / "hsds_schemas"
    for version in ("3.0", "3.1"):
        licence = (base / version / "LICENSE").read_text("utf-8")
        assert "Attribution-ShareAlike 4.0 International" in licence
        assert (base / version / "schema" / "compiled" / "service.json").is_file()
    assert "CC BY-SA 4.0" in (base / "README.md").read_text("utf-8")
