"""A 422 for a documented business rule answers the same field map as ever, and names the rule in `rules`."""

import uuid

from tests.support import new_curp, person_body


def test_a_wrong_curp_check_digit_names_invalid_curp(api):
    curp = new_curp()
    wrong = curp[:17] + ("1" if curp[17] != "1" else "2")
    response = api.post("/people", json=person_body(national_id=wrong))
    message = "CURP inválida: dígito verificador incorrecto"
    assert (response.status_code, response.json()) == (
        422,
        {
            "success": False,
            "code": 422,
            "error": {"national_id": [message]},
            "rules": {"national_id": ["invalid_curp"]},
        },
    )


def test_a_national_id_in_use_names_duplicate_national_id(api):
    body = person_body()
    assert api.post("/people", json=body).status_code == 201
    response = api.post("/people", json=person_body(national_id=body["national_id"]))
    assert (response.status_code, response.json()) == (
        422,
        {
            "success": False,
            "code": 422,
            "error": {"national_id": ["Ya existe una persona con esta CURP"]},
            "rules": {"national_id": ["duplicate_national_id"]},
        },
    )


def test_every_broken_rule_is_named_under_its_field_in_the_order_of_the_messages(api):
    body = person_body(nationality_id=9999, people_group_id=str(uuid.uuid4()))
    response = api.post("/people", json=body)
    assert response.status_code == 422
    assert response.json()["error"] == {
        "nationality_id": ["No existe nationality_id: 9999"],
        "people_group_id": [f"No existe people_group_id: {body['people_group_id']}"],
    }
    assert response.json()["rules"] == {
        "nationality_id": ["unknown_reference"],
        "people_group_id": ["unknown_reference"],
    }


def test_a_key_reused_with_another_request_names_idempotency_key_reused(api):
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    assert api.post("/people", json=person_body(), headers=headers).status_code == 201
    response = api.post("/people", json=person_body(), headers=headers)
    assert (response.status_code, response.json()) == (
        422,
        {
            "success": False,
            "code": 422,
            "error": {"Idempotency-Key": ["Esta Idempotency-Key ya se usó con otra petición"]},
            "rules": {"Idempotency-Key": ["idempotency_key_reused"]},
        },
    )


def test_a_422_that_states_no_documented_rule_has_no_rules(api):
    body = person_body()
    del body["name"]  # the schema states it: the answer names no business rule
    response = api.post("/people", json=body)
    assert (response.status_code, response.json()) == (
        422,
        {"success": False, "code": 422, "error": {"name": ["Campo requerido"]}},
    )
