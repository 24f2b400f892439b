"""A real `personas serve` on a free loopback port with small connection limits, for tests of the server
layer (what uvicorn does before the app sees a request); its stderr is kept in a file."""

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

LIMITS = {"PERSONAS_MAX_HEADER_BYTES": "16384", "PERSONAS_HEADER_TIMEOUT": "1.5", "PERSONAS_KEEP_ALIVE_TIMEOUT": "1"}


@dataclass(frozen=True)
class Server:
    port: int
    stderr: Path

    def connect(self, timeout: float = 15) -> socket.socket:
        conn = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        conn.settimeout(timeout)
        return conn

    def exchange(self, request: bytes, conn: socket.socket | None = None) -> bytes:
        """Send one request and read its whole answer (head and a body of content-length bytes)."""
        if conn is None:
            with self.connect() as fresh:
                return self.exchange(request, fresh)
        conn.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return data
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lengths = [line.split(b":")[1] for line in head.lower().split(b"\r\n") if line.startswith(b"content-length:")]
        length = int(lengths[0]) if lengths else 0
        while len(body) < length:
            body += conn.recv(65536)
        return head + b"\r\n\r\n" + body


def get(path: str, *headers: bytes) -> bytes:
    lines = [b"GET /api/v1" + path.encode() + b" HTTP/1.1", b"Host: 127.0.0.1", *headers]
    return b"\r\n".join(lines) + b"\r\n\r\n"


def closed_by_server(conn: socket.socket) -> bool:
    """True when the server ends the connection (whatever it says first) within the socket's timeout."""
    try:
        while conn.recv(65536):
            pass
    except TimeoutError:
        return False
    except ConnectionResetError:
        pass
    return True


@contextmanager
def limited_server(folder: Path, workers: int = 1, **extra_env: str):
    folder.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERSONAS_")}
    env |= LIMITS | {"PERSONAS_DATABASE_URL": f"sqlite:///{folder / 'limited.sqlite3'}"} | extra_env
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    stderr = folder / "stderr.log"
    with open(stderr, "wb") as err:
        server = subprocess.Popen(
            [sys.executable, "-m", "personas.cli", "serve", "--port", str(port), "--workers", str(workers)],
            cwd=folder,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    ready = Server(port, stderr)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if b" 200 " in ready.exchange(get("/health")).split(b"\r\n", 1)[0]:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError(f"the server did not start: {stderr.read_text()}")
            time.sleep(0.2)
        yield ready
    finally:
        server.terminate()
        server.wait(timeout=30)
