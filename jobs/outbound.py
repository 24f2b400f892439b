"""Outgoing HTTP to URLs that clients gave us, guarded against server-side request forgery.

DOMAIN.md "Outgoing calls": the host is resolved once, and the call refused when any address it
resolves to is private, loopback, link-local (169.254.169.254, the cloud metadata service, is one),
multicast, reserved or otherwise not global, unless the host or the address is in the allowlist
(`settings.outbound_allowlist`: host names or CIDRs). The connection goes to the address that was
checked (pinned), so a second DNS answer cannot swap it; the Host header and TLS SNI and certificate
check keep the name. Redirects are never followed (a 3xx is just the answer), the whole call is
bounded by `timeout` seconds and the response body by `max_bytes`.

Standard library only (`http.client`): it lets the socket be opened to the pinned address while
everything above it keeps the host name, which the usual clients do not expose.
"""

import contextlib
import http.client
import ipaddress
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import urlsplit

TIMEOUT = 5.0
MAX_BYTES = 1_048_576
USER_AGENT = "personas-outbound/1.0"

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class OutboundRefused(Exception):
    """The URL may not be called: bad scheme, unresolvable, or an address that is not public."""


class OutboundFailed(Exception):
    """The call was allowed but did not complete (network error, timeout, oversized answer)."""


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Allowlist:
    hosts: frozenset[str]
    networks: tuple[Network, ...]

    @classmethod
    def parse(cls, entries: Iterable[str]) -> "Allowlist":
        """Entries are host names or CIDRs (a bare address is its own /32 or /128)."""
        hosts, networks = set(), []
        for entry in (e.strip() for e in entries):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                hosts.add(entry.lower().rstrip("."))
        return cls(frozenset(hosts), tuple(networks))

    def allows(self, host: str, address: Address) -> bool:
        return host in self.hosts or any(address in network for network in self.networks)


def is_public(address: Address) -> bool:
    """Whether an address may be called without the allowlist."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def _resolve(host: str, port: int, resolver: Callable) -> list[Address]:
    try:
        infos = resolver(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise OutboundRefused(f"cannot resolve {host!r}") from exc
    addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos))
    if not addresses:
        raise OutboundRefused(f"cannot resolve {host!r}")
    return addresses


def check_url(url: str, allowlist: Iterable[str] = (), resolver: Callable = socket.getaddrinfo):
    """(scheme, host, port, path, the pinned address) of a URL that may be called; OutboundRefused if not."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise OutboundRefused("only http and https URLs may be called")
    try:
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise OutboundRefused("the URL's port is not valid") from exc
    if not host:
        raise OutboundRefused("the URL has no host")
    host = host.rstrip(".").lower()
    port = port or (443 if parts.scheme.lower() == "https" else 80)
    allowed = Allowlist.parse(allowlist)
    addresses = _resolve(host, port, resolver)
    # Every answer must pass: with a mixed answer, which one a client connects to is not ours to pick.
    for address in addresses:
        if not (is_public(address) or allowed.allows(host, address)):
            raise OutboundRefused(f"{host!r} resolves to a non-public address ({address})")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme.lower(), host, port, path, addresses[0]


def _connection(scheme: str, host: str, port: int, address: Address, timeout: float):
    """A connection whose socket goes to `address` while Host, SNI and the certificate check use `host`."""
    if scheme == "https":
        conn = http.client.HTTPSConnection(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
    conn._create_connection = lambda _addr, timeout=timeout, source_address=None: socket.create_connection(
        (str(address), port), timeout, source_address
    )
    return conn


def post_json(
    url: str,
    payload,
    allowlist: Iterable[str] = (),
    headers: dict[str, str] | None = None,
    timeout: float = TIMEOUT,
    max_bytes: int = MAX_BYTES,
    resolver: Callable = socket.getaddrinfo,
) -> Response:
    """POST `payload` as JSON to `url` under the rules of this module; any status comes back as it is."""
    body = json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8")
    sent = {"Content-Type": "application/json", **(headers or {})}
    return _exchange("POST", url, body, sent, allowlist, timeout, max_bytes, resolver)


def download(
    url: str,
    sink: BinaryIO,
    allowlist: Iterable[str] = (),
    timeout: float = TIMEOUT,
    max_bytes: int = MAX_BYTES,
    resolver: Callable = socket.getaddrinfo,
) -> Response:
    """GET `url` into `sink` a chunk at a time (never wholly in memory); the returned body is empty."""
    return _exchange("GET", url, None, {}, allowlist, timeout, max_bytes, resolver, sink)


def _exchange(method, url, body, headers, allowlist, timeout, max_bytes, resolver, sink=None) -> Response:
    scheme, host, port, path, address = check_url(url, allowlist, resolver)
    sent = {"User-Agent": USER_AGENT, **headers}
    conn = _connection(scheme, host, port, address, timeout)
    started = time.monotonic()
    expired = threading.Event()
    # Socket timeouts bound each wait, not their sum (a server may drip a byte at a time): once the
    # call's time is up, a timer shuts the socket, which ends whatever read is waiting.
    watchdog = threading.Timer(timeout, _abort, (conn, expired))
    try:
        conn.connect()
        watchdog.interval = max(0.0, timeout - (time.monotonic() - started))
        watchdog.start()
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        chunks, size = [], 0
        while chunk := response.read1(65536):
            size += len(chunk)
            if size > max_bytes:
                raise OutboundFailed(f"calling {host}: the response is larger than {max_bytes} bytes")
            if sink is None:
                chunks.append(chunk)
            else:
                sink.write(chunk)
        if expired.is_set():
            raise OutboundFailed(f"calling {host}: took longer than {timeout} s")
        return Response(response.status, {k.lower(): v for k, v in response.getheaders()}, b"".join(chunks))
    except (OSError, ValueError, http.client.HTTPException) as exc:
        timed_out = expired.is_set() or isinstance(exc, TimeoutError)
        reason = f"took longer than {timeout} s" if timed_out else type(exc).__name__
        raise OutboundFailed(f"calling {host}: {reason}") from exc
    finally:
        watchdog.cancel()
        conn.close()


def _abort(conn, expired: threading.Event) -> None:
    expired.set()
    sock = conn.sock
    if sock is not None:
        with contextlib.suppress(OSError):  # already closed: nothing left to stop
            sock.shutdown(socket.SHUT_RDWR)
