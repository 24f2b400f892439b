"""The spec is valid OpenAPI 3.0 and holds exactly the operations of docs/API-MAP.md."""

import importlib
import re
from pathlib import Path

import yaml
from openapi_spec_validator import validate

from personas.spec import document

ROOT = Path(__file__).resolve().parents[2]
SPEC = document()
METHODS = {"get", "post", "put", "delete", "patch"}


# The method and path of every operation, as the repository keeps them (with the service's own health and
# metrics operations); a change to the API changes the spec and this map together.
API_MAP = ROOT / "docs" / "API-MAP.md"


def operations():
    return {
        (method.upper(), path): op
        for path, item in SPEC["paths"].items()
        for method, op in item.items()
        if method in METHODS
    }


def test_the_spec_passes_openapi_spec_validator():
    validate(SPEC)


def test_the_spec_is_openapi_3_0_because_connexion_refuses_3_1():
    assert SPEC["openapi"].startswith("3.0.")


def test_every_operation_of_the_api_map_is_in_the_spec_and_nothing_else():
    row = re.compile(r"^\|[^|]*\|\s*(GET|POST|PUT|DELETE|PATCH)\s*\|\s*(/[^|\s]*)\s*\|", re.M)
    expected = set(row.findall(API_MAP.read_text()))
    assert len(expected) > 100, "the map's table rows were not read"
    assert set(operations()) == expected


def test_operation_ids_are_unique():
    ids = [op["operationId"] for op in operations().values()]
    assert len(ids) == len(set(ids))


def test_every_authenticated_operation_documents_400_and_403():
    for key, op in operations().items():
        assert "400" in op["responses"], key
        if op.get("security") != []:
            assert "403" in op["responses"], key


def test_the_six_webhook_events_are_documented():
    events = {
        "person_register",
        "person_pass_validation",
        "person_fail_validation",
        "person_restore",
        "updated_data_to_person",
        "media_added_to_model",
    }
    assert events <= set(SPEC["x-webhooks"])


def test_literal_paths_come_before_the_templated_paths_that_would_swallow_them():
    paths = list(SPEC["paths"])

    def matches(template: str, path: str) -> bool:
        a, b = template.strip("/").split("/"), path.strip("/").split("/")
        return len(a) == len(b) and all(x == y or x.startswith("{") for x, y in zip(a, b, strict=True))

    for i, template in enumerate(paths):
        if "{" in template:
            for later in paths[i + 1 :]:
                assert not (later != template and matches(template, later)), f"{later} is shadowed by {template}"


def test_every_operation_routes_to_the_module_that_defines_its_function():
    # Not through a module that imports it from another: the spec names where each operation's code lives.
    controllers = {op["x-openapi-router-controller"] for op in operations().values()}
    modules = {name: importlib.import_module(name) for name in controllers}
    for key, op in operations().items():
        controller = op["x-openapi-router-controller"]
        function = getattr(modules[controller], op["operationId"])
        # A function made by a factory (handlers.records) carries the factory's module, which does not hold it.
        home = importlib.import_module(function.__module__)
        assert function.__module__ == controller or getattr(home, function.__name__, None) is not function, key
        holders = {name for name, module in modules.items() if any(v is function for v in vars(module).values())}
        assert holders == {controller}, (key, holders)


def _resolved(node):
    """A node of the spec with its `$ref` followed."""
    while isinstance(node, dict) and "$ref" in node:
        target = SPEC
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def test_every_error_example_carries_the_status_it_answers_with():
    # Documentation tools show a schema's example where a response has none: the error envelope's `code`
    # has none, so no 400 or 503 is shown as a 422.
    assert "example" not in SPEC["components"]["schemas"]["Error"]["properties"]["code"]
    checked = 0
    for (method, path), op in operations().items():
        for status, response in op["responses"].items():
            for media in (_resolved(response).get("content") or {}).values():
                examples = [media["example"]] if "example" in media else []
                examples += [_resolved(e).get("value") for e in (media.get("examples") or {}).values()]
                for example in examples:
                    if isinstance(example, dict) and "code" in example and example.get("success") is False:
                        assert str(example["code"]) == status, (method, path, status)
                        checked += 1
    assert checked > 100


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_the_bundled_spec_refers_only_to_its_own_components_and_every_reference_resolves():
    refs = set(_refs(SPEC))
    assert refs, "a bundle without $refs would be the fully dereferenced document again"
    for ref in refs:
        assert ref.startswith("#/components/"), ref
        assert _resolved({"$ref": ref}) is not None


def test_every_component_authored_in_a_resource_file_is_in_the_root_index():
    # The bundle takes components from the root's index: one missing there would be published nowhere.
    folder = ROOT / "spec" / "components"
    authored = {
        (section, name)
        for path in folder.glob("*.yaml")
        for section, entries in (yaml.safe_load(path.read_text()) or {}).items()
        for name in entries
    }
    published = {(section, name) for section, entries in SPEC["components"].items() for name in entries}
    assert authored - published == set()


def test_the_bundle_is_the_document_the_root_file_describes():
    # openapi-spec-validator follows the files' relative refs; the bundle must say the same.
    from jsonschema_path import SchemaPath

    root = SchemaPath.from_file_path(str(ROOT / "spec" / "openapi.yaml"))
    for path, item in SPEC["paths"].items():
        with (root / "paths" / path).resolve() as resolved:
            assert set(resolved.contents) == set(item), path


def test_every_component_is_used():
    # A generated client makes a model of every schema: one nothing refers to is dead weight in it.
    used = {ref.removeprefix("#/components/") for ref in _refs(SPEC)}
    declared = {f"{section}/{name}" for section, entries in SPEC["components"].items() for name in entries}
    assert declared - used - {"securitySchemes/bearerAuth"} == set()


def test_the_spec_states_the_default_min_score_of_screening():
    from personas.domain.screening import DEFAULT_MIN_SCORE

    described = SPEC["components"]["schemas"]["ValidationConfig"]["properties"]["min_score"]["description"]
    assert f"por omisión {DEFAULT_MIN_SCORE:g}" in " ".join(described.split())
