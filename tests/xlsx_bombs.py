"""Spreadsheets made to hurt a reader: small files that unpack to hundreds of megabytes.

They are built part by part, as Excel lays a workbook out (cells pointing into sharedStrings.xml), so
the shared strings are read by any reader that opens the sheet.
"""

import io
import zipfile
from xml.sax.saxutils import escape

HEADER = ("national_id", "name", "first_lastname", "second_lastname")
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
PARTS = {
    "[Content_Types].xml": f'<Types xmlns="{PKG}/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{CT}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{CT}.worksheet+xml"/>'
    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{CT}.sharedStrings+xml"/></Types>',
    "_rels/.rels": f'<Relationships xmlns="{PKG}/relationships"><Relationship Id="rId1" '
    f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
    '<sheet name="people" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{PKG}/relationships">'
    f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
}


def _column(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _sheet(rows) -> tuple[str, list[str]]:
    strings, cells = [], []
    for number, row in enumerate(rows, start=1):
        row_cells = []
        for index, value in enumerate(row):
            strings.append(str(value))
            row_cells.append(f'<c r="{_column(index)}{number}" t="s"><v>{len(strings) - 1}</v></c>')
        cells.append(f'<row r="{number}">{"".join(row_cells)}</row>')
    return f'<worksheet xmlns="{MAIN}"><sheetData>{"".join(cells)}</sheetData></worksheet>', strings


def workbook(rows=(), header=HEADER, padding=()) -> bytes:
    """An XLSX of the header and rows; `padding` (chunks of bytes) is appended to its shared strings."""
    sheet, strings = _sheet([header, *rows])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as book:
        for name, text in PARTS.items():
            book.writestr(name, text)
        book.writestr("xl/worksheets/sheet1.xml", sheet)
        with book.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(f'<sst xmlns="{MAIN}">'.encode())
            part.write("".join(f"<si><t>{escape(s)}</t></si>" for s in strings).encode())
            for chunk in padding:
                part.write(chunk)
            part.write(b"</sst>")
    return out.getvalue()


def shared_strings_bomb(megabytes: int = 300) -> bytes:
    """A workbook of one person whose sharedStrings.xml unpacks to `megabytes` MB (about 1 MB sent)."""
    one_kb = b"<si><t>" + b"A" * 1009 + b"</t></si>"
    return workbook([("PESJ880212HDFHLX01", "A", "B", "C")], padding=(one_kb * 1024 for _ in range(megabytes)))
