"""The one client for outgoing HTTP, guarded against server-side request forgery: every provider and
job calls out through it.

The guard is domain.url_guard's (the API applies the same rules when a URL is saved): the host is
resolved once, and the call refused when any address it resolves to is not globally routable, unless
the host or the address is in the allowlist. Refusals never say what the name resolved to. The
connection goes to the address that was checked (pinned), so a second DNS answer cannot swap it; the
Host header and TLS SNI and certificate check keep the name. The whole call (connect, send, every byte
of the answer) is bounded by `timeout` seconds, a watchdog shutting the socket when a server drips or
hangs, and the answer by `max_bytes`, read a chunk at a time so an oversized one is dropped before it
is held in memory.

A 3xx is just the answer unless the caller allows `redirects` hops: each hop is then checked, pinned
and bounded like the first, and one to another origin carries none of the caller's headers (they may
hold its credentials) but those describing the body.

A `Session` (one per job, or per provider call) keeps HTTP/1.1 connections open per pinned
destination and remembers what a host resolved to for its short life, so a batch of webhooks to one
receiver pays for one resolution, one check and one connection; every call is still checked, and a
connection is only reused for the very address that passed the check.

Standard library only (`http.client`): it lets the socket be opened to the pinned address while
everything above it keeps the host name, which the usual clients do not expose.
"""

import contextlib
import http.client
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import urljoin

from personas.domain import url_guard
from personas.domain.url_guard import Allowlist, Target, UrlPolicy

TIMEOUT = 5.0
MAX_BYTES = 1_048_576
USER_AGENT = "personas-outbound/1.0"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# The caller's headers a hop to another origin still gets: they describe the body, not the caller.
CROSS_ORIGIN_HEADERS = frozenset({"accept", "content-type", "user-agent"})


class OutboundError(Exception):
    """Refused or not completed; `reason` says why without naming the host or an address."""

    reason: str


class OutboundRefused(OutboundError):
    """The URL may not be called: bad scheme, unresolvable, or an address that is not public."""

    @property
    def reason(self) -> str:
        return f"refused: {self}"


class OutboundFailed(OutboundError):
    """The call was allowed but did not complete (network error, timeout, oversized answer)."""

    def __init__(self, message: str, reason: str | None = None):
        super().__init__(message)
        self.reason = message if reason is None else reason


def _failed(host: str, reason: str) -> OutboundFailed:
    return OutboundFailed(f"calling {host}: {reason}", reason)


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


def allowlist_policy(allowlist: Iterable[str] = (), resolver: Callable = socket.getaddrinfo) -> UrlPolicy:
    """The guard over `allowlist` (host names or CIDRs) and a getaddrinfo-shaped `resolver`."""

    def resolve(host, port):
        return [info[4][0] for info in resolver(host, port, type=socket.SOCK_STREAM)]

    return UrlPolicy(Allowlist.parse(allowlist), resolve)


def _vetted(policy: UrlPolicy | None, url) -> tuple[Target, url_guard.Address | None]:
    """The target of a URL that may be called and the address to pin; OutboundRefused if not.

    Without a policy (a provider built without the app's) the URL is only parsed, and not pinned.
    """
    try:
        if policy is None:
            return url_guard.parse(url), None
        target, addresses = policy.check(url)
    except url_guard.UrlRefused as refused:
        raise OutboundRefused(str(refused)) from None
    return target, addresses[0]


def check_url(url: str, allowlist: Iterable[str] = (), resolver: Callable = socket.getaddrinfo):
    """(scheme, host, port, path, the pinned address) of a URL that may be called; OutboundRefused if not."""
    target, address = _vetted(allowlist_policy(allowlist, resolver), url)
    return target.scheme, target.host, target.port, target.path, address


def pinned_connection(scheme: str, host: str, port: int, address, timeout: float):
    """A connection whose socket goes to `address` (when given) while Host, SNI and the certificate
    check use `host`: what was checked is what is connected to."""
    if scheme == "https":
        conn = http.client.HTTPSConnection(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
    if address is not None:
        conn._create_connection = lambda _addr, timeout=timeout, source_address=None: socket.create_connection(
            (str(address), port), timeout, source_address
        )
    return conn


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


def _origin(target: Target) -> tuple[str, str, int]:
    return target.scheme, target.host, target.port


class Session:
    """Outgoing calls under one `policy` (None: URLs parsed, addresses not checked), each call checked,
    connections kept per pinned address, at most `redirects` redirects followed; close() when done."""

    def __init__(
        self,
        policy: UrlPolicy | None,
        timeout: float = TIMEOUT,
        max_bytes: int = MAX_BYTES,
        redirects: int = 0,
    ):
        self.timeout, self.max_bytes, self.redirects = timeout, max_bytes, redirects
        self._resolved: dict[tuple[str, int], list] = {}
        self._policy = None if policy is None else UrlPolicy(policy.allowlist, self._resolve)
        self._upstream = None if policy is None else policy.resolve
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

    def _resolve(self, host, port):
        # Kept only while this requests.Session lives (one job, seconds); connections are pinned to what was checked.
        key = (host, port)
        if key not in self._resolved:
            self._resolved[key] = self._upstream(host, port)
        return self._resolved[key]

    def post_json(self, url: str, payload, headers: dict[str, str] | None = None) -> Response:
        """POST `payload` as JSON to `url`; any status comes back as it is."""
        body = json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8")
        return self.request("POST", url, body, {"Content-Type": "application/json", **(headers or {})})

    def download(self, url: str, sink: BinaryIO) -> Response:
        """GET `url` into `sink` a chunk at a time (never wholly in memory); the returned body is empty."""
        return self.request("GET", url, None, {}, sink)

    def request(self, method, url, body, headers, sink=None) -> Response:
        """One call, and the redirects this requests.Session follows; every hop checked by the guard."""
        target, address = _vetted(self._policy, url)
        sent, hops_left = {"User-Agent": USER_AGENT, **headers}, self.redirects
        while True:
            response = self._send(target, address, method, body, sent, sink, follow=hops_left > 0)
            location = response.headers.get("location")
            if not (hops_left and response.status in REDIRECT_STATUSES and location):
                return response
            hops_left, url = hops_left - 1, urljoin(url, location)
            hop, address = _vetted(self._policy, url)
            if response.status == 303 or (response.status in (301, 302) and method == "POST"):
                method, body = "GET", None
                sent = {k: v for k, v in sent.items() if k.lower() != "content-type"}
            if _origin(hop) != _origin(target):
                sent = {k: v for k, v in sent.items() if k.lower() in CROSS_ORIGIN_HEADERS}
            target = hop

    def _send(self, target: Target, address, method, body, headers, sink, follow) -> Response:
        key = (*_origin(target), address)
        conn = self._pool.pop(key, None)
        if conn is not None:
            try:
                return self._exchange(key, conn, method, target.path, body, headers, sink, follow)
            except OutboundFailed as failed:
                if not isinstance(failed.__cause__, _STALE) or self._watchdog.expired:
                    raise
                # The server closed the idle connection: once more on a new one (the same webhook-id,
                # so a receiver that did get the first copy can drop it).
        conn = pinned_connection(target.scheme, target.host, target.port, address, self.timeout)
        return self._exchange(key, conn, method, target.path, body, headers, sink, follow)

    def _exchange(self, key, conn, method, path, body, headers, sink, follow) -> Response:
        host, timeout, started = key[1], self.timeout, time.monotonic()
        keep = False
        try:
            if conn.sock is None:
                conn.connect()
            self._watchdog.arm(conn, started + timeout)
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            if follow and response.status in REDIRECT_STATUSES and response.getheader("location"):
                sink = None  # the answer is the next hop's, not this one's
            chunks, size = [], 0
            while chunk := response.read1(65536):
                size += len(chunk)
                if size > self.max_bytes:
                    raise _failed(host, f"the response is larger than {self.max_bytes} bytes")
                if sink is None:
                    chunks.append(chunk)
                else:
                    sink.write(chunk)
            if self._watchdog.expired:
                raise _failed(host, f"took longer than {timeout} s")
            keep = not response.will_close
            response.close()  # read to its end: the connection may carry the next request
            return Response(response.status, {k.lower(): v for k, v in response.getheaders()}, b"".join(chunks))
        except (OSError, ValueError, http.client.HTTPException) as exc:
            timed_out = self._watchdog.expired or isinstance(exc, TimeoutError)
            raise _failed(host, f"took longer than {timeout} s" if timed_out else type(exc).__name__) from exc
        finally:
            self._watchdog.disarm()
            if keep:
                self._pool[key] = conn
            else:
                conn.close()


def call(
    method: str,
    url: str,
    body: bytes | None,
    headers: dict,
    timeout: float,
    max_bytes: int,
    policy: UrlPolicy | None = None,
    redirects: int = 0,
) -> tuple[int, bytes]:
    """(status, body) of one call on a session of its own; OutboundError when refused or failed."""
    with Session(policy, timeout, max_bytes, redirects) as session:
        response = session.request(method, url, body, headers)
    return response.status, response.body


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
    with Session(allowlist_policy(allowlist, resolver), timeout, max_bytes) as session:
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
    with Session(allowlist_policy(allowlist, resolver), timeout, max_bytes) as session:
        return session.download(url, sink)
