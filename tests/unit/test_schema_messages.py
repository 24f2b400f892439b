"""handlers.schema_messages: a message per JSON Schema keyword, in the API's terms and both languages; and the
bilingual Text the domain's messages are made of."""

import pickle

import pytest
from jsonschema import Draft4Validator
from jsonschema.exceptions import best_match

from personas import spec
from personas.domain.errors import Rule, Text, in_language
from personas.handlers.schema_messages import FORMATS, PATTERNS, describe, fields_of


def _schemas_with(keyword: str) -> list[dict]:
    found, pending = [], [spec.document()]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            if isinstance(node.get(keyword), str):
                found.append(node)
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return found


def test_every_pattern_of_the_spec_has_a_message():
    # A pattern without one would answer "does not have the expected format": say what it stands for.
    unexplained = {
        schema["pattern"]
        for schema in _schemas_with("pattern")
        if schema["pattern"] not in PATTERNS and schema.get("format") not in FORMATS
    }
    assert unexplained == set()


def error_of(schema: dict, value):
    return best_match(Draft4Validator(schema).iter_errors(value))


@pytest.mark.parametrize(
    "schema, value, es, en",
    [
        (
            {"type": "integer", "minimum": 1, "maximum": 100},
            0,
            "Debe ser un entero entre 1 y 100",
            "Must be an integer between 1 and 100",
        ),
        (
            {"type": "integer", "minimum": 1, "maximum": 100},
            "ten",
            "Debe ser un entero entre 1 y 100",
            "Must be an integer between 1 and 100",
        ),
        (
            {"type": "number", "minimum": 0},
            -1,
            "Debe ser un número mayor o igual que 0",
            "Must be a number greater than or equal to 0",
        ),
        (
            {"type": "number", "maximum": 9, "exclusiveMaximum": True},
            9,
            "Debe ser un número menor que 9",
            "Must be a number less than 9",
        ),
        ({"type": "string"}, 5, "Debe ser un texto", "Must be a string"),
        ({"type": "string"}, None, "No puede ser null", "Must not be null"),
        (
            {"type": "string", "maxLength": 3},
            "abcd",
            "Debe tener como máximo 3 caracteres",
            "Must have at most 3 characters",
        ),
        ({"type": "string", "minLength": 1}, "", "No puede estar vacío", "Must not be empty"),
        (
            {"type": "string", "minLength": 18, "maxLength": 18},
            "a",
            "Debe tener 18 caracteres",
            "Must have exactly 18 characters",
        ),
        ({"type": "array", "maxItems": 1}, [1, 2], "Debe tener como máximo 1 elementos", "Must have at most 1 items"),
        (
            {"enum": ["MALE", "FEMALE", None]},
            "X",
            "Debe ser uno de: MALE, FEMALE, null",
            "Must be one of: MALE, FEMALE, null",
        ),
        (
            {"type": "string", "pattern": "^[0-9]{5}$"},
            "123",
            "Debe ser un código postal de 5 dígitos",
            "Must be a 5-digit postal code",
        ),
        (
            {"type": "string", "pattern": "^x+$"},
            "y",
            "No tiene el formato esperado",
            "Does not have the expected format",
        ),
        (
            {"type": "string", "format": "uuid", "pattern": "^[0-9a-f-]{36}$"},
            "z",
            FORMATS["uuid"].es,
            FORMATS["uuid"].en,
        ),
        ({"type": "array", "uniqueItems": True}, [1, 1], "No puede repetir elementos", "Must not repeat items"),
        (
            {"oneOf": [{"type": "integer", "minimum": 1}, {"type": "integer", "minimum": 5}]},
            0,
            "Debe ser un entero mayor o igual que 1",
            "Must be an integer greater than or equal to 1",
        ),
    ],
)
def test_each_keyword_says_what_was_expected(schema, value, es, en):
    message = describe(error_of(schema, value))
    assert (message.in_language("es"), message.in_language("en")) == (es, en)


def test_required_and_unknown_fields_are_named_one_by_one():
    schema = {"type": "object", "required": ["a"], "properties": {"a": {}, "b": {}}, "additionalProperties": False}
    errors = list(Draft4Validator(schema).iter_errors({"x": 1, "y": 2}))
    named = {tuple(fields_of(error)): describe(error).in_language("en") for error in errors}
    assert named == {("a",): "Missing required field", ("x", "y"): "Unknown field"}


def test_a_nested_field_is_named_by_its_path():
    schema = {"type": "object", "properties": {"rows": {"type": "array", "items": {"type": "integer"}}}}
    error = error_of(schema, {"rows": [1, "two"]})
    assert fields_of(error) == ["rows.1"]


def test_a_text_formats_each_language_with_its_own_words():
    why = Text("dígito verificador incorrecto", "wrong check digit")
    rule = Rule("invalid_curp", "CURP inválida: {}", "Invalid CURP: {}").format(why)
    assert rule.code == "invalid_curp"
    assert (rule.in_language("es"), rule.in_language("en")) == (
        "CURP inválida: dígito verificador incorrecto",
        "Invalid CURP: wrong check digit",
    )
    # Without a reader's language (logs, stored job results) it reads in both.
    assert str(rule) == "CURP inválida: dígito verificador incorrecto / Invalid CURP: wrong check digit"


def test_a_rule_survives_pickling_with_both_languages_and_its_code():
    rule = pickle.loads(pickle.dumps(Rule("unknown_reference", "No existe {}", "Unknown {}").format("x")))
    assert (rule.code, rule.es, rule.en) == ("unknown_reference", "No existe x", "Unknown x")


def test_in_language_renders_nested_messages_and_leaves_other_values():
    error = {"a": [Text("uno", "one"), "as is"], "b": Text("dos", "two"), "n": 3}
    assert in_language(error, "en") == {"a": ["one", "as is"], "b": "two", "n": 3}
    assert in_language(error, "es") == {"a": ["uno", "as is"], "b": "dos", "n": 3}
