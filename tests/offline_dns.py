"""No test asks a name server (none is on loopback): outside a loopback-only network namespace, the
system resolver of domain.providers.resolver answers from a table instead.

URLs like https://partner.example.com are saved, hence checked, all over the suite, and some apps
are built by tests themselves, so the resolver class is patched for the whole session
(tests/conftest.py). Listed names answer with their addresses; `.invalid` names never resolve;
any other name answers with a public address. Only the checks made where a URL is saved use this
resolver, so nothing ever connects to that address: every other lookup in the session goes through
`loopback_getaddrinfo`, which answers only `localhost` and address literals.
Inside a loopback-only namespace the real resolver runs: nothing can leave it.
"""

import ipaddress
import socket

from personas.domain.providers.resolver import SystemResolver

# Kept before the session patches it, for the tests of the real resolver (with getaddrinfo stubbed).
SYSTEM_CALL = SystemResolver.__call__
LOOPBACK_NAMES = {"localhost": ["127.0.0.1", "::1"]}
PUBLIC = ["93.184.216.34"]


def loopback_only() -> bool:
    """Whether this process's network namespace has no interface but loopback."""
    return all(name == "lo" for _, name in socket.if_nameindex())


class OfflineResolver:
    def __init__(self, table: dict | None = None):
        self.table = LOOPBACK_NAMES | (table or {})

    def __call__(self, host: str, port: int) -> list[str]:
        name = host.rstrip(".").lower()
        if name in self.table:
            return list(self.table[name])
        if name.endswith(".invalid"):
            raise OSError("no such name")  # RFC 6761: never resolves
        return list(PUBLIC)


_GETADDRINFO = socket.getaddrinfo


def _literal(host) -> bool:
    try:
        ipaddress.ip_address(str(host).strip("[]").split("%")[0])
    except ValueError:
        return False
    return True


def loopback_getaddrinfo(host, *args, **kwargs):
    """socket.getaddrinfo for the session: address literals and `localhost` only; any other name fails
    as an unknown name would, without a query."""
    if host is None or _literal(host) or str(host).rstrip(".").lower() in LOOPBACK_NAMES:
        return _GETADDRINFO(host, *args, **kwargs)
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known (tests resolve no names)")


def offline_call(_resolver, host: str, port: int) -> list[str]:
    """SystemResolver.__call__ for the session outside a loopback-only namespace."""
    return OfflineResolver()(host, port)
