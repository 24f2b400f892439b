"""Face verification: does a selfie show the person of an ID's front? A FaceTec-style HTTP adapter and a
deterministic local one.

The local verifier, used by default and in tests, decides by image content hash: the two images match
(level 10) exactly when their SHA-256 digests are equal, and do not (level 0) otherwise. A developer
gets a match by sending the same image twice. Its metadata says `"provider": "local"`.
"""

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import unquote, urlsplit, urlunsplit

from personas.domain.providers import outbound

MAX_LEVEL = 10  # FaceTec's match levels run from 0 to 10
MAX_ANSWER = 1_048_576


class FaceProviderFailed(Exception):
    """The provider could not be reached or gave no usable answer."""


@dataclass(frozen=True)
class FaceMatch:
    matched: bool
    level: int
    provider: str
    reference: str | None = None

    def metadata(self) -> dict:
        """The biometric result's metadata, in FaceTec's words so domain.biometrics can summarise it."""
        return {
            "success": self.matched,
            "wasProcessed": True,
            "matchLevel": self.level,
            "provider": self.provider,
            "reference": self.reference,
        }


class FaceVerifier(Protocol):
    def match(self, selfie: bytes, id_front: bytes, reference: str | None = None) -> FaceMatch: ...


class LocalFaceVerifier:
    def match(self, selfie: bytes, id_front: bytes, reference: str | None = None) -> FaceMatch:
        same = hashlib.sha256(selfie).digest() == hashlib.sha256(id_front).digest()
        return FaceMatch(same, MAX_LEVEL if same else 0, "local", reference)


class HttpFaceVerifier:
    """POSTs both images (base64) to a FaceTec-style match endpoint, e.g. `https://KEY@facetec.example/match`.

    The URL's user part is sent as `X-Device-Key` (never in the request line); the answer's `success`
    and `matchLevel` decide. The call is bounded and never redirected (domain.providers.outbound); `policy`
    puts it behind the outbound guard (personas.providers passes the app's).
    """

    def __init__(self, url: str, timeout: float = 20.0, policy=None):
        parts = urlsplit(url)
        self.headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if parts.username:
            self.headers["X-Device-Key"] = unquote(parts.username)
        self.url = urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, parts.query, ""))
        self.timeout, self.policy = timeout, policy

    def match(self, selfie: bytes, id_front: bytes, reference: str | None = None) -> FaceMatch:
        payload = {
            "externalDatabaseRefID": reference,
            "image": base64.b64encode(selfie).decode(),
            "idScanFrontImage": base64.b64encode(id_front).decode(),
        }
        data = json.dumps(payload).encode()
        try:
            status, raw = outbound.call("POST", self.url, data, self.headers, self.timeout, MAX_ANSWER, self.policy)
        except outbound.OutboundError as failed:
            raise FaceProviderFailed(f"face provider refused or unreachable ({failed.reason})") from None
        if not 200 <= status < 300:
            raise FaceProviderFailed(f"face provider answered HTTP {status}")
        try:
            answer = json.loads(raw)
        except ValueError:
            raise FaceProviderFailed("face provider gave no JSON") from None
        level = answer.get("matchLevel") if isinstance(answer, dict) else None
        if not isinstance(level, int) or isinstance(level, bool):
            raise FaceProviderFailed("face provider gave no matchLevel")
        matched = answer.get("success") is True and answer.get("wasProcessed", True) is not False
        return FaceMatch(matched, max(0, min(level, MAX_LEVEL)), "facetec", reference)
