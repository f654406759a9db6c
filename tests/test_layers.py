"""Imports run one way: sampledata -> dashboard -> referrals -> registry.

``registry`` (the social map) is the lowest layer: it imports nothing from
``referrals``, ``dashboard`` or ``sampledata``; no app imports ``sampledata``
(the demo and scale-data generators sit above everything). Checked on the
source (AST), lazy imports inside functions included.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "registry": {"referrals", "dashboard", "sampledata"},
    "referrals": {"dashboard", "sampledata"},
    "dashboard": {"sampledata"},
    "sociale_kaart": {"sampledata"},
}


def imported_modules(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.lineno, node.module
            for alias in node.names:  # "from registry import demo" style
                yield node.lineno, f"{node.module}.{alias.name}"


def violations(app: str, forbidden: set[str], root: Path = ROOT) -> list[str]:
    found = []
    for path in sorted((root / app).rglob("*.py")):
        for line, module in imported_modules(path):
            if module.split(".")[0] in forbidden:
                found.append(f"{path.relative_to(root)}:{line}: imports {module}")
    return found


@pytest.mark.parametrize("app", sorted(FORBIDDEN))
def test_imports_run_one_way(app):
    assert violations(app, FORBIDDEN[app]) == []


def test_the_check_sees_top_level_and_lazy_imports(tmp_path):
    package = tmp_path / "registry"
    package.mkdir()
    (package / "bad.py").write_text(
        "from referrals.models import Referral\n"
        "from sampledata import demo\n"
        "def f():\n    import dashboard.charts\n"
    )
    assert violations("registry", FORBIDDEN["registry"], root=tmp_path) == [
        "registry/bad.py:1: imports referrals.models",
        "registry/bad.py:1: imports referrals.models.Referral",
        "registry/bad.py:2: imports sampledata",
        "registry/bad.py:2: imports sampledata.demo",
        "registry/bad.py:4: imports dashboard.charts",
    ]


APPS = ("registry", "referrals", "dashboard", "sampledata", "sociale_kaart")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Module -> the project modules it imports (a name imported from a package
    counts as its submodule when there is one)."""
    paths = [p for app in APPS for p in (ROOT / app).rglob("*.py")]
    modules = {module_name(p): p for p in paths if "migrations" not in p.parts}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for _line, imported in imported_modules(path):
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]
            if imported and imported != name and not name.startswith(imported + "."):
                targets.add(imported)
        graph[name] = targets
    return graph


def test_no_two_modules_import_each_other():
    """Each rule has one owner: e.g. registry.selectors runs a search with the
    pure registry.search, which never calls back; dashboard's figures use the
    capacity selectors, not the other way round."""
    graph = import_graph()
    mutual = sorted(
        f"{a} <-> {b}" for a, targets in graph.items() for b in targets
        if a < b and a in graph.get(b, set())
    )  # fmt: skip
    assert mutual == []
    assert "registry.selectors" not in graph["registry.search"]
    assert "dashboard.selectors.figures" not in graph["dashboard.selectors.capacity"]
