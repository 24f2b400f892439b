"""Use cases for dynamic properties and for the values people have for them.

A property's `key` is a slug of its name; its descriptor is checked when saved (rules, keys, catalogs). Values
are checked against the descriptor and kept as versions: each save is a new version, the newest is "the" value.
Use cases take the unit of work (its `dynamic_properties` repository); they flush, never commit.
"""

import re
import unicodedata
from datetime import UTC, datetime

from personas.domain.custom_catalogs import value_key
from personas.domain.dynamic_fields import check_descriptor, check_values, fields_of
from personas.domain.dynamic_rules import say
from personas.domain.errors import NotFound, Rule, Text, ValidationFailed
from personas.domain.records import living_person, require_person

EMPTY_KEY = Rule("empty_property_key", "El nombre no produce una clave", "The name gives an empty key")
KEY_TAKEN = Rule(
    "duplicate_property_key",
    "Ya existe una propiedad con esa clave: {}",
    "A dynamic property with this key already exists: {}",
)
UNKNOWN_CATALOG = Rule("unknown_reference", "No existe el catálogo: {}", "Unknown custom catalog: {}")
OTHER_PROPERTY = Rule(
    "property_mismatch", "No coincide con la propiedad de la ruta", "Does not match the property in the path"
)


def slug(name: str) -> str:
    """Lowercase, accents dropped, runs of anything but letters and digits as one `_`: "Test 01" -> "test_01"."""
    text = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")[:255].strip("_")


def _key(uow, name: str, errors: dict, except_id: str | None = None) -> str:
    key = slug(name)
    if not key:
        errors["name"] = [EMPTY_KEY]
    elif uow.dynamic_properties.key_taken(key, except_id):
        errors["name"] = [KEY_TAKEN.format(key)]
    return key


def _descriptor(uow, descriptor: list[dict], errors: dict) -> list[dict]:
    # Catalog ids are kept in lower case, as the catalogs' own ids are written (the spec accepts either case).
    descriptor = [
        item | {"catalog_id": item["catalog_id"].lower()} if isinstance(item.get("catalog_id"), str) else item
        for item in descriptor
    ]
    stored, problems = check_descriptor(descriptor)
    wanted = {item.get("catalog_id") for item in descriptor} - {None}
    known = uow.dynamic_properties.existing_catalogs(wanted) if wanted else set()
    for n, item in enumerate(descriptor):
        if item.get("catalog_id") is not None and item["catalog_id"] not in known:
            problems[f"descriptor.{n}.catalog_id"] = [UNKNOWN_CATALOG.format(item["catalog_id"])]
    errors.update(problems)
    return stored


def get_property(uow, property_id: str):
    prop = uow.dynamic_properties.get_property(property_id)
    if prop is None:
        raise NotFound(Text("No se encontró la propiedad dinámica", "Dynamic property not found"))
    return prop


def create_property(uow, data: dict):
    """A new property; its key comes from the name and must be free, its descriptor must hold."""
    errors: dict[str, list[str]] = {}
    key = _key(uow, data["name"], errors)
    descriptor = _descriptor(uow, data["descriptor"], errors)
    if errors:
        raise ValidationFailed(errors)
    prop = uow.dynamic_properties.new_property(
        name=data["name"], description=data.get("description"), key=key, descriptor=descriptor
    )
    uow.flush()
    return prop


def update_property(uow, property_id: str, changes: dict):
    """Partial update; a new name recomputes the key, a new descriptor replaces the old one whole."""
    prop = get_property(uow, property_id)
    errors: dict[str, list[str]] = {}
    fields = dict(changes)
    if "name" in changes:
        fields["key"] = _key(uow, changes["name"], errors, except_id=prop.id)
    if "descriptor" in changes:
        fields["descriptor"] = _descriptor(uow, changes["descriptor"], errors)
    if errors:
        raise ValidationFailed(errors)
    for field, value in fields.items():
        setattr(prop, field, value)
    uow.flush()
    return prop


def _check_catalogs(uow, fields, kept: dict, errors: dict) -> None:
    """With `catalog_id`, a value (each element of an array) must be one of that catalog's values."""
    for field in fields:
        value = kept.get(field.key)
        if field.catalog_id is None or value is None or field.key in errors:
            continue
        digests = {value_key(item) for item in (value if isinstance(value, list) else [value])}
        if digests - uow.dynamic_properties.catalog_hashes(field.catalog_id, digests):
            cid = field.catalog_id
            errors[field.key] = [
                say(
                    f"catalog_id:{cid}",
                    f"debe ser un valor del catálogo {cid}",
                    f"must be a value of custom catalog {cid}",
                )
            ]


def save_values(uow, property_id: str, data: dict, now: datetime | None = None):
    """A new version of a person's values for the property, checked against its descriptor; all or nothing."""
    prop = get_property(uow, property_id)
    errors: dict[str, list[str]] = {}
    sent_id = data.get("dynamic_property_id")
    if sent_id is not None and sent_id.lower() != prop.id:
        errors["dynamic_property_id"] = [OTHER_PROPERTY]
    try:
        person = require_person(uow, data["person_id"].lower())
    except ValidationFailed as exc:
        errors.update(exc.errors)
        person = None
    fields = fields_of(prop.descriptor)
    kept, problems = check_values(fields, data["values"], now or datetime.now(UTC))
    for key, messages in problems.items():
        errors.setdefault(key, []).extend(messages)
    _check_catalogs(uow, fields, kept, errors)
    if errors:
        raise ValidationFailed(errors)
    # Serialises saves for the person, so two cannot take the same version number.
    uow.dynamic_properties.lock_person(person.id)
    version = uow.dynamic_properties.last_version(person.id, prop.id) + 1
    record = uow.dynamic_properties.new_value(
        person_id=person.id, dynamic_property_id=prop.id, values=kept, version=version
    )
    uow.flush()
    return record


def get_value(uow, value_id: str):
    record = uow.dynamic_properties.get_value(value_id)
    if record is None:
        raise NotFound(Text("No se encontró el valor dinámico", "Dynamic value not found"))
    return record


def person_values(
    uow, person_id: str, everything: bool, descriptor_id: str | None, page: int, per_page: int, cursor=None
):
    """A person's newest value per property, or every version with `everything`; 404 for an unknown person."""
    person = living_person(uow, person_id)
    return uow.dynamic_properties.values_page(
        page, per_page, person_id=person.id, property_id=descriptor_id, latest_only=not everything, cursor=cursor
    )
