#!/usr/bin/env bash
# Throw-away Redis server on loopback, for the test suite.
#
#   scripts/redis.sh start DIR PORT   -> prints redis://127.0.0.1:PORT/0
#   scripts/redis.sh stop DIR
#
# Installs redis-server with apt-get when it is missing (Debian's own service
# is kept from starting). No persistence; pid file and log live in DIR. Only
# 127.0.0.1 is ever bound. Running `start` again with the same DIR reuses the
# running server. Messages go to stderr; stdout carries only the URL.
set -euo pipefail

export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${PATH:-}"
export LC_ALL=C

START_TIMEOUT=${REDIS_START_TIMEOUT:-30}
STOP_TIMEOUT=${REDIS_STOP_TIMEOUT:-30}

SCRIPT=redis.sh
# shellcheck source=scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    cat >&2 <<'EOF'
usage: redis.sh start DIR PORT   start (or reuse) a server with its files in DIR, print its URL
       redis.sh stop DIR         stop the server started with DIR
EOF
    exit 2
}

# pids of redis-server processes working in DIR (redis chdirs to --dir)
server_pids() {
    local dir=$1 p comm
    for p in /proc/[0-9]*; do
        { read -r comm <"$p/comm"; } 2>/dev/null || continue
        [[ $comm == redis-server ]] || continue
        [[ $(readlink "$p/cwd" 2>/dev/null) == "$dir" ]] && echo "${p#/proc/}"
    done
    return 0
}

redis_missing() {
    command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1 || echo redis-server redis-tools
}

install_redis() {
    apt_install redis_missing "/run/redis/redis-server.pid:redis-server /var/run/redis/redis-server.pid:redis-server"
}

ping_ok() { [[ $(redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null) == PONG ]]; }

start() {
    local dir port
    port=$2
    if ! [[ $port =~ ^[1-9][0-9]{0,4}$ ]] || (( port > 65535 )); then die "bad port: $port"; fi
    dir=$(abs_dir "$1")

    if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
        install_redis
        command -v redis-server >/dev/null 2>&1 || die "redis-server still missing after the install"
    fi
    local url="redis://127.0.0.1:$port/0"

    local running
    running=$(server_pids "$dir" | head -n1)
    if [[ -n $running ]]; then
        local old_port
        old_port=$(cat "$dir/port" 2>/dev/null || echo "?")
        [[ $old_port == "$port" ]] || die "a server from $dir is already running on port $old_port, not $port (stop it first)"
        ping_ok "$port" || die "the server from $dir (pid $running) does not answer on 127.0.0.1:$port"
        log "reusing the server already running from $dir (pid $running)"
        printf '%s\n' "$url"
        return 0
    fi

    port_in_use "$port" && die "127.0.0.1:$port is already in use by another process"
    echo "$port" >"$dir/port"
    rm -f "$dir/redis.pid"
    log "starting redis-server on 127.0.0.1:$port (files in $dir)"
    local t0=$SECONDS
    redis-server --port "$port" --bind 127.0.0.1 --protected-mode yes \
        --dir "$dir" --save '' --appendonly no \
        --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" \
        </dev/null >>"$dir/redis.out" 2>&1 \
        || { tail -n 20 "$dir/redis.out" "$dir/redis.log" >&2 2>/dev/null || true; die "redis-server failed to start"; }
    until ping_ok "$port"; do
        if (( SECONDS - t0 >= START_TIMEOUT )); then
            tail -n 20 "$dir/redis.log" >&2 2>/dev/null || true
            local p
            for p in $(server_pids "$dir"); do kill -9 "$p" 2>/dev/null || true; done
            die "redis-server did not answer within ${START_TIMEOUT} s (log: $dir/redis.log)"
        fi
        if [[ -s $dir/redis.pid ]] && ! pid_alive "$(cat "$dir/redis.pid")"; then
            tail -n 20 "$dir/redis.log" >&2 2>/dev/null || true
            die "redis-server exited during start-up (log: $dir/redis.log)"
        fi
        sleep 0.1
    done
    log "redis-server is up after $((SECONDS - t0)) s (pid $(cat "$dir/redis.pid" 2>/dev/null || echo '?'))"
    printf '%s\n' "$url"
}

stop() {
    local dir
    [[ -d $1 ]] || { log "no directory $1: nothing to stop"; return 0; }
    dir=$(cd -- "$1" && pwd -P)
    local pids
    pids=$(server_pids "$dir" | tr '\n' ' ')
    if [[ -z ${pids// /} ]]; then
        log "no server running from $dir"
        rm -f "$dir/redis.pid"
        return 0
    fi
    log "stopping redis-server from $dir (pid $pids)"
    # shellcheck disable=SC2086
    kill -TERM $pids 2>/dev/null || true
    wait_gone "$pids" redis-server
    rm -f "$dir/redis.pid"
    log "stopped"
}

case ${1:-} in
    start) [[ $# == 3 ]] || usage; start "$2" "$3" ;;
    stop) [[ $# == 2 ]] || usage; stop "$2" ;;
    *) usage ;;
esac
