"""The guard on outgoing calls: which URLs may be called, decided before any packet leaves.

Refusals are checked with no traffic: a refused URL never reaches `socket.create_connection`.
"""

import ipaddress
import socket

import pytest

from personas.domain import url_guard
from personas.domain.providers import outbound
from personas.domain.providers.outbound import OutboundRefused, check_url, post_json
from personas.domain.url_guard import Allowlist, is_public


def resolver_for(*addresses: str):
    """A stand-in for socket.getaddrinfo that answers `addresses` for any name."""

    def resolve(host, port, type=None):  # noqa: A002 - getaddrinfo's own keyword
        family = {True: socket.AF_INET6, False: socket.AF_INET}
        return [(family[":" in a], socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses]

    return resolve


@pytest.fixture(autouse=True)
def no_connections(monkeypatch):
    """Any connection attempt fails the test: these tests are about what is refused beforehand."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"a connection was attempted: {args}")

    monkeypatch.setattr(outbound.socket, "create_connection", refuse)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://10.0.0.1/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
        "http://192.168.1.10/hook",
        "http://172.16.0.1/hook",
        "http://100.64.0.1/hook",
        "http://224.0.0.1/hook",
        "http://240.0.0.1/hook",
        "http://[fd00:ec2::254]/hook",
        "http://[fe80::1]/hook",
    ],
)
def test_non_public_addresses_are_refused_without_the_allowlist(url):
    with pytest.raises(OutboundRefused, match="non-public address"):
        post_json(url, {"a": 1})


def test_a_name_that_resolves_to_the_metadata_service_is_refused_without_saying_so():
    with pytest.raises(OutboundRefused, match="non-public address") as refused:
        check_url("https://hooks.example.com/x", resolver=resolver_for("169.254.169.254"))
    assert "169.254" not in str(refused.value)


def test_one_private_address_among_public_ones_refuses_the_name():
    with pytest.raises(OutboundRefused):
        check_url("https://hooks.example.com/x", resolver=resolver_for("93.184.216.34", "10.1.2.3"))


def test_a_public_address_is_allowed_and_pinned_with_the_host_name_kept():
    scheme, host, port, path, address = check_url(
        "https://Hooks.Example.com./in?token=1", resolver=resolver_for("93.184.216.34")
    )
    assert (scheme, host, port, path, str(address)) == (
        "https",
        "hooks.example.com",
        443,
        "/in?token=1",
        "93.184.216.34",
    )


@pytest.mark.parametrize(
    ("allowlist", "url", "host"),
    [
        (("127.0.0.1",), "http://127.0.0.1:9000/", "127.0.0.1"),
        (("10.0.0.0/8",), "http://10.20.30.40/", "10.20.30.40"),
        (("::1",), "http://[::1]:9000/", "::1"),
        (("callback.internal",), "http://Callback.Internal/", "callback.internal"),
    ],
)
def test_the_allowlist_lets_named_hosts_and_networks_through(allowlist, url, host):
    # The named host resolves to a private address: its name, not the address, is what is allowed.
    resolve = resolver_for("10.9.9.9") if host == "callback.internal" else socket.getaddrinfo
    assert check_url(url, allowlist, resolver=resolve)[1] == host


def test_an_allowlisted_address_does_not_open_its_neighbours():
    with pytest.raises(OutboundRefused):
        check_url("http://127.0.0.2/", ("127.0.0.1",))


@pytest.mark.parametrize(
    "url", ["ftp://example.com/x", "file:///etc/passwd", "gopher://example.com/", "http:///nohost", "http://h:99999/"]
)
def test_only_http_urls_with_a_host_and_a_valid_port_may_be_called(url):
    with pytest.raises(OutboundRefused):
        check_url(url, resolver=resolver_for("93.184.216.34"))


def test_a_name_that_does_not_resolve_is_refused():
    def fail(*args, **kwargs):
        raise socket.gaierror("no such name")

    with pytest.raises(OutboundRefused, match="could not be resolved"):
        check_url("https://nowhere.invalid/", resolver=fail)


def test_is_public_knows_public_from_special_addresses():
    assert is_public(ipaddress.ip_address("8.8.8.8")) and is_public(ipaddress.ip_address("2606:4700:4700::1111"))
    assert not is_public(ipaddress.ip_address("169.254.169.254"))


def test_allowlist_entries_parse_as_networks_or_names():
    allowed = Allowlist.parse(["127.0.0.1", " 10.0.0.0/8 ", "Hooks.Local.", ""])
    assert allowed.hosts == frozenset({"hooks.local"})
    assert [str(n) for n in allowed.networks] == ["127.0.0.1/32", "10.0.0.0/8"]


@pytest.mark.parametrize(
    "address",
    [
        "192.0.0.9",  # 192.0.0.0/24, IETF protocol assignments; `is_global` lets a few through
        "192.0.0.170",
        "2002:7f00:1::",  # 6to4 carrying 127.0.0.1
        "2002:808:808::",  # 6to4 at all: the relay decides where it goes
        "fec0::1",  # deprecated site-local
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::7f00:1",  # IPv4-compatible 127.0.0.1
        "64:ff9b::7f00:1",  # NAT64 to loopback
        "64:ff9b::a9fe:a9fe",  # NAT64 to the metadata service
        "64:ff9b:1::a00:1",  # NAT64 local use
        "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo
        "100.64.0.1",
        "0.1.2.3",
    ],
)
def test_addresses_that_are_not_globally_routable_or_carry_an_internal_ipv4_are_not_public(address):
    assert not is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["64:ff9b::808:808", "::ffff:8.8.8.8", "2606:4700:4700::1111", "1.1.1.1"])
def test_translated_addresses_are_as_public_as_the_ipv4_address_they_carry(address):
    assert is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "url", ["http://2130706433/", "http://0x7f000001/", "http://0177.0.0.1/", "http://127.1/", "http://1.2.3.4.5/"]
)
def test_ip_addresses_written_in_other_forms_than_the_dotted_quad_are_refused_before_resolving(url):
    with pytest.raises(OutboundRefused, match="dotted decimal"):
        check_url(url, resolver=resolver_for("93.184.216.34"))


@pytest.mark.parametrize("url", ["http://localhost./x", "http://LOCALHOST/x", "http://api.localhost/x"])
def test_localhost_names_are_refused_whatever_a_resolver_says(url):
    with pytest.raises(OutboundRefused, match="non-public address"):
        check_url(url, resolver=resolver_for("93.184.216.34"))


def test_an_allowlisted_network_still_lets_its_ipv6_mapped_form_through_only_when_listed():
    with pytest.raises(OutboundRefused):
        check_url("http://[::ffff:127.0.0.1]:9000/", ("127.0.0.1",))
    assert str(check_url("http://[::ffff:127.0.0.1]:9000/", ("::ffff:127.0.0.1",))[4]) == "::ffff:7f00:1"


def test_a_saved_url_gets_the_same_answer_as_a_called_one_through_an_injected_resolver():
    policy = url_guard.UrlPolicy(Allowlist.parse(()), lambda host, port: ["10.0.0.7"])
    assert policy.errors("https://partner.example/in") == [url_guard.INTERNAL]
    assert "10.0.0.7" not in url_guard.INTERNAL
    public = url_guard.UrlPolicy(Allowlist.parse(()), lambda host, port: ["93.184.216.34"])
    assert public.errors("https://p.example") == []


def test_a_resolver_that_times_out_refuses_the_url():
    def slow(host, port):
        raise TimeoutError("resolving took longer than 2 s")

    assert url_guard.UrlPolicy(Allowlist.parse(()), slow).errors("https://p.example") == [url_guard.UNRESOLVED]


def test_the_system_resolver_stops_waiting_after_its_timeout(monkeypatch):
    import threading
    import time

    from personas.domain.providers import resolver
    from tests.offline_dns import SYSTEM_CALL

    monkeypatch.setattr(resolver.SystemResolver, "__call__", SYSTEM_CALL)
    release = threading.Event()
    monkeypatch.setattr(resolver.socket, "getaddrinfo", lambda *a, **k: release.wait(5) and [])
    slow = resolver.SystemResolver(timeout=0.2, workers=1)
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        slow("hangs.example", 443)
    assert time.monotonic() - started < 1.0
    release.set()
    slow.close()
