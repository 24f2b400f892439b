"""Outgoing HTTP to URLs that clients gave us, guarded against server-side request forgery.

DOMAIN.md "Outgoing calls": the host is resolved once, and the call refused when any address it
resolves to is not globally routable (domain.url_guard holds the rules, which the API also applies
when a URL is saved), unless the host or the address is in the allowlist
(`settings.outbound_allowlist`: host names or CIDRs). Refusals never say what the name resolved to.
The connection goes to the address that was checked (pinned), so a second DNS answer cannot swap
it; the Host header and TLS SNI and certificate check keep the name. Redirects are never followed
(a 3xx is just the answer), the whole call is bounded by `timeout` seconds and the response body by
`max_bytes`.

A `Session` (one per job) keeps HTTP/1.1 connections open per pinned destination and remembers
what a host resolved to for its short life, so a batch of webhooks to one receiver pays for one
resolution, one check and one connection; every call is still checked, and a connection is only
reused for the very address that passed the check.

Standard library only (`http.client`): it lets the socket be opened to the pinned address while
everything above it keeps the host name, which the usual clients do not expose.
"""

import contextlib
import http.client
import json
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import BinaryIO

from personas.domain import url_guard
from personas.domain.providers.http import pinned_connection
from personas.domain.url_guard import Address, Allowlist, is_public  # noqa: F401 - part of this module's interface

TIMEOUT = 5.0
MAX_BYTES = 1_048_576
USER_AGENT = "personas-outbound/1.0"


class OutboundRefused(Exception):
    """The URL may not be called: bad scheme, unresolvable, or an address that is not public."""


class OutboundFailed(Exception):
    """The call was allowed but did not complete (network error, timeout, oversized answer)."""


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


def _addresses(resolver: Callable) -> Callable:
    """domain.url_guard's `resolve(host, port)` over a getaddrinfo-shaped resolver."""

    def resolve(host, port):
        return [info[4][0] for info in resolver(host, port, type=socket.SOCK_STREAM)]

    return resolve


def check_url(url: str, allowlist: Iterable[str] = (), resolver: Callable = socket.getaddrinfo):
    """(scheme, host, port, path, the pinned address) of a URL that may be called; OutboundRefused if not."""
    try:
        target, addresses = url_guard.check(url, allowlist, _addresses(resolver))
    except url_guard.UrlRefused as refused:
        raise OutboundRefused(str(refused)) from None
    return target.scheme, target.host, target.port, target.path, addresses[0]


class _Watchdog:
    """One thread per session that shuts the socket of the call in flight once its time is up.

    Socket timeouts bound each wait, not their sum (a server may drip a byte at a time); this bounds
    the whole call, without starting a thread per call.
    """

    def __init__(self):
        self._cond = threading.Condition()
        self._conn, self._deadline, self._expired, self._closed = None, None, False, False
        self._thread: threading.Thread | None = None

    def arm(self, conn, deadline: float) -> None:
        with self._cond:
            self._conn, self._deadline, self._expired = conn, deadline, False
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="personas-outbound-watchdog", daemon=True)
                self._thread.start()
            self._cond.notify()

    def disarm(self) -> None:
        with self._cond:
            self._conn = self._deadline = None

    @property
    def expired(self) -> bool:
        with self._cond:
            return self._expired

    def close(self) -> None:
        with self._cond:
            self._closed, self._conn, self._deadline = True, None, None
            self._cond.notify()

    def _run(self) -> None:
        with self._cond:
            while not self._closed:
                left = None if self._deadline is None else self._deadline - time.monotonic()
                if left is None or left > 0:
                    self._cond.wait(left)
                    continue
                self._expired, self._deadline = True, None
                sock = self._conn.sock if self._conn is not None else None
                if sock is not None:
                    with contextlib.suppress(OSError):  # already closed: nothing left to stop
                        sock.shutdown(socket.SHUT_RDWR)


# A reused keep-alive connection that the server closed meanwhile fails like this before any answer.
_STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, ConnectionAbortedError)


class Session:
    """Outgoing calls of one job: each call checked, connections kept per pinned address; close() when done."""

    def __init__(
        self,
        allowlist: Iterable[str] = (),
        timeout: float = TIMEOUT,
        max_bytes: int = MAX_BYTES,
        resolver: Callable = socket.getaddrinfo,
    ):
        self.allowlist = allowlist if isinstance(allowlist, Allowlist) else Allowlist.parse(allowlist)
        self.timeout, self.max_bytes = timeout, max_bytes
        self._resolved: dict[tuple[str, int], list] = {}
        self._upstream = resolver
        self._pool: dict[tuple, http.client.HTTPConnection] = {}
        self._watchdog = _Watchdog()

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._watchdog.close()
        for conn in self._pool.values():
            conn.close()
        self._pool.clear()

    def _resolve(self, host, port, type=None):  # noqa: A002 - getaddrinfo's own keyword
        # Remembered for this client's life only (one job, seconds); the connection is pinned to what was checked.
        key = (host, port)
        if key not in self._resolved:
            self._resolved[key] = self._upstream(host, port, type=type)
        return self._resolved[key]

    def post_json(self, url: str, payload, headers: dict[str, str] | None = None) -> Response:
        """POST `payload` as JSON to `url`; any status comes back as it is."""
        body = json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8")
        return self.request("POST", url, body, {"Content-Type": "application/json", **(headers or {})})

    def download(self, url: str, sink: BinaryIO) -> Response:
        """GET `url` into `sink` a chunk at a time (never wholly in memory); the returned body is empty."""
        return self.request("GET", url, None, {}, sink)

    def request(self, method, url, body, headers, sink=None) -> Response:
        scheme, host, port, path, address = check_url(url, self.allowlist, self._resolve)
        key = (scheme, host, port, address)
        sent = {"User-Agent": USER_AGENT, **headers}
        conn = self._pool.pop(key, None)
        if conn is not None:
            try:
                return self._exchange(key, conn, method, path, body, sent, sink)
            except OutboundFailed as failed:
                if not isinstance(failed.__cause__, _STALE) or self._watchdog.expired:
                    raise
                # The server closed the idle connection: once more on a new one (the same webhook-id,
                # so a receiver that did get the first copy can drop it).
        conn = pinned_connection(scheme, host, port, address, self.timeout)
        return self._exchange(key, conn, method, path, body, sent, sink)

    def _exchange(self, key, conn, method, path, body, headers, sink) -> Response:
        host, timeout, started = key[1], self.timeout, time.monotonic()
        keep = False
        try:
            if conn.sock is None:
                conn.connect()
            self._watchdog.arm(conn, started + timeout)
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            chunks, size = [], 0
            while chunk := response.read1(65536):
                size += len(chunk)
                if size > self.max_bytes:
                    raise OutboundFailed(f"calling {host}: the response is larger than {self.max_bytes} bytes")
                if sink is None:
                    chunks.append(chunk)
                else:
                    sink.write(chunk)
            if self._watchdog.expired:
                raise OutboundFailed(f"calling {host}: took longer than {timeout} s")
            keep = not response.will_close
            response.close()  # read to its end: the connection may carry the next request
            return Response(response.status, {k.lower(): v for k, v in response.getheaders()}, b"".join(chunks))
        except (OSError, ValueError, http.client.HTTPException) as exc:
            timed_out = self._watchdog.expired or isinstance(exc, TimeoutError)
            reason = f"took longer than {timeout} s" if timed_out else type(exc).__name__
            raise OutboundFailed(f"calling {host}: {reason}") from exc
        finally:
            self._watchdog.disarm()
            if keep:
                self._pool[key] = conn
            else:
                conn.close()


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
    with Session(allowlist, timeout, max_bytes, resolver) as session:
        return session.post_json(url, payload, headers)


def download(
    url: str,
    sink: BinaryIO,
    allowlist: Iterable[str] = (),
    timeout: float = TIMEOUT,
    max_bytes: int = MAX_BYTES,
    resolver: Callable = socket.getaddrinfo,
) -> Response:
    """GET `url` into `sink` a chunk at a time (never wholly in memory); the returned body is empty."""
    with Session(allowlist, timeout, max_bytes, resolver) as session:
        return session.download(url, sink)
