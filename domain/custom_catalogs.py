"""Custom catalogs and their values: a value is typed by `type` and unique within its catalog.

Ids are UUID strings; a reference to a catalog is stored in lower case, as the ids are written, whatever case
the request used (the spec accepts both). Use cases take the unit of work (its `custom_catalogs` repository);
they flush, never commit.
"""

import csv
import hashlib
import io
import json

from personas.domain.dynamic_fields import coerce
from personas.domain.dynamic_rules import parse_number
from personas.domain.errors import Conflict, NotFound, Rule, Text, ValidationFailed

MAX_TEXT = 255
MAX_ITEMS = 100
DUPLICATE_VALUE = Rule("duplicate_catalog_value", "Ya existe en este catálogo", "Value already in this catalog")
UNKNOWN_CATALOG = Rule("unknown_reference", "No existe custom_catalog_id: {}", "Unknown custom_catalog_id: {}")
TYPE_MISMATCH = Rule("catalog_value_type", "No corresponde al tipo {}", "Does not match type {}")


def unknown_catalog(catalog_id) -> str:
    return UNKNOWN_CATALOG.format(catalog_id)


def type_mismatch(value_type: str) -> str:
    return TYPE_MISMATCH.format(value_type)


def check_value(value_type: str, value):
    """The value to store for `value_type` (see the spec's CustomCatalogValueData); ValueError if it does not fit."""
    ok, kept = coerce(value_type, value)
    if ok and value_type in ("string", "datetime"):
        ok = 0 < len(kept) <= MAX_TEXT
    if ok and value_type == "array":
        ok = len(kept) <= MAX_ITEMS and all(isinstance(item, str) and len(item) <= MAX_TEXT for item in kept)
    if not ok:
        raise ValueError(type_mismatch(value_type))
    return kept


def _canonical(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_canonical(item) for item in value]
    return value


def value_key(value) -> str:
    """Digest of a value's canonical JSON: equal values of a catalog (5 and 5.0 too) share it; "5" and 5 do not."""
    text = json.dumps(_canonical(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def get_catalog(uow, catalog_id: str):
    catalog = uow.custom_catalogs.get_catalog(catalog_id)
    if catalog is None:
        raise NotFound(Text("No se encontró el catálogo personalizado", "Custom catalog not found"))
    return catalog


def require_catalog(uow, catalog_id: str, field: str = "custom_catalog_id"):
    """The catalog a request refers to; a missing one is the client's 422, not a 404."""
    catalog = uow.custom_catalogs.get_catalog(catalog_id)
    if catalog is None:
        raise ValidationFailed({field: [unknown_catalog(catalog_id)]})
    return catalog


def create_catalog(uow, data: dict):
    catalog = uow.custom_catalogs.new_catalog(**data)
    uow.flush()
    return catalog


def update_catalog(uow, catalog_id: str, changes: dict):
    catalog = get_catalog(uow, catalog_id)
    for field, value in changes.items():
        setattr(catalog, field, value)
    uow.flush()
    return catalog


def get_value(uow, value_id: str):
    record = uow.custom_catalogs.get_value(value_id)
    if record is None:
        raise NotFound(Text("No se encontró el valor del catálogo", "Custom catalog value not found"))
    return record


def _typed(value_type: str, value):
    try:
        return check_value(value_type, value)
    except ValueError as exc:
        raise ValidationFailed({"value": [exc.args[0]]}) from None  # the Rule, not its text


def create_value(uow, data: dict):
    """A new value of an existing catalog, of its type, not already in the catalog."""
    catalog_id = require_catalog(uow, data["custom_catalog_id"]).id
    value = _typed(data["type"], data["value"])
    digest = value_key(value)
    if uow.custom_catalogs.value_taken(catalog_id, digest):
        raise Conflict({"value": [DUPLICATE_VALUE]})
    fields = data | {
        "custom_catalog_id": catalog_id,
        "value": value,
        "value_hash": digest,
        "groups": list(data.get("groups") or []),
    }
    record = uow.custom_catalogs.new_value(**fields)
    uow.flush()
    return record


def update_value(uow, value_id: str, changes: dict):
    """Partial update; the resulting type and value must agree and the value stay unique in its catalog."""
    record = get_value(uow, value_id)
    catalog_id = changes.get("custom_catalog_id", record.custom_catalog_id).lower()
    if catalog_id != record.custom_catalog_id:
        require_catalog(uow, catalog_id)
    value = _typed(changes.get("type", record.type), changes.get("value", record.value))
    digest = value_key(value)
    if uow.custom_catalogs.value_taken(catalog_id, digest, except_id=record.id):
        raise Conflict({"value": [DUPLICATE_VALUE]})
    for field, new in (changes | {"custom_catalog_id": catalog_id, "value": value, "value_hash": digest}).items():
        setattr(record, field, new)
    uow.flush()
    return record


# --- bulk load from CSV ---------------------------------------------------------------------------------------

MAX_CSV_ROWS = 10_000
HEADER = ["type", "label", "value"]
TYPES = ("string", "integer", "number", "boolean", "datetime", "array")
FILE_FIELD = "csv_file"
NOT_CSV = Rule("catalog_csv", "El archivo no es CSV en UTF-8", "The file is not UTF-8 CSV")
BAD_CSV_LINE = Rule("catalog_csv", "CSV inválido en la línea {}: {}", "Invalid CSV at line {}: {}")
TOO_MANY_ROWS = Rule("catalog_csv", "Más de {} renglones", "More than {} rows")
NO_ROWS = Rule("catalog_csv", "El archivo no tiene renglones de datos", "The file has no data rows")
EMPTY_CSV = Rule("empty_file", "El archivo está vacío", "The file is empty")
# A row's problems start with the column they are about.
BAD_HEADER = Rule(
    "catalog_csv_row", "header: debe ser exactamente type,label,value", "header: must be exactly type,label,value"
)
WRONG_COLUMNS = Rule(
    "catalog_csv_row", "columns: se esperaban 3 columnas (type,label,value), hay {}", "columns: expected 3, got {}"
)
BAD_TYPE = Rule("catalog_csv_row", "type: debe ser uno de: {}", "type: must be one of: {}").format(", ".join(TYPES))
BAD_LABEL = Rule("catalog_csv_row", "label: texto de 1 a {} caracteres", "label: must have 1 to {} characters")
BAD_CELL = Rule("catalog_csv_row", "value: '{}' no es un {} válido", "value: '{}' is not a valid {}")
REPEATED_VALUE = Rule("catalog_csv_row", "value: repetido de la línea {}", "value: repeats line {}")
VALUE_IN_CATALOG = Rule("catalog_csv_row", "value: ya existe en el catálogo", "value: already in the catalog")


def _cell(value_type: str, text: str):
    """A (stripped) CSV cell as a value of `value_type`: integers, decimals with a point, true/false/1/0, `a|b|c`."""
    if value_type == "boolean":
        lowered = text.lower()
        return lowered in ("true", "1") if lowered in ("true", "false", "1", "0") else text
    if value_type in ("integer", "number"):
        return parse_number(text, value_type == "integer")
    if value_type == "array":
        return [item.strip() for item in text.split("|")] if text else None
    return text


def _row(line: int, row: list[str]) -> tuple[dict | None, list[str]]:
    if len(row) != len(HEADER):
        return None, [WRONG_COLUMNS.format(len(row))]
    value_type, label, text = (cell.strip() for cell in row)
    problems = []
    if value_type not in TYPES:
        problems.append(BAD_TYPE)
    if not label or len(label) > MAX_TEXT:
        problems.append(BAD_LABEL.format(MAX_TEXT))
    value = None
    if value_type in TYPES:
        try:
            value = check_value(value_type, _cell(value_type, text))
        except ValueError:
            shown = text if len(text) <= 40 else text[:40] + "..."
            problems.append(BAD_CELL.format(shown, value_type))
    if problems:
        return None, problems
    return {"line": line, "type": value_type, "label": label, "value": value, "value_hash": value_key(value)}, []


def read_csv(stream) -> tuple[list[dict], dict[str, list[str]]]:
    """Rows of a `type,label,value` CSV read from a binary stream, and errors by line number ("1" the header)."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    rows, errors, line, count = [], {}, 1, 0
    try:
        header = next(reader, None)
        if header is not None and any("\x00" in cell for cell in header):
            raise ValidationFailed({FILE_FIELD: [NOT_CSV]})  # NUL: a binary file, not text
        if header is None:
            raise ValidationFailed({FILE_FIELD: [EMPTY_CSV]})
        if [cell.strip() for cell in header] != HEADER:
            errors["1"] = [BAD_HEADER]
        line = reader.line_num + 1
        for row in reader:
            if any("\x00" in cell for cell in row):
                raise ValidationFailed({FILE_FIELD: [NOT_CSV]})  # NUL: a binary file, not text
            if row:  # a blank line is no row
                count += 1
                if count > MAX_CSV_ROWS:
                    raise ValidationFailed({FILE_FIELD: [TOO_MANY_ROWS.format(MAX_CSV_ROWS)]})
                parsed, problems = _row(line, row)
                if problems:
                    errors[str(line)] = problems
                else:
                    rows.append(parsed)
            line = reader.line_num + 1
    except UnicodeDecodeError:
        raise ValidationFailed({FILE_FIELD: [NOT_CSV]}) from None
    except csv.Error as exc:
        raise ValidationFailed({FILE_FIELD: [BAD_CSV_LINE.format(line, exc)]}) from None
    finally:
        text.detach()
    if not rows and not errors:
        raise ValidationFailed({FILE_FIELD: [NO_ROWS]})
    return rows, errors


def bulk_create(uow, catalog_id: str, stream) -> int:
    """Every row of the CSV into the catalog, or none: errors are listed by line number."""
    catalog_id = require_catalog(uow, catalog_id).id
    rows, errors = read_csv(stream)
    first_seen: dict[str, int] = {}
    for row in rows:
        earlier = first_seen.setdefault(row["value_hash"], row["line"])
        if earlier != row["line"]:
            errors.setdefault(str(row["line"]), []).append(REPEATED_VALUE.format(earlier))
    taken = uow.custom_catalogs.existing_hashes(catalog_id, list(first_seen))
    for row in rows:
        if row["value_hash"] in taken:
            errors.setdefault(str(row["line"]), []).append(VALUE_IN_CATALOG)
    if errors:
        raise ValidationFailed(dict(sorted(errors.items(), key=lambda item: int(item[0]))))
    uow.custom_catalogs.insert_values(
        [
            {k: row[k] for k in ("type", "label", "value", "value_hash")}
            | {"custom_catalog_id": catalog_id, "groups": []}
            for row in rows
        ]
    )
    uow.flush()
    return len(rows)
