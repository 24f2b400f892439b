"""API keys: random, shown once, stored as a SHA-256 digest.

Keys carry 256 bits of randomness, so a fast digest is enough: no slow password hash is needed
to resist guessing, and every request can check its key cheaply.
"""

import hashlib
import secrets

PREFIX = "pk_"


def generate() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def display_prefix(key: str) -> str:
    """The first characters, enough to tell keys apart in `api-keys list` without revealing them."""
    return key[: len(PREFIX) + 8]


# What a key may do. `read`: every GET and the searches; `write`: people, groups, person records, files,
# imports, exports and validation runs; `admin`: notification channels, validations configuration,
# custom catalogs and dynamic properties; `sensitive`: full bank account and CLABE numbers.
SCOPES = ("read", "write", "admin", "sensitive")


def parse_scopes(text: str | None) -> frozenset[str]:
    """The scopes a comma-separated list names; None or blank grants every scope (keys made before scopes)."""
    if text is None or not text.strip():
        return frozenset(SCOPES)
    named = {part.strip().lower() for part in text.split(",") if part.strip()}
    unknown = named - set(SCOPES)
    if unknown:
        raise ValueError(f"unknown scopes: {', '.join(sorted(unknown))} (known: {', '.join(SCOPES)})")
    return frozenset(named)


def format_scopes(scopes: frozenset[str]) -> str:
    """Scopes in their canonical order, as stored and listed."""
    return ",".join(scope for scope in SCOPES if scope in scopes)
