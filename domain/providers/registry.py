"""The CURP registry: the RENAPO-style record behind a CURP (names, sex, birth date and state, status).

`CurpRegistry.lookup(curp)` returns a `RegistryRecord`, or raises `CurpNotInRegistry` (the registry
answered that it does not know the CURP) or `RegistryUnavailable` (no usable answer; `retry_after` is
how many seconds a client should wait before asking again). Two adapters:

- `HttpCurpRegistry(base_url, timeout)`: `GET {base_url}/curp/{CURP}` with `Accept: application/json`.
  - 200 with a JSON object: `{"curp", "name", "first_lastname", "second_lastname", "sex",
    "birthdate": "YYYY-MM-DD", "birth_state", "status", "status_detail"}`; `sex` is `H`, `M` or `X`,
    `birth_state` the CURP's two-letter state code (`NE` born abroad), `status` `active` or `inactive`
    (withdrawn, deceased, duplicated...: `status_detail` says which); `second_lastname` and
    `status_detail` may be null or absent.
  - 404: the CURP is not in the registry (`CurpNotInRegistry`).
  - Anything else is `RegistryUnavailable`: no connection, no answer within `timeout` seconds (for the
    connection, and again for each wait on the answer), a whole answer not in within twice `timeout`
    (a registry sending it a byte at a time), another status (5xx, 3xx: redirects are not
    followed), an answer over 64 KiB, not JSON, a field missing or of the wrong shape, or a record of
    another CURP than the one asked. Its `retry_after` is the registry's `Retry-After` (seconds or an
    HTTP date, kept between 1 and 3600) when the answer carries one, else 30.
  The URL is the operator's configuration (PERSONAS_CURP_REGISTRY_URL), never a client's, so it is called
  as configured, a private or loopback address included, with requests rather than the outbound guard
  (domain.providers.outbound) that client URLs go through; proxies and credentials from the environment
  are not used, so the call goes where the setting says.
- `LocalCurpRegistry(find)`: the records an operator loaded into this service's own table
  (`personas registry load`); `find(curp)` is the stored row as a dict, or None when there is none.

`read_csv(lines)` checks a file for that command (header `CSV_HEADER`, see docs/REGISTRY.md).
"""

import csv
import dataclasses
import email.utils
import math
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Protocol
from urllib.parse import quote, urlsplit

import requests

from personas.domain import json_depth
from personas.domain.errors import ValidationFailed, in_language
from personas.domain.identity import parse_curp

# The stored fields, in the order of the CSV header and of the HTTP answer.
FIELDS = (
    "curp",
    "name",
    "first_lastname",
    "second_lastname",
    "sex",
    "birthdate",
    "birth_state",
    "status",
    "status_detail",
)
CSV_HEADER = ",".join(FIELDS)
SEXES = frozenset({"H", "M", "X"})
STATUSES = frozenset({"active", "inactive"})
OPTIONAL = frozenset({"second_lastname", "status_detail"})
# The widest text a stored row's columns take (persistence.models.curp_registry).
MAX_TEXT = 255
DEFAULT_RETRY_AFTER = 30
# A registry that asks for more than an hour is not answering in any time a client waits for.
MAX_RETRY_AFTER = 3600
MAX_ANSWER_BYTES = 65536
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_STATE = re.compile(r"[A-Z]{2}\Z")


@dataclass(frozen=True)
class RegistryRecord:
    curp: str
    name: str
    first_lastname: str
    second_lastname: str | None
    sex: str  # "H", "M" or "X" as in the CURP
    birthdate: date
    birth_state: str  # the two-letter state code of the CURP ("DF", "NE", ...)
    status: str  # "active" or "inactive" (withdrawn, deceased, duplicated...)
    status_detail: str | None = None
    source: str = ""  # "http" or "local"

    def as_dict(self) -> dict:
        return {**dataclasses.asdict(self), "birthdate": self.birthdate.isoformat()}


class CurpNotInRegistry(Exception):
    """The registry answered that it does not know the CURP."""


class RegistryUnavailable(Exception):
    """No usable answer from the registry; `retry_after` is how many seconds a client should wait."""

    retry_after: int = DEFAULT_RETRY_AFTER

    def __init__(self, message: str = "the CURP registry is unavailable", retry_after: int = DEFAULT_RETRY_AFTER):
        super().__init__(message)
        self.retry_after = retry_after


class CurpRegistry(Protocol):
    def lookup(self, curp: str) -> RegistryRecord:
        """The registry's record of `curp`; CurpNotInRegistry or RegistryUnavailable otherwise."""
        ...


def normalized(curp: str) -> str:
    return str(curp).strip().upper()


def _problems(fields: dict) -> list[str]:
    """What is wrong with a record's fields as the registry and the table hold them (shape only)."""
    found = []
    for name in FIELDS:
        value = fields.get(name)
        if value is None or value == "":
            if name not in OPTIONAL:
                found.append(f"{name} is missing")
        elif not isinstance(value, str):
            found.append(f"{name} must be text")
        elif len(value) > MAX_TEXT:
            found.append(f"{name} is longer than {MAX_TEXT} characters")
    if found:
        return found
    if fields["sex"] not in SEXES:
        found.append("sex must be H, M or X")
    if not _ISO_DATE.match(fields["birthdate"]):
        found.append("birthdate must be YYYY-MM-DD")
    else:
        try:
            date.fromisoformat(fields["birthdate"])
        except ValueError:
            found.append("birthdate does not exist")
    if not _STATE.match(fields["birth_state"]):
        found.append("birth_state must be two capital letters")
    if fields["status"] not in STATUSES:
        found.append("status must be active or inactive")
    return found


def _record(fields: dict, source: str) -> RegistryRecord:
    """A record of fields `_problems` found nothing wrong with."""
    return RegistryRecord(
        curp=fields["curp"],
        name=fields["name"],
        first_lastname=fields["first_lastname"],
        second_lastname=fields.get("second_lastname") or None,
        sex=fields["sex"],
        birthdate=date.fromisoformat(fields["birthdate"]),
        birth_state=fields["birth_state"],
        status=fields["status"],
        status_detail=fields.get("status_detail") or None,
        source=source,
    )


def retry_after(value: str | None, now: datetime | None = None) -> int:
    """The seconds a `Retry-After` header asks for (a number or an HTTP date), between 1 and 3600; 30
    when there is none or it cannot be read."""
    if value is None or not value.strip():
        return DEFAULT_RETRY_AFTER
    value = value.strip()
    if value.isascii() and value.isdigit():
        seconds = int(value)
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return DEFAULT_RETRY_AFTER
        if when.tzinfo is None:  # "-0000": UTC, per RFC 5322
            when = when.replace(tzinfo=UTC)
        seconds = math.ceil((when - (now or datetime.now(UTC))).total_seconds())
    return min(max(seconds, 1), MAX_RETRY_AFTER)


class HttpCurpRegistry:
    """The registry over HTTP, as the module docstring describes; `session` is a requests.Session."""

    source = "http"

    def __init__(self, base_url: str, timeout: float = 5.0, session=None):
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("PERSONAS_CURP_REGISTRY_URL must be an http:// or https:// URL")
        if not timeout > 0:
            raise ValueError("PERSONAS_CURP_REGISTRY_TIMEOUT must be a number of seconds above 0")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        if session is None:
            session = requests.Session()
            # Proxies, .netrc credentials and CA bundles from the environment would change where the
            # call goes or what it carries: the setting alone decides.
            session.trust_env = False
        self.session = session

    def lookup(self, curp: str) -> RegistryRecord:
        asked = normalized(curp)
        url = f"{self.base_url}/curp/{quote(asked, safe='')}"
        # The whole answer within twice the timeout: one for the connection, one for everything after it.
        deadline = time.monotonic() + 2 * self.timeout
        try:
            with self.session.get(
                url,
                headers={"Accept": "application/json"},
                timeout=(self.timeout, self.timeout),
                allow_redirects=False,
                stream=True,
            ) as response:
                if response.status_code == 404:
                    raise CurpNotInRegistry("the CURP registry does not know this CURP")
                if response.status_code != 200:
                    raise RegistryUnavailable(
                        f"the CURP registry answered HTTP {response.status_code}",
                        retry_after(response.headers.get("Retry-After")),
                    )
                body = _bounded(response, deadline)
        except requests.RequestException as failed:
            # The exception's text names the URL, and the URL the CURP: only its kind is kept.
            raise RegistryUnavailable(f"the CURP registry did not answer ({type(failed).__name__})") from None
        try:
            fields = json_depth.loads(body, limit=2)
        except ValueError:
            raise RegistryUnavailable("the CURP registry's answer is not JSON") from None
        if not isinstance(fields, dict):
            raise RegistryUnavailable("the CURP registry's answer is not a JSON object")
        problems = _problems(fields)
        if problems:
            raise RegistryUnavailable(f"the CURP registry's answer is unusable: {'; '.join(problems)}")
        if normalized(fields["curp"]) != asked:
            raise RegistryUnavailable("the CURP registry answered for another CURP")
        return _record(fields | {"curp": asked}, self.source)


def _bounded(response, deadline: float) -> bytes:
    """The answer's body, refused past MAX_ANSWER_BYTES before more is held in memory, and past `deadline`
    (time.monotonic()): the read timeout restarts with every byte, so a registry that sends its answer a
    byte at a time would otherwise hold the request as long as it liked."""
    body = bytearray()
    # A byte at a time from the connection's buffer (cheap: a record is a few hundred bytes): a larger
    # chunk would wait for all its bytes before the deadline could be looked at.
    for byte in response.iter_content(1):
        body += byte
        if len(body) > MAX_ANSWER_BYTES:
            raise RegistryUnavailable(f"the CURP registry's answer is larger than {MAX_ANSWER_BYTES} bytes")
        if time.monotonic() > deadline:
            raise RegistryUnavailable("the CURP registry's answer took too long")
    return bytes(body)


class LocalCurpRegistry:
    """The records loaded into this service's own table; `find(curp)` reads one stored row (a dict
    with the keys of FIELDS, `birthdate` a date) or None."""

    source = "local"

    def __init__(self, find: Callable[[str], dict | None]):
        self.find = find

    def lookup(self, curp: str) -> RegistryRecord:
        row = self.find(normalized(curp))
        if row is None:
            raise CurpNotInRegistry("the CURP registry does not know this CURP")
        values = {name: row.get(name) for name in FIELDS}
        return RegistryRecord(**values, source=self.source)


def _disagreements(fields: dict) -> list[str]:
    """How a row's sex, birthdate and birth_state differ from what its CURP encodes (or why the CURP
    is not valid)."""
    try:
        info = parse_curp(fields["curp"])
    except ValidationFailed as failed:
        return [" ".join(in_language(m, "en") for messages in failed.errors.values() for m in messages)]
    found = []
    if fields["curp"] != info.curp:
        found.append(f"curp must be written {info.curp}")
    if fields["sex"] != info.curp[10]:
        found.append(f"sex {fields['sex']} does not match the CURP's {info.curp[10]}")
    if fields["birthdate"] != info.birthdate.isoformat():
        found.append(f"birthdate {fields['birthdate']} does not match the CURP's {info.birthdate.isoformat()}")
    if fields["birth_state"] != info.state_code:
        found.append(f"birth_state {fields['birth_state']} does not match the CURP's {info.state_code}")
    return found


def read_csv(lines: Iterable[str]) -> tuple[list[RegistryRecord], list[str]]:
    """The records of a registry CSV (`lines` of text, as `open(..., newline="")` gives them) and every
    problem found in it, each as "line N: ..."; the records are only to be stored when there is none.

    The header names the columns of FIELDS, in any order; values are taken as written apart from the
    surrounding spaces; a CURP may appear once.
    """
    reader = csv.DictReader(lines, strict=True)
    errors: list[str] = []
    try:
        header = reader.fieldnames or []
    except csv.Error as exc:
        return [], [f"line 1: {exc}"]
    missing = [name for name in FIELDS if name not in header]
    extra = [name for name in header if name not in FIELDS]
    repeated = sorted({name for name in header if header.count(name) > 1})
    if missing or extra or repeated:
        problems = [f"missing columns: {', '.join(missing)}"] if missing else []
        problems += [f"unknown columns: {', '.join(extra)}"] if extra else []
        problems += [f"repeated columns: {', '.join(repeated)}"] if repeated else []
        return [], [f"line 1: {'; '.join(problems)} (the header is {CSV_HEADER})"]
    records: list[RegistryRecord] = []
    seen: dict[str, int] = {}
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(f"line {reader.line_num}: {exc}")
            break  # the reader cannot tell where the next record starts
        line = reader.line_num
        if None in row or any(value is None for value in row.values()):
            errors.append(f"line {line}: expected {len(FIELDS)} values, one per column of the header")
            continue
        fields = {name: row[name].strip() for name in FIELDS}
        problems = _problems(fields) or _disagreements(fields)
        if fields["curp"] in seen:
            problems.append(f"the CURP is also on line {seen[fields['curp']]}")
        seen.setdefault(fields["curp"], line)
        if problems:
            errors.append(f"line {line}: {'; '.join(problems)}")
        else:
            records.append(_record(fields, "local"))
    return records, errors
