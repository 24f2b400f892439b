"""Merge spec fragments into one OpenAPI document (used while the spec is being written)."""

import sys

import yaml


def merge(paths):
    doc = {}
    for p in paths:
        with open(p) as fh:
            part = yaml.safe_load(fh)
        for key, value in part.items():
            if key == "components":
                comps = doc.setdefault("components", {})
                for ckey, cval in value.items():
                    target = comps.setdefault(ckey, {})
                    dup = set(target) & set(cval)
                    if dup:
                        sys.exit(f"{p}: duplicate components/{ckey}: {sorted(dup)}")
                    target.update(cval)
            elif key in ("paths", "x-webhooks"):
                target = doc.setdefault(key, {})
                for path, ops in (value or {}).items():
                    dup = set(target.get(path, {})) & set(ops)
                    if dup:
                        sys.exit(f"{p}: duplicate {path} {sorted(dup)}")
                    target.setdefault(path, {}).update(ops)
            else:
                doc[key] = value
    # Connexion routes in document order: literal segments must come before templated ones,
    # or /people/{id} would swallow /people/curp.
    doc["paths"] = dict(sorted(doc["paths"].items(), key=lambda kv: _route_key(kv[0])))
    return doc


def _route_key(path: str):
    return [(1 if seg.startswith("{") else 0, seg) for seg in path.strip("/").split("/")]


if __name__ == "__main__":
    args = sys.argv[1:]
    check = args and args[0] == "--check"
    if check:
        args = args[1:]
    out = merge(args)
    if check:
        from openapi_spec_validator import validate

        validate(out)
        ops = [m for p in out.get("paths", {}).values() for m in p if m in ("get", "post", "put", "delete", "patch")]
        print(f"valid; {len(ops)} operations")
    else:
        yaml.safe_dump(out, sys.stdout, sort_keys=False, allow_unicode=True, width=100)
