"""Each operation's `x-domain-rules` lists exactly the `DomainRule` codes the code behind it can answer.

The codes are found in the code itself, so the spec cannot drift from it: from the operation's handler,
everything it can reach is followed (functions and methods it names, resolved through the names its
module, closure and `self` really hold; the objects those are, their classes' methods and attributes;
the marshmallow schemas it loads with), and every `Rule` met on the way is a code it can answer. Two
middlewares add theirs: a reused `Idempotency-Key` (operations that take the header) and the request
validator's formats that are rules (operations whose request body has such a format).

The search over-approximates (a rule named in a branch the operation never takes still counts); a
dump (serialising a record) checks nothing, so an output schema is not followed.

A mismatch prints the lists to put in the spec.
"""

import ast
import functools
import importlib
import inspect
import textwrap

import pytest

from personas.conformance import RULES_EXTENSION
from personas.domain.errors import Rule
from personas.handlers import idempotency, schema_messages
from personas.spec import document

SPEC = document()
METHODS = ("get", "put", "post", "patch", "delete")


def _ours(obj) -> bool:
    return (getattr(obj, "__module__", None) or "").startswith("personas.")


@functools.cache
def _tree(code):
    try:
        lines, _ = inspect.getsourcelines(code)
    except (OSError, TypeError):
        return None
    return ast.parse(textwrap.dedent("".join(lines)))


def _chain(node) -> list[str] | None:
    """`a.b.c` as ["a", "b", "c"]; None for anything that is not a dotted name."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return [node.id, *reversed(parts)]


def _resolve(func, name: str, bound):
    """What `name` holds inside `func`: `self` (when known), a closure cell, or a module global."""
    code = func.__code__
    if name == "self" and bound is not None:
        return True, bound
    if name in code.co_freevars and func.__closure__:
        try:
            return True, func.__closure__[code.co_freevars.index(name)].cell_contents
        except ValueError:
            return False, None
    if name in func.__globals__:
        return True, func.__globals__[name]
    return False, None


def _named_values(func, bound):
    """The values of the dotted names `func` reads (each whole chain once; a Rule met midway too)."""
    tree = _tree(func.__code__)
    if tree is None:
        return
    bases = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    for node in ast.walk(tree):
        if id(node) in bases or not isinstance(node, (ast.Name, ast.Attribute)) or not isinstance(node.ctx, ast.Load):
            continue
        parts = _chain(node)
        if not parts:
            continue
        found, value = _resolve(func, parts[0], bound)
        if not found:
            continue
        for part in parts[1:]:
            if isinstance(value, Rule):
                yield value  # RULE.format(...)
            try:
                value = getattr(value, part)
            except Exception:
                found = False
                break
        if found:
            yield value


def reachable_rules(entry) -> set[str]:
    """The codes of every Rule reachable from `entry` (a handler function)."""
    codes: set[str] = set()
    seen: dict[tuple[int, int], tuple] = {}
    stack: list[tuple[object, object]] = [(entry, None)]
    while stack:
        obj, bound = stack.pop()
        key = (id(obj), id(bound))
        if key in seen:
            continue
        seen[key] = (obj, bound)  # kept alive, so no later object takes its id
        if isinstance(obj, Rule):
            codes.add(obj.code)
        elif isinstance(obj, functools.partial):
            stack += [(obj.func, None), *((a, None) for a in obj.args), *((a, None) for a in obj.keywords.values())]
        elif inspect.ismethod(obj):
            stack.append((obj.__func__, obj.__self__))
            if not _ours(obj.__func__) and obj.__name__ not in ("dump", "dumps"):
                stack.append((obj.__self__, None))  # a library method (a schema's load) may use all of it
        elif isinstance(obj, (staticmethod, classmethod)):
            stack.append((obj.__func__, None))
        elif isinstance(obj, property):
            stack.append((obj.fget, bound))
        elif isinstance(obj, dict):
            stack += [(v, None) for v in obj.values()]
        elif isinstance(obj, (list, tuple, set, frozenset)):
            stack += [(v, None) for v in obj]
        elif inspect.isfunction(obj):
            if _ours(obj):
                stack += [(value, None) for value in _named_values(obj, bound)]
        elif isinstance(obj, type):
            if _ours(obj):
                stack += [(v, None) for klass in obj.__mro__ if _ours(klass) for v in vars(klass).values()]
        elif inspect.ismodule(obj):
            continue
        elif _ours(type(obj)):
            for klass in type(obj).__mro__:
                if _ours(klass):
                    stack += [(v.fget if isinstance(v, property) else v, obj) for v in vars(klass).values()]
            stack += [(v, None) for v in getattr(obj, "__dict__", {}).values()]
        elif type(obj).__module__.split(".")[0] == "marshmallow" and hasattr(obj, "__dict__"):
            # A library schema or field: its validators and error messages may be ours.
            stack += [(v, None) for v in vars(obj).values()]
    return codes


def _schema(node):
    while isinstance(node, dict) and "$ref" in node:
        section, name = node["$ref"].split("/")[-2:]
        node = SPEC["components"][section][name]
    return node


def _formats(node, found: set, seen: set) -> set:
    node = _schema(node)
    if isinstance(node, dict) and id(node) not in seen:
        seen.add(id(node))
        if "format" in node:
            found.add(node["format"])
        for value in node.values():
            _formats(value, found, seen)
    elif isinstance(node, list):
        for value in node:
            _formats(value, found, seen)
    return found


def middleware_rules(path_item: dict, operation: dict) -> set[str]:
    codes = set()
    parameters = [_schema(p) for p in path_item.get("parameters", []) + operation.get("parameters", [])]
    if any(p.get("in") == "header" and p.get("name") == idempotency.HEADER for p in parameters):
        codes.add(idempotency.REUSED.code)
    body = operation.get("requestBody", {}).get("content", {})
    formats = set().union(*(_formats(media.get("schema", {}), set(), set()) for media in body.values()))
    codes |= {rule.code for name, rule in schema_messages.FORMATS.items() if name in formats and isinstance(rule, Rule)}
    return codes


def operations():
    for path, item in SPEC["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item, item[method]


def expected_rules() -> dict[str, list[str]]:
    """operationId -> the sorted codes the code behind it can answer."""
    found = {}
    for _path, _method, item, operation in operations():
        handler = getattr(importlib.import_module(operation["x-openapi-router-controller"]), operation["operationId"])
        found[operation["operationId"]] = sorted(reachable_rules(handler) | middleware_rules(item, operation))
    return found


def test_every_operation_lists_the_rules_its_code_can_answer():
    expected = expected_rules()
    declared = {op["operationId"]: sorted(op.get(RULES_EXTENSION) or []) for *_, op in operations()}
    wrong = {name: codes for name, codes in expected.items() if declared[name] != codes}
    assert wrong == {}, "set these operations' x-domain-rules (empty: leave it out):\n" + "\n".join(
        f"  {name}: [{', '.join(codes)}]" for name, codes in sorted(wrong.items())
    )


def test_listed_codes_are_declared_rules_listed_once():
    declared = set(SPEC["components"]["schemas"]["DomainRule"]["enum"])
    for *_, op in operations():
        codes = op.get(RULES_EXTENSION) or []
        assert len(codes) == len(set(codes)) and set(codes) <= declared, op["operationId"]


@pytest.mark.parametrize(
    ("handler", "present", "absent"),
    [
        # A module function of the domain, reached through the handler's module.
        ("personas.handlers.people.create_person", {"invalid_curp", "duplicate_national_id"}, {"unknown_person"}),
        # A child record's generic handlers: the kind's own check, through the closure and `self`.
        ("personas.handlers.bank_data.create_bank_data", {"clabe_check_digit", "unknown_person"}, set()),
        # Reading that record refuses nothing: neither the create's checks nor the view's CLABE description.
        ("personas.handlers.bank_data.get_bank_data", set(), {"clabe_check_digit", "unknown_person"}),
        # A marshmallow field's error message is a rule.
        ("personas.handlers.addresses.create_address", {"date_out_of_range", "unknown_person"}, set()),
    ],
)
def test_the_search_finds_rules_through_each_way_code_reaches_them(handler, present, absent):
    module, name = handler.rsplit(".", 1)
    found = reachable_rules(getattr(importlib.import_module(module), name))
    assert present <= found and not (absent & found)
