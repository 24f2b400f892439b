"""success_if, the expression language that judges external answers; config checks; pure parts of the checks."""

import pytest

from personas.domain import success_if, validation_checks, validation_rules
from personas.domain.errors import ValidationFailed
from personas.domain.success_if import ExpressionError, evaluate

ANSWER = {"status": "ok", "data": {"score": 0.83, "valid": True, "tags": ["a", "b"], "none": None}, "count": 3}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("true", True),
        ("false", False),
        ('status == "ok"', True),
        ("status == 'ko'", False),
        ('status != "ok"', False),
        ("data.score >= 0.8", True),
        ("data.score > 0.9", False),
        ("count < 4 and count <= 3", True),
        ("data.valid", True),
        ("data.missing", False),
        ("not data.missing", True),
        ('status == "ko" or data.valid', True),
        ('not (status == "ok" and count == 3)', False),
        ('data.tags.1 == "b"', True),
        ("data.tags.7 == null", True),
        ("data.none == null", True),
        ("data.valid == 1", False),  # JSON true is not the number 1
        ('count > "2"', False),  # a number and a string do not order
        ("data.none >= 0", False),
        ("count == 3.0", True),
        ("1e1 == 10", True),
    ],
)
def test_expressions_judge_the_answer_as_they_read(expression, expected):
    assert evaluate(expression, ANSWER) is expected


def test_a_path_into_an_answer_that_is_not_an_object_is_null():
    assert evaluate("data.valid", None) is False
    assert evaluate("true", None) is True
    assert evaluate('0 == "x"', [1]) is False


def test_and_binds_tighter_than_or():
    assert evaluate("true or false and false", {}) is True
    assert evaluate("(true or false) and false", {}) is False


@pytest.mark.parametrize(
    "expression",
    ["", "   ", "status ==", "(true", "true)", "a = 1", "__import__('os')", "a.b()", "1 2", "not", "a..b", "'open"],
)
def test_anything_outside_the_grammar_is_refused_at_parse_time(expression):
    with pytest.raises(ExpressionError):
        success_if.parse(expression)


def test_nesting_and_length_are_bounded():
    with pytest.raises(ExpressionError, match="nested"):
        success_if.parse("(" * 40 + "true" + ")" * 40)
    with pytest.raises(ExpressionError, match="nested"):
        success_if.parse("not " * 40 + "true")
    with pytest.raises(ExpressionError, match="longer"):
        success_if.parse("a == " + '"' + "x" * 1000 + '"')


def test_escaped_quotes_stay_in_strings():
    assert evaluate(r'name == "say \"hi\""', {"name": 'say "hi"'}) is True


def test_classes_without_settings_accept_an_empty_config_and_fill_the_type():
    for klass in ("curp", "rfc", "ine", "anti_spoofing", "face_duplicity"):
        assert validation_rules.check_config(klass, {}) == {"type": klass}


def errors_of(klass, config):
    with pytest.raises(ValidationFailed) as raised:
        validation_rules.check_config(klass, config)
    return raised.value.errors


def test_an_unknown_key_or_a_type_that_is_not_the_class_is_refused():
    assert errors_of("curp", {"url": "https://x.example", "type": "rfc"}) == {
        "config.url": [validation_rules.UNKNOWN_KEY],
        "config.type": [validation_rules.WRONG_TYPE.format("curp", "curp")],
    }


CATALOG = "b94252a1-c4ef-4aa5-a799-de77dc02fd5a"


def test_a_blacklist_needs_a_catalog_id():
    assert errors_of("blacklist", {}) == {"config.catalog_id": [validation_rules.REQUIRED]}


@pytest.mark.parametrize(
    "catalog_id", [4, "1", True, CATALOG.replace("-", ""), "{" + CATALOG + "}", "urn:uuid:" + CATALOG]
)
def test_a_blacklist_catalog_id_is_a_hyphenated_uuid(catalog_id):
    assert errors_of("blacklist", {"catalog_id": catalog_id}) == {"config.catalog_id": [validation_rules.BAD_CATALOG]}


def test_a_blacklist_catalog_id_is_kept_in_lower_case():
    checked = validation_rules.check_config("blacklist", {"catalog_id": CATALOG.upper()})
    assert checked == {"type": "blacklist", "catalog_id": CATALOG}


def test_an_external_validation_gets_defaults_and_keeps_the_seed_s_empty_lists():
    checked = validation_rules.check_config("external", {"url": "https://v.example/x", "headers": [], "body": []})
    assert checked == {
        "type": "external",
        "url": "https://v.example/x",
        "method": "POST",
        "headers": [],
        "body": [],
        "success_if": "true",
        "target": "person",
    }


def test_an_external_validation_with_every_field_wrong_names_each_one():
    config = {
        "url": "ftp://x",
        "method": "DELETE",
        "headers": {"a": 1},
        "body": "x",
        "success_if": "a ==",
        "target": "x",
    }
    assert set(errors_of("external", config)) == {
        "config.url",
        "config.method",
        "config.headers",
        "config.body",
        "config.success_if",
        "config.target",
    }


def test_a_document_validation_needs_its_collection():
    seed = {"type": "document", "url": "https://v.example", "headers": [], "body": [], "success_if": "true"}
    assert errors_of("document", seed | {"file_field_name": "document"}) == {
        "config.collection": [validation_rules.REQUIRED]
    }
    checked = validation_rules.check_config("document", seed | {"collection": "license"})
    assert checked["file_field_name"] == "document" and checked["collection"] == "license"


def test_a_config_that_is_not_an_object_is_refused():
    assert errors_of("curp", []) == {"config": ["Debe ser un objeto / Must be an object"]}


def test_a_body_template_fills_placeholders_and_a_lone_one_keeps_its_type():
    subject = {"national_id": "PESJ880212HDFHLX01", "age": 36, "person": {"name": "Juan"}}
    template = {"ref": "P-${national_id}", "age": "${age}", "nested": ["${ person.name }", "${missing}-x"]}
    assert validation_checks.render(template, subject) == {
        "ref": "P-PESJ880212HDFHLX01",
        "age": 36,
        "nested": ["Juan", "-x"],
    }
    assert validation_checks.request_body({"body": ["age"]}, subject) == {"age": 36}


def test_an_answer_is_an_error_unless_2xx_and_else_judged_by_success_if():
    config = {"success_if": "data.ok"}
    assert validation_checks.judge(config, 503, b"{}")[0] == 2
    assert validation_checks.judge(config, 200, b'{"data": {"ok": true}}')[0] == 0
    assert validation_checks.judge(config, 200, b'{"data": {"ok": false}}')[0] == 1
    assert validation_checks.judge(config, 200, b"not json")[0] == 2
    assert validation_checks.judge({"success_if": "true"}, 204, b"")[0] == 0


def test_blacklist_entries_match_curp_rfc_and_name_whatever_the_accents_case_and_spaces():
    subject = {"national_id": "PESJ880212HDFHLX01", "tax_id": None, "name": "José", "first_lastname": "Pérez"}
    subject |= {"second_lastname": "Suárez"}
    entries = [("Nombre", "  jose  PEREZ suarez "), ("Otro", "XAXX010101000"), ("Número", 5)]
    status, content, _, _ = validation_checks.check_blacklist(subject, entries)
    assert status == 1 and content == {"matches": [{"field": "name", "label": "Nombre"}]}
    assert validation_checks.check_blacklist(subject, entries[1:])[0] == 0
