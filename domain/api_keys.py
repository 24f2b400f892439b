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
