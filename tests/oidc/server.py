"""Start the test suite's real OpenID Connect provider (tests/oidc/provider.mjs,
npm "oidc-provider" pinned in package.json and installed by ``npm ci``) on
127.0.0.1 and stop it afterwards."""

import os
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("provider.mjs")
CLIENT_ID = "sociale-kaart"
CLIENT_SECRET = "test-secret-not-for-production"  # noqa: S105 (test provider only)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def oidc_provider(redirect_uri: str):
    """Yields the issuer URL of a running provider that knows ``redirect_uri``."""
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "oidc-provider").is_dir():
        pytest.skip("needs node and `npm ci` (oidc-provider, package.json)")
    port = _free_port()
    env = {
        **os.environ,
        "OIDC_PORT": str(port),
        "OIDC_REDIRECT_URI": redirect_uri,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
    }
    process = subprocess.Popen(  # noqa: S603 (fixed arguments)
        [node, str(SCRIPT)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    issuer = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(issuer, process)
        yield issuer
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_until_up(issuer: str, process) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"oidc-provider stopped: {process.stdout.read()}")
        try:
            requests.get(issuer + "/.well-known/openid-configuration", timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.2)
    raise RuntimeError("oidc-provider did not start in 20 s")
