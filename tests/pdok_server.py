"""A local stand-in for PDOK Locatieserver: a real HTTP server on 127.0.0.1
that answers ``/free`` with responses in Locatieserver's format (written by
hand after its documented response, tests/fixtures/pdok_*.json). Tests point
``PDOK_LOCATIESERVER_URL`` at it; nothing is mocked inside the app."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
EMPTY = {"response": {"numFound": 0, "start": 0, "maxScore": 0.0, "docs": []}}


class PdokServer:
    def __init__(self):
        self.answers: dict[str, dict] = {}
        self.requests: list[dict] = []
        self.broken = False
        handler = self._handler()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/search/v3_1"

    def answer(self, query: str, fixture: str) -> None:
        self.answers[query] = json.loads((FIXTURES / fixture).read_text())

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the http.server API
                parts = urlsplit(self.path)
                params = {k: v[0] for k, v in parse_qs(parts.query).items()}
                server.requests.append({"path": parts.path, **params})
                if server.broken or parts.path != "/search/v3_1/free":
                    self.send_response(500)
                    self.end_headers()
                    return
                body = json.dumps(server.answers.get(params.get("q"), EMPTY)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        return Handler


@pytest.fixture
def pdok(settings):
    """The local PDOK server, set as PDOK_LOCATIESERVER_URL, with an empty cache."""
    from django.core.cache import cache

    from tests.caching import clear_cache_keeping_norms

    server = PdokServer()
    thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
    thread.start()
    settings.PDOK_LOCATIESERVER_URL = server.url
    clear_cache_keeping_norms()  # no postcode answer of an earlier test
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()
    cache.clear()
