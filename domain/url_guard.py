"""Which URLs outgoing calls may reach, decided without any I/O.

A URL may be called when it is http or https with a host and a valid port, and every address its host
stands for is globally routable: `is_global`, and not multicast, reserved, site-local, 192.0.0.0/24,
6to4 (2002::/16) nor NAT64 local use; an IPv6 address that carries an IPv4 one (IPv4-mapped,
IPv4-compatible, NAT64 64:ff9b::/96, Teredo) is judged by that IPv4 address too. Hosts written as
numbers in another form than the dotted quad (2130706433, 0x7f000001, 0177.0.0.1, 127.1) are refused
rather than decoded, as are `localhost` and its subdomains. The allowlist (host names or CIDRs) lets
private hosts through.

Name resolution is injected (`resolve(host, port) -> [address text]`, raising OSError, LookupError or
TimeoutError when it cannot answer), so the same rules serve the API when a URL is saved and the jobs
when it is called. Messages never say what a name resolved to: a client must not learn the inside of
the network from a refusal.
"""

import ipaddress
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from personas.domain.errors import Rule

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

BAD_URL = Rule("url_form", "URL http o https con host", "Must be an http or https URL with a host")
BAD_PORT = Rule("url_form", "El puerto de la URL no es válido", "The URL's port is not valid")
NUMERIC_HOST = Rule("url_form", "Escriba la IP como a.b.c.d", "Write an IPv4 address in dotted decimal form")
INTERNAL = Rule("url_not_public", "La URL apunta a una dirección no pública", "The URL points to a non-public address")
UNRESOLVED = Rule(
    "url_unresolved", "No se pudo resolver el host de la URL", "The URL's host name could not be resolved"
)

# Not globally routable although `is_global` may say otherwise on some Python versions.
BLOCKED = tuple(
    ipaddress.ip_network(n)
    for n in ("0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "2002::/16", "fec0::/10", "64:ff9b:1::/48")
)
NAT64 = ipaddress.ip_network("64:ff9b::/96")
COMPATIBLE = ipaddress.ip_network("::/96")
# The last label of a host that a URL parser or inet_aton would read as a number.
_NUMBER = re.compile(r"(0x[0-9a-f]*|[0-9]+)", re.IGNORECASE)


class UrlRefused(Exception):
    """The URL may not be called; the message (`rule`) is safe to show to the client."""

    def __init__(self, rule: Rule):
        super().__init__(rule)
        self.rule = rule


@dataclass(frozen=True)
class Allowlist:
    hosts: frozenset[str]
    networks: tuple[Network, ...]

    @classmethod
    def parse(cls, entries: Iterable[str]) -> "Allowlist":
        """Entries are host names or CIDRs (a bare address is its own /32 or /128)."""
        if isinstance(entries, Allowlist):
            return entries
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


def embedded_ipv4(address: Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries (a packet to it may end up at them)."""
    if address.version == 4:
        return []
    found = [a for a in (address.ipv4_mapped, address.sixtofour) if a is not None]
    found += list(address.teredo or ())
    if address in NAT64 or (address in COMPATIBLE and int(address) > 1):
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return found


def is_public(address: Address) -> bool:
    """Whether an address may be called without the allowlist."""
    if any(address.version == n.version and address in n for n in BLOCKED):
        return False
    if address.version == 6 and (address.ipv4_mapped is not None or address in NAT64):
        # Translated to IPv4 on the way (ipaddress calls these reserved): as public as the address inside.
        return is_public(embedded_ipv4(address)[0])
    special = (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or (address.version == 6 and address.is_site_local)
    )
    return address.is_global and not special and all(is_public(a) for a in embedded_ipv4(address))


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str


def parse(url) -> Target:
    """The parts of a URL that may be called, or UrlRefused."""
    if not isinstance(url, str):
        raise UrlRefused(BAD_URL)
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise UrlRefused(BAD_PORT if "port" in str(exc).lower() else BAD_URL) from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not host:
        raise UrlRefused(BAD_URL)
    if port == 0:
        raise UrlRefused(BAD_PORT)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme, host.rstrip(".").lower(), port or (443 if scheme == "https" else 80), path)


def literal(host: str) -> Address | None:
    """The address a host names by itself; None for a name; UrlRefused for numbers in an unusual form."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if not host or _NUMBER.fullmatch(host.rsplit(".", 1)[-1]):
        raise UrlRefused(NUMERIC_HOST)
    return None


def check(url, allowlist: Iterable[str], resolve: Callable) -> tuple[Target, list[Address]]:
    """The target and the addresses to connect to (every one checked), or UrlRefused."""
    target = parse(url)
    allowed = Allowlist.parse(allowlist)
    address = literal(target.host)
    if address is not None:
        addresses = [address]
    elif (target.host == "localhost" or target.host.endswith(".localhost")) and target.host not in allowed.hosts:
        raise UrlRefused(INTERNAL)
    else:
        try:
            answers = resolve(target.host, target.port)
            addresses = list(dict.fromkeys(ipaddress.ip_address(str(a).split("%", 1)[0]) for a in answers))
        except (OSError, LookupError, UnicodeError, ValueError) as exc:
            raise UrlRefused(UNRESOLVED) from exc
        if not addresses:
            raise UrlRefused(UNRESOLVED)
    # Every answer must pass: with a mixed answer, which one a client connects to is not ours to pick.
    if not all(is_public(a) or allowed.allows(target.host, a) for a in addresses):
        raise UrlRefused(INTERNAL)
    return target, addresses


@dataclass(frozen=True)
class UrlPolicy:
    """The allowlist and the resolver of one process, for checking URLs where they are saved."""

    allowlist: Allowlist
    resolve: Callable

    def check(self, url) -> tuple[Target, list[Address]]:
        return check(url, self.allowlist, self.resolve)

    def errors(self, url) -> list[str]:
        """[] when the URL may be called, else its refusal as a field error."""
        try:
            self.check(url)
        except UrlRefused as refused:
            return [refused.rule]
        return []
