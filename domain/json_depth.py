"""How deeply a JSON text nests, measured without recursion, before any parser sees the text.

Python's json module (and jsonschema, and repr) recurse once per level: a text a few hundred levels
deep exhausts the stack (RecursionError) instead of failing as bad input. The depth is counted on the
text itself, strings removed, with C-level loops (regular expressions, itertools), so a 1 MB text
costs milliseconds. Every JSON the service takes from outside goes through `depth` first.

MAX_DEPTH matches Settings.max_json_depth: the deepest structure the spec defines is 4 levels, so
free-form objects (extra_data, config, dynamic values) keep 26 levels of their own; and MariaDB, which
refuses stored JSON deeper than 32 levels, still takes a body's objects inside history and events.
"""

import json
import re
from itertools import accumulate

from personas.domain.errors import Text

MAX_DEPTH = 30
TOO_DEEP = Text("El JSON anida más de {} niveles", "The JSON nests more than {} levels")

_STRINGS = {str: re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"'), bytes: re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')}
_NOT_BRACKETS = {str: re.compile(r"[^\[\]{}]+"), bytes: re.compile(rb"[^\[\]{}]+")}
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1, 91: 1, 123: 1, 93: -1, 125: -1}


class TooDeep(ValueError):
    """Raised before parsing a text that nests deeper than allowed (a ValueError, as bad JSON is)."""


def depth(text: str | bytes) -> int:
    """The deepest nesting of arrays and objects in a JSON text (0 for a scalar)."""
    kind = bytes if isinstance(text, bytes | bytearray) else str
    brackets = _NOT_BRACKETS[kind].sub(kind(), _STRINGS[kind].sub(kind(), text))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def check(text: str | bytes, limit: int = MAX_DEPTH) -> None:
    if depth(text) > limit:
        raise TooDeep(TOO_DEEP.format(limit))


def loads(text: str | bytes, limit: int = MAX_DEPTH):
    """json.loads, for texts that nest at most `limit` levels; TooDeep (a ValueError) otherwise."""
    check(text, limit)
    return json.loads(text, parse_constant=_not_json)


def _not_json(constant: str):
    # Python reads NaN and Infinity, which JSON does not have: stored, MariaDB's JSON check refuses them.
    raise ValueError(f"{constant} is not JSON")
