"""Generate Python clients from the committed openapi.yaml, as an integrator would:
openapi-python-client and OpenAPI Generator (python, through the PyPI package
openapi-generator-cli, which needs a Java runtime; bin/test installs Debian's
default-jre-headless when ``java`` is missing).

The clients are generated once per version of openapi.yaml: the directory is
named after the document's hash under the system's temp directory, so a second
run reuses them (generating both takes a few seconds)."""

import hashlib
import importlib
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = ROOT / "openapi.yaml"
BIN = Path(sys.executable).parent
OPC = "skj_opc"  # openapi-python-client's package
OGEN = "skj_ogen"  # OpenAPI Generator's package


@dataclass
class GeneratedClients:
    opc: ModuleType
    ogen: ModuleType


def _run(command: list[str], cwd: Path) -> None:
    done = subprocess.run(  # noqa: S603 (fixed commands, our own document)
        command, cwd=cwd, capture_output=True, text=True, timeout=300
    )
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} failed:\n{done.stdout}\n{done.stderr}")


def _generate(target: Path) -> None:
    work = Path(tempfile.mkdtemp(prefix="skj-clients-", dir=target.parent))
    config = work / "opc.yaml"
    # No post hooks: the generated code is used as generated, not reformatted.
    config.write_text(f"package_name_override: {OPC}\npost_hooks: []\n")
    _run(
        [
            str(BIN / "openapi-python-client"),
            "generate",
            "--path",
            str(DOCUMENT),
            "--meta",
            "none",
            "--config",
            str(config),
            "--output-path",
            str(work / "opc" / OPC),
        ],
        work,
    )
    _run(
        [
            str(BIN / "openapi-generator-cli"),
            "generate",
            "--input-spec",
            str(DOCUMENT),
            "--generator-name",
            "python",
            "--output",
            str(work / "ogen"),
            "--package-name",
            OGEN,
            "--global-property",
            "apiTests=false,modelTests=false,apiDocs=false,modelDocs=false",
        ],
        work,
    )
    try:
        work.rename(target)  # whole or not at all
    except OSError:  # another run made it meanwhile
        shutil.rmtree(work, ignore_errors=True)


@pytest.fixture(scope="session")
def generated_clients() -> GeneratedClients:
    if shutil.which("java") is None:
        pytest.fail(
            "OpenAPI Generator needs a Java runtime: "
            "apt-get install default-jre-headless (bin/test does)"
        )
    digest = hashlib.sha256(DOCUMENT.read_bytes()).hexdigest()[:16]
    target = Path(tempfile.gettempdir()) / f"skj-clients-{digest}"
    if not target.is_dir():
        _generate(target)
    paths = [str(target / "opc"), str(target / "ogen")]
    sys.path[:0] = paths
    try:
        yield GeneratedClients(
            opc=importlib.import_module(OPC), ogen=importlib.import_module(OGEN)
        )
    finally:
        for path in paths:
            sys.path.remove(path)
