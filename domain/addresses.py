"""Addresses: state resolution, the person's `addresses_similarity`, and the create/update/delete use cases.

Use cases take a unit of work (`personas.domain.ports.UnitOfWork`): its `addresses` repository, and the
published view of a record (`uow.view`) that events carry as their payload.
"""

import re
import unicodedata
from collections.abc import Iterable

from rapidfuzz import fuzz

from personas.domain import validations
from personas.domain.catalogs import resolve_state
from personas.domain.errors import Rule, Text, ValidationFailed
from personas.domain.records import data_updated, get_record, require_person

NOT_FOUND = Text("No se encontró el domicilio", "Address not found")

COMPARED_FIELDS = ("street", "ext_num", "int_num", "colony", "municipality", "city", "state", "zip_code")
# House numbers must be equal once normalised: 12 and 13 are different houses however close.
EXACT_FIELDS = frozenset({"ext_num", "int_num"})
FUZZY_THRESHOLD = 85  # rapidfuzz token_sort_ratio, 0-100: absorbs a typo or two, not a different name
# `source` is free text (the seed's); "ine", in any case, marks the address read from the INE credential.
INE = "ine"
UNKNOWN_STATE = Rule("unknown_reference", "No existe el estado: {}", "Unknown state: {}")
BAD_LATITUDE = Rule("latitude_range", "La latitud debe estar entre -90 y 90", "Latitude must be between -90 and 90")
BAD_LONGITUDE = Rule(
    "longitude_range", "La longitud debe estar entre -180 y 180", "Longitude must be between -180 and 180"
)

# The way Mexican addresses abbreviate words (INE credentials abbreviate nearly everything).
ABBREVIATIONS = {
    **dict.fromkeys(("av", "ave", "avda", "avenida"), "avenida"),
    **dict.fromkeys(("c", "cll", "calle"), "calle"),
    **dict.fromkeys(("col", "colonia"), "colonia"),
    **dict.fromkeys(("no", "num", "nro", "numero"), "numero"),
    **dict.fromkeys(("blvd", "blvr", "bvd", "bulevar", "bulevard", "boulevard"), "boulevard"),
    **dict.fromkeys(("priv", "pvda", "privada"), "privada"),
    **dict.fromkeys(("fracc", "frac", "fraccionamiento"), "fraccionamiento"),
    **dict.fromkeys(("cd", "ciudad"), "ciudad"),
    **dict.fromkeys(("cda", "cerr", "cerrada"), "cerrada"),
    **dict.fromkeys(("calz", "calzada"), "calzada"),
    **dict.fromkeys(("prol", "prolongacion"), "prolongacion"),
    **dict.fromkeys(("carr", "carretera"), "carretera"),
    **dict.fromkeys(("int", "interior"), "interior"),
    **dict.fromkeys(("ext", "exterior"), "exterior"),
    **dict.fromkeys(("dep", "dept", "depto", "dpto", "departamento"), "departamento"),
    **dict.fromkeys(("mz", "mza", "manzana"), "manzana"),
    **dict.fromkeys(("lt", "lte", "lote"), "lote"),
    **dict.fromkeys(("edif", "edificio"), "edificio"),
    **dict.fromkeys(("mpio", "municipio"), "municipio"),
    **dict.fromkeys(("deleg", "delegacion"), "delegacion"),
    **dict.fromkeys(("fte", "frente"), "frente"),
    **dict.fromkeys(("uh", "unidad"), "unidad"),
    **dict.fromkeys(("hab", "habitacional"), "habitacional"),
    "bo": "barrio",
    "and": "andador",
    "sta": "santa",
    "sto": "santo",
    "gral": "general",
    "lic": "licenciado",
    "ing": "ingeniero",
    "pdte": "presidente",
    "nte": "norte",
    "ote": "oriente",
    "pte": "poniente",
    "cdmx": "ciudad de mexico",
}
# Words that name the kind of thing rather than the thing: one source writes "Calle Marte", "Col.
# Cristobal Colon", "No. 12", "Alcaldía Iztacalco", the other just "Marte", "Cristobal Colon", "12".
DESCRIPTORS = frozenset(
    {
        "calle", "avenida", "boulevard", "privada", "cerrada", "calzada", "andador",
        "colonia", "fraccionamiento", "barrio", "unidad", "habitacional",
        "numero", "interior", "exterior", "departamento",
        "municipio", "alcaldia", "delegacion",
    }
)  # fmt: skip
# "S/N" and "sin número" mean there is no number: the same as leaving the field empty.
_NO_NUMBER = re.compile(r"\bs\s*/\s*n\b|\bsin\s+num(ero)?\b")


def normalize(text: object) -> str:
    """Lower case, no accents or punctuation, abbreviations spelled out, descriptor words dropped."""
    if text is None:
        return ""
    plain = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii").casefold()
    plain = _NO_NUMBER.sub(" ", plain)
    words = [ABBREVIATIONS.get(w, w) for w in re.sub(r"[^a-z0-9]+", " ", plain).split()]
    words = " ".join(words).split()  # an abbreviation may stand for several words ("cdmx")
    meaningful = [w for w in words if w not in DESCRIPTORS]
    return " ".join(meaningful or words)


def same(field: str, first: object, second: object) -> bool:
    """Whether two values of an address field say the same thing (both empty counts as the same)."""
    if field == "state":
        a, b = resolve_state(first), resolve_state(second)
        if a is not None and b is not None:
            return a.id == b.id
    if field == "zip_code":
        # Only the digits: "C.P. 08016" is 08016.
        return re.sub(r"\D", "", str(first or "")) == re.sub(r"\D", "", str(second or ""))
    a, b = normalize(first), normalize(second)
    if not a or not b:
        return a == b
    if field in EXACT_FIELDS:
        return a.replace(" ", "") == b.replace(" ", "")  # "12 A", "12-A" and "12A" are one number
    return fuzz.token_sort_ratio(a, b) >= FUZZY_THRESHOLD


def similarity(ine, declared) -> dict | None:
    """Field-by-field comparison (1 same, 0 different) and `general_score`, their mean to 3 decimals."""
    if ine is None or declared is None:
        return None
    scores = {f: int(same(f, getattr(ine, f, None), getattr(declared, f, None))) for f in COMPARED_FIELDS}
    return scores | {"general_score": round(sum(scores.values()) / len(scores), 3)}


def _newest(addresses: list):
    return max(addresses, key=lambda a: (a.created_at, a.id)) if addresses else None


def is_ine(address) -> bool:
    return (address.source or "").strip().casefold() == INE


def compared_pair(addresses: Iterable) -> tuple:
    """The newest INE address, and the declared one: the newest marked current, else the newest other."""
    addresses = list(addresses)
    others = [a for a in addresses if not is_ine(a)]
    current = [a for a in others if a.is_current_address]
    return _newest([a for a in addresses if is_ine(a)]), _newest(current or others)


def _coordinate_errors(data: dict) -> dict:
    """Coordinates out of range. The spec bounds the numbers it is sent, but a coordinate may also come as
    the text of a number (the seed types longitude as text), and the pair in `device_coordinates` shares
    one schema, so the domain holds each to its own range."""
    errors = {}
    if data.get("latitude") is not None and not -90 <= data["latitude"] <= 90:
        errors["latitude"] = [BAD_LATITUDE]
    if data.get("longitude") is not None and not -180 <= data["longitude"] <= 180:
        errors["longitude"] = [BAD_LONGITUDE]
    coordinates = data.get("device_coordinates")
    if coordinates and not -90 <= coordinates[0] <= 90:
        errors["device_coordinates"] = [BAD_LATITUDE]
    elif coordinates and not -180 <= coordinates[1] <= 180:
        errors["device_coordinates"] = [BAD_LONGITUDE]
    return errors


def refresh_similarity(uow, person_id: str) -> None:
    """Recompute the person's `addresses_similarity` from its addresses as they are now."""
    person = uow.people.get_any(person_id)
    if person is None:
        return
    value = similarity(*compared_pair(uow.addresses.for_person(person_id)))
    if person.addresses_similarity != value:
        person.addresses_similarity = value
        uow.flush()


def _checked(uow, data: dict) -> dict:
    """`data` with `state` resolved to its catalog code and `state_id`; every broken rule in one 422."""
    errors: dict[str, list[str]] = {}
    if "person_id" in data:
        try:
            require_person(uow, data["person_id"])
        except ValidationFailed as failed:
            errors.update(failed.errors)
    if "state" in data:
        state = resolve_state(data["state"])
        if state is None:
            errors["state"] = [UNKNOWN_STATE.format(data["state"])]
        else:
            data = data | {"state": state.code, "state_id": state.id}
    errors.update(_coordinate_errors(data))
    if errors:
        raise ValidationFailed(errors)
    return data


def get_address(uow, address_id: str):
    return get_record(uow.addresses, address_id, NOT_FOUND)


def create_address(uow, data: dict):
    """Store an address of a living person; recomputes the similarity; records `updated_data_to_person`."""
    address = uow.addresses.new(**_checked(uow, data))
    uow.flush()
    refresh_similarity(uow, address.person_id)
    data_updated(uow, "address", address, uow.view("address", address))
    validations.start_auto_validations(uow, address.person_id, "address_created", address.id)
    return address


def update_address(uow, address_id: str, changes: dict):
    """Partial update; a move to another person recomputes the similarity of both."""
    address = get_address(uow, address_id)
    before = address.person_id
    if changes.get("person_id") == before:
        changes = {f: v for f, v in changes.items() if f != "person_id"}  # its person may since be deleted
    changed = {f: v for f, v in _checked(uow, changes).items() if getattr(address, f) != v}
    if not changed:
        return address  # nothing changed: no event, as history records nothing either
    for field, value in changed.items():
        setattr(address, field, value)
    uow.flush()
    for person_id in dict.fromkeys((before, address.person_id)):
        refresh_similarity(uow, person_id)
    data_updated(uow, "address", address, uow.view("address", address))
    return address


def delete_address(uow, address_id: str) -> None:
    """A real delete (history keeps the record); recomputes the similarity; records the event."""
    address = get_address(uow, address_id)
    payload = uow.view("address", address)
    uow.addresses.delete(address)
    uow.flush()
    refresh_similarity(uow, address.person_id)
    data_updated(uow, "address", address, payload)
