"""`success_if`: the small, safe expression language that judges an external service's JSON answer.

Grammar (no `eval`, no attribute access, no calls; parsed once when a validation is saved):

    expr       := or
    or         := and ("or" and)*
    and        := not ("and" not)*
    not        := "not" not | comparison
    comparison := operand (("==" | "!=" | ">=" | "<=" | ">" | "<") operand)?
    operand    := literal | path | "(" expr ")"
    literal    := "string" | 'string' | number | true | false | null
    path       := name ("." (name | digits))*          e.g. data.score, items.0.valid

A path reads the answer's JSON (a missing key is null; a digit segment indexes a list). The whole
expression passes when its value is truthy: `"true"` passes any answer, `data.valid` passes when
that value is true, `status == "ok" and data.score >= 0.8` as it reads. Ordering comparisons of
values that cannot be ordered (a number and a string, null) are false instead of an error.
"""

import re
from dataclasses import dataclass

from personas.domain.errors import Text

MAX_LENGTH = 1000
MAX_DEPTH = 32  # bounds the recursion of nested parentheses and `not`s
TOO_DEEP = Text(f"anidada a más de {MAX_DEPTH} niveles", f"nested deeper than {MAX_DEPTH} levels")
UNEXPECTED = Text("{} inesperado", "unexpected {}")

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
    | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
    | (?P<op>==|!=|>=|<=|>|<|\(|\))
    | (?P<path>[A-Za-z_][A-Za-z0-9_]*(?:\.(?:[A-Za-z_][A-Za-z0-9_]*|\d+))*)
    )""",
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not", "true", "false", "null"}
_COMPARE = {"==", "!=", ">=", "<=", ">", "<"}


class ExpressionError(ValueError):
    """The expression is not valid `success_if` syntax."""


@dataclass(frozen=True)
class Token:
    kind: str  # string, number, op, word, path
    value: object


def tokenize(text: str) -> list[Token]:
    if not isinstance(text, str):
        raise ExpressionError(Text("debe ser un texto", "must be a string"))
    if len(text) > MAX_LENGTH:
        raise ExpressionError(Text(f"más de {MAX_LENGTH} caracteres", f"longer than {MAX_LENGTH} characters"))
    tokens, position = [], 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None:
            raise ExpressionError(
                Text(
                    f"carácter inesperado en la posición {position + 1}",
                    f"unexpected character at position {position + 1}",
                )
            )
        position = match.end()
        if (raw := match.group("string")) is not None:
            tokens.append(Token("string", re.sub(r"\\(.)", r"\1", raw[1:-1])))
        elif (raw := match.group("number")) is not None:
            tokens.append(Token("number", float(raw) if any(c in raw for c in ".eE") else int(raw)))
        elif (raw := match.group("op")) is not None:
            tokens.append(Token("op", raw))
        else:
            raw = match.group("path")
            tokens.append(Token("word", raw) if raw in _KEYWORDS else Token("path", raw))
    return tokens


class _Parser:
    """Recursive descent into a tree of tuples: ("or", a, b), ("and", a, b), ("not", a), (op, a, b), ..."""

    def __init__(self, tokens: list[Token]):
        self.tokens, self.position = tokens, 0

    def peek(self) -> Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise ExpressionError(Text("la expresión termina antes de tiempo", "the expression ends too early"))
        self.position += 1
        return token

    def accept(self, kind: str, value: str) -> bool:
        token = self.peek()
        if token is not None and token.kind == kind and token.value == value:
            self.position += 1
            return True
        return False

    def expression(self, depth: int = 0):
        if depth > MAX_DEPTH:
            raise ExpressionError(TOO_DEEP)
        node = self.conjunction(depth)
        while self.accept("word", "or"):
            node = ("or", node, self.conjunction(depth))
        return node

    def conjunction(self, depth: int):
        node = self.negation(depth)
        while self.accept("word", "and"):
            node = ("and", node, self.negation(depth))
        return node

    def negation(self, depth: int):
        if self.accept("word", "not"):
            if depth > MAX_DEPTH:
                raise ExpressionError(TOO_DEEP)
            return ("not", self.negation(depth + 1))
        return self.comparison(depth)

    def comparison(self, depth: int):
        left = self.operand(depth)
        token = self.peek()
        if token is not None and token.kind == "op" and token.value in _COMPARE:
            self.position += 1
            return (token.value, left, self.operand(depth))
        return left

    def operand(self, depth: int):
        token = self.take()
        if token.kind == "op" and token.value == "(":
            node = self.expression(depth + 1)
            if not self.accept("op", ")"):
                raise ExpressionError(Text("falta cerrar un paréntesis", "a parenthesis is not closed"))
            return node
        if token.kind in ("string", "number"):
            return ("literal", token.value)
        if token.kind == "word" and token.value in ("true", "false", "null"):
            return ("literal", {"true": True, "false": False, "null": None}[token.value])
        if token.kind == "path":
            return ("path", tuple(token.value.split(".")))
        raise ExpressionError(UNEXPECTED.format(repr(token.value)))


def parse(text: str):
    """The expression's tree; ExpressionError when it is not valid."""
    parser = _Parser(tokenize(text))
    if parser.peek() is None:
        raise ExpressionError(Text("la expresión está vacía", "the expression is empty"))
    tree = parser.expression()
    if parser.peek() is not None:
        raise ExpressionError(UNEXPECTED.format(repr(parser.peek().value)))
    return tree


def _lookup(document, path: tuple[str, ...]):
    value = document
    for segment in path:
        if isinstance(value, dict):
            value = value.get(segment)
        elif isinstance(value, list) and segment.isdigit() and int(segment) < len(value):
            value = value[int(segment)]
        else:
            return None
    return value


def _kind(value) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    return "number" if isinstance(value, int | float) else "string" if isinstance(value, str) else None


def _order(op: str, left, right) -> bool:
    if _kind(left) is None or _kind(left) != _kind(right):
        return False
    return {">": left > right, ">=": left >= right, "<": left < right, "<=": left <= right}[op]


def _equal(left, right) -> bool:
    if isinstance(left, bool) != isinstance(right, bool):
        return False  # JSON true is not the number 1
    return left == right


def _value(node, document):
    kind = node[0]
    if kind == "literal":
        return node[1]
    if kind == "path":
        return _lookup(document, node[1])
    if kind == "not":
        return not _value(node[1], document)
    if kind == "and":
        return bool(_value(node[1], document)) and bool(_value(node[2], document))
    if kind == "or":
        return bool(_value(node[1], document)) or bool(_value(node[2], document))
    left, right = _value(node[1], document), _value(node[2], document)
    if kind == "==":
        return _equal(left, right)
    if kind == "!=":
        return not _equal(left, right)
    return _order(kind, left, right)


def evaluate(text: str, document) -> bool:
    """Whether `document` (the parsed JSON answer) passes the expression `text`."""
    return bool(_value(parse(text), document))
