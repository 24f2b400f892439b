"""Redis clients from `PERSONAS_REDIS_URL`: one server (`redis://`, `rediss://`) or a Sentinel-watched primary.

The Sentinel form names the sentinels, the service and the database:

    redis+sentinel://[:password@]host:port,host:port,host:port/service_name[/db]

A Sentinel client asks the sentinels for the primary's address whenever it opens a connection, and it drops
its connections when the server it talks to has become a replica (redis-py's SentinelManagedConnection), so
after a failover the next command reaches the new primary. Its retries are few and short: while Sentinel
has not yet elected a new primary, the caller hears of it within a second or two instead of hanging.
"""

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

SENTINEL_SCHEME = "redis+sentinel"


@dataclass(frozen=True)
class SentinelAddress:
    sentinels: tuple[tuple[str, int], ...]
    service_name: str
    db: int = 0
    password: str | None = None


def parse_sentinel_url(url: str) -> SentinelAddress | None:
    """The parts of a `redis+sentinel://` URL; None for any other scheme. Raises ValueError when malformed."""
    parts = urlsplit(url)
    if parts.scheme != SENTINEL_SCHEME:
        return None
    auth, _, hosts = parts.netloc.rpartition("@")
    password = unquote(auth.partition(":")[2]) if auth else None
    sentinels = []
    for item in hosts.split(","):
        host, _, port = item.strip().rpartition(":")
        if not host:
            host, port = item.strip(), "26379"
        sentinels.append((host.strip("[]"), int(port)))
    path = [p for p in parts.path.split("/") if p]
    if not path or not sentinels:
        raise ValueError("a redis+sentinel URL names its sentinels and a service: redis+sentinel://h:p,h:p/service/0")
    return SentinelAddress(tuple(sentinels), path[0], int(path[1]) if len(path) > 1 else 0, password or None)


def _retry():
    from redis.backoff import ExponentialWithJitterBackoff
    from redis.retry import Retry

    return Retry(ExponentialWithJitterBackoff(base=0.05, cap=0.5), 3)


def redis_from_url(url: str, **kwargs):
    """A redis-py client for `url`: the primary behind Sentinel for `redis+sentinel://`, else `Redis.from_url`.
    `kwargs` are the connection's options (timeouts, health checks)."""
    from redis import Redis

    address = parse_sentinel_url(url)
    if address is None:
        return Redis.from_url(url, **kwargs)
    from redis.sentinel import Sentinel

    timeouts = {k: v for k, v in kwargs.items() if k in ("socket_timeout", "socket_connect_timeout")}
    sentinel = Sentinel(list(address.sentinels), sentinel_kwargs={**timeouts, "password": address.password}, **timeouts)
    return sentinel.master_for(address.service_name, db=address.db, password=address.password, retry=_retry(), **kwargs)


def limits_storage_uri(url: str) -> tuple[str, dict]:
    """The `limits` package's asyncio storage URI and options for the same Redis."""
    address = parse_sentinel_url(url)
    if address is None:
        return f"async+{url}", {}
    auth = f":{address.password}@" if address.password else ""
    hosts = ",".join(f"{host}:{port}" for host, port in address.sentinels)
    # Counters are read and written on the primary: a replica's copy lags and would let requests through.
    options = {"db": address.db, "use_replicas": False, "socket_timeout": 1.0, "socket_connect_timeout": 1.0}
    return f"async+redis+sentinel://{auth}{hosts}/{address.service_name}", options
