"""Identity verification: INE credential check, anti-spoofing, face duplicity.

`IdentityProvider` is the interface the `ine`, `anti_spoofing` and `face_duplicity` validations ask.
No real adapter is configured yet (no setting names one): `LocalIdentityProvider` answers, with no
network, deterministically, and says so (`metadata.provider = "local"`):
- `verify_ine(front, back)`: passes unless an image is empty or contains the bytes `SPOOF`;
- `anti_spoofing(selfie)`: passes unless the selfie is empty or contains `SPOOF`;
- `face_duplicity(face, others)`: fails when another person's face image has the same SHA-256
  (the local matcher decides by image content hash, so tests can make a duplicate on purpose).
Every method returns `Verdict(passed, content, metadata)`; images are bytes, supplied by the caller.

The CURP registry (the RENAPO-style lookup) is domain.providers.registry's.
"""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

MARKER = b"SPOOF"


@dataclass(frozen=True)
class Verdict:
    passed: bool
    content: dict
    metadata: dict = field(default_factory=dict)


class IdentityProvider(Protocol):
    def verify_ine(self, front: bytes, back: bytes | None) -> Verdict: ...

    def anti_spoofing(self, selfie: bytes) -> Verdict: ...

    def face_duplicity(self, face: bytes, others: Iterable[tuple[str, bytes]]) -> Verdict: ...


def _genuine(image: bytes | None) -> bool:
    return bool(image) and MARKER not in image


class LocalIdentityProvider:
    """The deterministic stand-in described in the module docstring."""

    metadata = {"provider": "local"}

    def verify_ine(self, front: bytes, back: bytes | None) -> Verdict:
        original = _genuine(front) and (back is None or _genuine(back))
        content = {
            "digitalIDSpoofStatusEnumInt": 0 if original else 1,
            "faceOnDocumentStatusEnumInt": "LIKELY_ORIGINAL_FACE" if original else "CANNOT_CONFIRM_ID_IS_AUTHENTIC",
            "textOnDocumentStatusEnumInt": "LIKELY_ORIGINAL_TEXT" if original else "CANNOT_CONFIRM_ID_IS_AUTHENTIC",
        }
        return Verdict(original, content, dict(self.metadata))

    def anti_spoofing(self, selfie: bytes) -> Verdict:
        live = _genuine(selfie)
        return Verdict(live, {"liveness": live, "spoof_detected": not live}, dict(self.metadata))

    def face_duplicity(self, face: bytes, others: Iterable[tuple[str, bytes]]) -> Verdict:
        digest = hashlib.sha256(face).hexdigest()
        matches = [owner for owner, image in others if hashlib.sha256(image).hexdigest() == digest]
        return Verdict(not matches, {"duplicated": bool(matches), "matches": matches}, dict(self.metadata))
