"""The shipped reverse-proxy configuration (deploy/nginx.conf) is valid nginx, and
with it in front of gunicorn (gunicorn.conf.py, threaded workers) five slow-loris
clients do not keep a normal request from being answered. Without nginx they do:
that is why production sits behind it (docs/deploy.md).

Loopback only, bounded in time. bin/test installs nginx like it installs
Chromium; without it these tests are skipped with that reason."""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or next(
    (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()),
    None,
)
needs_nginx = pytest.mark.skipif(
    NGINX is None, reason="nginx is not installed (bin/test installs nginx-light)"
)
SLOW_CLIENTS = 5


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _local_config(tmp_path: Path, listen: int, upstream: int) -> Path:
    """deploy/nginx.conf with ports and file paths moved to ``tmp_path``."""
    text = (ROOT / "deploy" / "nginx.conf").read_text()
    replacements = {
        r"pid \S+;": f"pid {tmp_path}/nginx.pid;",
        r"error_log \S+ (\w+);": rf"error_log {tmp_path}/error.log \1;",
        r"access_log \S+ (\w+);": rf"access_log {tmp_path}/access.log \1;",
        r"listen 80 default_server;": f"listen 127.0.0.1:{listen} default_server;",
        r"server 127\.0\.0\.1:8000;": f"server 127.0.0.1:{upstream};",
    }
    for pattern, replacement in replacements.items():
        text, count = re.subn(pattern, replacement, text)
        assert count == 1, pattern
    temp = "\n".join(
        f"    {kind}_temp_path {tmp_path}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    text = text.replace("http {\n", "http {\n" + temp + "\n", 1)
    path = tmp_path / "nginx.conf"
    path.write_text(text)
    return path


def _nginx(config: Path, *args: str) -> list[str]:
    return [NGINX, "-p", str(config.parent), "-e", "stderr", "-c", str(config), *args]


@needs_nginx
def test_the_shipped_configuration_passes_nginx_t(tmp_path):
    config = _local_config(tmp_path, _free_port(), _free_port())
    result = subprocess.run(  # noqa: S603 - our own binary and file
        _nginx(config, "-t"), capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def _wait_for(port: int, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on 127.0.0.1:{port}")


@contextmanager
def _process(command, tmp_path: Path, name: str, env=None):
    log = (tmp_path / f"{name}.log").open("wb")
    process = subprocess.Popen(  # noqa: S603 - our own binaries
        command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _gunicorn(tmp_path: Path, port: int):
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "test-only-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "2",
        "GUNICORN_TIMEOUT": "30",
        "LOG_FORMAT": "text",
    }
    env.pop("TESTING", None)
    gunicorn = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")]
    return _process(gunicorn, tmp_path, "gunicorn", env)


def _slow_loris(port: int) -> socket.socket:
    """A client that sends part of its headers and then waits."""
    slow = socket.create_connection(("127.0.0.1", port), timeout=5)
    slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
    return slow


def _normal_request(port: int, timeout: float) -> tuple[str, float]:
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as client:
        client.sendall(
            b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        )
        try:
            first = client.recv(200).decode("latin-1")
        except TimeoutError:
            first = ""
    return first.split("\r\n", 1)[0], time.monotonic() - started


@needs_nginx
def test_five_slow_clients_do_not_block_a_normal_request_behind_nginx(tmp_path):
    app_port, proxy_port = _free_port(), _free_port()
    config = _local_config(tmp_path, proxy_port, app_port)
    with ExitStack() as stack:
        stack.enter_context(_gunicorn(tmp_path, app_port))
        stack.enter_context(
            _process(_nginx(config, "-g", "daemon off;"), tmp_path, "nginx")
        )
        _wait_for(app_port)
        _wait_for(proxy_port)
        assert _normal_request(proxy_port, 10)[0] == "HTTP/1.1 200 OK"

        # Straight to gunicorn, five slow clients hold both threads of its one
        # worker: a normal request gets no answer within three seconds.
        direct = [stack.enter_context(_slow_loris(app_port)) for _ in range(5)]
        status, _elapsed = _normal_request(app_port, 3)
        assert status == ""
        for slow in direct:
            slow.close()

        # Through nginx, five slow clients wait in nginx; the request is answered.
        behind = [stack.enter_context(_slow_loris(proxy_port)) for _ in range(5)]
        time.sleep(0.5)
        status, elapsed = _normal_request(proxy_port, 10)
        assert status == "HTTP/1.1 200 OK"
        assert elapsed < 2
        assert len(behind) == SLOW_CLIENTS
    access = (tmp_path / "access.log").read_text()
    assert '"GET /healthz" 200' in access


def test_gunicorn_runs_threaded_workers_with_a_timeout(monkeypatch):
    for name in ("GUNICORN_THREADS", "GUNICORN_TIMEOUT", "GUNICORN_WORKERS"):
        monkeypatch.delenv(name, raising=False)
    settings = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), settings)  # noqa: S102 - our file
    assert settings["worker_class"] == "gthread"
    assert settings["threads"] >= 2
    assert 0 < settings["timeout"] <= 60
    assert settings["logger_class"] == "sociale_kaart.logs.GunicornLogger"
