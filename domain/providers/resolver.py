"""Name resolution for the URL guard (domain.url_guard), bounded in time.

`getaddrinfo` cannot be cancelled and may wait for a slow name server far longer than a request
should; it runs on a small pool of threads and the caller stops waiting after `timeout` seconds
(TimeoutError). A few threads may stay blocked meanwhile, but no request does.
"""

import socket
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as Expired

RESOLVE_TIMEOUT = 2.0


class SystemResolver:
    """`resolver(host, port) -> [address text]` through the system resolver, at most `timeout` seconds."""

    def __init__(self, timeout: float = RESOLVE_TIMEOUT, workers: int = 4):
        self.timeout = timeout
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="personas-resolver")

    def __call__(self, host: str, port: int) -> list[str]:
        future = self._pool.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
        try:
            infos = future.result(timeout=self.timeout)
        except Expired:
            future.cancel()  # still queued behind blocked lookups: it never starts
            raise TimeoutError(f"resolving took longer than {self.timeout} s") from None
        return [info[4][0] for info in infos]

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
