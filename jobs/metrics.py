"""Counters of the background jobs, for `GET /metrics` (handlers.metrics says how processes share them).

They live here, not in handlers.metrics: jobs and handlers are sibling layers that never import each
other. In multiprocess mode each process writes its own file and the scrape adds them up by name; in a
single process both modules register with prometheus_client's default registry.
"""

from collections.abc import Iterable

from prometheus_client import Counter

DELIVERED, FAILED, REFUSED, GAVE_UP = "delivered", "failed", "refused", "gave_up"

DELIVERIES = Counter(
    "personas_deliveries_total",
    "Delivery attempts recorded, by outcome: delivered (2xx or the mail server's accept), failed (another "
    "attempt is scheduled), gave_up (the last attempt failed: the delivery is failed), refused (nothing sent: "
    "the channel is inactive or the outbound guard refused the address).",
    ["outcome"],
)
# Created now, so every outcome is exported at 0 before the first of its kind.
_BY_OUTCOME = {outcome: DELIVERIES.labels(outcome) for outcome in (DELIVERED, FAILED, REFUSED, GAVE_UP)}


def count_deliveries(outcomes: Iterable[str]) -> None:
    for outcome in outcomes:
        _BY_OUTCOME[outcome].inc()
