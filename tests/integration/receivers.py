"""Local HTTP receivers: `Receiver` for webhook and Slack tests (records requests, answers from a
script, keeps connections alive as HTTP/1.1 does); `serve_counting`, a fast one for the events
benchmark (answers 200 at once, counts requests and distinct webhook-ids, checks nothing), run as
`python -m tests.integration.receivers PORT`; `GET /stats` gives its counts as JSON."""

import asyncio
import json
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Quiet(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client that hung up (wrk, a killed worker)
            super().handle_error(request, client_address)


class Receiver:
    """Answers each request with the next (status, headers, delay) of `script`, then with 200."""

    def __init__(self, script=(), port: int | None = None):
        self.script = list(script)
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as senders reuse their connections
            disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms stall between

            def do_POST(self):  # noqa: N802 - http.server's hook name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.requests.append(
                        {
                            "headers": dict(self.headers),
                            "body": body,
                            "path": self.path,
                            "time": time.monotonic(),
                            "client": self.client_address,  # one per connection
                        }
                    )
                    status, headers, delay = receiver.script.pop(0) if receiver.script else (200, {}, 0)
                time.sleep(delay)
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:
                    pass  # the sender is gone (a killed worker): nothing to answer

            def log_message(self, *args):
                pass

        self.server = _Quiet(("127.0.0.1", port or free_port()), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def bodies(self) -> list[dict]:
        with self.lock:
            return [json.loads(r["body"]) for r in self.requests]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while len(self.requests) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self.requests)


OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"


class _Counting(asyncio.Protocol):
    """HTTP/1.1 with keep-alive, just enough of it: a request line, headers, a Content-Length body."""

    stats = {"requests": 0}
    ids: set = set()

    def connection_made(self, transport):
        self.transport, self.buffer = transport, b""

    def data_received(self, data):
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            head = self.buffer[:end].decode("latin-1").split("\r\n")
            fields = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:])}
            size = int(fields.get("content-length") or 0)
            if len(self.buffer) < end + 4 + size:
                return  # the rest of the body is on its way
            self.buffer = self.buffer[end + 4 + size :]
            if head[0].startswith("GET /stats"):
                body = json.dumps({**self.stats, "ids": len(self.ids)}).encode()
                self.transport.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
                continue
            self.stats["requests"] += 1
            if "webhook-id" in fields:
                self.ids.add(fields["webhook-id"])
            self.transport.write(OK)


def serve_counting(port: int) -> None:
    """The benchmark's receiver: one process, one event loop, 200 at once to anything but GET /stats."""

    async def main():
        server = await asyncio.get_running_loop().create_server(_Counting, "127.0.0.1", port, backlog=1024)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


if __name__ == "__main__":
    serve_counting(int(sys.argv[1]))
