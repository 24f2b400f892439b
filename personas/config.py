"""Configuration from environment variables, read once by the app factory and the CLI."""

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC_PATH = ROOT / "spec" / "openapi.yaml"


def _default_database_url() -> str:
    return f"sqlite:///{Path.cwd() / 'personas.sqlite3'}"


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=_default_database_url)
    redis_url: str | None = None
    storage_url: str = field(default_factory=lambda: str(Path.cwd() / "personas-files"))
    secret_key: str = ""
    outbound_allowlist: tuple[str, ...] = ()
    max_json_body: int = 1_048_576

    @classmethod
    def from_env(cls, env=os.environ) -> "Settings":
        defaults = cls()
        allow = env.get("PERSONAS_OUTBOUND_ALLOWLIST", "")
        return cls(
            database_url=env.get("PERSONAS_DATABASE_URL") or defaults.database_url,
            redis_url=env.get("PERSONAS_REDIS_URL") or None,
            storage_url=env.get("PERSONAS_STORAGE_URL") or defaults.storage_url,
            # Without a configured key, signatures only need to survive this process.
            secret_key=env.get("PERSONAS_SECRET_KEY") or secrets.token_urlsafe(32),
            outbound_allowlist=tuple(h.strip() for h in allow.split(",") if h.strip()),
        )
