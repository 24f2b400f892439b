#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs the project and its test tools in .venv,
# installs (apt-get, as root) and starts a throw-away MariaDB and Redis on loopback, runs lint, the import
# layers contract, the spec validator, the tests on SQLite and MariaDB, and Schemathesis, the API tests once
# more without the fast path (personas/fastpath.py), then the distributed
# suite (scripts/cluster-test.sh: a Galera cluster and Redis with Sentinel, under load and faults); then
# stops what it started. Under CI=true a service that cannot start is a failure, never a skip.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)

python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e '.[test]'

work=$(mktemp -d /tmp/personas-test.XXXXXX)
cleanup() {
    bash scripts/mariadb.sh stop "$work/mariadb" >/dev/null 2>&1 || true
    bash scripts/redis.sh stop "$work/redis" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { .venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

if url=$(bash scripts/mariadb.sh start "$work/mariadb" "$(free_port)"); then
    export PERSONAS_TEST_MARIADB_URL="$url"
    echo "MariaDB: $url" >&2
elif [ "${CI:-}" = "true" ]; then
    echo "MariaDB could not be started, and CI=true: failing." >&2
    exit 1
else
    echo "MariaDB could not be started: its tests will be skipped (they fail under CI=true)." >&2
fi

if url=$(bash scripts/redis.sh start "$work/redis" "$(free_port)"); then
    export PERSONAS_TEST_REDIS_URL="$url"
    echo "Redis: $url" >&2
elif [ "${CI:-}" = "true" ]; then
    echo "Redis could not be started, and CI=true: failing." >&2
    exit 1
else
    echo "Redis could not be started: its tests will be skipped (they fail under CI=true)." >&2
fi

echo "== ruff" >&2
.venv/bin/ruff check .
.venv/bin/ruff format --check . >/dev/null
echo "== import layers" >&2
bash scripts/lint-imports.sh >/dev/null
echo "== openapi-spec-validator" >&2
.venv/bin/openapi-spec-validator spec/openapi.yaml
echo "== pytest (SQLite, MariaDB, Schemathesis)" >&2
.venv/bin/python -m pytest -n 2 -p no:cacheprovider tests contract_tests "$@"
echo "== pytest tests/api without the fast path (PERSONAS_FASTPATH=0: Connexion as shipped, same answers)" >&2
PERSONAS_FASTPATH=0 .venv/bin/python -m pytest -n 2 -p no:cacheprovider tests/api -q
echo "== distributed suite (Galera cluster, Redis with Sentinel, under load and faults)" >&2
bash scripts/cluster-test.sh
echo "test command took $(( $(date +%s) - started )) s" >&2
