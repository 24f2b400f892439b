"""Error messages: one language per answer, chosen by Accept-Language (Spanish by default), each naming the
field or parameter and saying what was expected, in the API's terms rather than a validator's."""

import re

import pytest

from tests.support import person_body

UNKNOWN = "71266b80-f04b-4a2c-9314-963d3a182f2a"
# What a raw jsonschema message looks like: a quoted regex, a Python repr, "is not of type", ...
VALIDATOR_WORDS = re.compile(r"\^|\$'|\[0-9|is not of type|does not match|is not one of|is less than|'\w+' is")


def in_language(api, language: str | None, method: str, path: str, **kwargs):
    headers = kwargs.pop("headers", {}) | ({"Accept-Language": language} if language is not None else {})
    response = api.call(method, path, headers=headers, **kwargs)
    assert response.headers["Vary"] == "Accept-Language"
    return response


@pytest.mark.parametrize(
    "header, language",
    [
        (None, "es"),
        ("en", "en"),
        ("en-US,en;q=0.9", "en"),
        ("es;q=0.2, en;q=0.8", "en"),
        ("en;q=0.1, es;q=0.9", "es"),
        ("es;q=0, en", "en"),
        ("fr-FR, de;q=0.9", "es"),
        ("*", "es"),
        ("en;q=nope", "es"),
    ],
)
def test_the_language_follows_accept_language_with_its_q_values(api, header, language):
    response = in_language(api, header, "GET", f"/people/{UNKNOWN}")
    expected = {"es": "No se encontró la persona", "en": "Person not found"}[language]
    assert response.status_code == 404
    assert response.json() == {"success": False, "code": 404, "error": expected}
    assert response.headers["Content-Language"] == language


def test_an_unknown_route_is_a_404_in_either_language(api):
    assert in_language(api, None, "GET", "/nothing-here").json()["error"] == "No encontrado"
    assert in_language(api, "en", "GET", "/nothing-here").json()["error"] == "Not found"


@pytest.mark.parametrize(
    "language, message",
    [("es", "per_page: debe ser un entero entre 1 y 100"), ("en", "per_page: must be an integer between 1 and 100")],
)
@pytest.mark.parametrize("query", ["per_page=0", "per_page=101", "per_page=ten"])
def test_a_query_parameter_out_of_its_schema_is_named_with_its_range(api, query, language, message):
    response = in_language(api, language, "GET", f"/people?{query}")
    assert response.status_code == 400 and response.json() == {"success": False, "code": 400, "error": message}


def test_a_path_parameter_says_what_it_should_be_without_a_regex(api):
    spanish = in_language(api, None, "GET", "/people/not-a-uuid").json()["error"]
    english = in_language(api, "en", "GET", "/people/not-a-uuid").json()["error"]
    assert spanish.startswith("id: debe ser un UUID") and english.startswith("id: must be a UUID")
    assert not VALIDATOR_WORDS.search(spanish + english)


def test_an_unknown_query_parameter_is_named(api):
    response = in_language(api, "en", "GET", "/people?colour=red")
    assert response.status_code == 400
    assert response.json()["error"] == "colour: not a parameter of this operation"


def test_a_type_error_says_the_type_expected(api):
    body = person_body(national_id=5512345678)
    spanish = in_language(api, None, "POST", "/people", json=body).json()["error"]
    english = in_language(api, "en", "POST", "/people", json=body).json()["error"]
    assert spanish == {"national_id": ["Debe ser un texto"]} and english == {"national_id": ["Must be a string"]}


def test_a_pattern_error_says_what_the_pattern_stands_for(api):
    body = person_body(national_id="PESJ880212HDF!LX01")
    spanish = in_language(api, None, "POST", "/people", json=body)
    english = in_language(api, "en", "POST", "/people", json=body)
    assert spanish.status_code == english.status_code == 422
    assert spanish.json()["error"] == {"national_id": ["Debe ser una CURP: 18 letras y dígitos"]}
    assert english.json()["error"] == {"national_id": ["Must be a CURP: 18 letters and digits"]}
    assert not VALIDATOR_WORDS.search(str(spanish.json()) + str(english.json()))


def test_an_enum_error_lists_the_values(api):
    body = person_body(gender="OTHER")
    assert in_language(api, None, "POST", "/people", json=body).json()["error"] == {
        "gender": ["Debe ser uno de: MALE, FEMALE, null"]
    }
    assert in_language(api, "en", "POST", "/people", json=body).json()["error"] == {
        "gender": ["Must be one of: MALE, FEMALE, null"]
    }


def test_lengths_required_and_unknown_fields_in_either_language(api):
    body = {"name": "x" * 300, "first_lastname": "b", "colour": "red"}
    spanish = in_language(api, None, "POST", "/people", json=body).json()["error"]
    english = in_language(api, "en", "POST", "/people", json=body).json()["error"]
    assert spanish == {
        "national_id": ["Campo requerido"],
        "second_lastname": ["Campo requerido"],
        "colour": ["Campo no permitido"],
        "name": ["Debe tener como máximo 255 caracteres"],
    }
    assert english == {
        "national_id": ["Missing required field"],
        "second_lastname": ["Missing required field"],
        "colour": ["Unknown field"],
        "name": ["Must have at most 255 characters"],
    }


def test_a_domain_rule_is_told_in_the_language_asked_and_keeps_its_code(api):
    body = person_body(national_id="PESJ880212HDFHLX09")
    spanish = in_language(api, None, "POST", "/people", json=body)
    english = in_language(api, "en", "POST", "/people", json=body)
    assert spanish.json() == {
        "success": False,
        "code": 422,
        "error": {"national_id": ["CURP inválida: dígito verificador incorrecto"]},
        "rules": {"national_id": ["invalid_curp"]},
    }
    assert english.json() == {
        "success": False,
        "code": 422,
        "error": {"national_id": ["Invalid CURP: wrong check digit"]},
        "rules": {"national_id": ["invalid_curp"]},
    }
    assert (spanish.headers["Content-Language"], english.headers["Content-Language"]) == ("es", "en")


def test_a_domain_rule_with_an_argument_fills_it_in_each_language(api):
    body = person_body(nationality_id=9999)
    assert in_language(api, None, "POST", "/people", json=body).json()["error"] == {
        "nationality_id": ["No existe nationality_id: 9999"]
    }
    assert in_language(api, "en", "POST", "/people", json=body).json()["error"] == {
        "nationality_id": ["Unknown nationality_id: 9999"]
    }


def test_undecodable_json_is_a_400_in_the_language_asked(api):
    broken = {"content": b'{"name": ', "headers": {"Content-Type": "application/json"}}
    spanish = in_language(api, None, "POST", "/people", **broken).json()["error"]
    english = in_language(api, "en", "POST", "/people", **broken).json()["error"]
    assert spanish.startswith("JSON inválido en la línea 1") and english.startswith("Invalid JSON at line 1")
