"""Custom catalogs and their values: a value is typed by `type` and unique within its catalog.

Use cases take the unit of work and the catalogs' repository (`store`); they flush, never commit.
"""

import csv
import hashlib
import io
import json

from personas.domain.dynamic_fields import coerce
from personas.domain.dynamic_rules import parse_number
from personas.domain.errors import Conflict, NotFound, ValidationFailed

MAX_TEXT = 255
MAX_ITEMS = 100
DUPLICATE_VALUE = "Ya existe en este catálogo / Value already in this catalog"


def unknown_catalog(catalog_id) -> str:
    return f"No existe / Unknown custom_catalog_id: {catalog_id}"


def type_mismatch(value_type: str) -> str:
    return f"No corresponde al tipo {value_type} / Does not match type {value_type}"


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


def get_catalog(store, catalog_id: int):
    catalog = store.get_catalog(catalog_id)
    if catalog is None:
        raise NotFound("Custom catalog not found")
    return catalog


def require_catalog(store, catalog_id: int, field: str = "custom_catalog_id"):
    """The catalog a request refers to; a missing one is the client's 422, not a 404."""
    catalog = store.get_catalog(catalog_id)
    if catalog is None:
        raise ValidationFailed({field: [unknown_catalog(catalog_id)]})
    return catalog


def create_catalog(uow, store, data: dict):
    catalog = store.new_catalog(**data)
    uow.flush()
    return catalog


def update_catalog(uow, store, catalog_id: int, changes: dict):
    catalog = get_catalog(store, catalog_id)
    for field, value in changes.items():
        setattr(catalog, field, value)
    uow.flush()
    return catalog


def get_value(store, value_id: int):
    record = store.get_value(value_id)
    if record is None:
        raise NotFound("Custom catalog value not found")
    return record


def _typed(value_type: str, value):
    try:
        return check_value(value_type, value)
    except ValueError as exc:
        raise ValidationFailed({"value": [str(exc)]}) from None


def create_value(uow, store, data: dict):
    """A new value of an existing catalog, of its type, not already in the catalog."""
    require_catalog(store, data["custom_catalog_id"])
    value = _typed(data["type"], data["value"])
    digest = value_key(value)
    if store.value_taken(data["custom_catalog_id"], digest):
        raise Conflict({"value": [DUPLICATE_VALUE]})
    fields = data | {"value": value, "value_hash": digest, "groups": list(data.get("groups") or [])}
    record = store.new_value(**fields)
    uow.flush()
    return record


def update_value(uow, store, value_id: int, changes: dict):
    """Partial update; the resulting type and value must agree and the value stay unique in its catalog."""
    record = get_value(store, value_id)
    catalog_id = changes.get("custom_catalog_id", record.custom_catalog_id)
    if catalog_id != record.custom_catalog_id:
        require_catalog(store, catalog_id)
    value = _typed(changes.get("type", record.type), changes.get("value", record.value))
    digest = value_key(value)
    if store.value_taken(catalog_id, digest, except_id=record.id):
        raise Conflict({"value": [DUPLICATE_VALUE]})
    for field, new in (changes | {"value": value, "value_hash": digest}).items():
        setattr(record, field, new)
    uow.flush()
    return record


# --- bulk load from CSV ---------------------------------------------------------------------------------------

MAX_CSV_ROWS = 10_000
HEADER = ["type", "label", "value"]
TYPES = ("string", "integer", "number", "boolean", "datetime", "array")
FILE_FIELD = "csv_file"
NOT_CSV = "El archivo no es CSV en UTF-8 / The file is not UTF-8 CSV"


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
        return None, [
            f"columns: se esperaban 3 columnas (type,label,value), hay {len(row)} / expected 3, got {len(row)}"
        ]
    value_type, label, text = (cell.strip() for cell in row)
    problems = []
    if value_type not in TYPES:
        problems.append("type: debe ser uno de " + ", ".join(TYPES) + " / must be one of " + ", ".join(TYPES))
    if not label or len(label) > MAX_TEXT:
        problems.append(f"label: texto de 1 a {MAX_TEXT} caracteres / must have 1 to {MAX_TEXT} characters")
    value = None
    if value_type in TYPES:
        try:
            value = check_value(value_type, _cell(value_type, text))
        except ValueError:
            shown = text if len(text) <= 40 else text[:40] + "..."
            problems.append(f"value: '{shown}' no es un {value_type} / is not a valid {value_type}")
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
            raise ValidationFailed({FILE_FIELD: ["El archivo está vacío / The file is empty"]})
        if [cell.strip() for cell in header] != HEADER:
            errors["1"] = ["header: debe ser exactamente type,label,value / must be exactly type,label,value"]
        line = reader.line_num + 1
        for row in reader:
            if any("\x00" in cell for cell in row):
                raise ValidationFailed({FILE_FIELD: [NOT_CSV]})  # NUL: a binary file, not text
            if row:  # a blank line is no row
                count += 1
                if count > MAX_CSV_ROWS:
                    raise ValidationFailed(
                        {FILE_FIELD: [f"Más de {MAX_CSV_ROWS} renglones / More than {MAX_CSV_ROWS} rows"]}
                    )
                parsed, problems = _row(line, row)
                if problems:
                    errors[str(line)] = problems
                else:
                    rows.append(parsed)
            line = reader.line_num + 1
    except UnicodeDecodeError:
        raise ValidationFailed({FILE_FIELD: [NOT_CSV]}) from None
    except csv.Error as exc:
        raise ValidationFailed(
            {FILE_FIELD: [f"CSV inválido en la línea {line} / Invalid CSV at line {line}: {exc}"]}
        ) from None
    finally:
        text.detach()
    if not rows and not errors:
        raise ValidationFailed({FILE_FIELD: ["El archivo no tiene renglones de datos / The file has no data rows"]})
    return rows, errors


def bulk_create(uow, store, catalog_id: int, stream) -> int:
    """Every row of the CSV into the catalog, or none: errors are listed by line number."""
    require_catalog(store, catalog_id)
    rows, errors = read_csv(stream)
    first_seen: dict[str, int] = {}
    for row in rows:
        earlier = first_seen.setdefault(row["value_hash"], row["line"])
        if earlier != row["line"]:
            errors.setdefault(str(row["line"]), []).append(
                f"value: repetido de la línea {earlier} / repeats line {earlier}"
            )
    taken = store.existing_hashes(catalog_id, list(first_seen))
    for row in rows:
        if row["value_hash"] in taken:
            errors.setdefault(str(row["line"]), []).append("value: ya existe en el catálogo / already in the catalog")
    if errors:
        raise ValidationFailed(dict(sorted(errors.items(), key=lambda item: int(item[0]))))
    store.insert_values(
        [
            {k: row[k] for k in ("type", "label", "value", "value_hash")}
            | {"custom_catalog_id": catalog_id, "groups": []}
            for row in rows
        ]
    )
    uow.flush()
    return len(rows)
