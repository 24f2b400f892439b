"""What the app factory hands to the handlers: settings and the session factory of this process."""

import contextlib
from dataclasses import dataclass, field

from connexion import context
from sqlalchemy.orm import Session, sessionmaker

from personas.handlers.views import view
from personas.persistence.uow import UnitOfWork


@dataclass
class Runtime:
    settings: object
    session_factory: sessionmaker[Session]
    # Background jobs: `enqueue(dotted_name, *ids)` and `health()`.
    jobs: object = None
    # Outside services by name ("sms", "email", ...), built from settings by personas.providers.
    providers: dict = field(default_factory=dict)
    # What `close` stops, in order (the relay loop, the job pool, the engine's connections).
    closers: list = field(default_factory=list)

    def close(self) -> None:
        """Stop this runtime's background threads and connections (tests build many apps per process)."""
        while self.closers:
            self.closers.pop(0)()


_current: Runtime | None = None


def configure(runtime: Runtime) -> None:
    global _current
    _current = runtime


def current() -> Runtime:
    if _current is None:
        raise RuntimeError("the app factory has not configured the handlers")
    return _current


def actor() -> dict | None:
    """The API key of the request, as the security handler left it."""
    try:
        info = context.context.get("token_info")
    except (LookupError, RuntimeError):
        return None
    return info if isinstance(info, dict) else None


def unit_of_work(readonly: bool | None = None) -> UnitOfWork:
    """The request's unit of work; read-only for GET and HEAD unless told otherwise."""
    if readonly is None:
        readonly = False
        with contextlib.suppress(LookupError, RuntimeError, AttributeError):  # outside a request
            readonly = context.request.method in ("GET", "HEAD")
    return UnitOfWork(current().session_factory, actor=actor(), readonly=readonly, views=view)
