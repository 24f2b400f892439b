"""The seed parser (seed_extract.py) on small excerpts written as the seed renders them."""

import pytest

from contract_tests.seed_extract import SeedError, extract, parse_api_map, parse_row, parse_sample, parse_type

MAP = """\
## People groups
| Seed | Method | Path | What |
|---|---|---|---|
| 2 | GET | /people-groups | list groups |
| 16 | POST | /people-groups | create group |
| — | DELETE | /people-groups/{id} | delete a group |
| 40 | POST | /channels | create channel |
| 50 | POST | /people/export | CSV download |
"""

SEED = """\
API de gestión de personas. (stable)
Response samples
- 200
- 403
{- "success": true,
- "result": {
- "current_page": 1,
- "data": [
- {
- "id": "71266b80-f04b-4a2c-9314-963d3a182f2a",
- "name": "Deudores"
}
], - "from": null
}
}
Registrar un nuevo grupo de personas.
Authorizations:
path Parameters
id required | string <uuid> Example: 51319186-a4a0-4497-a3c9-ebdbdaca0159 Id del grupo |
query Parameters
page | integer Default: 1 Example: page=1 Numero de pagina |
Request Body schema: application/json
name required | string Nombre del grupo. |
gender | string Enum: "MALE" "FEMALE" Sexo registrado. |
required | curp (string) or rfc (string) |
Responses
Request samples
- Payload
{- "name": "Deudores",
- "gender": "MALE",
- "longitude": -99.12
}
Response samples
- 201
- 422
{- "id": "71266b80-f04b-4a2c-9314-963d3a182f2a",
- "currelected bank id is invalid.ent_page": 1,
- "name": "A - B",
}
Registrar un nuevo canal de notificaciones.
Authorizations:
Request Body schema: application/json
events required | Array of strings unique Items Enum: "person_register" "media_added_to_model" |
Responses
Response samples
- 201
{- "success": true,
- "result": [ ]
}
Descargar información de personas en formato CSV.
Authorizations:
Response samples
- 403
{- "success": false,
- "code": 401,
- "error": "Failed authorization"
}
Media agregada a modelo Webhook
Webhook enviado si hay un canal de notificaciones por webhook activo al agregar una media
Authorizations:
Request Body schema: application/json
event | string Nombre del evento |
object (media) Datos de la media |
Responses
Request samples
- Payload
{- "event": "added_media_to_model",
- "resource_name": "media",
- "payload": {
- "model_type": "App\\\\Models\\\\Person"
}
}
"""


def test_types_keep_the_facts_and_drop_the_prose():
    assert parse_type("string <uuid> Example: 14f209d5 Id del archivo") == {"type": "string", "format": "uuid"}
    assert parse_type('string Enum: "MALE" "FEMALE" Sexo registrado de la persona.') == {
        "type": "string",
        "enum": ["MALE", "FEMALE"],
    }
    assert parse_type("integer Default: 1 Example: page=1 Numero de pagina") == {"type": "integer", "default": 1}
    assert parse_type("boolean Default: false Indica si") == {"type": "boolean", "default": False}
    assert parse_type("string = 18 characters") == {"type": "string", "min_length": 18, "max_length": 18}
    assert parse_type('string <boolean> Enum: "true" "false" Forzar') == {
        "type": "string",
        "format": "boolean",
        "enum": ["true", "false"],
    }
    assert parse_type("number <float> Monto bruto") == {"type": "number", "format": "float"}
    assert parse_type("Array of strings <uuid>") == {"type": "array", "items": {"type": "string", "format": "uuid"}}
    assert parse_type('Array of strings unique Items Enum: "a" "b"') == {
        "type": "array",
        "items": {"type": "string", "enum": ["a", "b"]},
        "unique_items": True,
    }
    assert parse_type("Array of objects >= 1 URLs de archivo") == {
        "type": "array",
        "items": {"type": "object"},
        "min_items": 1,
    }
    with pytest.raises(SeedError):
        parse_type("Email (object)")


def test_rows_with_and_without_their_name():
    assert parse_row("national_id required | string CURP oficial de la persona. |") == {
        "name": "national_id",
        "required": True,
        "type": "string",
    }
    assert parse_row("tax_id | string RFC de la persona en México. |") == {
        "name": "tax_id",
        "required": False,
        "type": "string",
    }
    # The renderer lost these names: kept apart, never guessed.
    assert parse_row("required | curp (string) or rfc (string) |") == {
        "unnamed": True,
        "required": True,
        "one_of": ["curp (string)", "rfc (string)"],
    }
    assert parse_row("string <email> | |") == {"unnamed": True, "required": False, "type": "string", "format": "email"}
    assert parse_row("object (person) |") == {"unnamed": True, "required": False, "type": "object"}


def test_samples_lose_the_renderers_markers_only():
    lines = [
        '{- "name": "A - B",',
        '- "longitude": -99.12,',
        '- "class": "App\\\\Validations\\\\DocumentValidation",',
        '- "items": [ ],',
        '- "nested": {',
        '- "list": [',
        '- "x"',
        '], - "empty": { }',
        '}, - "last": null,',
        "}",
    ]
    assert parse_sample(lines) == {
        "name": "A - B",
        "longitude": -99.12,
        "class": "App\\Validations\\DocumentValidation",
        "items": [],
        "nested": {"list": ["x"], "empty": {}},
        "last": None,
    }
    with pytest.raises(SeedError):
        parse_sample(['{- "result": "Ok",', '- "data": [', "]"])


def test_the_map_gives_methods_and_paths_by_seed_line():
    assert parse_api_map(MAP) == {
        2: "GET /people-groups",
        16: "POST /people-groups",
        40: "POST /channels",
        50: "POST /people/export",
    }
    with pytest.raises(SeedError):
        parse_api_map(MAP + "| 2 | PUT | /people-groups/{id} | update |\n")


def test_an_excerpt_of_the_seed():
    found = extract(SEED, MAP)
    assert found["operations"]["GET /people-groups"] == {
        "seed_line": 2,
        "statuses": [200, 403],
        "response": {
            "envelope": True,
            "result": "object",
            "keys": {
                "current_page": "integer",
                "data": "array",
                "data[]": "object",
                "data[].id": "string",
                "data[].name": "string",
                "from": "null",
            },
        },
    }
    assert found["operations"]["POST /people-groups"] == {
        "seed_line": 16,
        "parameters": {
            "path": {"id": {"required": True, "type": "string", "format": "uuid"}},
            "query": {"page": {"required": False, "type": "integer", "default": 1}},
        },
        "request": {
            "content_type": "application/json",
            "fields": {
                "name": {"required": True, "type": "string"},
                "gender": {"required": False, "type": "string", "enum": ["MALE", "FEMALE"]},
            },
            "unnamed_rows": [{"line": 25, "required": True, "one_of": ["curp (string)", "rfc (string)"]}],
            "sample": {"gender": "string", "longitude": "number", "name": "string"},
        },
        "statuses": [201, 422],
        # A bare object; the garbled key is left out, the trailing comma forgiven.
        "response": {"envelope": False, "result": "object", "keys": {"id": "string", "name": "string"}},
    }
    assert found["operations"]["POST /channels"]["response"] == {"envelope": True, "result": "array", "keys": {}}
    # The CSV download shows only an error sample: no result facts.
    assert found["operations"]["POST /people/export"] == {"seed_line": 50, "statuses": [403]}
    # The webhook is keyed by the channel enum's name for its sample's event.
    webhook = found["webhooks"]["media_added_to_model"]
    assert webhook["seed_line"] == 58
    assert webhook["request"]["sample_values"] == {"event": "added_media_to_model", "resource_name": "media"}
    assert webhook["request"]["sample"]["payload.model_type"] == "string"
    assert [(entry["line"], entry["why"]) for entry in found["left_out"]] == [
        (25, "name lost"),
        (33, "not an identifier"),
        (52, "an error sample, not the result"),
        (63, "name lost"),
    ]


def test_a_map_line_that_starts_no_operation_is_refused():
    with pytest.raises(SeedError, match="does not start an operation"):
        extract(SEED, MAP.replace("| 16 |", "| 17 |"))
