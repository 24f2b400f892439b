"""The e-signature platform: register a person as signer of a document, list a person's documents.

Two adapters: `HttpESign` for a platform configured by URL, and `LocalESign`, the default, which keeps
documents and signers in this service's database. As no operation creates documents, the local
platform creates a document the first time a signer names it (named "Documento local <id>"); its
signers carry `"metadata": {"provider": "local"}`. Signing passwords are kept only as PBKDF2 hashes.
"""

import base64
import hashlib
import json
import os
import uuid
from typing import Protocol
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from personas.domain.providers import outbound
from personas.domain.timestamps import iso

ITERATIONS = 200_000
MAX_ANSWER = 4 * 1_048_576


class ESignFailed(Exception):
    """The platform could not be reached or refused the request."""


class ESignProvider(Protocol):
    def register_signer(self, uow, person: dict, document_id: str, password: str, elements: list[str]) -> dict: ...

    def documents_of(self, uow, person_id: str) -> list[dict]: ...


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, ITERATIONS)
    return f"pbkdf2_sha256${ITERATIONS}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def signer_view(signer) -> dict:
    return {
        "id": signer.id,
        "name": signer.name,
        "email": signer.email,
        "document_id": signer.document_id,
        "person_id": signer.person_id,
        "created_at": iso(signer.created_at),
        "updated_at": iso(signer.updated_at),
        "signed_at": iso(signer.signed_at),
        "is_permanent": signer.is_permanent,
        "external_person_id": signer.external_person_id,
        "expires_in": signer.expires_in,
        "metadata": signer.details,
        "fillable_elements": signer.fillable_elements or [],
    }


def document_view(document) -> dict:
    fields = ("id", "template_id", "name", "send_email", "autosigning", "expires_in", "from_file")
    times = ("created_at", "updated_at", "last_generated_at", "signed_at")
    return {f: getattr(document, f) for f in fields} | {f: iso(getattr(document, f)) for f in times}


class LocalESign:
    """The platform kept in this database (`uow.signature_documents`, `uow.signers`)."""

    def register_signer(self, uow, person: dict, document_id: str, password: str, elements: list[str]) -> dict:
        documents = uow.signature_documents
        if documents.get(document_id) is None:
            documents.new(id=document_id, name=f"Documento local {document_id[:8]}")
            uow.flush()
        found = uow.signers.page(1, 1, document_id=document_id, person_id=person["id"]).items
        name = " ".join(
            p for p in (person.get("name"), person.get("first_lastname"), person.get("second_lastname")) if p
        )
        signer = found[0] if found else uow.signers.new(document_id=document_id, person_id=person["id"])
        signer.name, signer.password_hash = name or None, hash_password(password)
        signer.external_person_id, signer.details = person.get("external_ref_id"), {"provider": "local"}
        uow.flush()
        signer.fillable_elements = [
            {
                "id": str(uuid.uuid5(uuid.UUID(signer.id), element)),
                "signer_id": signer.id,
                "template_element_id": None,
                "document_element_id": element,
                "filled_at": None,
                "created_at": iso(signer.updated_at),
                "updated_at": iso(signer.updated_at),
            }
            for element in dict.fromkeys(elements)
        ]
        uow.flush()
        return signer_view(signer)

    def documents_of(self, uow, person_id: str) -> list[dict]:
        signers = uow.signers.page(1, 1000, person_id=person_id).items
        documents = uow.signature_documents
        return [signer_view(s) | {"document": document_view(documents.get(s.document_id))} for s in signers]


class HttpESign:
    """A platform at `https://TOKEN@esign.example/api`: POST .../documents/{id}/signers, GET .../signers?person_id=.

    The URL's user part is the bearer token (sent in the header, never in the request line). Calls are
    bounded and never redirected (domain.providers.outbound); `policy` puts them behind the outbound guard.
    """

    def __init__(self, url: str, timeout: float = 10.0, policy=None):
        parts = urlsplit(url)
        self.headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if parts.username:
            self.headers["Authorization"] = f"Bearer {unquote(parts.username)}"
        self.base = urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path.rstrip("/"), "", ""))
        self.timeout, self.policy = timeout, policy

    def _call(self, method: str, path: str, payload=None):
        data = None if payload is None else json.dumps(payload).encode()
        try:
            status, raw = outbound.call(
                method, self.base + path, data, self.headers, self.timeout, MAX_ANSWER, self.policy
            )
        except outbound.OutboundError as failed:
            raise ESignFailed(f"e-signature platform refused or unreachable ({failed.reason})") from None
        if not 200 <= status < 300:
            raise ESignFailed(f"e-signature platform answered HTTP {status}")
        try:
            return json.loads(raw)
        except ValueError:
            raise ESignFailed("e-signature platform gave no JSON") from None

    @staticmethod
    def _unwrap(answer):
        return answer.get("result", answer.get("data", answer)) if isinstance(answer, dict) else answer

    def register_signer(self, uow, person: dict, document_id: str, password: str, elements: list[str]) -> dict:
        body = {"person_id": person["id"], "name": person.get("name"), "password": password, "elements": elements}
        answer = self._unwrap(self._call("POST", f"/documents/{quote(document_id, safe='')}/signers", body))
        if not isinstance(answer, dict):
            raise ESignFailed("e-signature platform gave no signer")
        return answer

    def documents_of(self, uow, person_id: str) -> list[dict]:
        answer = self._unwrap(self._call("GET", f"/signers?person_id={quote(person_id, safe='')}"))
        if not isinstance(answer, list):
            raise ESignFailed("e-signature platform gave no list")
        return answer
