"""Production configuration: ``check --deploy`` is clean and the security
settings are what the deployment guide promises (HTTPS only, HSTS, cookies).

Each check runs ``manage.py`` in a subprocess with production environment
variables, so the settings module is read exactly as a server would read it
(the test process itself runs in test mode)."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
SETTINGS_PROBE = """
import json
from django.conf import settings
names = [
    "DEBUG", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE", "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY", "X_FRAME_OPTIONS", "SECURE_REFERRER_POLICY",
    "SECURE_PROXY_SSL_HEADER", "SESSION_COOKIE_AGE", "DATA_UPLOAD_MAX_MEMORY_SIZE",
    "AXES_HANDLER", "LOG_FORMAT",
]
values = {name: getattr(settings, name, None) for name in names}
values["CACHE_BACKEND"] = settings.CACHES["default"]["BACKEND"]
values["CACHE_OPTIONS"] = settings.CACHES["default"].get("OPTIONS", {})
values["CSP"] = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
values["LOG_FORMATTER"] = settings.LOGGING["handlers"]["console"]["formatter"]
values["SQL_LOG_LEVEL"] = settings.LOGGING["loggers"]["django.db.backends"]["level"]
print(json.dumps(values, default=list))
"""


def _production_env(tmp_path, **extra) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("TESTING", "DEBUG", "REDIS_URL", "LOG_FORMAT")
        and not key.startswith(("SECURE_", "SESSION_", "DJANGO_"))
    }
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="sociale-kaart.example.nl",
        CSRF_TRUSTED_ORIGINS="https://sociale-kaart.example.nl",
        SITE_URL="https://sociale-kaart.example.nl",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **extra,
    )
    return env


def _manage(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _production_settings(tmp_path, **extra) -> dict:
    result = _manage(_production_env(tmp_path, **extra), "shell", "-c", SETTINGS_PROBE)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_check_deploy_is_clean_in_production_configuration(tmp_path):
    result = _manage(
        _production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_is_https_only_with_hsts_and_locked_down_cookies(tmp_path):
    values = _production_settings(tmp_path)
    assert values["DEBUG"] is False
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] == 365 * 24 * 60 * 60
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["CSRF_COOKIE_HTTPONLY"] is True
    assert values["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert values["SECURE_REFERRER_POLICY"] == "same-origin"
    # Trusting X-Forwarded-Proto is opt-in (only behind a balancer that sets it).
    assert values["SECURE_PROXY_SSL_HEADER"] is None
    assert values["SESSION_COOKIE_AGE"] == 60 * 60
    assert values["DATA_UPLOAD_MAX_MEMORY_SIZE"] == 1024 * 1024


def test_production_logs_are_json_and_never_log_sql(tmp_path):
    values = _production_settings(tmp_path, LOG_LEVEL="DEBUG")
    assert values["LOG_FORMAT"] == "json"
    assert values["LOG_FORMATTER"] == "json"
    # SQL parameters would carry personal data: off even at LOG_LEVEL=DEBUG.
    assert values["SQL_LOG_LEVEL"] == "INFO"


def test_the_proxy_header_and_hsts_can_be_set_from_the_environment(tmp_path):
    values = _production_settings(
        tmp_path, SECURE_PROXY_SSL_HEADER="true", SECURE_HSTS_SECONDS="600"
    )
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SECURE_HSTS_SECONDS"] == 600


def test_the_csp_allows_no_inline_code_and_names_the_tile_server(tmp_path):
    values = _production_settings(
        tmp_path, MAP_TILE_URL="https://{s}.tiles.example.nl/{z}/{x}/{y}.png"
    )
    csp = values["CSP"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:", "https://*.tiles.example.nl"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert all("unsafe" not in " ".join(sources) for sources in csp.values())


def test_the_map_shows_pdok_tiles_by_default_with_their_attribution(tmp_path):
    env = _production_env(tmp_path)
    env.pop("MAP_TILE_URL", None)
    env.pop("MAP_TILE_ATTRIBUTION", None)
    probe = (
        "import json; from django.conf import settings as s; print(json.dumps("
        "[s.MAP_TILE_URL, s.MAP_TILE_ATTRIBUTION,"
        " s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src']], default=list))"
    )
    result = _manage(env, "shell", "-c", probe)
    assert result.returncode == 0, result.stderr
    url, attribution, img_src = json.loads(result.stdout.strip().splitlines()[-1])
    assert url == (
        "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/standaard/"
        "EPSG:3857/{z}/{x}/{y}.png"
    )
    assert attribution == "Kaartgegevens © Kadaster"
    assert img_src == ["'self'", "data:", "https://service.pdok.nl"]


def test_without_a_tile_url_the_csp_allows_no_tile_host(tmp_path):
    values = _production_settings(tmp_path, MAP_TILE_URL="")
    assert values["CSP"]["img-src"] == ["'self'", "data:"]


def test_with_redis_the_login_throttle_and_cache_move_to_redis(tmp_path):
    values = _production_settings(tmp_path, REDIS_URL="redis://127.0.0.1:6379/0")
    assert values["CACHE_BACKEND"] == "sociale_kaart.redis_cache.RedisCache"
    assert values["AXES_HANDLER"] == "axes.handlers.cache.AxesCacheHandler"


def test_without_redis_the_login_throttle_stays_in_the_database(tmp_path):
    values = _production_settings(tmp_path)
    assert values["AXES_HANDLER"] in (
        None,
        "axes.handlers.database.AxesDatabaseHandler",
    )
    assert values["CACHE_BACKEND"] != "django.core.cache.backends.locmem.LocMemCache"
    # The database table keeps more than Django's 300 entries: past its limit it
    # drops the keys that sort first (the versions, throttle counts among them).
    assert values["CACHE_OPTIONS"]["MAX_ENTRIES"] == 20000
    chosen = _production_settings(tmp_path, CACHE_MAX_ENTRIES="5000")
    assert chosen["CACHE_OPTIONS"]["MAX_ENTRIES"] == 5000


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_secrets(tmp_path, missing):
    env = _production_env(tmp_path)
    del env[missing]
    result = _manage(env, "check")
    assert result.returncode != 0
    assert f"{missing} must be set when DEBUG is off" in result.stderr


def test_env_example_documents_every_variable_the_settings_read():
    settings_source = (BASE_DIR / "sociale_kaart" / "settings.py").read_text()
    read = set(
        re.findall(r'env_(?:str|bool|int|list|url)\(\s*"([A-Z_0-9]+)"', settings_source)
    )
    example = (BASE_DIR / ".env.example").read_text()
    documented = set(re.findall(r"^([A-Z_0-9]+)=", example, re.MULTILINE))
    assert read - documented == {"TESTING"}  # set by the test suite itself
