"""The business rules messages state (`Rule`) and the spec's `DomainRule` codes are the same set."""

import importlib
import pickle
import pkgutil
from pathlib import Path

import personas.domain
import personas.handlers
from personas.domain.errors import Rule
from personas.spec import document

ROOT = Path(__file__).resolve().parents[2]
SPEC = document()
SCHEMAS = SPEC["components"]["schemas"]
DECLARED = SCHEMAS["DomainRule"]["enum"]


def rule_constants() -> dict[str, str]:
    """`module.NAME` -> code, for every Rule a module of the domain or of the handlers holds."""
    found = {}
    for package in (personas.domain, personas.handlers):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            for name, value in vars(importlib.import_module(module.name)).items():
                if isinstance(value, Rule):
                    found[f"{module.name}.{name}"] = value.code
    return found


def test_every_rule_has_a_code_the_spec_declares():
    undeclared = {name: code for name, code in rule_constants().items() if code not in DECLARED}
    assert undeclared == {}


def test_every_declared_code_belongs_to_a_rule():
    assert set(DECLARED) - set(rule_constants().values()) == set()


def test_every_declared_code_is_listed_once_and_described():
    assert len(DECLARED) == len(set(DECLARED))
    assert set(SCHEMAS["DomainRule"]["x-enumDescriptions"]) == set(DECLARED)


def test_the_422_answer_names_rules_by_the_declared_codes():
    body = SPEC["components"]["responses"]["ValidationError"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/ValidationErrorBody"}
    error, extra = SCHEMAS["ValidationErrorBody"]["allOf"]
    assert error == {"$ref": "#/components/schemas/Error"}
    assert extra["properties"]["rules"]["additionalProperties"]["items"] == {"$ref": "#/components/schemas/DomainRule"}


def test_a_rule_is_its_message_and_keeps_its_code_when_formatted_or_pickled():
    unknown = Rule("unknown_reference", "No existe {}: {}", "Unknown {}: {}")
    message = unknown.format("state_id", 99)
    assert (message.es, message.en) == ("No existe state_id: 99", "Unknown state_id: 99")
    assert message == "No existe state_id: 99 / Unknown state_id: 99" and message.code == "unknown_reference"
    copied = pickle.loads(pickle.dumps(message))
    assert (copied, copied.code, copied.en) == (message, "unknown_reference", "Unknown state_id: 99")
