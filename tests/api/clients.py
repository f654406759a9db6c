"""Generate Python clients as an integrator would, with openapi-python-client and
with OpenAPI Generator (python, through the PyPI package openapi-generator-cli,
which needs a Java runtime; bin/test installs Debian's default-jre-headless when
``java`` is missing), from the committed openapi.yaml and from the Open Referral
API's own document (``registry.hsda_openapi``, served at /api/v1/hsds/openapi.json).

The clients are generated once per version of the two documents: the directory
is named after their hash under the system's temp directory, so a second run
reuses them. Generating all four takes about ten seconds on an idle machine."""

import hashlib
import importlib
import json
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
# The packages: openapi-python-client's (opc) and OpenAPI Generator's (ogen),
# of the main API and of the Open Referral API (hsda).
OPC, OGEN, HSDA_OPC, HSDA_OGEN = "skj_opc", "skj_ogen", "skj_hsda_opc", "skj_hsda_ogen"


@dataclass
class GeneratedClients:
    opc: ModuleType
    ogen: ModuleType
    hsda_opc: ModuleType
    hsda_ogen: ModuleType


def _hsda_document() -> bytes:
    from registry import hsda_openapi

    return json.dumps(hsda_openapi.document(), indent=1, sort_keys=True).encode()


def _run(command: list[str], cwd: Path) -> None:
    done = subprocess.run(  # noqa: S603 (fixed commands, our own document)
        command, cwd=cwd, capture_output=True, text=True, timeout=300
    )
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} failed:\n{done.stdout}\n{done.stderr}")


def _opc(document: Path, package: str, work: Path) -> None:
    config = work / f"{package}.yaml"
    # No post hooks: the generated code is used as generated, not reformatted.
    config.write_text(f"package_name_override: {package}\npost_hooks: []\n")
    _run(
        [
            str(BIN / "openapi-python-client"),
            "generate",
            "--path",
            str(document),
            "--meta",
            "none",
            "--config",
            str(config),
            "--output-path",
            str(work / package / package),
        ],
        work,
    )


def _ogen(document: Path, package: str, work: Path) -> None:
    _run(
        [
            str(BIN / "openapi-generator-cli"),
            "generate",
            "--input-spec",
            str(document),
            "--generator-name",
            "python",
            "--output",
            str(work / package),
            "--package-name",
            package,
            "--global-property",
            "apiTests=false,modelTests=false,apiDocs=false,modelDocs=false",
        ],
        work,
    )


def _generate(target: Path, hsda: bytes) -> None:
    work = Path(tempfile.mkdtemp(prefix="skj-clients-", dir=target.parent))
    hsda_document = work / "hsda-openapi.json"
    hsda_document.write_bytes(hsda)
    _opc(DOCUMENT, OPC, work)
    _ogen(DOCUMENT, OGEN, work)
    _opc(hsda_document, HSDA_OPC, work)
    _ogen(hsda_document, HSDA_OGEN, work)
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
    hsda = _hsda_document()
    digest = hashlib.sha256(DOCUMENT.read_bytes() + hsda).hexdigest()[:16]
    target = Path(tempfile.gettempdir()) / f"skj-clients-{digest}"
    if not target.is_dir():
        _generate(target, hsda)
    packages = (OPC, OGEN, HSDA_OPC, HSDA_OGEN)
    paths = [str(target / package) for package in packages]
    sys.path[:0] = paths
    try:
        yield GeneratedClients(*(importlib.import_module(p) for p in packages))
    finally:
        for path in paths:
            sys.path.remove(path)
