"""One bounded HTTP call to an outside service, shared by the provider adapters.

Redirects are never followed (a 3xx is just the answer, so a provider cannot send us elsewhere), the
whole call (connect, send, every byte of the answer) is bounded by `timeout` seconds, a socket
watchdog ending it when a server drips or hangs, and the answer by `max_bytes`, read a chunk at a
time so an oversized one is dropped before it is held in memory. Given a `policy`
(domain.url_guard.UrlPolicy), the URL must pass the outbound guard and the connection goes to the
address that was checked while Host, SNI and the certificate check keep the name.
"""

import contextlib
import http.client
import socket
import ssl
import threading
from urllib.parse import urlsplit

from personas.domain.url_guard import UrlRefused

USER_AGENT = "personas-outbound/1.0"


class CallFailed(Exception):
    """Refused by the guard, unreachable, too slow, or too large; the message names no address."""


def abort(conn, expired: threading.Event) -> None:
    """A watchdog's action: mark the call expired and shut its socket, which ends any wait on it."""
    expired.set()
    sock = conn.sock
    if sock is not None:
        with contextlib.suppress(OSError):  # already closed: nothing left to stop
            sock.shutdown(socket.SHUT_RDWR)


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


def _connection(url: str, timeout: float, policy):
    parts = urlsplit(url)
    try:
        if policy is not None:
            target, addresses = policy.check(url)
            scheme, host, port, pinned = target.scheme, target.host, target.port, str(addresses[0])
        else:
            scheme, host = parts.scheme.lower(), parts.hostname or ""
            port, pinned = parts.port or (443 if scheme == "https" else 80), None
    except UrlRefused as refused:
        raise CallFailed(f"refused: {refused}") from None
    except ValueError:
        raise CallFailed("the URL is not valid") from None
    if scheme not in ("http", "https"):
        raise CallFailed("only http and https URLs may be called")
    conn = pinned_connection(scheme, host, port, pinned, timeout)
    return conn, (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def call(method: str, url: str, body: bytes | None, headers: dict, timeout: float, max_bytes: int, policy=None):
    """(status, body) of one call; CallFailed when refused, failed, slower than `timeout` or over `max_bytes`."""
    conn, path = _connection(url, timeout, policy)
    expired = threading.Event()
    watchdog = threading.Timer(timeout, abort, (conn, expired))
    watchdog.daemon = True
    watchdog.start()
    try:
        conn.request(method, path, body=body, headers={"User-Agent": USER_AGENT, **headers})
        response = conn.getresponse()
        chunks, size = [], 0
        while chunk := response.read1(65536):
            size += len(chunk)
            if size > max_bytes:
                raise CallFailed(f"the answer is larger than {max_bytes} bytes")
            if expired.is_set():
                break
            chunks.append(chunk)
        if expired.is_set():
            raise CallFailed(f"took longer than {timeout} s")
        return response.status, b"".join(chunks)
    except (OSError, ValueError, http.client.HTTPException) as exc:
        timed_out = expired.is_set() or isinstance(exc, TimeoutError)
        raise CallFailed(f"took longer than {timeout} s" if timed_out else type(exc).__name__) from None
    finally:
        watchdog.cancel()
        conn.close()
