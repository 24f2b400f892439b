"""Encryption at rest for personal financial data (account, CLABE and card numbers).

`EncryptedString` is a column type: values are Fernet tokens in the database and clear text in
Python. Keys come from configuration through `configure(settings)`, which the app factory (and any
worker process) calls once at start-up:

- `settings.encryption_keys`: Fernet keys (urlsafe base64 of 32 bytes). The first one encrypts;
  every one of them decrypts, so a new key is rolled out by putting it first and keeping the old
  ones after it until `rotate()` has re-encrypted the rows.
- With no keys configured, one key is derived from `settings.secret_key` with HKDF-SHA256
  (`derive_key`). To move from it to explicit keys, list the new key first and
  `derive_key(secret_key)` after it, then rotate.

Reading or writing an encrypted column before `configure` is a RuntimeError: there is no silent
default key.
"""

import base64
from collections.abc import Iterable

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import String, select, type_coerce
from sqlalchemy.types import TypeDecorator

# Versioned so that a future change of derivation cannot silently read old data with a new key.
_HKDF_INFO = b"personas/encryption-at-rest/v1"
_ROTATE_BATCH = 500

_cipher: MultiFernet | None = None


def derive_key(secret: str) -> str:
    """The Fernet key derived from a secret (HKDF-SHA256, 32 bytes, urlsafe base64)."""
    if not secret:
        raise ValueError("encryption needs settings.encryption_keys or a non-empty settings.secret_key")
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(secret.encode())
    return base64.urlsafe_b64encode(raw).decode("ascii")


def build_cipher(keys: Iterable[str], secret: str = "") -> MultiFernet:
    """A MultiFernet over `keys` (first encrypts), or over the key derived from `secret` when empty."""
    keys = [k for k in keys if k] or [derive_key(secret)]
    fernets = []
    for position, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key))
        except (ValueError, TypeError):
            # Never echo the key itself: it would end up in logs.
            raise ValueError(f"encryption key #{position} is not a valid Fernet key") from None
    return MultiFernet(fernets)


def configure(settings) -> None:
    """Install this process's keys from `settings.encryption_keys` / `settings.secret_key`."""
    global _cipher
    _cipher = build_cipher(getattr(settings, "encryption_keys", ()) or (), getattr(settings, "secret_key", ""))


def use(cipher: MultiFernet | None) -> MultiFernet | None:
    """Install `cipher` directly and return the previous one (tests and key-rotation scripts)."""
    global _cipher
    previous, _cipher = _cipher, cipher
    return previous


def is_configured() -> bool:
    return _cipher is not None


def cipher() -> MultiFernet:
    if _cipher is None:
        raise RuntimeError("encryption at rest is not configured: call persistence.crypto.configure(settings)")
    return _cipher


class EncryptedString(TypeDecorator):
    """A string stored as a Fernet token; size the column for the token (about 120 chars for 20 digits)."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return cipher().encrypt(str(value).encode("utf-8")).decode("ascii")

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return cipher().decrypt(value.encode("ascii")).decode("utf-8")


def rotate(session, metadata) -> int:
    """Re-encrypt every encrypted column of `metadata`'s tables with the newest key; returns rows rewritten.

    Runs in the caller's transaction (the caller commits). Works on raw tokens through Core, so
    neither history nor `updated_at` changes: the data did not change, only its envelope.
    """
    rewritten = 0
    for table in metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, EncryptedString)]
        if not columns:
            continue
        (pk,) = table.primary_key.columns
        raw = [type_coerce(c, String).label(c.name) for c in columns]
        last = None
        while True:
            stmt = select(pk, *raw).order_by(pk).limit(_ROTATE_BATCH)
            if last is not None:
                stmt = stmt.where(pk > last)
            rows = session.execute(stmt).all()
            if not rows:
                break
            for row in rows:
                values = {
                    c.name: type_coerce(cipher().rotate(row._mapping[c.name].encode("ascii")).decode("ascii"), String)
                    for c in columns
                    if row._mapping[c.name] is not None
                }
                if values:
                    if "updated_at" in table.c:
                        values["updated_at"] = table.c.updated_at
                    session.execute(table.update().where(pk == row[0]).values(values))
                    rewritten += 1
            last = rows[-1][0]
    return rewritten
