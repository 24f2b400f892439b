"""Watch-list files read into screening entries (personas.domain.watch_lists), malformed and hostile ones too."""

import pytest

from personas.domain.screening import Screener, entry_digest
from personas.domain.watch_lists import (
    FORMATS,
    ListFormatError,
    ParsedList,
    parse_csv,
    parse_ofac_sdn,
    parse_un_consolidated,
)

# As the Treasury writes them: no header, "-0- " for empty, a control-Z line at the end, CRLF.
SDN = (
    '36,"AEROCARIBBEAN AIRLINES",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'
    '173,"ANGLO-CARIBBEAN CO., LTD.",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'
    '306,"MUÑOZ GUZMÁN, Joaquín Archivaldo","individual","SDNTK",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,'
    '"DOB 04 Apr 1957; POB Badiraguato, Sinaloa, Mexico; a.k.a. ""EL CHAPO"""\r\n'
    '5000,"ETERNAL SEA",vessel,"IRAN",-0- ,"9HA1234","Crude Oil Tanker",-0- ,-0- ,"Malta",-0- ,-0- \r\n'
    '5001,"LEARJET 45",aircraft,"SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'
    "\x1a\r\n"
)
ALT = (
    '306,1001,"aka","GUZMAN LOERA, Joaquin",-0- \r\n'
    '306,1002,"aka","EL CHAPO",-0- \r\n'
    '173,1003,"fka","ANGLO CARIBBEAN",-0- \r\n'
    '5000,1004,"aka","SEA ETERNAL",-0- \r\n'
    "\x1a"
)
SDN_ROW = '{id},"{name}","individual",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'


def test_ofac_sdn_with_aliases():
    parsed = parse_ofac_sdn(SDN.encode("utf-8"), ALT.encode("utf-8"))
    assert isinstance(parsed, ParsedList) and parsed.version is None
    by_id = {e.entry_id: e for e in parsed.entries}
    assert set(by_id) == {"36", "173", "306"}  # the vessel and the aircraft are left out
    chapo = by_id["306"]
    assert chapo.list_name == "ofac-sdn" and chapo.kind == "individual"
    assert chapo.names == ("MUÑOZ GUZMÁN, Joaquín Archivaldo", "GUZMAN LOERA, Joaquin", "EL CHAPO")
    assert chapo.digest == entry_digest(chapo.names, kind="individual")
    assert by_id["173"].kind == "entity" and by_id["173"].names == ("ANGLO-CARIBBEAN CO., LTD.", "ANGLO CARIBBEAN")
    # What the parser gives is what the screener takes.
    (found,) = Screener(parsed.entries).screen("Joaquín", "Guzmán", "Loera")
    assert (found.entry_id, found.matched_name) == ("306", "GUZMAN LOERA, Joaquin")


def test_ofac_sdn_reads_latin_1_and_utf_8_alike():
    latin = parse_ofac_sdn(SDN.encode("latin-1"), list_name="sdn").entries
    utf8 = parse_ofac_sdn(SDN.encode("utf-8"), list_name="sdn").entries
    assert latin == utf8 and latin[2].names[0] == "MUÑOZ GUZMÁN, Joaquín Archivaldo"
    assert {e.list_name for e in latin} == {"sdn"}


@pytest.mark.parametrize(
    ("sdn", "alt", "message"),
    [
        (SDN_ROW.format(id=1, name="A, B") + '2,"X",-0- \r\n', None, "SDN.CSV, line 2: expected 12 columns, found 3"),
        (SDN_ROW.format(id=1, name="A, B") * 2, None, "SDN.CSV, line 2: duplicate ent_num 1"),
        (SDN_ROW.format(id="x1", name="A, B"), None, "SDN.CSV, line 1: ent_num must be a number"),
        (SDN_ROW.format(id=1, name="-0-"), None, "SDN.CSV, line 1: ent_num 1 has no SDN_Name"),
        (SDN_ROW.format(id=1, name="A").replace("individual", "person"), None, "unknown SDN_Type 'person'"),
        ('1,"unterminated\r\n', None, "SDN.CSV, line"),
        (SDN_ROW.format(id=1, name="A, B"), '9,1,"aka","C",-0- \r\n', "ALT.CSV, line 1: alias of ent_num '9'"),
        (SDN_ROW.format(id=1, name="A, B"), '1,1,"aka"\r\n', "ALT.CSV, line 1: expected 5 columns, found 3"),
    ],
)
def test_ofac_sdn_refuses_malformed_files(sdn, alt, message):
    with pytest.raises(ListFormatError, match=message.replace("(", r"\(")):
        parse_ofac_sdn(sdn.encode(), alt.encode() if alt else None)


UN = """<?xml version="1.0" encoding="UTF-8"?>
<CONSOLIDATED_LIST xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" dateGenerated="2024-06-10T10:00:01.08Z">
  <INDIVIDUALS>
    <INDIVIDUAL>
      <DATAID>6908555</DATAID>
      <VERSIONNUM>1</VERSIONNUM>
      <FIRST_NAME>ABDUL</FIRST_NAME>
      <SECOND_NAME>RAHMAN</SECOND_NAME>
      <THIRD_NAME>YASIN</THIRD_NAME>
      <UN_LIST_TYPE>Al-Qaida</UN_LIST_TYPE>
      <INDIVIDUAL_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>Abdul Rahman Said Yasin</ALIAS_NAME></INDIVIDUAL_ALIAS>
      <INDIVIDUAL_ALIAS><QUALITY>Low</QUALITY><ALIAS_NAME>Aboud Yasin</ALIAS_NAME></INDIVIDUAL_ALIAS>
      <INDIVIDUAL_ALIAS><QUALITY/><ALIAS_NAME/></INDIVIDUAL_ALIAS>
    </INDIVIDUAL>
    <INDIVIDUAL>
      <DATAID>110</DATAID>
      <FIRST_NAME>José</FIRST_NAME>
      <SECOND_NAME>Núñez</SECOND_NAME>
    </INDIVIDUAL>
  </INDIVIDUALS>
  <ENTITIES>
    <ENTITY>
      <DATAID>6908048</DATAID>
      <FIRST_NAME>AL-QAIDA IN IRAQ</FIRST_NAME>
      <ENTITY_ALIAS><QUALITY>a.k.a.</QUALITY><ALIAS_NAME>AQI</ALIAS_NAME></ENTITY_ALIAS>
    </ENTITY>
  </ENTITIES>
</CONSOLIDATED_LIST>
""".encode()


def test_un_consolidated_list():
    parsed = parse_un_consolidated(UN)
    assert parsed.version == "2024-06-10T10:00:01.08Z"
    first, second, entity = parsed.entries
    assert (first.entry_id, first.kind, first.list_name) == ("6908555", "individual", "un-consolidated")
    assert first.names == ("ABDUL RAHMAN YASIN", "Abdul Rahman Said Yasin", "Aboud Yasin")
    assert second.names == ("José Núñez",)
    assert (entity.entry_id, entity.kind, entity.names) == ("6908048", "entity", ("AL-QAIDA IN IRAQ", "AQI"))
    assert all(e.digest == entry_digest(e.names, kind=e.kind) for e in parsed.entries)
    assert parse_un_consolidated(UN, list_name="un").entries[0].list_name == "un"


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><DATAID>1</DATAID><FIRST_NAME>&lol3;</FIRST_NAME></INDIVIDUAL>
</INDIVIDUALS></CONSOLIDATED_LIST>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><DATAID>1</DATAID><FIRST_NAME>&secret;</FIRST_NAME></INDIVIDUAL>
</INDIVIDUALS></CONSOLIDATED_LIST>"""
EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE CONSOLIDATED_LIST SYSTEM "http://127.0.0.1:9/list.dtd">
<CONSOLIDATED_LIST/>"""


@pytest.mark.parametrize("document", [BILLION_LAUGHS, EXTERNAL, EXTERNAL_DTD], ids=["laughs", "entity", "dtd"])
def test_un_list_refuses_hostile_xml(document):
    with pytest.raises(ListFormatError, match="UN list: refused"):
        parse_un_consolidated(document)


def _un(body: str) -> bytes:
    return f'<CONSOLIDATED_LIST dateGenerated="x">{body}</CONSOLIDATED_LIST>'.encode()


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (b"<CONSOLIDATED_LIST><INDIVIDUALS>", "UN list: not well-formed XML"),
        (b"<SDN_LIST/>", r"the root element is <SDN_LIST>, expected <CONSOLIDATED_LIST>"),
        (_un("<INDIVIDUALS><INDIVIDUAL><FIRST_NAME>A</FIRST_NAME></INDIVIDUAL></INDIVIDUALS>"), "#1: no DATAID"),
        (
            _un("<ENTITIES><ENTITY><DATAID>1</DATAID><FIRST_NAME>A</FIRST_NAME></ENTITY>"
                "<ENTITY><DATAID>1</DATAID><FIRST_NAME>B</FIRST_NAME></ENTITY></ENTITIES>"),
            "ENTITY #2: duplicate DATAID 1",
        ),
        (_un("<INDIVIDUALS><INDIVIDUAL><DATAID>4</DATAID></INDIVIDUAL></INDIVIDUALS>"), r"#1 \(DATAID 4\): no name"),
    ],
)  # fmt: skip
def test_un_list_refuses_malformed_documents(document, message):
    with pytest.raises(ListFormatError, match=message):
        parse_un_consolidated(document)


def test_un_list_without_a_date_has_no_version():
    assert parse_un_consolidated(_un("").replace(b' dateGenerated="x"', b"")) == ParsedList([], None)


CSV = """\ufeff# version: 2024-06-01
entry_id,name,aliases,curp,rfc,kind
UIF-001,Juan Pérez López,Juanito Pérez| J. Pérez L. ,pelj800101hdfrpn09,PELJ800101AB1,individual

UIF-002,"Comercializadora del Norte, S.A. de C.V.",,,CNO-010101-AA1,Entity
UIF-003,María Ávila Soto,,,,
"""


def test_documented_csv():
    parsed = parse_csv(CSV.encode(), "uif")
    assert parsed.version == "2024-06-01"
    juan, company, maria = parsed.entries
    assert juan.names == ("Juan Pérez López", "Juanito Pérez", "J. Pérez L.")
    assert (juan.curp, juan.rfc, juan.kind) == ("PELJ800101HDFRPN09", "PELJ800101AB1", "individual")
    assert juan.list_name == "uif"
    assert juan.digest == entry_digest(juan.names, juan.curp, juan.rfc, "individual")
    assert company.names == ("Comercializadora del Norte, S.A. de C.V.",)
    assert (company.rfc, company.kind) == ("CNO010101AA1", "entity")
    assert (maria.kind, maria.curp, maria.rfc) == ("individual", None, None)


def test_csv_needs_only_id_and_name_in_any_order_and_no_version():
    parsed = parse_csv(b"name,entry_id\r\nRosa Soto,7\r\n", "uif")
    assert parsed.version is None and [(e.entry_id, e.names) for e in parsed.entries] == [("7", ("Rosa Soto",))]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "# version: 1\nentry_id,name\n1,Ana Soto\n2,Eva Ruiz\n1,Otra\n",
            r"line 5: duplicate entry_id '1' \(first on line 3\)",
        ),
        ("entry_id,name\n1,Ana Soto\n2,  \n", "line 3: entry '2' has an empty name"),
        ("entry_id,name\n,Ana Soto\n", "line 2: empty entry_id"),
        ("entry_id,name,kind\n1,Ana Soto,company\n", "line 2: kind must be individual or entity, found 'company'"),
        ("entry_id,name,alias\n1,Ana Soto,A\n", "line 1: unknown column.s. alias"),
        ("entry_id,aliases\n1,A\n", "line 1: missing column.s. name"),
        ("entry_id,name,name\n1,A,B\n", "line 1: a column is named twice"),
        ("entry_id,name\n1,Ana Soto,extra\n", "line 2: expected 2 fields, found 3"),
        ("entry_id,name,curp\n1,Ana Soto,ABC\n", "line 2: CURP 'ABC' is not one"),
        ("entry_id,name,rfc\n1,Ana Soto,ABC\n", "line 2: RFC 'ABC' is not one"),
        ('entry_id,name\n1,"Ana Soto\n', "CSV, line"),
        ("# version: 1\n\n", "no header line"),
        ("", "no header line"),
    ],
)  # fmt: skip
def test_csv_refuses_malformed_files_with_the_line(text, message):
    with pytest.raises(ListFormatError, match=message):
        parse_csv(text.encode(), "uif")


def test_csv_must_be_utf_8():
    with pytest.raises(ListFormatError, match=r"CSV, line 2: not UTF-8 \(byte 0xd1\)"):
        parse_csv("entry_id,name\n1,MUÑOZ\n".encode("latin-1"), "uif")


def test_parsers_refuse_text_instead_of_bytes():
    for parse in (parse_ofac_sdn, parse_un_consolidated):
        with pytest.raises(ListFormatError, match="expected the file's bytes"):
            parse("1,2,3")
    with pytest.raises(ListFormatError, match="expected the file's bytes"):
        parse_csv("entry_id,name", "uif")


def test_formats_name_each_parser():
    assert {"ofac-sdn": parse_ofac_sdn, "un-consolidated": parse_un_consolidated, "csv": parse_csv} == FORMATS
