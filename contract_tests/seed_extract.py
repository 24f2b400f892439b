"""Regenerate `contract_tests/seed/extract.json`, the machine-readable extract of the seed's contract.

The seed (`../shared/seed/000_62dc5acb5b5aea27.txt`, the rendered Spanish reference of the API) lost its
HTTP methods and paths; `../shared/API-MAP.md` gives them, one table row per operation with the line
where the operation starts in the seed. This script reads those two files, outside the repository,
only to regenerate the committed extract; the tests read the extract and never need ../shared.

    python -m contract_tests.seed_extract ../shared/seed/000_62dc5acb5b5aea27.txt
    python -m contract_tests.seed_extract SEED --map API-MAP.md --out FILE  # defaults: ../API-MAP.md, the extract
    python -m contract_tests.seed_extract SEED --check  # exit 1 if the committed extract is out of date

What the extract holds, per operation (`"METHOD /path"`) and per webhook event: the field tables
(name, type, format, required, enum, default, items), the parameters, the request content type, the
keys of the request sample with the JSON type of each value, the response statuses, whether the
response sample is wrapped in the `{"success", "result"}` envelope, the result's JSON type and its
keys with their JSON types. Facts only: the prose (descriptions, titles, examples) is not kept.

What it leaves out, and lists under `left_out` with the line and the reason: table rows that lost
their field name (`required | curp (string) or rfc (string) ...`), keys that are not identifiers
(a sample key garbled by the renderer), samples that are not JSON even after removing the renderer's
`- ` markers and trailing commas, a response sample with keys beside its envelope (which part is
the result would be a guess), and error samples (the seed shows one sample per operation, for its
first status).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

EXTRACT = Path(__file__).parent / "seed" / "extract.json"

NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# `name required | type and description |`; a row that lost its name does not start with `word |`.
NAMED_ROW = re.compile(r"^(?P<name>\S+)(?P<required> required)? \| (?P<rest>.*?) ?\|$")
MAP_ROW = re.compile(r"^\|\s*(?P<line>\d+)\s*\|\s*(?P<method>[A-Z]+)\s*\|\s*(?P<path>/\S*)\s*\|")
STATUS = re.compile(r"^- (?P<code>[1-5][0-9]{2})$")
BODY = re.compile(r"^Request Body schema: (?P<type>\S+)$")
PARAMS = re.compile(r"^(?P<where>path|query|header|cookie) Parameters$")
WEBHOOK_TITLE = re.compile(r"^.+ Webhook$")
FORMAT = re.compile(r"^<(?P<format>[^>]+)>\s*")
QUOTED = re.compile(r'^"(?P<value>[^"]*)"\s*')
TOKEN = re.compile(r"^(?P<token>\S+)\s*")

SCALARS = {"string", "integer", "number", "boolean", "object"}
ARRAYS = {
    "Array of strings": "string",
    "Array of numbers": "number",
    "Array of integers": "integer",
    "Array of objects": "object",
    "Array of booleans": "boolean",
}


class SeedError(ValueError):
    """The seed (or the map) is not shaped as this parser expects; nothing is guessed."""


def parse_api_map(text: str) -> dict[int, str]:
    """Seed line → `"METHOD /path"`, from the map's table rows (rows marked `—` are not in the seed)."""
    operations: dict[int, str] = {}
    for row in text.splitlines():
        match = MAP_ROW.match(row.strip())
        if match:
            line = int(match["line"])
            if line in operations:
                raise SeedError(f"API map: seed line {line} given twice")
            operations[line] = f"{match['method']} {match['path']}"
    return operations


def _quoted(rest: str) -> tuple[list[str], str]:
    values = []
    while match := QUOTED.match(rest):
        values.append(match["value"])
        rest = rest[match.end() :]
    return values, rest


def parse_type(text: str) -> dict:
    """The facts of a row's type column: `string <uuid> Enum: "a" "b" Default: x description...`.

    The description that follows the modifiers is dropped. Raises SeedError on a type it does not know.
    """
    rest = text.strip()
    field: dict = {}
    for prefix, item_type in ARRAYS.items():
        if rest == prefix or rest.startswith(prefix + " "):
            field["type"] = "array"
            field["items"] = {"type": item_type}
            rest = rest[len(prefix) :].lstrip()
            break
    else:
        base, _, rest = rest.partition(" ")
        if base not in SCALARS:
            raise SeedError(f"unknown type {base!r}")
        field["type"] = base
    target = field.get("items", field)
    if match := FORMAT.match(rest):
        target["format"] = match["format"]
        rest = rest[match.end() :]
    while rest:
        if rest.startswith("Enum: "):
            field["enum"], rest = _quoted(rest[len("Enum: ") :])
        elif rest.startswith("Items Enum: ") and "items" in field:
            field["items"]["enum"], rest = _quoted(rest[len("Items Enum: ") :])
        elif rest.startswith("unique ") or rest == "unique":
            field["unique_items"] = True
            rest = rest[len("unique") :].lstrip()
        elif rest.startswith(("Default: ", "Example: ")):
            keyword, _, rest = rest.partition(" ")
            token = TOKEN.match(rest)
            if token is None:
                raise SeedError(f"{keyword} without a value in {text!r}")
            if keyword == "Default:":
                try:
                    field["default"] = json.loads(token["token"])
                except ValueError:
                    field["default"] = token["token"]
            rest = rest[token.end() :]
        elif match := re.match(r"^= (\d+) characters\s*", rest):
            field["min_length"] = field["max_length"] = int(match[1])
            rest = rest[match.end() :]
        elif "items" in field and (match := re.match(r"^>= (\d+)\s*", rest)):
            field["min_items"] = int(match[1])
            rest = rest[match.end() :]
        else:
            break  # the description: prose, not kept
    return field


def parse_row(text: str) -> dict:
    """One table row: `{"name", "required", **type}`, or `{"unnamed": True, ...}` when the renderer lost
    the field's name; such a row keeps its type (its alternatives, `one_of`, or its text, `raw`, when
    neither parses) and the comparison does not use it: which field it was is not guessed."""
    match = NAMED_ROW.match(text)
    if match and match["name"] != "required" and NAME.match(match["name"]):
        return {"name": match["name"], "required": bool(match["required"]), **parse_type(match["rest"])}
    required = text.startswith("required |")
    raw = re.sub(r"[\s|]+$", "", text[len("required |") :] if required else text).strip()
    if " or " in raw:
        # Alternatives (`Email (object) or Slack (object)`): kept as the seed names them.
        return {"unnamed": True, "required": required, "one_of": raw.split(" or ")}
    try:
        return {"unnamed": True, "required": required, **parse_type(raw)}
    except SeedError:
        return {"unnamed": True, "required": required, "raw": raw}


def _drop_outside_strings(text: str, drop) -> str:
    """`text` without the characters outside JSON strings for which `drop(text, index)` is true."""
    out: list[str] = []
    in_string = escaped = False
    for index, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif drop(text, index):
            continue
        out.append(char)
    return "".join(out)


def _marker(text: str, index: int) -> bool:
    # The renderer's `- ` before every key and item; a negative number has no space after its minus.
    return text[index] == "-" and text[index + 1 : index + 2] in (" ", "\n")


def _trailing_comma(text: str, index: int) -> bool:
    return text[index] == "," and re.match(r"\s*[}\]]", text[index + 1 :]) is not None


def _without_markers(text: str) -> str:
    """The sample as JSON: the renderer's markers and trailing commas removed, strings untouched."""
    return _drop_outside_strings(_drop_outside_strings(text, _marker), _trailing_comma)


def parse_sample(lines: list[str]):
    """A rendered JSON sample (`{- "key": value,` lines) as the Python value. Raises SeedError."""
    try:
        return json.loads(_without_markers("\n".join(lines)))
    except ValueError as error:
        raise SeedError(f"sample is not JSON: {error}") from None


def json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def shape(value, prefix: str = "", left_out: list | None = None, line: int = 0) -> dict[str, str]:
    """Every key path of a sample with the JSON type(s) of its values: `a`, `a.b`, `a[]`, `a[].b`.

    A path seen with several types (items of one array) keeps them all, `|`-joined and sorted. A key
    that is not an identifier is left out (and noted in `left_out`).
    """
    found: dict[str, set[str]] = {}

    def walk(node, path: str) -> None:
        if isinstance(node, dict):
            for key, child in node.items():
                if not NAME.match(key):
                    if left_out is not None:
                        left_out.append({"line": line, "what": f"sample key {key!r}", "why": "not an identifier"})
                    continue
                child_path = f"{path}.{key}" if path else key
                found.setdefault(child_path, set()).add(json_type(child))
                walk(child, child_path)
        elif isinstance(node, list):
            for child in node:
                found.setdefault(f"{path}[]", set()).add(json_type(child))
                walk(child, f"{path}[]")

    walk(value, prefix)
    return {path: "|".join(sorted(types)) for path, types in sorted(found.items())}


def parse_block(lines: list[str], first: int, left_out: list, keep_values: tuple[str, ...] = ()) -> dict:
    """One operation (or webhook) of the seed: `lines` are its lines, `first` the number of the first.

    `keep_values` names top-level keys of the request sample whose string values are kept too
    (`sample_values`): a webhook's `event` and `resource_name`, which the contract fixes.
    """
    facts: dict = {"seed_line": first}
    section = None  # "path", "query", "body", "request-sample", "statuses", "response-sample"
    request_sample: list[str] = []
    response_sample: list[str] = []
    response_line = 0
    statuses: list[int] = []
    for offset, text in enumerate(lines):
        number = first + offset
        if match := PARAMS.match(text):
            section = match["where"]
        elif match := BODY.match(text):
            section = "body"
            facts.setdefault("request", {})["content_type"] = match["type"]
        elif text == "Responses":
            section = None
        elif text == "Request samples":
            section = "request-sample"
        elif text == "Response samples":
            section, response_line = "statuses", number
        elif section == "request-sample":
            if text != "- Payload":
                request_sample.append(text)
        elif section == "statuses" and (match := STATUS.match(text)):
            statuses.append(int(match["code"]))
        elif section in ("statuses", "response-sample"):
            section = "response-sample"
            response_sample.append(text)
        elif section in ("path", "query", "header", "cookie", "body") and text.endswith("|"):
            row = parse_row(text)
            if row.get("unnamed"):
                del row["unnamed"]
                row["line"] = number
                where = facts.setdefault("request", {}) if section == "body" else facts
                where.setdefault("unnamed_rows", []).append(row)
                left_out.append({"line": number, "what": "table row without a field name", "why": "name lost"})
                continue
            name = row.pop("name")
            if section == "body":
                fields = facts.setdefault("request", {}).setdefault("fields", {})
            else:
                fields = facts.setdefault("parameters", {}).setdefault(section, {})
            if name in fields:
                raise SeedError(f"line {number}: {name!r} listed twice")
            fields[name] = row
        # Anything else is prose (a title, a description, "Authorizations:", "- Payload").
    if request_sample:
        try:
            sample = parse_sample(request_sample)
        except SeedError as error:
            left_out.append({"line": first, "what": "request sample", "why": str(error)})
        else:
            request = facts.setdefault("request", {})
            request["sample"] = shape(sample, left_out=left_out, line=first)
            values = {key: sample[key] for key in keep_values if isinstance(sample, dict) and key in sample}
            if values:
                request["sample_values"] = values
    if statuses:
        facts["statuses"] = statuses
    if response_sample:
        try:
            sample = parse_sample(response_sample)
        except SeedError as error:
            left_out.append({"line": response_line, "what": "response sample", "why": str(error)})
        else:
            response = _response(sample, response_line, left_out)
            if response is not None:
                facts["response"] = response
    return facts


def _response(sample, line: int, left_out: list) -> dict | None:
    if isinstance(sample, dict) and sample.get("success") is False:
        left_out.append({"line": line, "what": "response sample", "why": "an error sample, not the result"})
        return None
    if isinstance(sample, dict) and "success" in sample and "result" in sample:
        beside = sorted(set(sample) - {"success", "result"})
        if beside:
            # A list whose paginator sits beside `"result": "Ok"`: which part is the result is a guess.
            left_out.append({"line": line, "what": "response sample", "why": f"keys beside the envelope: {beside}"})
            return None
        result, envelope = sample["result"], True
    else:
        result, envelope = sample, False
    response = {"envelope": envelope, "result": json_type(result)}
    if isinstance(result, dict | list):
        response["keys"] = shape(result, left_out=left_out, line=line)
    return response


def _is_webhook_title(lines: list[str], index: int) -> bool:
    return (
        bool(WEBHOOK_TITLE.match(lines[index]))
        and lines[index + 1 : index + 2] != []
        and (lines[index + 1].startswith("Webhook enviado"))
    )


def extract(seed: str, api_map: str) -> dict:
    lines = seed.splitlines()
    operations = parse_api_map(api_map)
    starts = dict(operations)
    for index in range(len(lines)):
        if _is_webhook_title(lines, index):
            starts[index + 1] = "webhook"
    for line, name in sorted(starts.items()):
        if not 1 <= line <= len(lines):
            raise SeedError(f"{name}: seed line {line} is outside the seed")
        text = lines[line - 1]
        following = lines[line : line + 4]
        # An operation starts with its title (then "Authorizations:" within a few lines) or, when the
        # renderer dropped the title, straight with its samples.
        if text != "Response samples" and "Authorizations:" not in following:
            raise SeedError(f"{name}: seed line {line} does not start an operation: {text!r}")
    left_out: list[dict] = []
    result: dict = {"operations": {}, "webhooks": {}}
    ordered = sorted(starts)
    channel_events: list[str] = []
    webhooks = []
    for position, line in enumerate(ordered):
        end = ordered[position + 1] - 1 if position + 1 < len(ordered) else len(lines)
        name = starts[line]
        keep = ("event", "resource_name") if name == "webhook" else ()
        facts = parse_block(lines[line - 1 : end], line, left_out, keep)
        if name == "webhook":
            webhooks.append(facts)
            continue
        if name in result["operations"]:
            raise SeedError(f"{name} mapped twice")
        result["operations"][name] = facts
        events = facts.get("request", {}).get("fields", {}).get("events", {})
        channel_events = channel_events or events.get("items", {}).get("enum", [])
    for facts in webhooks:
        for event, webhook in _webhook(facts, channel_events, left_out).items():
            if event in result["webhooks"]:
                raise SeedError(f"webhook {event} documented twice")
            result["webhooks"][event] = webhook
    result["left_out"] = sorted(left_out, key=lambda entry: (entry["line"], entry["what"]))
    result["source"] = {
        "lines": len(lines),
        "sha256": hashlib.sha256(seed.encode("utf-8")).hexdigest(),
    }
    return result


def _webhook(facts: dict, channel_events: list[str], left_out: list) -> dict:
    """The webhook keyed by its event's name in the channels' `events` enum. The sample names the
    event; when the sample's name is not in the enum, the enum entry made of the same words is the one
    (the seed's media sample says `added_media_to_model`, its enum `media_added_to_model`)."""
    sample = facts.get("request", {}).get("sample_values", {})
    event = sample.get("event")
    if event not in channel_events:
        same_words = [name for name in channel_events if sorted(name.split("_")) == sorted(str(event).split("_"))]
        if len(same_words) != 1:
            left_out.append({"line": facts["seed_line"], "what": "webhook", "why": f"event {event!r} not in enum"})
            return {}
        event = same_words[0]
    return {event: facts}


def dump(data: dict) -> str:
    """Stable, diff-friendly text: sorted keys, two-space indent, one fact per line where it can."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("seed", type=Path, help="the seed reference (../shared/seed/000_62dc5acb5b5aea27.txt)")
    parser.add_argument("--map", type=Path, help="API-MAP.md (default: the seed folder's parent's)")
    parser.add_argument("--out", type=Path, default=EXTRACT, help="where to write the extract")
    parser.add_argument("--check", action="store_true", help="compare with --out instead of writing it")
    args = parser.parse_args(argv)
    api_map = args.map or args.seed.resolve().parent.parent / "API-MAP.md"
    text = dump(extract(args.seed.read_text(encoding="utf-8"), api_map.read_text(encoding="utf-8")))
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != text:
            print(f"{args.out} is out of date: run without --check", file=sys.stderr)
            return 1
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
