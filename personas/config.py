"""Configuration from environment variables: the only module that reads them.

`Settings.from_env` reads every knob once; the composition root (personas.bootstrap) hands the result to
whatever needs it. `personas serve` exports some of them again for its uvicorn workers, which are processes
of their own and read them here in turn (`Limits.from_env` for the connection limits).
"""

import contextlib
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

# The spec ships inside the package (`personas.spec`), so an installed wheel finds it as a checkout does.
DEFAULT_RATE_LIMIT = "6000/minute"


def _local_secret() -> str:
    """A secret kept beside the default SQLite file, so signed links and encrypted data survive restarts."""
    path = Path.cwd() / ".personas-secret"
    try:
        # Created with its final mode in one step, so it is never readable by others, even briefly.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            with contextlib.suppress(OSError):  # someone else's file: left as it is
                path.chmod(0o600)
        return path.read_text().strip()
    secret = secrets.token_urlsafe(32)
    with os.fdopen(fd, "w") as out:
        out.write(secret)
    return secret


def _default_database_url() -> str:
    return f"sqlite:///{Path.cwd() / 'personas.sqlite3'}"


def _hosts(value: str | None) -> tuple[str, ...]:
    return tuple(h.strip().lower() for h in (value or "").split(",") if h.strip())


def _fastpath(env=os.environ) -> bool:
    return env.get("PERSONAS_FASTPATH", "1").lower() not in ("0", "false", "no")


def _number(env, name: str, default: float) -> float:
    value = env.get(name)
    return float(value) if value else default


@dataclass(frozen=True)
class Limits:
    """Connection limits of `personas serve` (personas.server)."""

    # Bytes of the request line and headers together.
    max_header_bytes: int = 64 * 1024
    # Seconds from the first byte of a request to the end of its headers.
    header_timeout: float = 10.0
    # Seconds a connection may stay idle: before its first request, and between requests.
    keep_alive_timeout: int = 5

    @classmethod
    def from_env(cls, env=os.environ) -> "Limits":
        defaults = cls()
        return cls(
            max_header_bytes=int(env.get("PERSONAS_MAX_HEADER_BYTES") or defaults.max_header_bytes),
            header_timeout=float(env.get("PERSONAS_HEADER_TIMEOUT") or defaults.header_timeout),
            keep_alive_timeout=int(env.get("PERSONAS_KEEP_ALIVE_TIMEOUT") or defaults.keep_alive_timeout),
        )


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=_default_database_url)
    redis_url: str | None = None
    storage_url: str = field(default_factory=lambda: str(Path.cwd() / "personas-files"))
    secret_key: str = ""
    outbound_allowlist: tuple[str, ...] = ()
    max_json_body: int = 1_048_576
    # Fernet keys for data encrypted at rest; the first encrypts, all decrypt (rotation).
    # Empty: one key derived from secret_key.
    encryption_keys: tuple[str, ...] = ()
    smtp_url: str | None = None
    sms_url: str | None = None
    # Where the local SMS and email adapters write what they would have sent (readable by tests and developers).
    local_outbox: str = field(default_factory=lambda: str(Path.cwd() / "personas-outbox"))
    # Outside identity services; unset, the deterministic local adapters answer.
    face_url: str | None = None
    esign_url: str | None = None
    # The CURP registry (RENAPO-style lookup, domain.providers.registry): its base URL and the seconds
    # connecting, and then each wait on its answer, may take. Unset, the local table answers (loaded by
    # `personas registry load`).
    curp_registry_url: str | None = None
    curp_registry_timeout: float = 5.0
    # Threads per worker process for the long operations (streams, uploads, outside calls: see
    # personas.fastpath); short requests run on the worker's event loop.
    wsgi_threads: int = 4
    # The per-operation caches and that bridge (personas.fastpath); off, Connexion runs as shipped. Read
    # from the environment by default too, so the test command can run the API tests once without it.
    fastpath: bool = field(default_factory=_fastpath)
    # Requests per API key and window, e.g. "6000/minute" (shared through Redis when it is configured).
    # None: no per-key limit (tests that build Settings themselves); from_env applies DEFAULT_RATE_LIMIT.
    rate_limit: str | None = None
    # The base URL partners reach the service at (https://api.example.com); links are built from it.
    # Unset, the Host header of a request is trusted only when it is one of allowed_hosts.
    public_url: str | None = None
    allowed_hosts: tuple[str, ...] = ("127.0.0.1", "localhost", "::1")
    # How deep a JSON body may nest (objects and arrays). MariaDB refuses stored JSON deeper than 32
    # levels, and history and events keep a body's objects one level or two further in.
    max_json_depth: int = 30
    # S3-compatible storage (storage_url s3://bucket/prefix); unset, boto3's own chain (an instance role).
    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None
    # Notification delivery: seconds a worker's lease on a delivery lasts, seconds between relay passes of
    # `personas worker`, deliveries per job, and a factor on the retry schedule (tests shorten it).
    delivery_lease: float = 30.0
    relay_interval: float = 1.0
    delivery_batch: int = 25
    delivery_retry_scale: float = 1.0
    # One access-log line per request on stderr (`personas serve`).
    access_log: bool = True
    # A directory `personas serve` and the workers of one machine share for their Prometheus counters
    # (personas.telemetry); prometheus_client's own PROMETHEUS_MULTIPROC_DIR, when set, wins over it.
    metrics_dir: str | None = None
    limits: Limits = field(default_factory=Limits)

    @classmethod
    def from_env(cls, env=os.environ) -> "Settings":
        defaults = cls()
        allow = env.get("PERSONAS_OUTBOUND_ALLOWLIST", "")
        return cls(
            database_url=env.get("PERSONAS_DATABASE_URL") or defaults.database_url,
            redis_url=env.get("PERSONAS_REDIS_URL") or None,
            storage_url=env.get("PERSONAS_STORAGE_URL") or defaults.storage_url,
            secret_key=env.get("PERSONAS_SECRET_KEY") or _local_secret(),
            encryption_keys=tuple(k.strip() for k in env.get("PERSONAS_ENCRYPTION_KEYS", "").split(",") if k.strip()),
            smtp_url=env.get("PERSONAS_SMTP_URL") or None,
            sms_url=env.get("PERSONAS_SMS_URL") or None,
            local_outbox=env.get("PERSONAS_LOCAL_OUTBOX") or str(Path.cwd() / "personas-outbox"),
            face_url=env.get("PERSONAS_FACE_URL") or None,
            esign_url=env.get("PERSONAS_ESIGN_URL") or None,
            curp_registry_url=env.get("PERSONAS_CURP_REGISTRY_URL") or None,
            curp_registry_timeout=_number(env, "PERSONAS_CURP_REGISTRY_TIMEOUT", defaults.curp_registry_timeout),
            outbound_allowlist=tuple(h.strip() for h in allow.split(",") if h.strip()),
            wsgi_threads=max(1, int(env.get("PERSONAS_WSGI_THREADS") or defaults.wsgi_threads)),
            fastpath=_fastpath(env),
            rate_limit=env.get("PERSONAS_RATE_LIMIT") or DEFAULT_RATE_LIMIT,
            public_url=(env.get("PERSONAS_PUBLIC_URL") or "").rstrip("/") or None,
            allowed_hosts=_hosts(env.get("PERSONAS_ALLOWED_HOSTS")) or defaults.allowed_hosts,
            s3_endpoint_url=env.get("PERSONAS_S3_ENDPOINT_URL") or None,
            s3_region=env.get("PERSONAS_S3_REGION") or None,
            s3_access_key_id=env.get("PERSONAS_S3_ACCESS_KEY_ID") or None,
            s3_secret_access_key=env.get("PERSONAS_S3_SECRET_ACCESS_KEY") or None,
            delivery_lease=_number(env, "PERSONAS_DELIVERY_LEASE", defaults.delivery_lease),
            relay_interval=_number(env, "PERSONAS_RELAY_INTERVAL", defaults.relay_interval),
            delivery_batch=max(1, int(_number(env, "PERSONAS_DELIVERY_BATCH", defaults.delivery_batch))),
            delivery_retry_scale=_number(env, "PERSONAS_DELIVERY_RETRY_SCALE", defaults.delivery_retry_scale),
            access_log=env.get("PERSONAS_ACCESS_LOG", "1").lower() not in ("0", "false", "no"),
            metrics_dir=env.get("PERSONAS_METRICS_DIR") or None,
            limits=Limits.from_env(env),
        )
