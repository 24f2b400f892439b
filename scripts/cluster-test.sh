#!/usr/bin/env bash
# The distributed suite alone (tests/cluster): starts a 3-node MariaDB Galera cluster and Redis with Sentinel
# on loopback (scripts/cluster.sh) in a temporary folder, exports what it prints (PERSONAS_CLUSTER_*), runs
#   .venv/bin/python -m pytest -p no:cacheprovider tests/cluster "$@"
# and stops the cluster, also on failure or Ctrl-C. Under CI=true a cluster that cannot start is a failure;
# otherwise the suite is skipped with a message. The run's folder (PERSONAS_CLUSTER_RUN_DIR, else a new
# /tmp/personas-cluster-run-*, kept) holds the processes' logs, every request (attempts.jsonl) and the report
# (cluster-report.json, or PERSONAS_CLUSTER_REPORT when set); its path is printed at the end. About 4 minutes
# on 2 cores. Do not pass -n (xdist): the suite is one scenario, run once.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)

CLUSTER_START_TIMEOUT=${PERSONAS_CLUSTER_START_TIMEOUT:-240}
SUITE_TIMEOUT=${PERSONAS_CLUSTER_SUITE_TIMEOUT:-900}

unavailable() { # the cluster cannot be had: a failure under CI, a skip otherwise
    if [ "${CI:-}" = "true" ]; then
        echo "cluster-test.sh: $1, and CI=true: failing." >&2
        exit 1
    fi
    echo "cluster-test.sh: $1: the distributed suite is skipped (it fails under CI=true)." >&2
    exit 0
}

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
    .venv/bin/python -m pip install -q --upgrade pip >/dev/null
    .venv/bin/python -m pip install -q -e '.[test]'
elif ! .venv/bin/python -c 'import personas, pytest, httpx, pymysql, standardwebhooks' 2>/dev/null; then
    .venv/bin/python -m pip install -q -e '.[test]'
fi

[ -f scripts/cluster.sh ] || unavailable "scripts/cluster.sh does not exist"

work=$(mktemp -d /tmp/personas-cluster.XXXXXX)
# The run's folder (logs, attempts.jsonl, the report) is kept after the run.
export PERSONAS_CLUSTER_RUN_DIR=${PERSONAS_CLUSTER_RUN_DIR:-$(mktemp -d /tmp/personas-cluster-run-XXXXXX)}

leftovers() { # pids of processes still working in the run's folder (the suite's serve and worker processes)
    local p
    for p in /proc/[0-9]*; do
        [[ $(readlink "$p/cwd" 2>/dev/null) == "$PERSONAS_CLUSTER_RUN_DIR" ]] && echo "${p#/proc/}"
    done
    return 0
}

cleanup() {
    local code=$? pids
    trap - EXIT INT TERM
    # The suite stops what it started; if pytest itself was killed, its processes are stopped here, by pid.
    pids=$(leftovers)
    if [ -n "$pids" ]; then
        echo "cluster-test.sh: stopping processes the suite left running: $(echo "$pids" | tr '\n' ' ')" >&2
        # shellcheck disable=SC2086
        kill -KILL $pids 2>/dev/null || true
    fi
    timeout 120 bash scripts/cluster.sh stop "$work/cluster" >"$work/stop.log" 2>&1 ||
        { echo "cluster-test.sh: cluster.sh stop failed:" >&2; tail -n 20 "$work/stop.log" >&2 || true; }
    rm -rf "$work"
    rmdir "$PERSONAS_CLUSTER_RUN_DIR" 2>/dev/null || true # only when the suite never ran (empty)
    echo "cluster-test.sh took $(( $(date +%s) - started )) s" >&2
    exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "== starting the cluster (scripts/cluster.sh start $work/cluster)" >&2
rc=0
timeout "$CLUSTER_START_TIMEOUT" bash scripts/cluster.sh start "$work/cluster" >"$work/start.out" 2>"$work/start.err" || rc=$?
if [ "$rc" != 0 ]; then
    tail -n 30 "$work/start.err" >&2 || true
    if [ "$rc" = 124 ]; then
        unavailable "the cluster did not start within ${CLUSTER_START_TIMEOUT} s"
    fi
    unavailable "scripts/cluster.sh start exited with $rc"
fi

found=0
while IFS= read -r line; do
    case "$line" in
        PERSONAS_CLUSTER_*=*)
            key=${line%%=*}
            value=${line#*=}
            export "$key=$value"
            echo "$key=$(printf '%s' "$value" | sed -E 's#(://[^:/@]*:)[^@]*@#\1***@#g')" >&2
            found=$((found + 1))
            ;;
    esac
done <"$work/start.out"
[ -n "${PERSONAS_CLUSTER_DATABASE_URL:-}" ] || unavailable "scripts/cluster.sh start printed no PERSONAS_CLUSTER_DATABASE_URL"
export PERSONAS_CLUSTER_DIR="$work/cluster"
echo "cluster up after $(( $(date +%s) - started )) s ($found variables)" >&2

echo "== pytest tests/cluster" >&2
set +e
timeout -s INT -k 60 "$SUITE_TIMEOUT" .venv/bin/python -m pytest -p no:cacheprovider tests/cluster "$@"
code=$?
set -e
[ "$code" = 124 ] && echo "cluster-test.sh: the suite ran over ${SUITE_TIMEOUT} s and was interrupted" >&2
echo "run folder (logs, attempts.jsonl, cluster-report.json): $PERSONAS_CLUSTER_RUN_DIR" >&2
exit "$code"
