"""The OpenAPI contract, shipped as package data so an installed wheel serves it.

It is authored in files: `openapi.yaml` (the root: info, tags, the path list, the component index),
`paths/<resource>.yaml` and `components/<resource>.yaml`, referring to each other with relative
`$ref`s. `document()` bundles them into the one document the service routes and publishes: paths
inlined, every component once under `components`, every reference between them `#/components/...`.
"""

import copy
import functools
from importlib.resources import files
from pathlib import Path

import yaml

ROOT = Path(str(files(__name__).joinpath("openapi.yaml")))
SECTIONS = ("schemas", "parameters", "responses")


class _Loader:
    def __init__(self, root: Path):
        self.root = root.parent
        self.cache: dict[Path, dict] = {}

    def load(self, path: Path) -> dict:
        if path not in self.cache:
            self.cache[path] = yaml.safe_load(path.read_text(encoding="utf-8"))
        return self.cache[path]

    def target(self, ref: str, here: Path) -> tuple[Path, list[str]]:
        name, _, fragment = ref.partition("#")
        path = (here.parent / name).resolve() if name else here
        return path, [part.replace("~1", "/").replace("~0", "~") for part in fragment.split("/")[1:]]

    def rewrite(self, node, here: Path):
        """The node with every reference to a component written as a local `#/components/...` one."""
        if isinstance(node, list):
            return [self.rewrite(item, here) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str):
            path, parts = self.target(ref, here)
            if path.parent.name == "components" and len(parts) == 2 and parts[0] in SECTIONS:
                return {**node, "$ref": f"#/components/{parts[0]}/{parts[1]}"}
            if path == self.root / "openapi.yaml" and parts[:1] == ["components"]:
                return {**node, "$ref": "#/" + "/".join(parts)}
            # Anything else (a path item kept in its resource's file) is inlined.
            found = self.load(path)
            for part in parts:
                found = found[part]
            return self.rewrite(found, path)
        return {key: self.rewrite(value, here) for key, value in node.items()}


def bundle(root: Path = ROOT) -> dict:
    loader = _Loader(root)
    document = dict(loader.load(root))
    components = {"securitySchemes": document["components"].get("securitySchemes", {})}
    for section in SECTIONS:
        components[section] = {}
        for name, entry in document["components"].get(section, {}).items():
            path, body = root, entry
            if "$ref" in entry:
                # The index entry points at the component's body in its resource's file.
                path, parts = loader.target(entry["$ref"], root)
                body = loader.load(path)
                for part in parts:
                    body = body[part]
            components[section][name] = loader.rewrite(body, path)
    document["paths"] = {url: loader.rewrite(item, root) for url, item in document["paths"].items()}
    document["components"] = components
    for key, value in list(document.items()):
        if key.startswith("x-"):
            document[key] = loader.rewrite(value, root)
    return document


@functools.cache
def _bundled() -> dict:
    return bundle()


def document() -> dict:
    """The bundled contract; a copy, so a caller may change it."""
    return copy.deepcopy(_bundled())
