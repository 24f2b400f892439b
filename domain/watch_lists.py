"""Watch lists read from the files their keepers publish, into `screening.Entry` values.

Each parser takes the file's bytes and returns a `ParsedList`: its entries (each with its `digest`) and
the version the file states, if it states one. A file that is not what its format says is refused with a
`ListFormatError` that names the line or element at fault; so are duplicate entry ids.

Formats (`FORMATS`, by the name the command line uses):

``ofac-sdn``
    The U.S. Treasury's SDN list in its CSV form: ``SDN.CSV`` (no header; ent_num, SDN_Name, SDN_Type,
    Program, Title, Call_Sign, Vess_type, Tonnage, GRT, Vess_flag, Vess_owner, Remarks; ``-0-`` is an
    empty field) and, optionally, ``ALT.CSV`` (ent_num, alt_num, alt_type, alt_name, alt_remarks), whose
    names become aliases of their entry. SDN_Type "individual" is a person, ``-0-`` an entity; vessels and
    aircraft are not screened against people and are left out. Names are kept as written ("LAST, First").

``un-consolidated``
    The UN Security Council's consolidated list XML: ``CONSOLIDATED_LIST`` (its ``dateGenerated`` is the
    version), ``INDIVIDUALS/INDIVIDUAL`` (``DATAID``, ``FIRST_NAME`` .. ``FOURTH_NAME`` joined in that
    order, ``INDIVIDUAL_ALIAS/ALIAS_NAME``) and ``ENTITIES/ENTITY`` (``DATAID``, ``FIRST_NAME``,
    ``ENTITY_ALIAS/ALIAS_NAME``). Read with defusedxml: a document with a DTD, entity declarations or
    external references is refused.

``csv``
    A list of our own making, such as the UIF's list of blocked persons: UTF-8 (a byte-order mark is
    allowed), an optional first line ``# version: <text>``, then a header and one entry per row::

        # version: 2024-06-01
        entry_id,name,aliases,curp,rfc,kind
        UIF-001,Juan Pérez López,Juanito Pérez|J. Pérez L.,PELJ800101HDFRPN09,PELJ800101AB1,individual
        UIF-002,"Comercializadora del Norte, S.A. de C.V.",,,CNO010101AA1,entity

    Only ``entry_id`` and ``name`` are required; the columns may come in any order, and no other columns
    are allowed (a misspelt header would otherwise drop its column silently). ``aliases`` are separated
    by ``|``; ``kind`` is ``individual`` (the default when empty) or ``entity``; a CURP must have 18
    letters and digits, an RFC 12 or 13. Empty lines are skipped.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from xml.etree.ElementTree import Element, ParseError

import defusedxml
from defusedxml.ElementTree import fromstring

from personas.domain.screening import Entry, entry_digest

INDIVIDUAL, ENTITY = "individual", "entity"
# OFAC writes an empty field as "-0-" (with trailing spaces, in fixed-width habits).
OFAC_EMPTY = "-0-"
OFAC_SDN_COLUMNS = 12
OFAC_ALT_COLUMNS = 5
OFAC_SKIPPED_TYPES = frozenset({"vessel", "aircraft"})
# An individual's name in the UN list is these elements' texts, in this order.
UN_NAME_PARTS = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
CSV_COLUMNS = ("entry_id", "name", "aliases", "curp", "rfc", "kind")
CSV_REQUIRED = ("entry_id", "name")
CSV_VERSION = re.compile(r"#\s*version\s*:\s*(.*)", re.IGNORECASE)
CURP_SHAPE = re.compile(r"[A-Z0-9]{18}")
RFC_SHAPE = re.compile(r"[A-Z0-9&Ñ]{12,13}")


@dataclass(frozen=True)
class ParsedList:
    entries: list[Entry]
    version: str | None  # what the file says its version or date is, when it says it


class ListFormatError(ValueError):
    """The file is not in the format it was read as: the message says what and where."""


def _entry(list_name: str, entry_id: str, names: list[str], curp=None, rfc=None, kind=INDIVIDUAL) -> Entry:
    unique = tuple(dict.fromkeys(name for name in names if name))
    return Entry(list_name, entry_id, unique, curp, rfc, kind, entry_digest(unique, curp, rfc, kind))


def _text(data: bytes, what: str) -> str:
    """The file's text: UTF-8 when it is valid UTF-8, else Latin-1 (older Treasury files)."""
    if not isinstance(data, bytes | bytearray):
        raise ListFormatError(f"{what}: expected the file's bytes, got {type(data).__name__}")
    try:
        text = bytes(data).decode("utf-8-sig")
    except UnicodeDecodeError:
        text = bytes(data).decode("latin-1")
    # The Treasury's files end with a DOS end-of-file mark (control-Z) on a line of its own.
    return text.replace("\x1a", "")


def _rows(text: str, what: str):
    """(line number, fields) of each non-blank CSV record; a broken quote is a ListFormatError."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        for fields in reader:
            if any(field.strip() for field in fields):
                yield reader.line_num, fields
    except csv.Error as exc:
        raise ListFormatError(f"{what}, line {reader.line_num}: {exc}") from None


def _ofac(value: str) -> str:
    value = value.strip()
    return "" if value == OFAC_EMPTY else value


def parse_ofac_sdn(sdn_csv: bytes, alt_csv: bytes | None = None, list_name: str = "ofac-sdn") -> ParsedList:
    """OFAC's SDN.CSV, and its ALT.CSV's aliases when given."""
    names: dict[str, list[str]] = {}
    kinds: dict[str, str] = {}
    skipped: set[str] = set()
    for line, fields in _rows(_text(sdn_csv, "SDN.CSV"), "SDN.CSV"):
        where = f"SDN.CSV, line {line}"
        if len(fields) != OFAC_SDN_COLUMNS:
            raise ListFormatError(f"{where}: expected {OFAC_SDN_COLUMNS} columns, found {len(fields)}")
        entry_id, name, sdn_type = _ofac(fields[0]), _ofac(fields[1]), _ofac(fields[2]).lower()
        if not entry_id.isdigit():
            raise ListFormatError(f"{where}: ent_num must be a number, found {fields[0].strip()!r}")
        if entry_id in names or entry_id in skipped:
            raise ListFormatError(f"{where}: duplicate ent_num {entry_id}")
        if sdn_type in OFAC_SKIPPED_TYPES:
            skipped.add(entry_id)
            continue
        if sdn_type not in ("", INDIVIDUAL):
            raise ListFormatError(f"{where}: unknown SDN_Type {fields[2].strip()!r} for ent_num {entry_id}")
        if not name:
            raise ListFormatError(f"{where}: ent_num {entry_id} has no SDN_Name")
        names[entry_id] = [name]
        kinds[entry_id] = INDIVIDUAL if sdn_type == INDIVIDUAL else ENTITY
    if alt_csv is not None:
        for line, fields in _rows(_text(alt_csv, "ALT.CSV"), "ALT.CSV"):
            where = f"ALT.CSV, line {line}"
            if len(fields) != OFAC_ALT_COLUMNS:
                raise ListFormatError(f"{where}: expected {OFAC_ALT_COLUMNS} columns, found {len(fields)}")
            entry_id, alias = _ofac(fields[0]), _ofac(fields[3])
            if entry_id in skipped:
                continue
            if entry_id not in names:
                raise ListFormatError(f"{where}: alias of ent_num {fields[0].strip()!r}, which SDN.CSV does not list")
            if alias:
                names[entry_id].append(alias)
    entries = [_entry(list_name, entry_id, found, kind=kinds[entry_id]) for entry_id, found in names.items()]
    return ParsedList(entries, None)


def _child_text(element: Element, tag: str) -> str:
    child = element.find(tag)
    return " ".join((child.text or "").split()) if child is not None else ""


def parse_un_consolidated(xml: bytes, list_name: str = "un-consolidated") -> ParsedList:
    """The UN Security Council's consolidated list (XML)."""
    if not isinstance(xml, bytes | bytearray):
        raise ListFormatError(f"UN list: expected the file's bytes, got {type(xml).__name__}")
    try:
        root = fromstring(bytes(xml), forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DefusedXmlException as exc:
        raise ListFormatError(f"UN list: refused, the document declares a DTD or entities ({exc})") from None
    except ParseError as exc:
        raise ListFormatError(f"UN list: not well-formed XML: {exc}") from None
    if root.tag != "CONSOLIDATED_LIST":
        raise ListFormatError(f"UN list: the root element is <{root.tag}>, expected <CONSOLIDATED_LIST>")
    entries, seen = [], set()
    for kind, group, tag, alias_tag, parts in (
        (INDIVIDUAL, "INDIVIDUALS", "INDIVIDUAL", "INDIVIDUAL_ALIAS", UN_NAME_PARTS),
        (ENTITY, "ENTITIES", "ENTITY", "ENTITY_ALIAS", UN_NAME_PARTS[:1]),
    ):
        for position, element in enumerate(root.findall(f"{group}/{tag}"), start=1):
            entry_id = _child_text(element, "DATAID")
            where = f"UN list, {tag} #{position}"
            if not entry_id:
                raise ListFormatError(f"{where}: no DATAID")
            if entry_id in seen:
                raise ListFormatError(f"{where}: duplicate DATAID {entry_id}")
            seen.add(entry_id)
            name = " ".join(filter(None, (_child_text(element, part) for part in parts)))
            if not name:
                raise ListFormatError(f"{where} (DATAID {entry_id}): no name")
            aliases = [_child_text(alias, "ALIAS_NAME") for alias in element.findall(alias_tag)]
            entries.append(_entry(list_name, entry_id, [name, *aliases], kind=kind))
    return ParsedList(entries, root.get("dateGenerated") or None)


def _code(value: str, shape: re.Pattern, label: str, where: str) -> str | None:
    value = re.sub(r"[\s-]+", "", value).upper()
    if value and not shape.fullmatch(value):
        raise ListFormatError(f"{where}: {label} {value!r} is not one")
    return value or None


def parse_csv(data: bytes, list_name: str) -> ParsedList:
    """A list in the documented CSV format (see the module's docstring)."""
    text = _text_utf8(data)
    version = None
    first, newline, rest = text.partition("\n")
    if found := CSV_VERSION.fullmatch(first.strip()):
        version, text = found.group(1).strip() or None, " \n" + rest if newline else ""
    rows = _rows(text, "CSV")
    try:
        line, header = next(rows)
    except StopIteration:
        raise ListFormatError("CSV: no header line (entry_id,name,...)") from None
    header = [column.strip().lower() for column in header]
    unknown = [column for column in header if column not in CSV_COLUMNS]
    if unknown:
        allowed = ", ".join(CSV_COLUMNS)
        raise ListFormatError(f"CSV, line {line}: unknown column(s) {', '.join(unknown)}; allowed: {allowed}")
    missing = [column for column in CSV_REQUIRED if column not in header]
    if missing or len(set(header)) != len(header):
        problem = f"missing column(s) {', '.join(missing)}" if missing else "a column is named twice"
        raise ListFormatError(f"CSV, line {line}: {problem}")
    entries, seen = [], {}
    for line, fields in rows:
        where = f"CSV, line {line}"
        if len(fields) != len(header):
            raise ListFormatError(f"{where}: expected {len(header)} fields, found {len(fields)}")
        row = {column: value.strip() for column, value in zip(header, fields, strict=True)}
        entry_id, name = row["entry_id"], row["name"]
        if not entry_id:
            raise ListFormatError(f"{where}: empty entry_id")
        if entry_id in seen:
            raise ListFormatError(f"{where}: duplicate entry_id {entry_id!r} (first on line {seen[entry_id]})")
        seen[entry_id] = line
        if not name:
            raise ListFormatError(f"{where}: entry {entry_id!r} has an empty name")
        kind = row.get("kind", "").lower() or INDIVIDUAL
        if kind not in (INDIVIDUAL, ENTITY):
            raise ListFormatError(f"{where}: kind must be individual or entity, found {row['kind']!r}")
        aliases = [alias.strip() for alias in row.get("aliases", "").split("|")]
        curp = _code(row.get("curp", ""), CURP_SHAPE, "CURP", where)
        rfc = _code(row.get("rfc", ""), RFC_SHAPE, "RFC", where)
        entries.append(_entry(list_name, entry_id, [name, *aliases], curp, rfc, kind))
    return ParsedList(entries, version)


def _text_utf8(data: bytes) -> str:
    if not isinstance(data, bytes | bytearray):
        raise ListFormatError(f"CSV: expected the file's bytes, got {type(data).__name__}")
    try:
        return bytes(data).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = bytes(data)[: exc.start].count(b"\n") + 1
        raise ListFormatError(f"CSV, line {line}: not UTF-8 (byte {exc.object[exc.start]:#04x})") from None


FORMATS: dict[str, Callable[..., ParsedList]] = {
    "ofac-sdn": parse_ofac_sdn,
    "un-consolidated": parse_un_consolidated,
    "csv": parse_csv,
}
