"""The `personas` command: serve, db upgrade, api-keys, registry, lists, worker, import, conformance."""

import contextlib
import os
import sys
from datetime import timedelta

import click

from personas import telemetry
from personas.config import Settings
from personas.domain import api_keys as keys
from personas.persistence import crypto
from personas.persistence.models import ApiKey, Base
from personas.persistence.models.base import utcnow


@contextlib.contextmanager
def _container(settings: Settings):
    """The composition root of one command, on a migrated database; closed when the command ends."""
    from personas.bootstrap import bootstrap

    container = bootstrap(settings)
    try:
        yield container
    finally:
        container.close()


@click.group()
def main():
    """personas: people management for identity verification (KYC) in Mexico."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int, help="Worker processes (one per core is best).")
def serve(host, port, workers):
    """Start the API under uvicorn (production ASGI server)."""
    import uvicorn

    from personas.server import BoundedHttpToolsProtocol

    settings = Settings.from_env()
    limits = settings.limits
    with _container(settings):
        pass  # migrates: the workers, started below, each build their own
    # Every worker must sign and check with the same key, and accept the Host it is reached by.
    os.environ.setdefault("PERSONAS_SECRET_KEY", settings.secret_key)
    if host.lower() not in settings.allowed_hosts:
        os.environ["PERSONAS_ALLOWED_HOSTS"] = ",".join((*settings.allowed_hosts, host.lower()))
    # Every worker writes its metrics where the one that answers a scrape reads them all.
    telemetry.on_exit(telemetry.prepare(serving=True, shared_dir=settings.metrics_dir))
    click.echo(f"personas: serving on http://{host}:{port}/api/v1 (docs: /api/v1/docs), database {_safe(settings)}")
    uvicorn.run(
        "personas.asgi:create",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        log_config=_log_config(settings.access_log),
        access_log=False,  # ours is personas.access: route templates, no query strings
        proxy_headers=False,
        server_header=False,
        http=BoundedHttpToolsProtocol,
        h11_max_incomplete_event_size=limits.max_header_bytes,  # the same bound if h11 is ever chosen
        timeout_keep_alive=limits.keep_alive_timeout,
    )


def _log_config(access: bool) -> dict:
    """uvicorn's logging, plus the access log of `handlers.http_policy` on stderr (each worker applies it)."""
    from uvicorn.config import LOGGING_CONFIG

    config = {key: dict(value) if isinstance(value, dict) else value for key, value in LOGGING_CONFIG.items()}
    config["formatters"] = {**config["formatters"], "line": {"format": "%(asctime)s %(name)s %(message)s"}}
    config["handlers"] = {**config["handlers"], "stderr": {"class": "logging.StreamHandler", "formatter": "line"}}
    level = "INFO" if access else "WARNING"
    config["loggers"] = {
        **config["loggers"],
        "personas.access": {"handlers": ["stderr"], "level": level, "propagate": False},
    }
    return config


def _safe(settings: Settings) -> str:
    """The database URL without its password, for logs."""
    from personas.persistence.db import safe_url

    return safe_url(settings.database_url)


@main.group()
def db():
    """Database schema."""


@db.command("upgrade")
def db_upgrade():
    """Apply the migrations to the configured database."""
    settings = Settings.from_env()
    with _container(settings):
        click.echo(f"database {_safe(settings)} is up to date")


@db.command("rotate-keys")
def db_rotate_keys():
    """Re-encrypt data at rest with the first key of PERSONAS_ENCRYPTION_KEYS (list the old keys after it)."""
    with _container(Settings.from_env()) as container, container.session_factory() as session:
        count = crypto.rotate(session, Base.metadata)
        session.commit()
    click.echo(f"re-encrypted {count} values with the newest key")


@main.group("api-keys")
def api_keys():
    """API keys (stored hashed; the key is shown once, on creation)."""


@api_keys.command("create")
@click.option("--name", required=True, help="Who or what uses the key.")
@click.option(
    "--scopes",
    default=None,
    help="Comma-separated: read, write, admin, sensitive (default: all four).",
)
@click.option("--expires-in-days", type=click.IntRange(1, 3650), default=None, help="Refused after this many days.")
def api_keys_create(name, scopes, expires_in_days):
    try:
        granted = keys.parse_scopes(scopes)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--scopes") from None
    if not granted:
        raise click.BadParameter("name at least one scope", param_hint="--scopes")
    key = keys.generate()
    expires_at = utcnow() + timedelta(days=expires_in_days) if expires_in_days else None
    with _container(Settings.from_env()) as container, container.unit_of_work() as uow:
        record = uow.api_keys.add(
            ApiKey(
                name=name,
                prefix=keys.display_prefix(key),
                key_hash=keys.digest(key),
                scopes=keys.format_scopes(granted),
                expires_at=expires_at,
            )
        )
        uow.commit()
        until = f", expires {expires_at:%Y-%m-%d %H:%M} UTC" if expires_at else ""
        click.echo(f"created API key {record.id} ({name}; scopes {record.scopes}{until}); store it now:")
    click.echo(key)


@api_keys.command("list")
def api_keys_list():
    now = utcnow()
    with _container(Settings.from_env()) as container, container.unit_of_work() as uow:
        for k in uow.api_keys.all():
            if k.revoked_at:
                state = f"revoked {k.revoked_at:%Y-%m-%d %H:%M}"
            elif k.expires_at and k.expires_at <= now:
                state = f"expired {k.expires_at:%Y-%m-%d %H:%M}"
            else:
                state = "active" + (f" until {k.expires_at:%Y-%m-%d %H:%M}" if k.expires_at else "")
            scopes = keys.format_scopes(keys.parse_scopes(k.scopes))
            click.echo(f"{k.id}  {k.prefix}…  {k.name}  [{scopes}]  created {k.created_at:%Y-%m-%d %H:%M}  {state}")


@api_keys.command("revoke")
@click.argument("key_id")
def api_keys_revoke(key_id):
    """Revoke a key by its id or its displayed prefix."""
    with _container(Settings.from_env()) as container, container.unit_of_work() as uow:
        found = uow.api_keys.find(key_id)
        if len(found) != 1:
            raise click.ClickException(f"no single key matches {key_id!r}")
        found[0].revoked_at = found[0].revoked_at or utcnow()
        uow.commit()
        click.echo(f"revoked {found[0].id} ({found[0].name})")


# More than this many problems in a registry file are counted, not printed: the first ones show what is wrong.
MAX_PRINTED_ERRORS = 100


@main.group()
def registry():
    """The CURP registry's local table: it answers CURP lookups while PERSONAS_CURP_REGISTRY_URL is unset."""


@registry.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def registry_load(file):
    """Add or update the local CURP registry's records from a UTF-8 CSV FILE.

    \b
    The header names these columns, in any order:
      curp,name,first_lastname,second_lastname,sex,birthdate,birth_state,status,status_detail
    curp             a valid CURP, once in the file
    name             required
    first_lastname   required
    second_lastname  optional
    sex              H, M or X, as the CURP's 11th character
    birthdate        YYYY-MM-DD, the CURP's
    birth_state      the CURP's two-letter state code (NE: born abroad)
    status           active or inactive
    status_detail    optional: why a CURP is inactive (withdrawn, deceased, duplicated...)

    The whole file is checked first: with any problem, each is printed with its line number, nothing is
    written and the command exits 1. Otherwise every row is added or updated in one transaction (CURPs
    not in the file stay as they are) and the counts are printed.
    """
    from personas.domain.providers import registry as curp_registry

    try:
        with open(file, encoding="utf-8-sig", newline="") as stream:
            records, errors = curp_registry.read_csv(stream)
    except UnicodeDecodeError:
        records, errors = [], ["the file is not UTF-8 text"]
    if errors:
        for error in errors[:MAX_PRINTED_ERRORS]:
            click.echo(error, err=True)
        if len(errors) > MAX_PRINTED_ERRORS:
            click.echo(f"... and {len(errors) - MAX_PRINTED_ERRORS} more", err=True)
        click.echo(f"nothing written: {len(errors)} problems in {file}", err=True)
        sys.exit(1)
    rows = [{name: getattr(record, name) for name in curp_registry.FIELDS} for record in records]
    with _container(Settings.from_env()) as container, container.unit_of_work() as uow:
        added, updated, unchanged = uow.curp_registry.upsert_many(rows)
        uow.commit()
    # Last line, counts only: scripts read it.
    click.echo(f"added {added}, updated {updated}, unchanged {unchanged}")


@registry.command("show")
@click.argument("curp")
def registry_show(curp):
    """Print the local CURP registry's record of CURP as JSON; exit 1 when it has none."""
    import json

    from personas.domain.providers.registry import normalized
    from personas.domain.timestamps import iso

    with _container(Settings.from_env()) as container, container.unit_of_work(readonly=True) as uow:
        row = uow.curp_registry.find(normalized(curp))
    if row is None:
        click.echo(f"the local CURP registry has no record of {normalized(curp)}", err=True)
        sys.exit(1)
    shown = row | {"birthdate": row["birthdate"].isoformat(), "loaded_at": iso(row["loaded_at"])}
    click.echo(json.dumps(shown, ensure_ascii=False, indent=2))


@main.group("lists")
def watch_lists():
    """Watch lists the `blacklist` validation screens names against (`config.lists`)."""


@watch_lists.command("load")
@click.option(
    "--format",
    "format_",
    required=True,
    type=click.Choice(["ofac-sdn", "un-consolidated", "csv"]),
    help="The file's format.",
)
@click.option("--name", default=None, help="The list's name (default: the format; required for csv).")
@click.option(
    "--aliases", type=click.Path(exists=True, dir_okay=False), default=None, help="ofac-sdn: the ALT.CSV file."
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def lists_load(format_, name, aliases, file):
    """Load FILE as the watch list NAME, replacing the one loaded before under that name, in one transaction.

    \b
    ofac-sdn         OFAC's SDN.CSV (with --aliases ALT.CSV for the aliases)
    un-consolidated  the UN Security Council's consolidated list, XML
    csv              UTF-8, header entry_id,name,aliases,curp,rfc,kind (aliases separated by |; kind
                     individual or entity); an optional first line "# version: ..."

    A file that cannot be read leaves the list as it was and exits 1, saying what and where.
    """
    import os

    from personas.domain import screenings
    from personas.domain.watch_lists import ListFormatError

    if name is None and format_ == "csv":
        raise click.UsageError("--name is required for a csv list")
    name = name or format_
    with open(file, "rb") as stream:
        data = stream.read()
    extra = None
    if aliases is not None:
        with open(aliases, "rb") as stream:
            extra = stream.read()
    try:
        with _container(Settings.from_env()) as container, container.unit_of_work() as uow:
            stored = screenings.load_list(uow, name, format_, data, source=os.path.basename(file), aliases=extra)
            summary = screenings.list_view(stored)
            uow.commit()
    except ListFormatError as refused:
        click.echo(f"nothing loaded: {refused}", err=True)
        sys.exit(1)
    click.echo(f"list {summary['name']}: {summary['entries']} entries, version {summary['version'] or '-'}")


@watch_lists.command("show")
def lists_show():
    """Print the loaded watch lists as JSON: name, format, source, version, entries, load date."""
    import json

    from personas.domain import screenings

    with _container(Settings.from_env()) as container, container.unit_of_work(readonly=True) as uow:
        shown = [screenings.list_view(stored) for stored in uow.screening.lists()]
    click.echo(json.dumps(shown, ensure_ascii=False, indent=2))


@main.command()
@click.option("--burst", is_flag=True, help="Stop when the queue is empty (for scripts and tests).")
@click.option("--name", default=None, help="Worker name in Redis (default: RQ's unique name).")
def worker(burst, name):
    """Run background jobs from Redis (PERSONAS_REDIS_URL) and relay the outbox of events."""
    import logging

    settings = Settings.from_env()
    # Before anything imports prometheus_client (jobs.metrics).
    telemetry.prepare(serving=False, shared_dir=settings.metrics_dir)
    telemetry.mark_dead_at_exit()
    from personas.jobs.queue import run_worker

    if not settings.redis_url:
        click.echo("personas worker: set PERSONAS_REDIS_URL (without Redis the API runs jobs itself).", err=True)
        sys.exit(2)
    with _container(settings) as container:
        logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
        click.echo(f"personas worker: queue on {_safe_redis(settings.redis_url)}, database {_safe(settings)}", err=True)
        run_worker(container.job_context, burst=burst, name=name)


def _safe_redis(url: str) -> str:
    from personas.persistence.db import safe_url

    return safe_url(url)


@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 10000), help="Rows per commit.")
def import_people(file, batch_size):
    """Import people from a CSV or XLSX FILE, as POST /people/import does (safe to run again)."""
    from personas.domain import people_import
    from personas.domain.errors import ValidationFailed

    size = os.path.getsize(file)
    with (
        _container(Settings.from_env()) as container,
        open(file, "rb") as stream,
        click.progressbar(length=size, label="importing", file=sys.stderr) as bar,
    ):
        # The bar follows the bytes read; it only draws on a terminal (click hides it otherwise).
        def advanced(report, _rows):
            bar.update(max(0, stream.tell() - bar.pos))

        try:
            report = people_import.import_people(
                container.unit_of_work, people_import.read_rows(stream), batch_size, advanced
            )
        except ValidationFailed as failed:
            raise click.ClickException(str(failed)) from None
        finally:
            # The automatic validations of the committed batches run before the command ends: on this
            # process's jobs without Redis (which `close` would cancel), on the workers with it.
            container.jobs.drain()
        bar.update(size - bar.pos)
    for row in report["rows"]:
        click.echo(f"row {row['row']}: {row['errors']}", err=True)
    if report["failed_rows_omitted"]:
        click.echo(f"... and {report['failed_rows_omitted']} more failed rows", err=True)
    # Last line, counts only: scripts read it.
    click.echo(f"created {report['created']}, existing {report['existing']}, failed {report['failed']}")


@main.command()
@click.option("--base-url", required=True, help="The deployment: http://host:8000 or http://host:8000/api/v1.")
@click.option(
    "--key",
    required=True,
    envvar="PERSONAS_CONFORMANCE_KEY",
    help="An API key with every scope (or set PERSONAS_CONFORMANCE_KEY).",
)
@click.option(
    "--max-examples", default=10, show_default=True, type=click.IntRange(1, 1000), help="Cases per operation and phase."
)
@click.option(
    "--max-seconds",
    default=900,
    show_default=True,
    type=click.IntRange(10, 86400),
    help="Stop after this long, whatever is left untested.",
)
@click.option(
    "--report",
    default="personas-conformance.xml",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="The JUnit XML report; the summary goes beside it, as .json.",
)
def conformance(base_url, key, max_examples, max_seconds, report):
    """Run this API's contract checks (Schemathesis, with its documented rules) against a deployment.

    It makes records of its own there first (people, a group, files, a channel, ...): point it at a test
    deployment, never at production data. Exits 1 when a check failed.
    """
    import json
    from pathlib import Path

    try:
        import schemathesis  # noqa: F401 - the kit's engine, an extra of the distribution
    except ImportError:
        raise click.ClickException("install the conformance kit: pip install 'personas[conformance]'") from None
    from personas import conformance as kit

    try:
        found = kit.run(
            base_url,
            key,
            max_examples=max_examples,
            max_seconds=max_seconds,
            progress=lambda line: click.echo(line, err=True),
        )
    except kit.WorldError as exc:
        raise click.ClickException(f"the records the checks need could not be made: {exc}") from None
    junit = Path(report)
    kit.write_junit(found, junit)
    summary = found.summary()
    junit.with_suffix(".json").write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
    for failure in found.failures:
        click.echo(f"FAILED {failure['operation']}: {failure['check']}: {failure['title']}")
    for error in found.errors:
        click.echo(f"ERROR {error['operation']}: {error['error'][:200]}")
    click.echo(
        f"{summary['cases']} cases, {summary['operations_with_2xx']} of {summary['operations']} operations with a 2xx, "
        f"{summary['failures']} failures, {summary['errors']} errors in {summary['seconds']} s ({summary['stopped']}); "
        f"report {junit}, summary {junit.with_suffix('.json')}"
    )
    sys.exit(1 if found.failures or found.errors else 0)


if __name__ == "__main__":
    main()
