"""Rate limits per API key: the general one (PERSONAS_RATE_LIMIT) and tighter ones for lookups that an
enumeration would repeat (operations marked `x-rate-limit` in the spec).

Counters live in Redis when PERSONAS_REDIS_URL is set, so every process of every machine shares them;
otherwise in this process (a per-process limit, which multiplies by the number of workers). The `limits`
package does the counting, with a sliding window counter (a weighted pair of fixed windows: cheap on
Redis and without the double burst at a fixed window's edge), through its asyncio API so that a round
trip to Redis never holds up the worker's event loop.
"""

import functools
import logging
import math
import time

from connexion.middleware.abstract import SpecMiddleware
from limits import parse
from limits.aio.storage import MemoryStorage, RedisSentinelStorage, RedisStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter

from personas.domain.errors import RateLimited
from personas.handlers.metrics import RATE_LIMIT_REFUSALS
from personas.handlers.scopes import declared, operation_of, token_info_of
from personas.persistence.redis_connections import limits_storage_uri

log = logging.getLogger("personas.rate_limits")

# Lookups by national id answer whether a CURP is registered: a scan of CURPs would repeat them.
GROUP_LIMITS = {"national_id_lookup": "120/minute"}
PER_KEY = "per_key"  # the refusals counter's group for PERSONAS_RATE_LIMIT


@functools.lru_cache(maxsize=16)
def _parse(limit: str):
    return parse(limit)


class Limiter:
    """Hits against named limits; refuses with RateLimited (429 and Retry-After)."""

    def __init__(self, redis_url: str | None):
        if redis_url:
            # limits names its asyncio backends by scheme; redis-py is already a dependency.
            uri, options = limits_storage_uri(redis_url)
            kind = RedisSentinelStorage if options else RedisStorage
            storage = kind(uri, implementation="redispy", key_prefix="personas-limits", **options)
        else:
            storage = MemoryStorage()
        self.strategy = SlidingWindowCounterRateLimiter(storage)
        self._warned = 0.0

    async def hit(self, limit: str, *identifiers: str) -> None:
        item = _parse(limit)
        try:
            if await self.strategy.hit(item, *identifiers):
                return
            reset, _remaining = await self.strategy.get_window_stats(item, *identifiers)
        except Exception:  # noqa: BLE001 - a limiter that cannot count must not take the API down
            if time.monotonic() - self._warned > 60:
                self._warned = time.monotonic()
                log.warning("rate limit storage unavailable: requests pass unlimited", exc_info=True)
            return
        raise RateLimited(retry_after=math.ceil(max(1.0, reset - time.time())))


class RateLimit(SpecMiddleware):
    def __init__(self, app, limiter: Limiter | None = None, per_key: str | None = None):
        self.app = app
        self.limiter = limiter
        self.per_key = per_key
        self.groups: dict[str, str] = {}
        for group in (PER_KEY, *GROUP_LIMITS):
            RATE_LIMIT_REFUSALS.labels(group)  # shown at 0 from the start, so rates work before a first refusal

    def add_api(self, specification, **_kwargs) -> None:
        self.groups.update(declared(specification, "x-rate-limit"))

    async def _hit(self, group: str, limit: str, *identifiers: str) -> None:
        try:
            await self.limiter.hit(limit, *identifiers)
        except RateLimited:
            RATE_LIMIT_REFUSALS.labels(group).inc()
            raise

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and self.limiter is not None:
            info = token_info_of(scope)
            if info is not None:
                key_id = str(info.get("id"))
                if self.per_key:
                    await self._hit(PER_KEY, self.per_key, "key", key_id)
                group = self.groups.get(operation_of(scope))
                if group:
                    await self._hit(group, GROUP_LIMITS[group], group, key_id)
        await self.app(scope, receive, send)
