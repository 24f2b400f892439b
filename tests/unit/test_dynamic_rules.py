"""The rule engine of dynamic properties: rules judged when a property is saved, values judged against them."""

import time
from datetime import UTC, datetime

import pytest

from personas.domain.dynamic_fields import Field, check_descriptor, check_value, check_values, coerce, fields_of
from personas.domain.dynamic_properties import slug
from personas.domain.dynamic_rules import (
    MAX_PATTERN,
    UNKNOWN_FIELD,
    RuleError,
    check_rules,
    parse_moment,
    parse_rule,
)

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def field(field_type="string", *rules, key="f", catalog_id=None) -> Field:
    parsed, errors = check_rules(list(rules), field_type)
    assert errors == {}, errors
    return Field(key, field_type, parsed, catalog_id)


def messages(f: Field, value, present=True) -> list[str]:
    return check_value(f, present, value, NOW)[0]


def refusal(text, field_type="string") -> str:
    with pytest.raises(RuleError) as excinfo:
        parse_rule(text, field_type)
    return excinfo.value.message


# --- rules when the property is saved ----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["required", "nullable", "min:10", "max:50", "in:a,b", "regex:^[A-Z]{3}$", "email", "date", "before:2030-01-01"],
)
def test_every_documented_rule_is_accepted_on_a_string_field(text):
    assert parse_rule(text, "string").name == text.partition(":")[0]


def test_an_unknown_rule_is_refused_naming_it():
    assert refusal("alpha_num") == "Regla desconocida: alpha_num / Unknown rule: alpha_num"


def test_rule_names_are_case_sensitive_as_in_the_familiar_form():
    assert refusal("Required").startswith("Regla desconocida")


@pytest.mark.parametrize("text", ["min", "min:", "min:abc", "min:-1", "min:1.5", "max:1e3"])
def test_a_length_bound_must_be_a_whole_number_of_at_least_zero(text):
    assert "Malformed rule" in refusal(text, "string")


def test_a_value_bound_of_a_number_field_may_be_negative_or_decimal():
    assert parse_rule("min:-2.5", "number").bound == -2.5
    assert parse_rule("max:10", "integer").bound == 10


@pytest.mark.parametrize("text", ["required:yes", "nullable:1", "email:rfc", "date:Y-m-d"])
def test_rules_without_argument_refuse_one(text):
    assert "takes no argument" in refusal(text)


@pytest.mark.parametrize(
    "text,field_type",
    [("min:1", "boolean"), ("max:1", "datetime"), ("regex:^a$", "integer"), ("email", "number"), ("date", "array")],
)
def test_a_rule_that_does_not_apply_to_the_field_type_is_refused(text, field_type):
    message = refusal(text, field_type)
    assert message.endswith(f"Rule does not apply to type {field_type}: {text.partition(':')[0]}")


@pytest.mark.parametrize("text", ["in:", "in:a,,b", "in: , "])
def test_an_in_rule_needs_non_empty_options(text):
    assert "empty option" in refusal(text) or "needs an argument" in refusal(text)


def test_in_options_must_fit_a_numeric_or_boolean_field():
    assert "every option must be a integer" in refusal("in:1,2.5", "integer")
    assert parse_rule("in:1, 2 ,3", "integer").options == (1, 2, 3)
    assert parse_rule("in:true,0", "boolean").options == (True, False)
    assert "options must be true" in refusal("in:yes", "boolean")


def test_a_regex_that_does_not_compile_is_refused_when_saved():
    assert "invalid pattern" in refusal("regex:[a-")


@pytest.mark.parametrize("pattern", [r"(a)\1", r"(?=a)b", r"(?<!a)b"])
def test_backreferences_and_lookarounds_are_refused_because_they_need_backtracking(pattern):
    assert "invalid pattern" in refusal(f"regex:{pattern}")


def test_a_pattern_longer_than_the_limit_is_refused():
    assert "pattern longer than" in refusal("regex:" + "a" * (MAX_PATTERN + 1))


def test_the_pcre_delimited_form_with_flags_is_understood():
    rule = parse_rule("regex:/^abc$/i", "string")
    assert rule.pattern.search("ABC")
    assert "flags may only be" in refusal("regex:/abc/x")


def test_a_pattern_may_hold_colons_and_commas():
    assert parse_rule("regex:^a:b,c$", "string").pattern.search("a:b,c")


@pytest.mark.parametrize("pattern", [r"^(a+)+$", r"^(a|a)*$", r"\d+\d+\d+x", r"^(\w+\s?)*$"])
def test_catastrophic_patterns_run_in_linear_time(pattern):
    f = field("string", f"regex:{pattern}")
    started = time.perf_counter()
    messages(f, "a" * 4999 + "!")
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize("text", ["before:tomorrow", "after:2020-01-01T10:00:00Z", "before:2020-01-01T10:00:00-06:00"])
def test_before_and_after_take_an_iso_date_or_a_keyword(text):
    assert parse_rule(text, "datetime").moment


@pytest.mark.parametrize("text", ["before:", "before:next week", "after:2020-13-01", "after:01/02/2020"])
def test_before_and_after_refuse_anything_else(text):
    assert "Malformed rule" in refusal(text, "datetime")


def test_a_repeated_rule_is_refused_at_its_second_place():
    assert check_rules(["min:1", "max:5", "min:2"], "string")[1] == {2: "Regla repetida: min / Duplicate rule: min"}


def test_contradictory_bounds_and_dates_are_refused():
    assert check_rules(["max:5", "min:10"], "string")[1] == {
        1: "Reglas contradictorias: min:10 > max:5 / Contradictory rules: min:10 > max:5"
    }
    errors = check_rules(["after:2030-01-01", "before:2020-01-01"], "datetime")[1]
    assert list(errors) == [1] and "Contradictory rules" in errors[1]


def test_a_rule_that_is_not_text_is_malformed_not_a_crash():
    assert "Malformed rule" in check_rules([5], "string")[1][0]


# --- the descriptor --------------------------------------------------------------------------------


def test_a_descriptor_is_stored_with_every_field_key_filled():
    stored, errors = check_descriptor([{"title": "Test 01", "type": "string", "key": "test_01"}])
    assert errors == {}
    assert stored == [
        {"title": "Test 01", "type": "string", "key": "test_01", "filter_group": None, "rules": [], "catalog_id": None}
    ]


def test_descriptor_errors_are_keyed_by_position_field_and_rule():
    descriptor = [
        {"title": "a", "type": "string", "key": "a", "rules": ["max:50", "nope"]},
        {"title": "b", "type": "boolean", "key": "a", "rules": ["min:1"]},
        {"title": "c", "type": "colour", "key": "Bad Key"},
    ]
    _, errors = check_descriptor(descriptor)
    assert errors == {
        "descriptor.0.rules.1": ["Regla desconocida: nope / Unknown rule: nope"],
        "descriptor.1.key": ["Clave repetida en el descriptor: a / Duplicate key in descriptor: a"],
        "descriptor.1.rules.0": ["La regla no aplica al tipo boolean: min / Rule does not apply to type boolean: min"],
        "descriptor.2.key": ["Clave inválida: minúsculas, dígitos y _ / Invalid key: lowercase letters, digits and _"],
        "descriptor.2.type": ["Tipo desconocido: colour / Unknown type: colour"],
    }


def test_a_stored_descriptor_gives_fields_ready_to_check():
    catalog_id = "b94252a1-c4ef-4aa5-a799-de77dc02fd5a"
    field = {"title": "t", "type": "integer", "key": "n", "rules": ["min:1"], "catalog_id": catalog_id}
    stored, _ = check_descriptor([field])
    (f,) = fields_of(stored)
    assert (f.key, f.type, f.catalog_id, [r.text for r in f.rules]) == ("n", "integer", catalog_id, ["min:1"])


@pytest.mark.parametrize(
    "name,key",
    [("Test 01", "test_01"), ("Ingresos Extra (MXN)", "ingresos_extra_mxn"), ("Teléfono  Móvil", "telefono_movil")],
)
def test_the_property_key_is_a_slug_of_its_name(name, key):
    assert slug(name) == key


def test_a_name_without_letters_or_digits_gives_an_empty_key():
    assert slug("¿¡ !?") == ""


# --- values: presence, null, type ---------------------------------------------------------------------


def test_an_absent_optional_value_is_fine_and_an_absent_required_one_is_not():
    assert messages(field("string"), None, present=False) == []
    assert messages(field("string", "required"), None, present=False) == [
        "required — es obligatorio / required — is required"
    ]


def test_null_needs_the_nullable_rule():
    assert messages(field("string"), None) == ["nullable — no puede ser nulo / nullable — must not be null"]
    assert messages(field("string", "nullable"), None) == []
    assert messages(field("string", "nullable", "required"), None) == [
        "required — es obligatorio / required — is required"
    ]


@pytest.mark.parametrize("value", ["", "   ", []])
def test_required_refuses_empty_text_and_empty_lists(value):
    f = field("array" if value == [] else "string", "required")
    assert "required — es obligatorio / required — is required" in messages(f, value)


@pytest.mark.parametrize(
    "field_type,good,bad",
    [
        ("string", "texto", 5),
        ("integer", 5, 5.5),
        ("integer", -3, True),
        ("number", 2.5, "2.5"),
        ("number", 7, False),
        ("boolean", False, 0),
        ("datetime", "2022-07-29T19:59:40Z", "29/07/2022"),
        ("datetime", "2022-07-29", "2022-02-30"),
        ("array", ["a", 1, True], "a"),
        ("array", [], [{"nested": 1}]),
    ],
)
def test_values_must_be_of_the_field_type(field_type, good, bad):
    assert messages(field(field_type), good) == []
    (only,) = messages(field(field_type), bad)
    assert only.startswith(f"type:{field_type} — ")


def test_a_whole_float_counts_as_an_integer_and_is_kept_as_one():
    assert coerce("integer", 5.0) == (True, 5)


def test_numbers_beyond_the_spec_range_are_refused():
    assert coerce("number", 1e16)[0] is False


# --- values: each rule ------------------------------------------------------------------------------------


def test_min_and_max_count_characters_of_a_string_as_in_the_spec_example():
    f = field("string", "max:50", "min:10")
    assert messages(f, "corto") == [
        "min:10 — debe tener al menos 10 caracteres / min:10 — must have at least 10 characters"
    ]
    assert messages(f, "x" * 51) == [
        "max:50 — debe tener como máximo 50 caracteres / max:50 — must have at most 50 characters"
    ]
    assert messages(f, "ñandú ñandú") == []


def test_min_and_max_count_items_of_an_array_and_compare_numbers_by_value():
    assert messages(field("array", "min:2"), ["a"]) == [
        "min:2 — debe tener al menos 2 elementos / min:2 — must have at least 2 items"
    ]
    assert messages(field("integer", "max:10"), 11) == [
        "max:10 — debe ser como máximo 10 / max:10 — must be at most 10"
    ]
    assert messages(field("number", "min:0.5"), 0.5) == []


def test_in_compares_text_exactly_and_numbers_by_value():
    assert messages(field("string", "in:soltero,casado"), "casado") == []
    assert messages(field("string", "in:soltero,casado"), "Casado") == [
        "in:soltero,casado — debe ser uno de: soltero, casado / in:soltero,casado — must be one of: soltero, casado"
    ]
    assert messages(field("number", "in:1,2.5"), 2.5) == []
    assert messages(field("integer", "in:1,2"), 3.0) != []


def test_in_keeps_booleans_apart_from_one_and_zero():
    assert messages(field("boolean", "in:true"), True) == []
    assert messages(field("boolean", "in:false"), True) != []


def test_in_on_an_array_checks_every_item():
    f = field("array", "in:a,b,1")
    assert messages(f, ["a", "b", 1]) == []
    assert messages(f, ["a", "c"]) == [
        "in:a,b,1 — cada elemento debe ser uno de: a, b, 1 / in:a,b,1 — each item must be one of: a, b, 1"
    ]


def test_regex_finds_the_pattern_anywhere_unless_anchored():
    assert messages(field("string", "regex:\\d{5}"), "CP 06600") == []
    assert messages(field("string", "regex:^\\d{5}$"), "CP 06600") == [
        "regex:^\\d{5}$ — no cumple el formato / regex:^\\d{5}$ — does not match the pattern"
    ]
    assert messages(field("array", "regex:^[a-z]+$"), ["abc", "ABC"]) != []


def test_email_uses_a_real_address_check():
    f = field("string", "email")
    assert messages(f, "juan.perez@example.com") == []
    assert messages(f, "juan.perez@") == [
        "email — debe ser un correo electrónico válido / email — must be a valid email address"
    ]
    assert messages(field("array", "email"), ["a@example.com", "nope"]) != []


def test_date_accepts_iso_dates_and_date_times_only():
    f = field("string", "date")
    assert messages(f, "2022-07-29") == [] and messages(f, "2022-07-29T19:59:40-06:00") == []
    assert messages(f, "ayer") == ["date — debe ser una fecha válida / date — must be a valid date"]


def test_before_and_after_compare_instants_in_utc():
    before = field("datetime", "before:2020-01-01")
    assert messages(before, "2019-12-31T23:00:00Z") == []
    # 23:00 in Mexico City on Dec 31 is already Jan 1 in UTC.
    assert messages(before, "2019-12-31T23:00:00-06:00") == [
        "before:2020-01-01 — debe ser una fecha anterior a 2020-01-01"
        " / before:2020-01-01 — must be a date before 2020-01-01"
    ]
    assert messages(field("string", "after:2020-01-01"), "2020-01-01") != []


def test_keyword_dates_are_resolved_when_the_value_is_checked():
    adult_birthdate = field("datetime", "before:today")
    assert messages(adult_birthdate, "2024-05-31") == []
    assert messages(adult_birthdate, "2024-06-01") != []
    assert messages(field("datetime", "after:now"), "2024-06-01T12:00:01Z") == []


def test_every_broken_rule_is_reported_not_only_the_first():
    f = field("string", "min:10", "regex:^[0-9]+$")
    assert len(messages(f, "abc")) == 2


def test_check_values_keys_errors_by_field_and_refuses_unknown_keys():
    fields = [field("string", "required", key="name"), field("integer", key="age")]
    kept, errors = check_values(fields, {"age": 30.0, "colour": "red"}, NOW)
    assert kept == {"age": 30}
    assert errors == {"colour": [UNKNOWN_FIELD], "name": ["required — es obligatorio / required — is required"]}


def test_check_values_keeps_exactly_what_was_sent_when_all_is_well():
    fields = [field("string", "nullable", key="a"), field("boolean", key="b")]
    assert check_values(fields, {"a": None}, NOW) == ({"a": None}, {})


def test_parse_moment_reads_naive_times_as_utc():
    assert parse_moment("2022-07-29T10:00") == datetime(2022, 7, 29, 10, 0, tzinfo=UTC)
    assert parse_moment("2022-07-29T10:00:00+01:00") == datetime(2022, 7, 29, 9, 0, tzinfo=UTC)
    assert parse_moment(20220729) is None
