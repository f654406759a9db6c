"""The address ``bin/run-demo`` serves, from its ``PORT`` variable.

``PORT`` may be a port ("8080") or host and port ("0.0.0.0:8080", "[::1]:8080");
unset means 127.0.0.1:8000. Prints the address to bind and the URL to open (the
URL names 127.0.0.1 when the server listens on every interface)::

    python -m sociale_kaart.served "$PORT"   ->   0.0.0.0:8080 http://127.0.0.1:8080
"""

import sys

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
_EVERY_INTERFACE = {"0.0.0.0", "::", "[::]", "0"}  # noqa: S104 - names, not a bind


class AddressError(ValueError):
    pass


def parse(value: str | None) -> tuple[str, str]:
    """(address to bind, URL to open) for a ``PORT`` value."""
    value = (value or "").strip()
    host, port = DEFAULT_HOST, str(DEFAULT_PORT)
    if value:
        host, sep, port = value.rpartition(":")
        if not sep:
            host, port = DEFAULT_HOST, value
        host = host or DEFAULT_HOST
    if not (port.isascii() and port.isdigit() and 1 <= int(port) <= 65535):
        raise AddressError(
            f"PORT must be a port (8000) or host:port (0.0.0.0:8000), got {value!r}"
        )
    shown = DEFAULT_HOST if host in _EVERY_INTERFACE else host
    return f"{host}:{int(port)}", f"http://{shown}:{int(port)}"


def main(argv: list[str]) -> int:
    try:
        bind, url = parse(argv[1] if len(argv) > 1 else "")
    except AddressError as error:
        print(error, file=sys.stderr)
        return 2
    print(bind, url)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
