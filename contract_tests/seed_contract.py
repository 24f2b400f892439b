"""The seed's contract (`seed/extract.json`) held against the spec, item by item.

`items(extract)` flattens the extract into items, each a fact of the seed with a stable key:

    GET /files | operation                        the operation exists
    GET /files | query model                      the parameter is declared
    GET /files | query model | enum               ... with these facts (type, format, required, enum, ...)
    POST /files | request multipart/form-data     the request body takes that media type
    POST /people | request field gender           a field of the table is declared
    POST /people | request field gender | enum    ... with these facts
    POST /people | request sample biometrics      a key of the request sample is declared, taking its value's type
    POST /people | status 201                     the response status is declared
    POST /people | result envelope                the answer is (or is not) `{"success", "result"}`
    POST /people | result type                    the result's JSON type (object, array, string)
    POST /people | result key addresses[].id      a key of the response sample is declared, taking its value's type
    webhook person_register | ...                 the same for a webhook event (`x-webhooks`), plus
    webhook person_register | sample value event  the sample's event (and resource_name) is in the spec's enum

`differences(extract, spec)` checks every item against `personas.spec.document()` and returns the key
and a message of each item the spec lacks or changes; an item under a differing one (a field of a
missing operation) is not checked, the difference above it stands for it. `exceptions.yaml` documents
the accepted differences, each with its reason; `unexplained` and `stale` hold the two lists together.

    python -m contract_tests.seed_contract   # the counts, the differences and the stale exceptions
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

HERE = Path(__file__).parent / "seed"
EXTRACT = HERE / "extract.json"
EXCEPTIONS = HERE / "exceptions.yaml"
# A table field's facts, checked one by one (the keys of seed_extract.parse_type).
ATTRIBUTES = ("type", "format", "required", "enum", "default", "items", "unique_items", "min_length", "max_length")


@dataclass(frozen=True)
class Item:
    key: str
    parent: str | None
    kind: str
    expected: object
    where: tuple  # what the check needs to find its place in the spec


def _key(owner: str, *parts: str) -> str:
    return " | ".join((owner, *parts))


def _parent_path(path: str) -> str | None:
    """`a[].b` → `a[]`, `a[]` → `a`, `a` → None."""
    if path.endswith("[]"):
        return path[:-2]
    return path.rsplit(".", 1)[0] if "." in path else None


def _field_items(owner: str, label: str, parent: str, facts: dict, where: tuple) -> list[Item]:
    declared = _key(owner, label)
    found = [Item(declared, parent, "declared", None, where)]
    for attribute in ATTRIBUTES:
        if attribute in facts:
            found.append(Item(_key(owner, label, attribute), declared, attribute, facts[attribute], where))
    if "enum" not in facts:
        # The seed lists a field's values where it has a fixed set: without them, any value goes.
        found.append(Item(_key(owner, label, "enum"), declared, "enum", None, where))
    return found


def _shape_items(owner: str, label: str, top_parent: str, shape: dict, where: tuple) -> list[Item]:
    found = []
    for path, types in shape.items():
        above = _parent_path(path)
        parent = _key(owner, f"{label} {above}") if above else top_parent
        found.append(Item(_key(owner, f"{label} {path}"), parent, "shape", types.split("|"), (*where, path)))
    return found


def _operation_items(owner: str, facts: dict, where: tuple) -> list[Item]:
    top = _key(owner, "operation")
    found = [Item(top, None, "operation", None, where)]
    for location, parameters in facts.get("parameters", {}).items():
        for name, field in parameters.items():
            found += _field_items(owner, f"{location} {name}", top, field, (*where, "parameter", location, name))
    request = facts.get("request", {})
    if "content_type" in request:
        media = request["content_type"]
        found.append(Item(_key(owner, f"request {media}"), top, "media", media, (*where, "media", media)))
    media = request.get("content_type")
    for name, field in request.get("fields", {}).items():
        found += _field_items(owner, f"request field {name}", top, field, (*where, "request", media, name))
    found += _shape_items(owner, "request sample", top, request.get("sample", {}), (*where, "sample", media))
    for name, value in request.get("sample_values", {}).items():
        found.append(Item(_key(owner, f"sample value {name}"), top, "value", value, (*where, "value", media, name)))
    statuses = facts.get("statuses", [])
    for status in statuses:
        found.append(Item(_key(owner, f"status {status}"), top, "status", status, where))
    response = facts.get("response")
    if response:
        success = [status for status in statuses if 200 <= status < 300]
        spot = (*where, "response", success[0] if success else None)
        found.append(Item(_key(owner, "result envelope"), top, "envelope", response["envelope"], spot))
        result_type = _key(owner, "result type")
        found.append(Item(result_type, top, "result", response["result"], spot))
        found += _shape_items(owner, "result key", result_type, response.get("keys", {}), (*spot, "key"))
    return found


def items(extract: dict) -> list[Item]:
    found = []
    for name, facts in extract["operations"].items():
        method, path = name.split(" ", 1)
        found += _operation_items(name, facts, ("operation", path, method.lower()))
    for event, facts in extract["webhooks"].items():
        found += _operation_items(f"webhook {event}", facts, ("webhook", event, "post"))
    return sorted(found, key=lambda item: item.key)


# --- the spec side: schemas with $ref, allOf, oneOf/anyOf and OpenAPI 3.0's nullable ---------------


class Spec:
    def __init__(self, document: dict):
        self.document = document

    def resolve(self, node):
        seen = 0
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/"):
                raise ValueError(f"unbundled reference {ref}")
            node = self.document
            for part in ref[2:].split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
            seen += 1
            if seen > 50:
                raise ValueError(f"reference loop at {ref}")
        return node if isinstance(node, dict) else {}

    def alternatives(self, node) -> list[list[dict]]:
        """The schema as alternatives (oneOf/anyOf branches), each the list of schemas that all apply
        (the node and its allOf members)."""
        conjuncts: list[dict] = []
        pending = [self.resolve(node)]
        while pending:
            current = pending.pop()
            conjuncts.append(current)
            pending += [self.resolve(member) for member in current.get("allOf", [])]
        for index, current in enumerate(conjuncts):
            choices = current.get("oneOf") or current.get("anyOf")
            if choices:
                rest = conjuncts[:index] + [{k: v for k, v in current.items() if k not in ("oneOf", "anyOf")}]
                rest += conjuncts[index + 1 :]
                return [rest + extra for choice in choices for extra in self.alternatives(choice)]
        return [conjuncts]

    @staticmethod
    def _type_admits(conjunct: dict, json_type: str) -> bool:
        declared = conjunct.get("type")
        if json_type == "null":
            if "enum" in conjunct and None not in conjunct["enum"]:
                return False
            return declared is None or bool(conjunct.get("nullable"))
        if declared is None:
            return True
        return declared == json_type or (declared == "number" and json_type == "integer")

    def admits(self, node, json_type: str) -> bool:
        return any(all(self._type_admits(c, json_type) for c in alt) for alt in self.alternatives(node))

    def child(self, node, part: str) -> list[dict]:
        """The schemas that `part` (a property name, or `[]` for an array's items) has under `node`, one
        per alternative that declares it; an object that declares no properties takes any key."""
        found = []
        for alt in self.alternatives(node):
            if part == "[]":
                members = [c["items"] for c in alt if "items" in c]
            else:
                members = [c["properties"][part] for c in alt if part in c.get("properties", {})]
                if not members:
                    extra = [c["additionalProperties"] for c in alt if isinstance(c.get("additionalProperties"), dict)]
                    # Explicitly open (`additionalProperties: true`), or an object that names no keys.
                    free = any(c.get("additionalProperties") is True for c in alt) or not any(
                        "properties" in c or c.get("additionalProperties") is False for c in alt
                    )
                    typed = {c["type"] for c in alt if "type" in c}
                    if extra:
                        members = extra
                    elif free and typed <= {"object"}:
                        members = [{}]
            if members:
                found.append(members[0] if len(members) == 1 else {"allOf": members})
        return found

    def required(self, node, name: str) -> bool:
        return any(name in c.get("required", []) for alt in self.alternatives(node) for c in alt)

    def keyword(self, node, word: str) -> list:
        return [c[word] for alt in self.alternatives(node) for c in alt if word in c]

    def enum(self, node) -> set | None:
        """The values the spec allows (null aside), or None when an alternative allows any."""
        values: set = set()
        for alt in self.alternatives(node):
            enums = [c["enum"] for c in alt if "enum" in c]
            if not enums:
                return None
            allowed = set(enums[0]).intersection(*enums[1:])
            values |= allowed - {None}
        return values

    # The places items point at.

    def operation(self, where: tuple) -> dict | None:
        kind, name, method = where[:3]
        if kind == "webhook":
            holder = self.document.get("x-webhooks", {}).get(name)
        else:
            holder = self.document["paths"].get(name)
        operation = holder.get(method) if isinstance(holder, dict) else None
        return (holder, operation) if isinstance(operation, dict) else None

    def parameter(self, holder: dict, operation: dict, location: str, name: str) -> dict | None:
        for parameter in [*holder.get("parameters", []), *operation.get("parameters", [])]:
            parameter = self.resolve(parameter)
            if parameter.get("in") == location and parameter.get("name") == name:
                return parameter
        return None

    def body(self, operation: dict, media: str | None) -> dict | None:
        content = self.resolve(operation.get("requestBody", {})).get("content", {})
        chosen = content.get(media) if media else None
        if chosen is None and content:
            chosen = next(iter(content.values()))
        return chosen.get("schema") if chosen else None

    def success(self, operation: dict, status: int | None) -> dict | None:
        """The JSON schema the seed's success status answers with (or the one success the spec has)."""
        responses = operation.get("responses", {})
        codes = [str(status)] if status and str(status) in responses else []
        codes = codes or [code for code in responses if code.startswith("2")]
        for code in codes:
            content = self.resolve(responses[code]).get("content", {})
            if "application/json" in content:
                return content["application/json"].get("schema", {})
        return None


def _path_schema(spec: Spec, root, path: str) -> list[dict]:
    nodes = [root]
    for part in re.findall(r"\[\]|[^.\[\]]+", path):
        nodes = [found for node in nodes for found in spec.child(node, part)]
    return nodes


def _check_field(spec: Spec, item: Item, node, owner_schema, name: str) -> str | None:
    expected = item.expected
    if item.kind == "type":
        return None if spec.admits(node, expected) else f"spec does not take a {expected}"
    if item.kind == "format":
        formats = spec.keyword(node, "format")
        return None if expected in formats else f"format {formats or None}, seed {expected}"
    if item.kind == "required":
        actual = True if owner_schema is None else spec.required(owner_schema, name)
        return None if actual == expected else f"required {actual}, seed {expected}"
    if item.kind == "enum":
        actual = spec.enum(node)
        if actual == (None if expected is None else set(expected)):
            return None
        return f"enum {sorted(actual) if actual is not None else None}, seed {sorted(expected or []) or None}"
    if item.kind == "default":
        defaults = spec.keyword(node, "default")
        return None if expected in defaults else f"default {defaults or None}, seed {expected!r}"
    if item.kind == "items":
        inner = spec.child(node, "[]")
        if not inner:
            return "no items"
        problems = []
        if not any(spec.admits(each, expected["type"]) for each in inner):
            problems.append(f"items take no {expected['type']}")
        formats = [found for each in inner for found in spec.keyword(each, "format")]
        if "format" in expected and expected["format"] not in formats:
            problems.append(f"items lack format {expected['format']}")
        if "enum" in expected and not any(spec.enum(each) == set(expected["enum"]) for each in inner):
            problems.append(f"items enum {[spec.enum(each) for each in inner]}, seed {sorted(expected['enum'])}")
        return "; ".join(problems) or None
    if item.kind == "unique_items":
        return None if True in spec.keyword(node, "uniqueItems") else "items not unique"
    if item.kind in ("min_length", "max_length"):
        word = "minLength" if item.kind == "min_length" else "maxLength"
        actual = spec.keyword(node, word)
        return None if expected in actual else f"{word} {actual or None}, seed {expected}"
    raise ValueError(f"unknown field fact {item.kind}")


def check(spec: Spec, item: Item) -> str | None:
    """None when the spec has the item as the seed says, else what differs."""
    found = spec.operation(item.where)
    if found is None:
        return "no such operation in the spec"
    holder, operation = found
    if item.kind == "operation":
        return None
    if item.kind == "status":
        return None if str(item.expected) in operation.get("responses", {}) else "status not declared"
    spot = item.where[3:]
    if spot[0] == "parameter":
        _, location, name = spot
        parameter = spec.parameter(holder, operation, location, name)
        if parameter is None:
            return "parameter not declared"
        if item.kind == "declared":
            return None
        if item.kind == "required":
            actual = bool(parameter.get("required"))
            return None if actual == item.expected else f"required {actual}, seed {item.expected}"
        return _check_field(spec, item, parameter.get("schema", {}), None, name)
    if spot[0] == "media":
        content = spec.resolve(operation.get("requestBody", {})).get("content", {})
        return None if spot[1] in content else f"request takes {sorted(content) or 'no body'}"
    if spot[0] in ("request", "sample", "value"):
        body = spec.body(operation, spot[1])
        if body is None:
            return "no request body"
        if spot[0] == "request":
            name = spot[2]
            nodes = spec.child(body, name)
            if not nodes:
                return "field not declared"
            if item.kind == "declared":
                return None
            return _check_field(spec, item, {"allOf": nodes} if len(nodes) > 1 else nodes[0], body, name)
        if spot[0] == "value":
            nodes = spec.child(body, spot[2])
            allowed = [spec.enum(node) for node in nodes]
            if any(values is None or item.expected in values for values in allowed):
                return None
            return f"{item.expected!r} not in the spec's enum {[sorted(values) for values in allowed]}"
        return _check_shape(spec, item, body, spot[2])
    if spot[0] == "response":
        schema = spec.success(operation, spot[1])
        if schema is None:
            return "no JSON success response"
        enveloped = all(spec.child(schema, key) for key in ("success", "result"))
        if item.kind == "envelope":
            return None if enveloped == item.expected else f"spec envelope {enveloped}, seed {item.expected}"
        result = spec.child(schema, "result")[0] if enveloped else schema
        if item.kind == "result":
            return None if spec.admits(result, item.expected) else f"spec result takes no {item.expected}"
        return _check_shape(spec, item, result, spot[3])
    raise ValueError(f"unknown item {item}")


def _check_shape(spec: Spec, item: Item, root, path: str) -> str | None:
    nodes = _path_schema(spec, root, path)
    if not nodes:
        return "key not declared"
    missing = [kind for kind in item.expected if not any(spec.admits(node, kind) for node in nodes)]
    return f"spec takes no {'|'.join(missing)}" if missing else None


def differences(extract: dict, document: dict) -> tuple[list[Item], dict[str, str]]:
    """Every item of the extract, and the key → message of those the spec lacks or changes."""
    spec = Spec(document)
    every = items(extract)
    by_key = {item.key: item for item in every}
    if len(by_key) != len(every):
        raise ValueError("two items share a key")
    outcome: dict[str, str | None] = {}  # key → problem; "" when a parent's difference stands for it

    def settle(item: Item) -> str | None:
        if item.key not in outcome:
            parent = by_key.get(item.parent) if item.parent else None
            if item.parent and parent is None:
                raise ValueError(f"{item.key}: no parent item {item.parent}")
            outcome[item.key] = "" if parent and settle(parent) is not None else check(spec, item)
        return outcome[item.key]

    for item in every:
        settle(item)
    return every, {key: problem for key, problem in outcome.items() if problem}


# --- documented exceptions --------------------------------------------------------------------------


def load_exceptions(path: Path = EXCEPTIONS) -> list[dict]:
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    for entry in entries:
        if set(entry) - {"key", "reason", "pending"} or not entry.get("key") or not entry.get("reason"):
            raise ValueError(f"an exception needs a key and a reason (and may be pending): {entry}")
    return entries


def _pattern(key: str) -> re.Pattern:
    """An exception's key: literal, except `*`, which stands for any text."""
    return re.compile("^" + ".*".join(re.escape(part) for part in key.split("*")) + "$")


def unexplained(failed: dict[str, str], exceptions: list[dict]) -> dict[str, str]:
    patterns = [_pattern(entry["key"]) for entry in exceptions]
    return {key: message for key, message in failed.items() if not any(p.match(key) for p in patterns)}


def stale(failed: dict[str, str], exceptions: list[dict]) -> list[str]:
    """The exceptions that match no current difference: fixed in the spec, or a key that never matched."""
    return [entry["key"] for entry in exceptions if not any(_pattern(entry["key"]).match(key) for key in failed)]


def main() -> int:
    from personas import spec

    extract = json.loads(EXTRACT.read_text(encoding="utf-8"))
    exceptions = load_exceptions()
    every, failed = differences(extract, spec.document())
    by_key = {item.key: item for item in every}

    def under_difference(item: Item) -> bool:
        parent = by_key.get(item.parent) if item.parent else None
        return parent is not None and (parent.key in failed or under_difference(parent))

    checked = sum(1 for item in every if not under_difference(item))
    pending = [entry["key"] for entry in exceptions if entry.get("pending")]
    print(f"items: {len(every)} ({checked} checked, the rest under a difference), differences: {len(failed)}")
    print(f"exceptions: {len(exceptions)}, {len(pending)} pending: {pending}")
    for key, message in unexplained(failed, exceptions).items():
        print(f"unexplained: {key}: {message}")
    for key in stale(failed, exceptions):
        print(f"stale exception: {key}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
