"""Spreadsheets exchanged with clients: XLSX read within limits, cells written safe from formula injection.

An XLSX is a zip of XML parts, and a file of a few hundred kB can unpack to gigabytes. openpyxl reads
some parts whole even in read-only mode (the shared strings into a list, the others into trees), and
only streams the sheet's rows. So before it reads anything:
- the zip's end record: at most MAX_PARTS parts, a central directory of at most MAX_DIRECTORY bytes;
- the directory: every part at most SHEET_BYTES unpacked, all together at most TOTAL_BYTES, and a part
  over 1 MB unpacked at most MAX_RATIO times its packed size;
and each part is opened only within the limit of what is done with it: STRINGS_BYTES for the shared
strings, WHOLE_PART_BYTES for the other parts read whole, SHEET_BYTES for the streamed sheet. The
unpacked size zipfile reports is also the most it ever returns for a part (longer data fails its CRC).
Rows are numbered up to MAX_ROWS; columns past MAX_COLUMNS are not read, and a value in the first of
them fails the file. A 100,000-row sheet of 20 columns of distinct text unpacks to about 110 MB
(inline strings) or 45 MB of sheet and 30 MB of shared strings: well within these.

Export: a cell that begins with =, +, -, @, a tab or a carriage return is a formula to a spreadsheet
program; it is written with a leading apostrophe (OWASP, CSV injection), which the import removes again.
"""

import struct
import zipfile
import zlib
from collections.abc import Iterator
from xml.etree.ElementTree import ParseError

from personas.domain.errors import Rule, Text, ValidationFailed

MB = 1024 * 1024
MAX_PARTS = 1000
MAX_DIRECTORY = MB
SHEET_BYTES = 256 * MB
STRINGS_BYTES = 64 * MB
WHOLE_PART_BYTES = 8 * MB
TOTAL_BYTES = 320 * MB
MAX_RATIO = 200
MAX_ROWS = 250_000
MAX_COLUMNS = 64

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NEUTRALISED_STARTS = tuple("'" + start for start in FORMULA_STARTS)

NOT_AN_XLSX = Rule("unreadable_file", "No es un CSV UTF-8 ni un XLSX", "Not a UTF-8 CSV nor an XLSX file")
TOO_BIG = Text("La hoja de cálculo excede {}", "The spreadsheet exceeds {}")


def _too_big(what: str) -> ValidationFailed:
    return ValidationFailed({"file": [TOO_BIG.format(what)]})


def _check_end_record(stream) -> None:
    """Part count and directory size from the end record, before zipfile reads the whole directory."""
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(max(0, size - 22 - 65535))  # the end record (22 bytes) and a comment of at most 64 kB
    tail = stream.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise ValidationFailed({"file": [NOT_AN_XLSX]})
    parts, directory = struct.unpack("<HI", tail[at + 10 : at + 16])
    if parts > MAX_PARTS or directory > MAX_DIRECTORY:  # also the ZIP64 markers 0xFFFF, 0xFFFFFFFF
        raise _too_big(Text(f"{MAX_PARTS} partes", f"{MAX_PARTS} parts"))
    stream.seek(0)


def _check_directory(infos: list[zipfile.ZipInfo]) -> None:
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > SHEET_BYTES:
            raise _too_big(f"{SHEET_BYTES // MB} MB")
        if total > TOTAL_BYTES:
            raise _too_big(f"{TOTAL_BYTES // MB} MB")
        if info.file_size > MB and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise _too_big(f"{MAX_RATIO}:1")


class _Parts(zipfile.ZipFile):
    """The workbook's parts, each opened only if its unpacked size is within the limit of its use."""

    def __init__(self, stream):
        _check_end_record(stream)
        super().__init__(stream)
        _check_directory(self.infolist())
        self.strings: str | None = None
        self.sheets: frozenset[str] = frozenset()

    def open(self, name, mode="r", pwd=None, **kwargs):
        info = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
        if info.filename == self.strings:
            limit = STRINGS_BYTES
        else:
            limit = SHEET_BYTES if info.filename in self.sheets else WHOLE_PART_BYTES
        if info.file_size > limit:
            raise _too_big(f"{limit // MB} MB")
        return super().open(name, mode, pwd, **kwargs)


def _rows_of(parts: _Parts, reader) -> Iterator[tuple]:
    from openpyxl.xml.constants import SHARED_STRINGS

    # The manifest names the shared strings part and the workbook its sheets, the parts that may be
    # larger; both are small, read within WHOLE_PART_BYTES, and read again by `read`.
    reader.read_manifest()
    found = reader.package.find(SHARED_STRINGS)
    parts.strings = found.PartName.lstrip("/") if found is not None else None
    reader.read_workbook()
    parts.sheets = frozenset(rel.target for _sheet, rel in reader.parser.find_sheets())
    reader.read()
    sheet = reader.wb.worksheets[0]
    for number, row in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS + 1, values_only=True), start=1):
        if number > MAX_ROWS:
            raise _too_big(Text(f"{MAX_ROWS} filas", f"{MAX_ROWS} rows"))
        if len(row) > MAX_COLUMNS and row[MAX_COLUMNS] not in (None, ""):
            raise _too_big(Text(f"{MAX_COLUMNS} columnas", f"{MAX_COLUMNS} columns"))
        yield row[:MAX_COLUMNS]


def xlsx_rows(stream) -> Iterator[tuple]:
    """The values of each row of the first sheet of a seekable XLSX stream; ValidationFailed past a limit."""
    # openpyxl is imported only when a spreadsheet comes.
    from openpyxl.reader.excel import ExcelReader

    try:
        parts = _Parts(stream)
        reader = ExcelReader(stream, read_only=True, data_only=True)
        reader.archive = parts  # its own handle on the same stream, without the limits
        yield from _rows_of(parts, reader)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError, ParseError, zlib.error, IndexError):
        raise ValidationFailed({"file": [NOT_AN_XLSX]}) from None


def neutralised(value: str) -> str:
    """A text cell a spreadsheet program shows as text, never runs as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def restored(value: str) -> str:
    """The text a neutralised cell stood for."""
    return value[1:] if value.startswith(NEUTRALISED_STARTS) else value
