#!/usr/bin/env bash
# import-linter over the `personas` import root. Its graph builder walks one package directory, and our
# subpackages live in top-level folders (setup.cfg's package_dir), so it reads a staging tree of links
# that has the installed shape: personas/{app.py,...,conformance,domain,handlers,jobs,persistence,spec}.
set -euo pipefail
SCRIPT=lint-imports
cd "$(dirname "$0")/.."
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir "$stage/personas"
for entry in personas/*.py; do ln -s "$PWD/$entry" "$stage/personas/"; done
# Packages that live inside personas/ itself (personas/conformance): a folder of links, as above.
for package in personas/*/__init__.py; do
    package=$(dirname "$package")
    mkdir "$stage/$package"
    for entry in "$package"/*.py; do ln -s "$PWD/$entry" "$stage/$package/"; done
done
for folder in domain handlers jobs persistence spec; do ln -s "$PWD/$folder" "$stage/personas/$folder"; done
# import-linter puts its working directory first on sys.path: run it from the staging tree.
lint="${LINT_IMPORTS:-$PWD/.venv/bin/lint-imports}"
config="$PWD/setup.cfg"
cd "$stage" && PYTHONPATH="$stage" "$lint" "$config" --no-cache "$@"
