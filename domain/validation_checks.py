"""What each class of validation checks, given what `prepare` read; `execute` returns the outcome.

An outcome is `(status, content, metadata, error)` with the status codes of domain.validations.
`prepare` reads inside a unit of work; `execute` runs outside it (it may call out for seconds).

Files (the `document` file, INE images, selfies) come from the `files` given to `prepare`
(domain.media.StoredFiles): `files.collection(uow, model_type, model_id, name) -> [(filename, bytes,
content_type)]` and `files.others(uow, person_id, name) -> [(person_id, bytes)]` (the same collection of
other people). Collections read: `document` the config's `collection`; `ine` "ine_front" and "ine_reverse"
(POST /people/{id}/ine); `anti_spoofing` and `face_duplicity` "selfie" (POST /people/{id}/face-match, or
any upload to that collection). Without `files` such runs end in status 2.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from personas.domain import json_depth, screening, screenings, success_if
from personas.domain.errors import ValidationFailed
from personas.domain.identity import check_rfc, parse_curp
from personas.domain.providers.registry import CurpNotInRegistry, RegistryUnavailable
from personas.domain.validations import ERROR, FAILED, PASSED, PENDING

NO_FILES = "Los archivos aún no están disponibles / Files are not available yet (no file storage is configured)"
NO_FILE = "El registro no tiene archivo en la colección / The record has no file in collection {!r}"
PERSON_FIELDS = ("id", "national_id", "name", "first_lastname", "second_lastname", "gender", "tax_id")
ADDRESS_FIELDS = ("id", "person_id", "street", "ext_num", "int_num", "state", "city", "municipality", "colony")
ADDRESS_FIELDS += ("zip_code", "references", "source", "is_current_address")
# `${field}`, not `{{field}}`: Connexion renders the spec through Jinja, which would eat double braces.
_PLACEHOLDER = re.compile(r"\$\{\s*([A-Za-z0-9_.]+)\s*\}")


@dataclass
class Work:
    result_id: str
    retries: int
    klass: str
    config: dict
    model_type: str
    model_id: str
    subject: dict | None = None
    entries: list = field(default_factory=list)  # the blacklist's (label, value)
    screening: object = None  # the blacklist's watch lists (domain.screenings.Screening), when it names some
    registry_loaded: bool = False  # curp: an operator loaded records into the local CURP registry
    files: dict | None = None  # collection name -> [(filename, bytes, content_type)]; None: no provider
    others: list = field(default_factory=list)  # face_duplicity: other people's (person_id, bytes)


def _person_subject(person) -> dict:
    subject = {f: getattr(person, f) for f in PERSON_FIELDS}
    birthdate = getattr(person, "birthdate", None)
    return subject | {"birthdate": birthdate.strftime("%Y-%m-%d") if birthdate else None}


def prepare(uow, result_id: str, files=None) -> Work | None:
    """What a pending result's run needs, or None when there is nothing to run (finished, gone)."""
    result = uow.validations.result(result_id)
    if result is None or result.status != PENDING:
        return None
    validation = uow.validations.validation(result.validation_id)
    if result.model_type == "address":
        address = uow.validations.address(result.model_id)
        person = uow.people.get_any(address.person_id) if address else None
        subject = None if address is None else {f: getattr(address, f) for f in ADDRESS_FIELDS}
        if subject is not None:
            subject["person"] = _person_subject(person)
    else:
        person = uow.people.get_any(result.model_id)
        subject = None if person is None else _person_subject(person)
    work = Work(result.id, result.retries, validation.klass, validation.config, result.model_type, result.model_id)
    work.subject = subject
    if validation.klass == "curp":
        work.registry_loaded = uow.curp_registry.any()
    if validation.klass == "blacklist":
        catalog = validation.config.get("catalog_id")
        work.entries = uow.validations.catalog_entries(catalog) if catalog is not None else []
        person = result.model_id if result.model_type == "person" else None
        work.screening = screenings.prepare(uow, validation.config, person)
    if files is not None and subject is not None:
        names = {"document": [validation.config.get("collection")], "ine": ["ine_front", "ine_reverse"]}
        names |= dict.fromkeys(("anti_spoofing", "face_duplicity"), ["selfie"])
        wanted = names.get(validation.klass, [])
        work.files = {n: files.collection(uow, result.model_type, result.model_id, n) for n in wanted}
        if validation.klass == "face_duplicity":
            work.others = files.others(uow, result.model_id, "selfie")
    return work


def normalized(text) -> str:
    """Upper case, no accents, single spaces: how blacklist entries and names are compared."""
    plain = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode("ascii").upper()
    return " ".join(re.sub(r"[^A-Z0-9]+", " ", plain).split())


NAMES_AGREE = 85.0  # token-sort similarity (0-100) of the person's full name to the registry's, normalised


def registry_names_score(subject: dict, record) -> float:
    """How alike the person's names and the registry's are: accents, case, punctuation and particles aside,
    in any order (a registry may hold "DE LA CRUZ" where the person wrote "Cruz")."""
    mine = " ".join(str(subject.get(f) or "") for f in ("name", "first_lastname", "second_lastname"))
    theirs = " ".join(filter(None, (record.name, record.first_lastname, record.second_lastname)))
    return round(fuzz.token_sort_ratio(screening.normalize(mine), screening.normalize(theirs)), 2)


def check_curp(subject: dict, registry=None):
    """The CURP's own rules (format, date, state, check digit); with a registry, also that the registry
    knows it as active and that the person's names agree with the registry's (`NAMES_AGREE`). What the
    registry said is kept in the result; a registry that does not answer leaves the result in error."""
    try:
        info = parse_curp(subject.get("national_id"))
    except ValidationFailed as failed:
        return FAILED, {"national_id": subject.get("national_id")}, {"provider": "local"}, str(failed)
    content = {"national_id": info.curp, "birthdate": info.birthdate.isoformat(), "gender": info.gender}
    content["state"] = info.state_code
    if registry is None:
        return PASSED, content, {"provider": "local", "registry": None}, None
    metadata = {"provider": "registry"}
    try:
        record = registry.lookup(info.curp)
    except CurpNotInRegistry:
        content["registry"] = None
        return FAILED, content, metadata, "El registro de CURP no la conoce / The CURP registry does not know it"
    except RegistryUnavailable as down:
        return ERROR, content, metadata, f"El registro de CURP no responde / The CURP registry does not answer: {down}"
    score = registry_names_score(subject, record)
    content |= {"registry": record.as_dict(), "names_score": score, "names_agree": score >= NAMES_AGREE}
    metadata["source"] = record.source
    if record.status != "active":
        return FAILED, content, metadata, "La CURP está dada de baja en el registro / The registry lists it as inactive"
    if score < NAMES_AGREE:
        return (
            FAILED,
            content,
            metadata,
            "Los nombres no coinciden con el registro / The names differ from the registry's",
        )
    return PASSED, content, metadata, None


def check_rfc_of(subject: dict):
    tax_id = subject.get("tax_id")
    if not tax_id:
        return FAILED, {"tax_id": None}, {"provider": "local"}, "La persona no tiene RFC / The person has no RFC"
    try:
        number = check_rfc(tax_id)
    except ValidationFailed as failed:
        return FAILED, {"tax_id": tax_id}, {"provider": "local"}, str(failed)
    national_id = str(subject.get("national_id") or "")
    content = {"tax_id": number, "kind": "person" if len(number) == 13 else "company"}
    return PASSED, content | {"matches_national_id": number[:10] == national_id[:10]}, {"provider": "local"}, None


def check_blacklist(subject: dict, entries: list, screening=None):
    """The custom catalog's values compared exactly (normalised), and the watch lists, when the config names
    some, screened by approximate name and exact CURP/RFC (domain.screenings)."""
    full_name = " ".join(str(subject.get(f) or "") for f in ("name", "first_lastname", "second_lastname"))
    wanted = {"national_id": subject.get("national_id"), "tax_id": subject.get("tax_id"), "name": full_name}
    wanted = {k: normalized(v) for k, v in wanted.items() if normalized(v)}
    matches = [
        {"field": key, "label": label}
        for label, value in entries
        if isinstance(value, str)
        for key, mine in wanted.items()
        if normalized(value) == mine
    ]
    metadata = {"provider": "local", "entries": len(entries)}
    content: dict = {"matches": matches}
    if screening is not None:
        candidates, cleared = screenings.screen(subject, screening)
        content |= {"candidates": candidates, "cleared": cleared, "min_score": screening.min_score}
        metadata["lists"] = [listed for listed, _ in screening.indexes]
    if matches or content.get("candidates"):
        return FAILED, content, metadata, "La persona está en la lista negra / The person is blacklisted"
    return PASSED, content, metadata, None


def _lookup(subject: dict, path: str):
    value = subject
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def render(template, subject: dict):
    """The body template with `${field}` placeholders filled from the record (a lone one keeps its type)."""
    if isinstance(template, dict):
        return {k: render(v, subject) for k, v in template.items()}
    if isinstance(template, list):
        return [render(v, subject) for v in template]
    if isinstance(template, str):
        whole = _PLACEHOLDER.fullmatch(template.strip())
        if whole:
            return _lookup(subject, whole.group(1))
        return _PLACEHOLDER.sub(lambda m: "" if (v := _lookup(subject, m.group(1))) is None else str(v), template)
    return template


def request_body(config: dict, subject: dict) -> dict:
    """The record with the config's `body` fields (an object template, or a list of field names)."""
    body = config.get("body") or {}
    if isinstance(body, list):
        return {name: _lookup(subject, name) for name in body}
    return subject | render(body, subject)


def judge(config: dict, status: int, raw: bytes):
    """The outcome of an HTTP answer: non-2xx is an error, a 2xx is judged by `success_if`."""
    metadata = {"provider": "http", "http_status": status}
    if not 200 <= status < 300:
        return ERROR, None, metadata, f"HTTP {status}"
    expression = config.get("success_if", "true")
    try:
        answer = json_depth.loads(raw) if raw.strip() else None  # too deep is a ValueError too
    except ValueError:
        if expression.strip() != "true":
            return ERROR, None, metadata, "La respuesta no es JSON / The answer is not JSON"
        answer = None
    content = answer if isinstance(answer, dict) else {"response": answer}
    passed = success_if.evaluate(expression, answer)
    return (PASSED if passed else FAILED), content, metadata, None if passed else f"success_if is false: {expression}"


def _first(work: Work, name: str):
    found = (work.files or {}).get(name) or []
    return found[0] if found else None


def _identity(work: Work, identity):
    if work.files is None:
        return ERROR, None, {"provider": None}, NO_FILES
    if work.klass == "ine":
        front, back = _first(work, "ine_front"), _first(work, "ine_reverse")
        if front is None:
            return ERROR, None, None, NO_FILE.format("ine_front")
        verdict = identity.verify_ine(front[1], back[1] if back else None)
    else:
        selfie = _first(work, "selfie")
        if selfie is None:
            return ERROR, None, None, NO_FILE.format("selfie")
        if work.klass == "anti_spoofing":
            verdict = identity.anti_spoofing(selfie[1])
        else:
            verdict = identity.face_duplicity(selfie[1], work.others)
    error = None if verdict.passed else f"{work.klass} check did not pass"
    return (PASSED if verdict.passed else FAILED), verdict.content, verdict.metadata, error


def _http(work: Work, http):
    config = work.config
    body = request_body(config, work.subject)
    upload = None
    if work.klass == "document":
        if work.files is None:
            return ERROR, None, {"provider": None}, NO_FILES
        upload = _first(work, config["collection"])
        if upload is None:
            return ERROR, None, None, NO_FILE.format(config["collection"])
        upload = (config.get("file_field_name") or "document", *upload)
    headers = config.get("headers") or {}
    try:
        status, raw = http(config.get("method", "POST"), config["url"], headers, body, upload)
    except CallFailed as failed:
        return ERROR, None, {"provider": "http"}, str(failed)
    return judge(config, status, raw)


class CallFailed(Exception):
    """The HTTP call of an external or document validation was refused or did not complete."""


def execute(work: Work, http, identity, registry=None):
    """The outcome of one run. `http(method, url, headers, json_body, upload)` returns (status, bytes)
    or raises CallFailed; `upload` is None or (field, filename, bytes, content_type). `registry` is the
    CURP registry when one is in use (its URL is configured, or an operator loaded the local one)."""
    if work.subject is None:
        return ERROR, None, None, "El registro validado ya no existe / The validated record no longer exists"
    if work.klass == "curp":
        return check_curp(work.subject, registry)
    if work.klass == "rfc":
        return check_rfc_of(work.subject)
    if work.klass == "blacklist":
        return check_blacklist(work.subject, work.entries, work.screening)
    if work.klass in ("external", "document"):
        return _http(work, http)
    return _identity(work, identity)
