"""The composition root: what one process of the service works with, built once from one Settings.

The app factory, every CLI command and the worker take a Container from `bootstrap` and assemble nothing
of their own: the engine and its session factory (always with the history listener), encryption at rest,
the file storage, the outside-service adapters, the jobs backend, and the views units of work publish
events with.

Encryption at rest stays configured process-wide (`persistence.crypto.configure`): the column type that
encrypts is called by SQLAlchemy with a value and a dialect only, so it cannot be handed a container.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from personas.config import Settings
from personas.handlers.views import view
from personas.jobs.queue import build_jobs
from personas.jobs.relay import RelayLoop
from personas.jobs.runner import JobContext
from personas.persistence import crypto, history
from personas.persistence.db import make_engine, make_session_factory
from personas.persistence.migrate import upgrade
from personas.persistence.storage import storage_for
from personas.persistence.uow import ReadUnit, UnitOfWork
from personas.providers import build_providers


@dataclass(eq=False)
class Container:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    # The file storage the settings name (a local folder or an S3 bucket).
    storage: object
    # Outside services by name: "resolver", "sms", "email", "face", "esign", "identity", "curp_registry"
    # (local ones unless the settings name a real one).
    providers: dict
    # Background jobs: `enqueue(dotted_name, *ids)`, `health()`; on Redis, or on this process's thread pool.
    jobs: object
    # What jobs get: the same settings, session factory, storage, views and jobs.
    job_context: JobContext
    views: Callable[[str, object], dict] = view
    # What `close` stops, in order.
    closers: list = field(default_factory=list)

    def unit_of_work(self, actor: dict | None = None, readonly: bool = False) -> UnitOfWork:
        return UnitOfWork(self.session_factory, actor=actor, readonly=readonly, views=self.views, jobs=self.jobs)

    def read_unit(self) -> ReadUnit:
        return ReadUnit(self.session_factory.kw["bind"])

    def relay_in_process(self) -> None:
        """Without Redis, this process relays its own outbox (with Redis, `personas worker` processes do)."""
        if not self.settings.redis_url:
            self.closers.insert(0, RelayLoop(self.job_context, self.jobs.enqueue).start().stop)

    def close(self) -> None:
        """Stop what this container started: the relay loop, the job pool, the engine's connections (tests
        build many per process)."""
        while self.closers:
            self.closers.pop(0)()


def bootstrap(settings: Settings, migrate: bool = True) -> Container:
    """Everything built from `settings`; `migrate` first brings the database schema up to date."""
    engine = make_engine(settings.database_url)
    if migrate:
        upgrade(engine)
    crypto.configure(settings)
    factory = make_session_factory(engine)
    history.install(factory)
    storage = storage_for(settings)
    providers = build_providers(settings, factory)
    context = JobContext(settings, factory, storage=storage, views=view, providers=providers)
    context.jobs = jobs = build_jobs(context)
    container = Container(settings, engine, factory, storage, providers, jobs, context)
    container.closers += [jobs.close, engine.dispose]
    return container
