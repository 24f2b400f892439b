"""Each Redis client of the service reaches the new primary after Sentinel fails over: the queue's and the
workers' (redis-py through persistence.redis_connections) and the rate limiter's (the `limits` package).

Runs after the scenario (file order), on the cluster it leaves healthy: kills the primary once more and
puts the old one back as a replica.
"""

import asyncio
import os
import time
import uuid

from limits import parse

from personas.handlers.rate_limits import Limiter
from personas.persistence.redis_connections import parse_sentinel_url, redis_from_url
from tests.cluster.harness import ClusterControl

LIMIT = parse("1000000/minute")
BOUND = 20.0  # seconds: Sentinel's failover takes 2-3 s here (down-after 1 s)


def _primary(url: str) -> tuple[str, int]:
    from redis.sentinel import Sentinel

    address = parse_sentinel_url(url)
    return Sentinel(list(address.sentinels), socket_timeout=1).discover_master(address.service_name)


def test_the_queue_client_and_the_rate_limiter_follow_a_failover():
    url = os.environ["PERSONAS_CLUSTER_REDIS_URL"]
    control = ClusterControl(os.environ.get("PERSONAS_CLUSTER_DIR"))
    client = redis_from_url(url, socket_connect_timeout=1, socket_timeout=2)
    limiter = Limiter(url)
    key = f"failover-{uuid.uuid4()}"

    async def limiter_works() -> bool:
        try:
            return await limiter.strategy.hit(LIMIT, key)
        except Exception:  # noqa: BLE001 - not yet: the primary is gone
            return False

    def client_works() -> bool:
        try:
            return bool(client.set(key, "1"))
        except Exception:  # noqa: BLE001 - not yet
            return False

    async def run():
        assert client_works() and await limiter_works()
        before = _primary(url)
        killed = control.kill_redis_primary()
        assert str(before[1]) == killed
        start, recovered = time.monotonic(), {}
        try:
            while time.monotonic() - start < BOUND and len(recovered) < 2:
                if "client" not in recovered and client_works():
                    recovered["client"] = time.monotonic() - start
                if "limiter" not in recovered and await limiter_works():
                    recovered["limiter"] = time.monotonic() - start
                await asyncio.sleep(0.1)
            after = _primary(url)
        finally:
            control.start_redis(killed)
        assert set(recovered) == {"client", "limiter"}, f"not back within {BOUND} s: {recovered}"
        assert after != before
        # Both wrote to the new primary: what they wrote is there.
        assert client.get(key) == b"1"
        print(
            f"sentinel failover: queue client back after {recovered['client']:.1f} s, "
            f"rate limiter after {recovered['limiter']:.1f} s (primary {before[1]} -> {after[1]})"
        )

    asyncio.run(run())
    client.close()
