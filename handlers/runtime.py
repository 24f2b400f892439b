"""How handlers reach the composition root of the app serving the request: `current()`.

The app (personas.app) binds its container around every call into it (`bound`), in a context variable:
each request, and what runs in its threads, sees the container of the app it reached, so several apps in
one process (tests build many) each answer with their own settings, database and jobs.
"""

import contextlib
import contextvars
from typing import Any, Protocol

from connexion import context
from sqlalchemy.orm import Session, sessionmaker

from personas.persistence.uow import ReadUnit, UnitOfWork


class Runtime(Protocol):
    """What handlers use of the composition root (personas.bootstrap.Container)."""

    settings: Any
    session_factory: sessionmaker[Session]
    # Background jobs: `enqueue(dotted_name, *ids)` and `health()`.
    jobs: Any
    # Outside services by name ("sms", "email", ...), built from settings by personas.providers.
    providers: dict
    storage: Any

    def unit_of_work(self, actor: dict | None = None, readonly: bool = False) -> UnitOfWork: ...

    def read_unit(self) -> ReadUnit: ...


_bound: contextvars.ContextVar[Runtime] = contextvars.ContextVar("personas_runtime")


@contextlib.contextmanager
def bound(runtime: Runtime):
    """`runtime` is `current()` inside this block (and in the tasks and threads it starts)."""
    token = _bound.set(runtime)
    try:
        yield runtime
    finally:
        _bound.reset(token)


def current() -> Runtime:
    try:
        return _bound.get()
    except LookupError:
        raise RuntimeError("no app is serving this call: handlers run inside a request to an app") from None


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
            readonly = context.scope["method"] in ("GET", "HEAD")
    return current().unit_of_work(actor=actor(), readonly=readonly)


def read_unit() -> ReadUnit:
    """A read-only unit of work on a Core connection (persistence.uow.ReadUnit): for handlers whose reads
    are all Core statements."""
    return current().read_unit()
