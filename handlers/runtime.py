"""What the app factory hands to the handlers: settings and the session factory of this process."""

from dataclasses import dataclass, field

from connexion import context
from sqlalchemy.orm import Session, sessionmaker

from persistence.uow import UnitOfWork


@dataclass
class Runtime:
    settings: object
    session_factory: sessionmaker[Session]
    # Background jobs: `enqueue(dotted_name, *ids)` and `health()`.
    jobs: object = None
    # Outside services by name ("sms", "email", ...), built from settings by personas.providers.
    providers: dict = field(default_factory=dict)


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


def unit_of_work() -> UnitOfWork:
    return UnitOfWork(current().session_factory, actor=actor())
