"""API5:2023 Broken Function Level Authorization: every scope against every operation, from the spec."""

import uuid

import pytest

from personas.domain.api_keys import SCOPES
from personas.spec import document

SPEC = document()
METHODS = ("get", "post", "put", "delete", "patch")


def _param_value(spec, param) -> str:
    if "$ref" in param:
        param = spec["components"]["parameters"][param["$ref"].rsplit("/", 1)[-1]]
    return "1" if (param.get("schema") or {}).get("type") == "integer" else str(uuid.uuid4())


def _operations():
    for path, item in SPEC["paths"].items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            url = path
            for param in list(item.get("parameters", [])) + list(operation.get("parameters", [])):
                name = param.get("name") or SPEC["components"]["parameters"][param["$ref"].rsplit("/", 1)[-1]]["name"]
                url = url.replace("{" + name + "}", _param_value(SPEC, param))
            yield pytest.param(method.upper(), url, operation, id=operation["operationId"])


OPERATIONS = list(_operations())


def test_every_operation_that_needs_a_key_declares_exactly_one_known_scope():
    for param in OPERATIONS:
        _method, _url, operation = param.values
        if operation.get("security") == []:
            assert "x-scope" not in operation
            continue
        assert operation.get("x-scope") in ("read", "write", "admin"), operation["operationId"]
        assert f"`{operation['x-scope']}`" in operation["description"], operation["operationId"]


# Metrics describe the service (volumes per route, backlogs), not people: operators' keys, not partners'.
ADMIN_GETS = {"get_metrics"}


def test_every_get_needs_read_and_no_get_needs_more():
    for param in OPERATIONS:
        method, _url, operation = param.values
        if method == "GET" and operation.get("security") != []:
            needed = "admin" if operation["operationId"] in ADMIN_GETS else "read"
            assert operation["x-scope"] == needed, operation["operationId"]


@pytest.mark.parametrize(("method", "url", "operation"), [p for p in OPERATIONS if p.values[2].get("security") != []])
def test_each_scope_against_each_operation(client_with, method, url, operation):
    needed = operation["x-scope"]
    for held in SCOPES:
        client = client_with(held)
        response = client.call(method, url, json={} if method in ("POST", "PUT") else None)
        if held == needed:
            assert response.status_code != 403, (held, response.text)
        else:
            assert response.status_code == 403, (held, response.status_code, response.text)
            body = response.json()
            assert body["success"] is False and body["code"] == 403
            assert body["error"].startswith("Failed authorization") and f"'{needed}'" in body["error"]


@pytest.mark.parametrize(("method", "url", "operation"), [p for p in OPERATIONS if p.values[2].get("security") != []])
def test_a_key_with_every_scope_is_never_refused_for_its_scopes(client_with, method, url, operation):
    response = client_with("read,write,admin,sensitive").call(
        method, url, json={} if method in ("POST", "PUT") else None
    )
    assert response.status_code != 403, response.text
