"""Connection limits for `personas serve`: request head size, time to send a head, idle connections.

uvicorn's fast parser (httptools) reads a request head of any size, and uvicorn has no timeout on
reading one: only a connection idle after a response is closed (`timeout_keep_alive`), and a new
connection that never sends a byte, or sends a byte now and then, is kept for ever. This protocol keeps
httptools and adds both bounds; h11's `h11_max_incomplete_event_size` bounds the size only, at a cost
in requests per second.
"""

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from personas.config import Limits


class _HeadTooLarge(Exception):
    pass


def _answer(status: bytes, message: bytes) -> bytes:
    return (
        b"HTTP/1.1 " + status + b"\r\ncontent-type: application/json\r\nx-content-type-options: nosniff\r\n"
        b"connection: close\r\ncontent-length: " + str(len(message)).encode() + b"\r\n\r\n" + message
    )


TOO_LARGE = _answer(b"431 Request Header Fields Too Large", b'{"success":false,"code":431,"error":"Headers too large"}')
TIMED_OUT = _answer(b"408 Request Timeout", b'{"success":false,"code":408,"error":"Request timeout"}')


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """httptools with a cap on the request head and a deadline for receiving it.

    Workers are separate processes started by uvicorn, and uvicorn builds this class itself: each worker
    reads the limits from the environment `personas serve` passed on (through personas.config).
    """

    limits = Limits.from_env()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.head_bytes = 0  # what the parser reported of the current head
        self.raw_head_bytes = 0  # what arrived while the current head was still incomplete
        self.reading_head = False
        self.head_too_large = False
        self.head_deadline = None

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        # A connection that never sends a request is idle as well: the keep-alive timeout applies.
        self.timeout_keep_alive_task = self.loop.call_later(self.timeout_keep_alive, self.timeout_keep_alive_handler)

    def connection_lost(self, exc) -> None:
        self._stop_deadline()
        super().connection_lost(exc)

    def _stop_deadline(self) -> None:
        if self.head_deadline is not None:
            self.head_deadline.cancel()
            self.head_deadline = None

    def _head_timed_out(self) -> None:
        self.head_deadline = None
        if not self.transport.is_closing():
            self.transport.write(TIMED_OUT)
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        # httptools gathers a header's value before reporting it: the bytes of a head that is still
        # incomplete are counted here, so a huge header is refused while it arrives, not once it ends.
        if self.reading_head and not self.transport.is_closing():
            self.raw_head_bytes += len(data)
            if self.raw_head_bytes > self.limits.max_header_bytes:
                self.head_too_large = True
                self.send_400_response("")

    def _count(self, size: int) -> None:
        self.head_bytes += size
        if self.head_bytes > self.limits.max_header_bytes:
            self.head_too_large = True
            raise _HeadTooLarge  # httptools stops parsing; uvicorn answers through send_400_response

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.head_bytes = self.raw_head_bytes = 0
        self.reading_head = True
        self._stop_deadline()
        self.head_deadline = self.loop.call_later(self.limits.header_timeout, self._head_timed_out)

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self.reading_head = False
        self._stop_deadline()
        super().on_headers_complete()

    def send_400_response(self, msg: str) -> None:
        if not self.head_too_large:
            return super().send_400_response(msg)
        self._stop_deadline()
        self.transport.write(TOO_LARGE)
        self.transport.close()
        return None
