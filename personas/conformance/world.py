"""The world of a conformance run: records made through the API before it, and the values cases carry.

`World.build` makes a person (with a group, an external id and a FaceTec id), each kind of child record, a
custom catalog and its values, a dynamic property and values, validations and a result, temporary people,
temporary files and files, and a notification channel with a delivery, all through the API. A record an
operation changes is that operation's own (`address.put` for `PUT /addresses/{id}`, `address.delete` for
its delete), so no case changes what another operation's cases rely on, whatever order they run in.

`World.prepare(case)` puts the ids of those records, and values valid by construction (CURPs, emails,
phones, CLABEs, catalog ids, files), into most positive cases before they are sent; `World.known` lists,
per field name, the values good by construction, which `checks` uses to tell a documented refusal from
a defect.
"""

from __future__ import annotations

import random
import time
import uuid
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import clabe as clabe_lib
from stdnum.mx import curp as stdnum_curp

# Bound now: the kit keeps the definition it was built with, whatever a server (or a test's mutant) changes.
from personas.domain.emails import EmailNotValidError
from personas.domain.emails import normalise as _normalise_email

API_PREFIX = "/api/v1"

# --------------------------------------------------------------------------------------------------
# Values valid by construction. The CURPs pass every check (format, date, state code, check digit) and
# never spell a forbidden word (the fourth letter is never a vowel); random 18-character strings almost
# never do, so without them a schema-valid person would nearly always be refused.
# --------------------------------------------------------------------------------------------------

_STATES = ["AS", "BC", "CC", "CS", "CH", "DF", "DG", "GT", "JC", "MC", "NL", "OC", "PL", "VZ", "YN", "ZS"]
_VOWELS, _CONSONANTS = "AEIOU", "BCDFGHJKLMNPQRSTVWXYZ"


def valid_curps(count: int = 500, seed: int = 20250101) -> list[str]:
    rng = random.Random(seed)
    found = set()
    while len(found) < count:
        year = rng.randint(1930, 2005)
        century = str(rng.randint(0, 9)) if year < 2000 else rng.choice("ABCDEFGH")
        number = "".join(
            [
                rng.choice(_CONSONANTS),
                rng.choice(_VOWELS),
                rng.choice(_CONSONANTS),
                rng.choice(_CONSONANTS),
                f"{year % 100:02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}",
                rng.choice("HM"),
                rng.choice(_STATES),
                rng.choice(_CONSONANTS),
                rng.choice(_CONSONANTS),
                rng.choice(_CONSONANTS),
                century,
            ]
        )
        number += stdnum_curp.calc_check_digit(number)
        if stdnum_curp.is_valid(number):
            found.add(number)
    return sorted(found)


def valid_clabes(count: int = 20, seed: int = 20250101) -> list[str]:
    rng = random.Random(seed)
    banks = sorted(clabe_lib.BANKS)
    found = []
    while len(found) < count:
        body = rng.choice(banks) + "".join(rng.choice("0123456789") for _ in range(14))
        found.append(body + clabe_lib.compute_control_digit(body))
    return found


# Mexico City mobile numbers in the form the spec's pattern takes (`52` + ten digits).
VALID_PHONES = [f"5255{n:08d}" for n in (91038054, 46134819, 86128954, 12345678, 23456789, 34567890)]
VALID_EMAILS = [f"conformance.{n}@example.com" for n in range(20)]

# The smallest PNG (1x1, transparent): what face matches, INE uploads and file uploads receive.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
CATALOG_CSV = b"type,label,value\nstring,Conformance,conformance\n"
PEOPLE_CSV_HEADER = "national_id,name,first_lastname,second_lastname\n"


# --------------------------------------------------------------------------------------------------
# The world: records made through the API before the run, and the values it substitutes.
# --------------------------------------------------------------------------------------------------


class WorldError(RuntimeError):
    """A record the world needs could not be made: the deployment refused a request this kit knows to be valid."""


def _result(response, what: str, expected: Iterable[int] = (200, 201, 202)):
    if response.status_code not in expected:
        raise WorldError(f"{what}: HTTP {response.status_code} {response.text[:500]}")
    body = response.json()
    return body.get("result") if isinstance(body, dict) else body


@dataclass
class World:
    """Ids by role ("person", "person.restore", "address.put", ...) and values the cases may carry.

    A record an operation changes is that operation's own (see `_Builder`). `known` maps a field name to
    values that are good for it by construction: a 422 refusing one of them is a defect.
    """

    ids: dict[str, str] = field(default_factory=dict)
    values: dict[str, object] = field(default_factory=dict)
    known: dict[str, set] = field(default_factory=dict)
    curps: list[str] = field(default_factory=list)
    spare_curps: list[str] = field(default_factory=list)
    clabes: list[str] = field(default_factory=list)
    read_code: Callable[[str, str], str | None] | None = None

    def know(self, name: str, *values) -> None:
        self.known.setdefault(name, set()).update(str(v) for v in values if v is not None)

    # ---- building -------------------------------------------------------------------------------

    @classmethod
    def build(cls, http, read_code: Callable[[str, str], str | None] | None = None, seed: int = 20250101) -> World:
        """Make the records through `http` (a requests/httpx-like client whose `request(method, url, ...)`
        sends the API key and resolves `/api/v1/...`). `read_code(channel, to)` may return the last
        confirmation code sent to an address (the contract tests read the local outbox)."""
        curps = valid_curps(seed=seed)
        rng = random.Random(seed)
        # CURPs the world's own people use; the rest are for the cases (new people, national-id upserts).
        rng.shuffle(curps)
        world = cls(curps=curps[40:], spare_curps=curps[:40], read_code=read_code)
        world.know("national_id", *curps)
        world.know("curp", *curps)
        world.know("email", *VALID_EMAILS)
        world.know("phone", *VALID_PHONES)
        world.clabes = valid_clabes(seed=seed)
        world.know("clabe", *world.clabes)
        _Builder(world, http, tag=uuid.uuid4().hex[:8]).run()
        return world

    # ---- substituting ---------------------------------------------------------------------------

    def prepare(self, case, probability: float = 0.8, records: bool | None = None, key: str | None = None) -> bool:
        """Put the world's ids and good values into a positive `case` (most of the time; the rest stay as
        generated). Returns whether the case was changed.

        `records` (by default: unless the case is a stateful step) says whether ids of the world's records
        go in too; a stateful step keeps the ids its links gave it, and gets good values only (CURPs,
        emails, phones, CLABEs, catalog ids, files).

        The choice and the values drawn depend on the case's own data only, so a case Hypothesis generates
        again while it shrinks is prepared the same way; or, given `key`, on the operation and `key` only (a
        stateful step's data carries ids the service generated, which differ when Hypothesis replays it).

        The case first gets its own copies of its containers: Schemathesis shares one container between
        cases (the coverage phase's header variants share one body), and a value written into a shared one
        would change cases not yet sent (a case whose container changed after generation is judged again,
        and a multipart body with a file is never judged schema-valid).
        """
        for name in ("path_parameters", "query", "body"):
            value = getattr(case, name)
            if isinstance(value, (dict, list)):
                # Past Case.__setattr__, which would mark the container as changed and have it judged
                # again: the copy is equal to what was generated, by Schemathesis' own hash too.
                object.__setattr__(case, name, _copied(value))
        self._protect(case)
        if not _positive(case):
            return False
        seed = _fingerprint(case) if key is None else f"{case.operation.label} {key}"
        rng = random.Random(zlib.crc32(seed.encode()))
        if rng.random() >= probability:
            return False
        if records is None:
            records = not _stateful(case)
        method, path = case.operation.method.lower(), case.operation.path
        if records:
            roles = _path_roles(method, path)
            for name in list(case.path_parameters or {}):
                found = self._path_value(roles, name)
                if found is not None:
                    case.path_parameters[name] = found
        multipart = (getattr(case, "media_type", None) or "").startswith("multipart/")
        for container in (case.query, case.body):
            if isinstance(container, dict) and container:
                self._fill(container, path, rng, records, files=multipart and container is case.body)
        _as_generated(case)
        return True

    def _protect(self, case) -> None:
        """An operation that changes or deletes a record never gets another operation's record of the world,
        whatever the case carries (Schemathesis may reuse ids it saw in earlier answers): it gets its own."""
        method, path = case.operation.method.lower(), case.operation.path
        stable = {value for role, value in self.ids.items() if "." not in role}

        def taken(container, name) -> bool:
            value = (container or {}).get(name)
            return isinstance(value, str) and value in stable

        if method == "delete" and taken(case.query, "media_uuid") and "media.delete" in self.ids:
            case.query["media_uuid"] = self.ids["media.delete"]
        own = _path_roles(method, path).get("id", "")
        if "." in own and own in self.ids and taken(case.path_parameters, "id"):
            case.path_parameters["id"] = self.ids[own]

    def _path_value(self, roles: dict, name: str):
        role = roles.get(name)
        if role is None:
            return None
        if role.startswith("="):
            return self.values.get(role[1:])
        return self.ids.get(role)

    def _fill(self, data: dict, path: str, rng: random.Random, records: bool, files: bool = False) -> None:
        """Good values into `data`, nested objects included; `files` (a multipart body's own fields only)
        lets file fields get a file the operation takes."""
        # The CURP first (the fields that must agree with it follow it), the confirmation code last (it is
        # looked up for the address the case ends up carrying).
        for key in sorted(data, key=lambda name: (name != "national_id", name == "code")):
            value = data[key]
            if isinstance(value, dict):
                self._fill(value, path, rng, records)
                continue
            if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                for item in value:
                    self._fill(item, path, rng, records)
                continue
            replacement = self._record_value(key, value, data, path, rng) if records else _KEEP
            if replacement is _KEEP and files:
                replacement = self._file(key, path, rng)
            if replacement is _KEEP:
                replacement = self._good_value(key, value, data, path, rng)
            if replacement is not _KEEP:
                data[key] = replacement

    def _record_value(self, key, value, data, path, rng):
        """The id of one of the world's records, for a field that refers to one."""
        ids = self.ids
        if key == "person_id" and not path.startswith("/temporary-people"):
            return ids.get("person", _KEEP)
        if key == "people_group_id":
            return ids.get("group", _KEEP)
        if key in ("custom_catalog_id", "catalog_id"):
            return ids.get("catalog", _KEEP)
        if key in ("dynamic_property_id", "descriptor_id"):
            return ids.get("property", _KEEP)
        if key == "validation_id":
            return ids.get("validation", _KEEP)
        if key == "model_id" and "model" in data:
            data["model"] = "person"
            return ids.get("person", _KEEP)
        if key == "media_uuid":
            data["model"], data["model_id"] = "person", ids.get("person")
            return ids.get("media.delete", _KEEP)
        if key in ("tmp_id", "uuid", "file_tmp_id", "tmp_file_id") and isinstance(value, str):
            spare = self.values.get(f"temporary_files {path}") or []
            return rng.choice(spare) if spare else _KEEP
        if key == "ids" and isinstance(value, list):
            return [ids["person"]] + value[:1] if "person" in ids else _KEEP
        if key == "external_ref_id" and isinstance(value, list):
            return [self.values.get("external_ref_id")] + value[:1]
        if key == "validations" and isinstance(value, list):
            role = "validation.address" if "addresses" in path else "validation"
            return [ids[role]] if role in ids else _KEEP
        if key in ("expires", "signature") and path == "/files/{id}/download" and self.values.get(key):
            return int(self.values[key]) if key == "expires" else self.values[key]
        if key == "code" and isinstance(value, str) and self.read_code is not None and path.endswith("/verify"):
            to = data.get("email") or data.get("phone")
            code = self.read_code("email" if "email" in path else "sms", str(to)) if to else None
            return code or _KEEP
        return _KEEP

    def _good_value(self, key, value, data, path, rng):
        """A value good for the field by construction (a valid CURP, email, phone, CLABE, catalog id)."""
        if key in ("national_id", "curp") and isinstance(value, str) and path != "/temporary-people":
            return rng.choice(self.curps)
        curp = data.get("national_id")
        if key in _CURP_FIELDS and curp in self.known.get("national_id", ()) and value is not None:
            return self._agreeing(key, curp, value)
        if key in ("email", "phone") and isinstance(value, str):
            # The first address and phone are the world's contact's, whose codes are sent and verified; the
            # other operations use the others (a second contact with the same address would take its code).
            known = VALID_EMAILS if key == "email" else VALID_PHONES
            confirming = path.startswith("/contact-data/") and path.endswith(("/send", "/verify"))
            return known[0] if confirming else rng.choice(known[3:])
        if key == "clabe" and isinstance(value, str):
            return rng.choice(self.clabes)
        if key in _CATALOG_FIELDS and isinstance(value, int):
            return self.values.get(key, _KEEP)
        if key == "state" and isinstance(value, str) and path.startswith("/addresses"):
            return "DF"
        return _KEEP

    def _file(self, key, path, rng):
        """A file the operation takes, for a file field of a multipart body."""
        if key in ("selfie", "ine_front", "ine_reverse"):
            return PNG
        if key == "file" and path in ("/files", "/temporary-files"):
            return PNG
        if key == "file" and path == "/custom-catalog-values/bulk":
            return CATALOG_CSV
        if key == "file" and path == "/people/import":
            return (PEOPLE_CSV_HEADER + f"{rng.choice(self.curps)},Ana,Conformance,Prueba\n").encode()
        return _KEEP

    def _agreeing(self, key: str, curp: str, value):
        """A person's field as the CURP says it (a contradiction is the documented `curp_mismatch`)."""
        century = "19" if curp[16].isdigit() else "20"
        if key == "birthdate" and isinstance(value, str):
            return f"{century}{curp[4:6]}-{curp[6:8]}-{curp[8:10]}"
        if key == "gender" and isinstance(value, str):
            return "MALE" if curp[10] == "H" else "FEMALE"
        if key == "entity_of_birth" and isinstance(value, str):
            return curp[11:13]
        if key == "state_id" and isinstance(value, int):
            return (self.values.get("state_codes") or {}).get(curp[11:13], _KEEP)
        if key == "tax_id" and isinstance(value, str):
            return curp[:10] + "AB1"  # an RFC: the CURP's letters and date, and a homoclave
        return _KEEP

    # ---- witnesses ------------------------------------------------------------------------------

    def refuses_known_value(self, case, field_name: str, code: str) -> bool:
        """Whether the request's value at `field_name` (a body or query field, dotted when nested) is one
        this world knows to be good for that field, or (for `invalid_email`) an address by the service's
        own definition of one (`personas.domain.emails`, as this kit was built with it)."""
        value = _lookup(case, field_name)
        if value is None or isinstance(value, (dict, list)):
            return False
        leaf = field_name.rsplit(".", 1)[-1]
        if str(value) in self.known.get(leaf, ()):
            return True
        return code == "invalid_email" and isinstance(value, str) and _is_email(value)


def _is_email(value: str) -> bool:
    try:
        _normalise_email(value)
    except EmailNotValidError:
        return False
    return True


_KEEP = object()
_CATALOG_FIELDS = ("nationality_id", "state_id", "marital_status_id", "person_relation_id")
_CURP_FIELDS = ("birthdate", "gender", "entity_of_birth", "state_id", "tax_id")

# The first path segment names the record a path's `{id}` is.
_RESOURCES = {
    "people": "person",
    "addresses": "address",
    "bank-data": "bank_data",
    "biometrics": "biometric",
    "contact-data": "contact",
    "credit-bureau-requests": "credit_request",
    "custom-catalog-values": "catalog_value",
    "custom-catalogs": "catalog",
    "dynamic-properties": "property",
    "dynamic-values": "dynamic_value",
    "employment-data": "employment",
    "files": "media",
    "financial-data": "financial",
    "notification-channels": "channel",
    "people-groups": "group",
    "references": "reference",
    "temporary-people": "temporary_person",
    "validation-results": "validation_result",
    "validations": "validation",
}


def _path_roles(method: str, path: str) -> dict[str, str]:
    """Path parameter name -> the world's role (an id) or `=value` (a value) it takes."""
    resource = _RESOURCES.get(path.strip("/").split("/", 1)[0])
    if resource is None:
        return {}
    role = resource
    if method in ("put", "delete") and path.count("{") == 1 and path.endswith("{id}"):
        role = f"{resource}.{method}"
    elif path == "/people/{id}/restore":
        role = "person.restore"
    elif path == "/temporary-people/{id}/promote":
        role = "temporary_person.promote"
    elif method == "post" and path == "/validation-results/{id}/reviews":
        role = "validation_result.review"
    return {
        "id": role,
        "delivery_id": "delivery",
        "external_id": "=external_ref_id",
        "externalId": "=external_ref_id",
        "facetec_id": "=facetec_ref_id",
        "national_id": "=national_id",
    }


def _positive(case) -> bool:
    """A case generated to fit the schema (a negative one must stay as generated)."""
    meta = getattr(case, "meta", None)
    mode = getattr(getattr(meta, "generation", None), "mode", None)
    return meta is None or getattr(mode, "value", mode) == "positive"


def _stateful(case) -> bool:
    meta = getattr(case, "meta", None)
    phase = getattr(getattr(meta, "phase", None), "name", None)
    return getattr(phase, "value", phase) == "stateful"


def _as_generated(case) -> None:
    """Have Schemathesis take the prepared containers as the generated ones.

    A check that sends a variant of the case (`ignored_auth` without the key) builds it with `Case.derive`,
    which shares the case's metadata and starts from the hashes recorded at generation: a container the
    world changed then counts as edited, is judged again, and the verdict lands in the shared metadata,
    so the checks that run after it see a multipart body with a file (never judged schema-valid) as
    negative data. The world's values fit the schema by construction, so they become the starting point.
    """
    meta = getattr(case, "_meta", None)
    if meta is None:
        return
    for location in list(meta.components):
        value = case.get_container(location)
        current = case._hash_container(value)
        meta._initial_hashes[location] = current
        meta.update_validated_hash(location, current)
        if isinstance(value, dict):
            meta._initial_containers[location] = dict(value)


def _copied(value):
    """`value` with its dicts and lists copied and its other values shared: Schemathesis hashes a value it
    cannot serialise (a generated file) by identity, so a copied leaf would count as a change."""
    if isinstance(value, dict):
        return {key: _copied(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copied(item) for item in value]
    return value


def _fingerprint(case) -> str:
    body = case.body
    if isinstance(body, (bytes, bytearray)):
        body = body[:64]
    return repr((case.operation.label, case.path_parameters, case.query, body))


def _lookup(case, dotted: str):
    for container in (case.body, case.query, case.path_parameters):
        value = container
        for part in dotted.split("."):
            if isinstance(value, dict) and part in value:
                value = value[part]
            elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
                value = value[int(part)]
            else:
                value = None
                break
        if value is not None:
            return value
    return None


class _Builder:
    """The recipe of the world: each step makes records through the API and records their ids.

    A record an operation changes is that operation's own: `address` is read, listed and referred to,
    `address.put` is the one `PUT /addresses/{id}` gets and `address.delete` the one its delete gets, so
    no case changes what another operation's cases rely on, whatever order they run in.
    """

    def __init__(self, world: World, http, tag: str):
        self.world, self.http, self.tag = world, http, tag

    def call(self, method: str, path: str, what: str, expected=(200, 201, 202), **kwargs):
        headers = kwargs.pop("headers", {})
        if method == "POST":
            headers = {"Idempotency-Key": str(uuid.uuid4()), **headers}
        response = self.http.request(method, API_PREFIX + path, headers=headers, **kwargs)
        return _result(response, what, expected)

    def make(self, path: str, role: str, body: dict, roles=("", ".put", ".delete"), **kwargs) -> None:
        for suffix in roles:
            self.world.ids[role + suffix] = self.call("POST", path, f"create {role}{suffix}", json=body, **kwargs)["id"]

    def run(self) -> None:
        for step in (
            self.catalogs,
            self.groups,
            self.people,
            self.child_records,
            self.custom_catalogs,
            self.dynamic_properties,
            self.validations,
            self.screening,
            self.temporary_people,
            self.files,
            self.channels,
        ):
            step()

    # Catalog ids the migrations seed; a case's catalog fields take the first of each.
    def catalogs(self) -> None:
        w = self.world
        for path, name in (
            ("/catalogs/nationalities", "nationality_id"),
            ("/catalogs/states", "state_id"),
            ("/catalogs/marital-statuses", "marital_status_id"),
            ("/catalogs/person-relations", "person_relation_id"),
        ):
            items = self.call("GET", path, f"list {path}")
            items = items.get("data", items) if isinstance(items, dict) else items
            ids = [item["id"] for item in items]
            if ids:
                w.values[name] = ids[0]
                w.know(name, *ids)
            if name == "state_id":
                w.values["state_codes"] = {item.get("code"): item["id"] for item in items}

    def groups(self) -> None:
        self.make("/people-groups", "group", {"name": f"conformance {self.tag}", "description": "conformance kit"})
        self.world.know("people_group_id", self.world.ids["group"])

    def _person(self, role: str, **extra) -> dict:
        w = self.world
        body = {
            "national_id": w.spare_curps.pop(),
            "name": "Ana",
            "first_lastname": "Conformance",
            "second_lastname": "Prueba",
            **extra,
        }
        person = self.call("POST", "/people", f"create {role}", json=body)
        w.ids[role] = person["id"]
        return person

    def people(self) -> None:
        w = self.world
        external, facetec = f"conformance-{self.tag}", f"conformance-facetec-{self.tag}"
        person = self._person(
            "person", external_ref_id=external, facetec_ref_id=facetec, people_group_id=w.ids["group"]
        )
        w.values.update(external_ref_id=external, facetec_ref_id=facetec, national_id=person["national_id"])
        w.know("person_id", person["id"])
        for role in ("person.put", "person.delete", "person.restore"):
            self._person(role)
        self.call("DELETE", f"/people/{w.ids['person.restore']}", "delete person.restore")

    def child_records(self) -> None:
        w = self.world
        person = w.ids["person"]
        self.make(
            "/addresses",
            "address",
            {
                "person_id": person,
                "street": "Marte",
                "ext_num": "12",
                "state": "DF",
                "municipality": "IZTACALCO",
                "colony": "Cristobal Colon",
                "zip_code": "08016",
                "references": "Conformance",
            },
        )
        bank = {"person_id": person, "bank": "Conformance", "account": "07777777777", "clabe": w.clabes[0]}
        self.make("/bank-data", "bank_data", bank)
        self.make("/biometrics", "biometric", {"person_id": person, "type": "LIVENESS"})
        self.make("/credit-bureau-requests", "credit_request", {"person_id": person}, roles=("", ".delete"))
        self.make("/employment-data", "employment", {"person_id": person, "position": "Conformance"})
        self.make("/financial-data", "financial", {"person_id": person, "monthly_income": 1000})
        reference = {
            "person_id": person,
            "name": "Conformance Reference",
            "phone": VALID_PHONES[1],
            "person_relation_id": w.values.get("person_relation_id", 1),
        }
        self.make("/references", "reference", reference)
        for n, suffix in enumerate(("", ".put", ".delete")):
            body = {"person_id": person, "email": VALID_EMAILS[n], "phone": VALID_PHONES[n]}
            w.ids["contact" + suffix] = self.call("POST", "/contact-data", "create contact", json=body)["id"]
        # Codes sent now, so a verify case can carry one when this run can read what was sent.
        send = {"person_id": person, "email": VALID_EMAILS[0]}
        self.call("POST", "/contact-data/email/send", "send email code", json=send)
        send = {"person_id": person, "phone": VALID_PHONES[0]}
        self.call("POST", "/contact-data/sms/send", "send sms code", json=send)

    def custom_catalogs(self) -> None:
        w = self.world
        catalog = {"name": f"conformance {self.tag}", "description": "conformance kit"}
        self.make("/custom-catalogs", "catalog", catalog, roles=("", ".put"))
        w.know("custom_catalog_id", w.ids["catalog"])
        for n, suffix in enumerate(("", ".put")):
            body = {"custom_catalog_id": w.ids["catalog"], "label": "Kit", "type": "string", "value": f"kit-{n}"}
            made = self.call("POST", "/custom-catalog-values", "create catalog value", json=body)
            w.ids["catalog_value" + suffix] = made["id"]

    def dynamic_properties(self) -> None:
        w = self.world
        for suffix in ("", ".put"):
            body = {
                "name": f"Conformance {self.tag}{suffix}",
                "description": "conformance kit",
                "descriptor": [{"title": "Nota", "type": "string", "key": "nota"}],
            }
            w.ids["property" + suffix] = self.call("POST", "/dynamic-properties", "create property", json=body)["id"]
        values = {"person_id": w.ids["person"], "values": {"nota": "conformance"}}
        saved = self.call("POST", f"/dynamic-properties/{w.ids['property']}/values", "save values", json=values)
        saved = saved[0] if isinstance(saved, list) else saved
        w.ids["dynamic_value"] = saved["id"]

    def validations(self) -> None:
        w = self.world
        # The address validation asks an outside service (a documentation domain) that nothing needs to answer.
        address_config = {"url": "https://validations.example.com/personas-conformance", "target": "address"}
        for role, klass, config in (
            ("validation", "curp", {}),
            ("validation.put", "curp", {}),
            ("validation.address", "external", address_config),
        ):
            body = {"name": f"conformance {role} {self.tag}", "class": klass, "active": True, "config": config}
            w.ids[role] = self.call("POST", "/validations", f"create {role}", json=body)["id"]
        w.know("validation_id", w.ids["validation"])
        run = {"validations": [w.ids["validation"]]}
        self.call("POST", f"/people/{w.ids['person']}/validations/run", "run validation", json=run)
        results = self.call("GET", f"/people/{w.ids['person']}/validation-results", "list validation results")
        if results:
            w.ids["validation_result"] = results[0]["id"]

    def screening(self) -> None:
        """A failed screening result to review, when the deployment has watch lists and one of them lists the
        world's person (its name is the kit's own: "Ana Conformance Prueba"); none otherwise."""
        w = self.world
        lists = [item["name"] for item in self.call("GET", "/watch-lists", "list watch lists")]
        if not lists:
            return
        config = {"lists": lists}
        body = {"name": f"conformance screening {self.tag}", "class": "blacklist", "execution_type": "manual"}
        validation = self.call("POST", "/validations", "create screening", json=body | {"config": config})["id"]
        run = {"validations": [validation]}
        self.call("POST", f"/people/{w.ids['person']}/validations/run", "run screening", json=run)
        query = {"model_id": w.ids["person"], "validation_id": validation}
        deadline = time.monotonic() + 30  # the run is a background job
        while time.monotonic() < deadline:
            found = self.call("GET", "/validation-results", "list screening results", params=query)["data"]
            if found and found[0]["status"] != 3:
                if found[0]["status"] == 1:
                    w.ids["validation_result.review"] = found[0]["id"]
                return
            time.sleep(0.1)

    def temporary_people(self) -> None:
        body = {"name": "Ana", "first_lastname": "Conformance", "second_lastname": "Prueba"}
        self.make("/temporary-people", "temporary_person", body, roles=("", ".put", ".promote"))

    def files(self) -> None:
        w = self.world
        person = w.ids["person"]
        # Temporary files are used up by the operation that takes one: each such operation has its own.
        for path in ("/files", "/files/temporary", "/files/urls", "/people/import"):
            spare = []
            for _ in range(2):
                upload = {"file": ("kit.png", PNG, "image/png")}
                made = self.call("POST", "/temporary-files", "upload temporary file", files=upload)
                spare.append(made.get("id") or made.get("uuid") or made.get("tmp_id"))
            w.values[f"temporary_files {path}"] = [s for s in spare if s]
        for _ in range(2):
            self.call(
                "POST",
                "/files",
                "upload a file",
                data={"model": "person", "model_id": person, "collection": "conformance"},
                files={"file": ("kit.png", PNG, "image/png")},
            )
        listed = self.call("GET", "/files", "list files", params={"model": "person", "model_id": person})
        w.ids["media"], w.ids["media.delete"] = (m["uuid"] for m in listed["data"][:2])
        link = self.call("GET", f"/files/{w.ids['media']}/temporary-url", "temporary url")["temporary_url"]
        query = dict(pair.split("=", 1) for pair in link.split("?", 1)[1].split("&")) if "?" in link else {}
        w.values.update(expires=query.get("expires"), signature=query.get("signature"))

    def channels(self) -> None:
        w = self.world
        body = {
            "name": f"conformance {self.tag}",
            "type": "webhook",
            "active": True,
            "events": ["person_register"],
            "config": {"url": "https://hooks.example.com/personas-conformance"},
        }
        self.make("/notification-channels", "channel", body)
        # A person registered now gives the channel a delivery once the relay has seen the event.
        self._person("person.notified")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            page = self.call("GET", f"/notification-channels/{w.ids['channel']}/deliveries", "list deliveries")
            items = page.get("data", []) if isinstance(page, dict) else page
            if items:
                w.ids["delivery"] = items[0]["id"]
                return
            time.sleep(0.2)
