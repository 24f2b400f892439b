"""Custom catalog values: typed by `type`, compared by value, and read in bulk from a CSV."""

import io

import pytest

from personas.domain.custom_catalogs import check_value, read_csv, value_key
from personas.domain.errors import ValidationFailed, in_language


def csv_of(text: str, encoding="utf-8"):
    return io.BytesIO(text.encode(encoding))


def csv_errors(text: str, encoding="utf-8") -> dict:
    with pytest.raises(ValidationFailed) as excinfo:
        read_csv(csv_of(text, encoding))
    return excinfo.value.errors


def row_errors(text: str) -> dict:
    return read_csv(csv_of(text))[1]


@pytest.mark.parametrize(
    "value_type,value",
    [
        ("string", "test_01"),
        ("integer", 7),
        ("number", 2.5),
        ("boolean", True),
        ("datetime", "2022-07-29T19:59:40Z"),
        ("array", ["Basic", "Advanced"]),
    ],
)
def test_a_value_of_its_type_is_kept(value_type, value):
    assert check_value(value_type, value) == value


@pytest.mark.parametrize(
    "value_type,value",
    [
        ("string", 1),
        ("string", ""),
        ("integer", "7"),
        ("integer", 7.5),
        ("integer", True),
        ("number", "2.5"),
        ("boolean", "true"),
        ("datetime", "mañana"),
        ("array", [1, 2]),
        ("array", "a|b"),
    ],
)
def test_a_value_that_does_not_fit_its_type_is_refused(value_type, value):
    with pytest.raises(ValueError, match=f"Does not match type {value_type}"):
        check_value(value_type, value)


def test_equal_values_share_a_key_and_different_types_do_not():
    assert value_key(5) == value_key(5.0)
    assert value_key("5") != value_key(5)
    assert value_key(True) != value_key(1)
    assert value_key(["a", "b"]) != value_key(["b", "a"])


def test_a_csv_is_read_row_by_row_with_each_value_typed():
    rows, errors = read_csv(
        csv_of("type,label,value\ninteger,Uno,1\nnumber,Medio,0.5\nboolean,Sí,TRUE\narray,AB,a | b\n")
    )
    assert errors == {}
    assert [(r["line"], r["type"], r["label"], r["value"]) for r in rows] == [
        (2, "integer", "Uno", 1),
        (3, "number", "Medio", 0.5),
        (4, "boolean", "Sí", True),
        (5, "array", "AB", ["a", "b"]),
    ]


def test_a_bom_and_crlf_line_ends_are_tolerated():
    rows, errors = read_csv(csv_of("\ufefftype,label,value\r\nstring,Test 01,test_01\r\n"))
    assert errors == {} and rows[0]["value"] == "test_01"


def test_errors_are_keyed_by_line_number_and_start_with_the_column():
    errors = row_errors("type,label,value\ninteger,Uno,1\ninteger,Tres,abc\ncolour,x,1\nstring,,x\nstring,a\n")
    assert in_language(errors, "es") == {
        "3": ["value: 'abc' no es un integer válido"],
        "4": ["type: debe ser uno de: string, integer, number, boolean, datetime, array"],
        "5": ["label: texto de 1 a 255 caracteres"],
        "6": ["columns: se esperaban 3 columnas (type,label,value), hay 2"],
    }
    assert in_language(errors, "en") == {
        "3": ["value: 'abc' is not a valid integer"],
        "4": ["type: must be one of: string, integer, number, boolean, datetime, array"],
        "5": ["label: must have 1 to 255 characters"],
        "6": ["columns: expected 3, got 2"],
    }


def test_a_quoted_value_spanning_lines_keeps_the_line_where_its_row_starts():
    errors = row_errors('type,label,value\nstring,"dos\nlíneas",ok\ninteger,x,nope\n')
    assert list(errors) == ["4"]


def test_a_wrong_header_is_reported_on_line_one():
    assert row_errors("tipo,etiqueta,valor\nstring,a,b\n") == {
        "1": ["header: debe ser exactamente type,label,value / header: must be exactly type,label,value"]
    }


def test_an_empty_file_a_header_alone_and_a_file_that_is_not_utf8_are_refused_on_csv_file():
    assert csv_errors("") == {"csv_file": ["El archivo está vacío / The file is empty"]}
    assert csv_errors("type,label,value\n") == {
        "csv_file": ["El archivo no tiene renglones de datos / The file has no data rows"]
    }
    assert csv_errors("type,label,value\nstring,Añejo,x\n", encoding="latin-1") == {
        "csv_file": ["El archivo no es CSV en UTF-8 / The file is not UTF-8 CSV"]
    }


def test_a_binary_file_is_refused_as_not_csv():
    assert csv_errors("type,label,value\nstring,a,\x00\x01\n") == {
        "csv_file": ["El archivo no es CSV en UTF-8 / The file is not UTF-8 CSV"]
    }


def test_more_than_ten_thousand_rows_are_refused():
    text = "type,label,value\n" + "".join(f"integer,n{i},{i}\n" for i in range(10_001))
    assert csv_errors(text) == {"csv_file": ["Más de 10000 renglones / More than 10000 rows"]}
