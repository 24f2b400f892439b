#!/usr/bin/env bash
# Throw-away 3-node MariaDB Galera cluster and Redis-with-Sentinel on loopback, for the test suite.
#
#   scripts/cluster.sh start DIR               start (or reuse) everything, wait until ready, print:
#       PERSONAS_CLUSTER_DATABASE_URL=mysql+pymysql://personas:personas@127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3/personas_cluster
#       PERSONAS_CLUSTER_NODE_URLS=mysql+pymysql://personas:personas@127.0.0.1:P1/personas_cluster ...P2... ...P3...
#       PERSONAS_CLUSTER_REDIS_URL=redis+sentinel://127.0.0.1:S1,127.0.0.1:S2,127.0.0.1:S3/personas/0
#       PERSONAS_CLUSTER_REDIS_NODES=127.0.0.1:R1 127.0.0.1:R2
#   scripts/cluster.sh stop DIR                stop everything started with DIR (also half-dead setups)
#   scripts/cluster.sh kill-node DIR N         SIGKILL Galera node N (1..3)
#   scripts/cluster.sh start-node DIR N        start node N again; it rejoins the running cluster (IST),
#                                              waits until it is Synced and the cluster is complete
#   scripts/cluster.sh kill-redis-primary DIR  SIGKILL the Redis server the sentinels call primary,
#                                              print its port
#   scripts/cluster.sh start-redis DIR PORT    start the Redis server of PORT again, as a replica of the
#                                              current primary; waits until its replication link is up
#   scripts/cluster.sh status DIR              human-readable status on stderr, the KEY=VALUE lines of
#                                              `start` on stdout; exit status 1 when something is down
#
# Galera: three mariadbd processes (wsrep_provider libgalera_smm.so from Debian's galera-4), each with
# its own SQL, gcomm (gmcast.listen_addr), IST (ist.recv_addr) and SST (wsrep_sst_receive_address)
# port; wsrep_sst_method=rsync. Node 1 is bootstrapped (--wsrep-new-cluster), 2 and 3 join it. A
# database personas_cluster and a user personas/personas (from 127.0.0.1 and localhost) are created,
# with all privileges on `personas_cluster%` (so tests can CREATE/DROP personas_cluster_* databases).
# Redis: one primary, one replica, three sentinels (`redis-server --sentinel`) monitoring "personas"
# with quorum 2, down-after-milliseconds 1000, failover-timeout 3000, parallel-syncs 1.
#
# Behaviour worth knowing:
#  - start with DIR already (partly) running reuses what runs and starts only what is missing; when
#    no Galera node runs it bootstraps node 1 from the data in DIR (forcing safe_to_bootstrap). When
#    start fails after it started something, it stops everything of DIR.
#  - kill-node returns as soon as the process is gone. The other nodes keep counting the dead node
#    until Galera's evs.suspect_timeout (5 s): writes on them stall for about that long.
#  - start-node first waits until the running nodes have dropped the dead incarnation (a node joining
#    while its old self is still in the view could leave the whole cluster non-primary), recovers the
#    node's position from InnoDB with --wsrep-recover (as mysqld_safe does; otherwise mariadbd asks
#    for a full SST after a crash), then joins by IST and waits until all nodes are Synced.
#  - kill-redis-primary does not wait for the failover. start-redis waits (up to 30 s) until the
#    sentinels name a new primary, starts the server as its replica (replicaof), and waits until its
#    link is up and all sentinels see it as a healthy replica.
#  - Timeouts (seconds, environment): CLUSTER_START_TIMEOUT=90, CLUSTER_NODE_TIMEOUT=60,
#    CLUSTER_REDIS_TIMEOUT=60, CLUSTER_STOP_TIMEOUT=30. On a failure the tail of the log is shown.
#
# Ports are picked free by the script (outside the kernel's ephemeral range) and remembered in
# DIR/ports.env. So that two DIRs started at the same time cannot pick the same ports (the IST and SST
# ports are only bound now and then), the picked DIRs are listed in
# /run/lock/personas-cluster-ports.dirs (under flock; entries whose DIR is gone are dropped).
#
# Running as root (CI): mariadbd is started as root but switches to the `mysql` user (user = mysql in
# its config) because the rsync SST does not work for a server running as root (rsync's daemon mode
# drops to `nobody`). So DIR/galera is chowned to mysql, and every directory on the way to it that the
# mysql user cannot traverse (typically the mode-700 `mktemp -d` directory DIR is in, or DIR itself)
# gets the search bit for others (chmod o+x: enter, not list). Run as another user, the servers run as
# that user and nothing is chowned or chmodded. Redis runs as the calling user.
#
# Installs mariadb-server, galera-4, rsync, redis-server (and their clients) with apt-get when they are
# missing (root only; Debian's own services are kept from starting). Everything the servers write lives
# in DIR (except a Unix socket in /tmp when DIR is too deep for a socket path). Only 127.0.0.1 is ever
# bound. Messages go to stderr; stdout carries only the KEY=VALUE lines (or the port).
set -euo pipefail

export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${PATH:-}"
export LC_ALL=C

DB_NAME=personas_cluster
DB_USER=personas
DB_PASS=personas
SENTINEL_NAME=personas
NODES=(1 2 3)
START_TIMEOUT=${CLUSTER_START_TIMEOUT:-90}
NODE_TIMEOUT=${CLUSTER_NODE_TIMEOUT:-60}
REDIS_TIMEOUT=${CLUSTER_REDIS_TIMEOUT:-60}
STOP_TIMEOUT=${CLUSTER_STOP_TIMEOUT:-30}
PORT_LOCK=/run/lock/personas-cluster-ports.lock
PORT_REGISTRY=/run/lock/personas-cluster-ports.dirs

SCRIPT=cluster.sh
# shellcheck source=scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    cat >&2 <<'EOF'
usage: cluster.sh start DIR                 start (or reuse) Galera + Redis/Sentinel, print KEY=VALUE lines
       cluster.sh stop DIR                  stop everything started with DIR
       cluster.sh kill-node DIR N           SIGKILL Galera node N (1..3)
       cluster.sh start-node DIR N          start Galera node N again (rejoins by IST), wait until Synced
       cluster.sh kill-redis-primary DIR    SIGKILL the Redis primary, print its port
       cluster.sh start-redis DIR PORT      start the Redis server of PORT again (as a replica)
       cluster.sh status DIR                status on stderr, KEY=VALUE lines on stdout, rc 1 if anything is down
EOF
    exit 2
}

# ---------------------------------------------------------------------------------------------------
# small helpers (and those of scripts/lib.sh)

existing_dir() { # absolute physical path of an existing DIR, or fail
    [[ -d $1 ]] || return 1
    (cd -- "$1" && pwd -P)
}


# ---------------------------------------------------------------------------------------------------
# installation

galera_lib() {
    local f
    for f in /usr/lib/galera/libgalera_smm.so /usr/lib/galera-4/libgalera_smm.so \
        /usr/lib64/galera-4/libgalera_smm.so /usr/lib64/galera/libgalera_smm.so \
        /usr/lib/x86_64-linux-gnu/galera/libgalera_smm.so /usr/lib/aarch64-linux-gnu/galera/libgalera_smm.so; do
        if [[ -f $f ]]; then echo "$f"; return 0; fi
    done
    f=$(dpkg -L galera-4 2>/dev/null | grep '/libgalera_smm\.so$' | head -n1) || true
    if [[ -n $f && -f $f ]]; then echo "$f"; return 0; fi
    return 1
}

missing_packages() { # Debian packages needed for what is missing
    local pkgs=()
    find_bin mariadbd mysqld >/dev/null && find_bin mariadb-install-db mysql_install_db >/dev/null \
        && command -v wsrep_sst_rsync >/dev/null 2>&1 || pkgs+=(mariadb-server)
    find_bin mariadb mysql >/dev/null || pkgs+=(mariadb-client)
    galera_lib >/dev/null || pkgs+=(galera-4)
    command -v rsync >/dev/null 2>&1 || pkgs+=(rsync)
    find_bin ss lsof >/dev/null || pkgs+=(iproute2)          # the SST script looks for its rsync with these
    command -v redis-server >/dev/null 2>&1 || pkgs+=(redis-server)
    command -v redis-cli >/dev/null 2>&1 || pkgs+=(redis-tools)
    if (( ${#pkgs[@]} )); then echo "${pkgs[*]}"; fi
}

ensure_installed() {
    apt_install missing_packages \
        "/run/mysqld/mysqld.pid:mariadb /run/redis/redis-server.pid:redis-server /run/sentinel/redis-sentinel.pid:redis-sentinel"
}

# ---------------------------------------------------------------------------------------------------
# DIR, its lock and its ports

DIR=""
declare -A PORT=()
PORT_KEYS=(SQL1 GCOMM1 IST1 SST1 SQL2 GCOMM2 IST2 SST2 SQL3 GCOMM3 IST3 SST3
    REDIS1 REDIS2 SENTINEL1 SENTINEL2 SENTINEL3)

lock_dir() { # one subcommand at a time per DIR (fd 7; closed for every server we launch)
    exec 7>"$DIR/.lock" || die "cannot write $DIR/.lock"
    flock -w 300 7 || die "another cluster.sh command is still busy with $DIR"
}

read_ports_file() { # FILE -> PORT[], fails when incomplete
    local f=$1 line k
    PORT=()
    [[ -f $f ]] || return 1
    while IFS= read -r line; do
        if [[ $line =~ ^([A-Z0-9]+)=([0-9]+)$ ]]; then PORT[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}; fi
    done <"$f"
    for k in "${PORT_KEYS[@]}"; do [[ -n ${PORT[$k]:-} ]] || return 1; done
}

load_ports() { read_ports_file "$DIR/ports.env" || die "no ports in $DIR/ports.env: was \`cluster.sh start $DIR\` run?"; }

tcp_ports_in_use() { # local ports of all TCP sockets (any state), one per line
    local f hex
    for f in /proc/net/tcp /proc/net/tcp6; do
        [[ -r $f ]] || continue
        while read -r hex; do echo $((16#$hex)); done < <(awk 'NR > 1 { split($2, a, ":"); print a[2] }' "$f")
    done
}

pick_ports() {
    local lock=$PORT_LOCK registry=$PORT_REGISTRY
    if ! { exec 8>>"$lock"; } 2>/dev/null; then
        lock=/tmp/personas-cluster-ports.lock registry=/tmp/personas-cluster-ports.dirs
        exec 8>>"$lock" || die "cannot open $lock"
    fi
    flock -w 120 8 || die "waited 2 min for another cluster.sh to pick its ports"
    declare -A used=()
    local p d k keep=()
    while read -r p; do used[$p]=1; done < <(tcp_ports_in_use)
    if [[ -f $registry ]]; then
        while IFS= read -r d; do
            [[ -n $d && $d != "$DIR" && -f $d/ports.env ]] || continue
            keep+=("$d")
            if read_ports_file "$d/ports.env"; then
                for k in "${!PORT[@]}"; do used[${PORT[$k]}]=1; done
            fi
        done <"$registry"
    fi
    # outside the ephemeral range, so outgoing connections do not take them meanwhile
    local eph_lo=32768 eph_hi=60999 lo hi
    read -r eph_lo eph_hi </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
    if (( eph_lo - 1 - 10000 >= 2000 )); then lo=10000 hi=$((eph_lo - 1))
    elif (( 65000 - eph_hi - 1 >= 2000 )); then lo=$((eph_hi + 1)) hi=65000
    else lo=10000 hi=65000
    fi
    PORT=()
    local tries
    for k in "${PORT_KEYS[@]}"; do
        tries=0
        while :; do
            p=$(( lo + (RANDOM * 32768 + RANDOM) % (hi - lo + 1) ))
            if [[ -z ${used[$p]:-} ]] && ! port_in_use "$p"; then break; fi
            (( ++tries < 1000 )) || die "found no free port in $lo-$hi"
        done
        used[$p]=1
        PORT[$k]=$p
    done
    {
        for k in "${PORT_KEYS[@]}"; do echo "$k=${PORT[$k]}"; done
    } >"$DIR/ports.env.tmp"
    mv -f "$DIR/ports.env.tmp" "$DIR/ports.env"
    { if (( ${#keep[@]} )); then printf '%s\n' "${keep[@]}"; fi; echo "$DIR"; } >"$registry.tmp.$$"
    mv -f "$registry.tmp.$$" "$registry"
    # shared by root and other users' runs
    chmod 666 "$lock" "$registry" 2>/dev/null || true
    exec 8>&-
    # read back (read_ports_file of the other DIRs overwrote PORT)
    load_ports
}

print_env() {
    local n urls=() hosts=()
    for n in "${NODES[@]}"; do
        hosts+=("127.0.0.1:${PORT[SQL$n]}")
        urls+=("mysql+pymysql://$DB_USER:$DB_PASS@127.0.0.1:${PORT[SQL$n]}/$DB_NAME")
    done
    local IFS=,
    echo "PERSONAS_CLUSTER_DATABASE_URL=mysql+pymysql://$DB_USER:$DB_PASS@${hosts[*]}/$DB_NAME"
    IFS=' '
    echo "PERSONAS_CLUSTER_NODE_URLS=${urls[*]}"
    echo "PERSONAS_CLUSTER_REDIS_URL=redis+sentinel://127.0.0.1:${PORT[SENTINEL1]},127.0.0.1:${PORT[SENTINEL2]},127.0.0.1:${PORT[SENTINEL3]}/$SENTINEL_NAME/0"
    echo "PERSONAS_CLUSTER_REDIS_NODES=127.0.0.1:${PORT[REDIS1]} 127.0.0.1:${PORT[REDIS2]}"
}

# ---------------------------------------------------------------------------------------------------
# processes of DIR

# pids of the mariadbd of node $1
node_pids() {
    local cnf="--defaults-file=$DIR/galera/node$1/my.cnf" p comm cmd
    for p in /proc/[0-9]*; do
        { read -r comm <"$p/comm"; } 2>/dev/null || continue
        [[ $comm == mariadbd || $comm == mysqld ]] || continue
        cmd=$(tr '\0' '\n' <"$p/cmdline" 2>/dev/null) || continue
        if grep -qxF -- "$cnf" <<<"$cmd"; then echo "${p#/proc/}"; fi
    done
    return 0
}

# pids of the redis-server (or sentinel) working in DIR/redis/$1 (redis chdirs to its `dir`)
redis_pids() {
    local want="$DIR/redis/$1" p comm
    for p in /proc/[0-9]*; do
        { read -r comm <"$p/comm"; } 2>/dev/null || continue
        [[ $comm == redis-server || $comm == redis-sentinel ]] || continue
        [[ $(readlink "$p/cwd" 2>/dev/null) == "$want" ]] && echo "${p#/proc/}"
    done
    return 0
}

# every server or helper (SST scripts, rsync daemons) that still refers to DIR
dir_pids() {
    local p comm cwd cmd
    for p in /proc/[0-9]*; do
        [[ ${p#/proc/} == "$$" ]] && continue
        { read -r comm <"$p/comm"; } 2>/dev/null || continue
        cmd=$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null) || true
        case $comm in
            mariadbd|mysqld|redis-server|redis-sentinel|rsync|wsrep_sst_*|mariadb-install*|mysql_install_d*|socat|stunnel*) ;;
            sh|bash|dash) [[ $cmd == *wsrep_sst_* ]] || continue ;;   # the SST scripts
            *) continue ;;
        esac
        cwd=$(readlink "$p/cwd" 2>/dev/null) || true
        if [[ $cwd == "$DIR" || $cwd == "$DIR"/* || $cmd == *"$DIR/"* ]]; then
            echo "${p#/proc/}"
        fi
    done
    return 0
}

# ---------------------------------------------------------------------------------------------------
# Galera

RUN_USER=""

node_dir() { echo "$DIR/galera/node$1"; }

node_sock() {
    local sock="$DIR/galera/node$1/mariadbd.sock"
    # Unix socket paths are limited to 107 bytes; fall back to /tmp for deep DIRs.
    if (( ${#sock} > 100 )); then
        sock="/tmp/personas-cluster-$(printf '%s' "$DIR" | md5sum | cut -c1-16)-$1.sock"
    fi
    echo "$sock"
}

run_as() { # run a command as RUN_USER (used to test access)
    if [[ $(id -u) != 0 ]]; then "$@"; return; fi
    if command -v setpriv >/dev/null 2>&1; then
        setpriv --reuid="$RUN_USER" --regid="$RUN_USER" --init-groups -- "$@"
    else
        runuser -u "$RUN_USER" -- "$@"
    fi
}

# Make DIR/galera usable by the user mariadbd runs as (see the header).
prepare_galera_dirs() {
    local g="$DIR/galera" n d
    if [[ $(id -u) == 0 ]]; then
        RUN_USER=mysql
        id -u mysql >/dev/null 2>&1 || die "there is no mysql user (the mariadb-server package creates it)"
    else
        RUN_USER=$(id -un)
    fi
    for n in "${NODES[@]}"; do mkdir -p "$g/node$n/data" "$g/node$n/tmp"; done
    [[ $(id -u) == 0 ]] || return 0
    chown -R mysql:mysql "$g"
    if ! run_as test -x "$g/node1/data"; then
        # walk down from / and give others the search bit where the mysql user is stopped
        local path="" comp
        local -a comps
        IFS=/ read -r -a comps <<<"${g#/}"
        for comp in "${comps[@]}"; do
            path+="/$comp"
            if ! run_as test -x "$path"; then
                chmod o+x "$path" || die "cannot chmod o+x $path"
                log "chmod o+x $path (so that mariadbd, running as mysql, can reach $g)"
            fi
        done
        run_as test -x "$g/node1/data" || die "the mysql user still cannot reach $g"
    fi
}

write_node_config() {
    local n=$1 nd lib others=() m
    nd=$(node_dir "$n")
    lib=$(galera_lib) || die "libgalera_smm.so not found (package galera-4)"
    for m in "${NODES[@]}"; do
        [[ $m == "$n" ]] || others+=("127.0.0.1:${PORT[GCOMM$m]}")
    done
    local sock cluster_name
    sock=$(node_sock "$n")
    cluster_name="personas-$(printf '%s' "$DIR" | md5sum | cut -c1-12)"
    local IFS=,
    cat >"$nd/my.cnf" <<EOF
# generated by scripts/cluster.sh: throw-away Galera node $n
[mysqld]
user = $RUN_USER
datadir = $nd/data
tmpdir = $nd/tmp
socket = $sock
pid-file = $nd/mariadbd.pid
log-error = $nd/error.log
port = ${PORT[SQL$n]}
bind-address = 127.0.0.1
skip-name-resolve
skip-external-locking
character-set-server = utf8mb4
collation-server = utf8mb4_unicode_ci
performance_schema = OFF
default_storage_engine = InnoDB
innodb_buffer_pool_size = 32M
innodb_log_file_size = 16M
innodb_log_buffer_size = 4M
innodb_flush_log_at_trx_commit = 2
innodb_doublewrite = 0
innodb_use_native_aio = 0
innodb_autoinc_lock_mode = 2
binlog_format = ROW
max_connections = 200
key_buffer_size = 8M
aria_pagecache_buffer_size = 8M
query_cache_size = 0
query_cache_type = 0
wsrep_on = ON
wsrep_provider = $lib
wsrep_cluster_name = $cluster_name
wsrep_cluster_address = gcomm://${others[*]}
wsrep_node_name = node$n
wsrep_node_address = 127.0.0.1:${PORT[GCOMM$n]}
wsrep_node_incoming_address = 127.0.0.1:${PORT[SQL$n]}
wsrep_provider_options = "gmcast.listen_addr=tcp://127.0.0.1:${PORT[GCOMM$n]};ist.recv_addr=127.0.0.1:${PORT[IST$n]};gcache.size=64M;pc.recovery=FALSE"
wsrep_sst_method = rsync
wsrep_sst_receive_address = 127.0.0.1:${PORT[SST$n]}
wsrep_slave_threads = 2

[client]
socket = $sock
port = ${PORT[SQL$n]}
user = root
EOF
    # the same without wsrep, for mariadb-install-db
    sed -e '/^wsrep_/d' -e "s/^\\[client\\]/[client-unused]/" "$nd/my.cnf" >"$nd/install.cnf"
    if [[ $(id -u) == 0 ]]; then chown mysql:mysql "$nd/my.cnf" "$nd/install.cnf"; fi
}

node_sql() { # N SQL...: run SQL as root on node N through its socket
    local n=$1 client
    shift
    client=$(find_bin mariadb mysql) || die "mariadb client not found"
    "$client" --defaults-file="$(node_dir "$n")/my.cnf" --connect-timeout=2 -N -B -e "$*" 2>/dev/null
}

# "STATE SIZE STATUS" of node N, e.g. "Synced 3 Primary" (empty when it does not answer)
node_state() {
    local out state="" size="" status=""
    out=$(node_sql "$1" "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_local_state_comment','wsrep_cluster_size','wsrep_cluster_status')") || return 0
    state=$(awk '$1 == "wsrep_local_state_comment" { print $2 }' <<<"$out")
    size=$(awk '$1 == "wsrep_cluster_size" { print $2 }' <<<"$out")
    status=$(awk '$1 == "wsrep_cluster_status" { print $2 }' <<<"$out")
    [[ -n $state ]] && echo "$state ${size:-0} ${status:-?}"
    return 0
}

node_log_tail() {
    local f
    f="$(node_dir "$1")/error.log"
    log "last lines of $f:"
    tail -n 30 "$f" >&2 2>/dev/null || true
}

init_node1_data() {
    local nd install_db
    nd=$(node_dir 1)
    [[ -f $nd/.initialized ]] && return 0
    install_db=$(find_bin mariadb-install-db mysql_install_db) || die "mariadb-install-db not found"
    find "$nd/data" -mindepth 1 -delete
    log "initialising a fresh data directory in $nd/data"
    "$install_db" --defaults-file="$nd/install.cnf" --user="$RUN_USER" \
        --auth-root-authentication-method=normal --skip-test-db \
        --datadir="$nd/data" >"$nd/install-db.log" 2>&1 7>&- \
        || { tail -n 30 "$nd/install-db.log" >&2; die "mariadb-install-db failed (log: $nd/install-db.log)"; }
    touch "$nd/.initialized"
}

# After a crash grastate.dat has no seqno (-1), and mariadbd started directly (not by mysqld_safe)
# would then ask for a full SST. Like mysqld_safe, find the position in InnoDB with --wsrep-recover
# first, so that a restarted node gets only the missing write sets (IST).
recover_position() { # N -> prints UUID:SEQNO when it had to be recovered
    local n=$1 nd mariadbd seqno pos rc=0
    nd=$(node_dir "$n")
    [[ -f $nd/data/grastate.dat && -d $nd/data/mysql ]] || return 0
    seqno=$(sed -n 's/^seqno: *//p' "$nd/data/grastate.dat")
    [[ $seqno == -1 ]] || return 0
    mariadbd=$(find_bin mariadbd mysqld) || die "mariadbd not found"
    : >"$nd/wsrep-recover.log"
    if [[ $(id -u) == 0 ]]; then chown mysql:mysql "$nd/wsrep-recover.log"; fi
    log "recovering the Galera position of node $n from InnoDB (--wsrep-recover)"
    timeout "$NODE_TIMEOUT" "$mariadbd" --defaults-file="$nd/my.cnf" --wsrep-recover --skip-networking \
        --log-error="$nd/wsrep-recover.log" --pid-file="$nd/wsrep-recover.pid" \
        </dev/null >>"$nd/mariadbd.out" 2>&1 7>&- 8>&- 9>&- || rc=$?
    pos=$(sed -n 's/.*WSREP: Recovered position: *\([0-9a-f-]*:[0-9-]*\).*/\1/p' "$nd/wsrep-recover.log" | tail -n1)
    if [[ -z $pos || $pos == *:-1 ]]; then
        log "warning: could not recover the position of node $n (rc $rc, log $nd/wsrep-recover.log): it will get a full SST"
        return 0
    fi
    echo "$pos"
}

LAUNCHED_PID=""
launch_node() { # N bootstrap|join
    local n=$1 mode=$2 nd mariadbd k args=()
    nd=$(node_dir "$n")
    mariadbd=$(find_bin mariadbd mysqld) || die "mariadbd not found"
    for k in SQL GCOMM IST SST; do
        port_in_use "${PORT[$k$n]}" && die "127.0.0.1:${PORT[$k$n]} (${k} port of node $n) is in use by another process"
    done
    write_node_config "$n"
    rm -f "$nd/mariadbd.pid" "$(node_sock "$n")"
    local pos
    pos=$(recover_position "$n")
    if [[ -n $pos ]]; then
        log "node $n is at $pos"
        args+=("--wsrep-start-position=$pos")
    fi
    if [[ $mode == bootstrap ]]; then
        args+=(--wsrep-new-cluster)
        # After a crash or a stop in the wrong order Galera refuses to bootstrap from this node.
        if [[ -f $nd/data/grastate.dat ]] && grep -q '^safe_to_bootstrap: *0' "$nd/data/grastate.dat"; then
            log "warning: node $n was not the last to leave the cluster; bootstrapping from it anyway"
            sed -i 's/^safe_to_bootstrap: *0/safe_to_bootstrap: 1/' "$nd/data/grastate.dat"
            if [[ $(id -u) == 0 ]]; then chown mysql:mysql "$nd/data/grastate.dat"; fi
        fi
    fi
    : >>"$nd/error.log"
    if [[ $(id -u) == 0 ]]; then chown mysql:mysql "$nd/error.log"; fi
    log "starting Galera node $n ($mode) on 127.0.0.1:${PORT[SQL$n]} (gcomm ${PORT[GCOMM$n]}, IST ${PORT[IST$n]}, SST ${PORT[SST$n]})"
    # Detached, stdio away from the caller so $(...) around this script returns; no lock fds.
    setsid "$mariadbd" --defaults-file="$nd/my.cnf" "${args[@]}" </dev/null >>"$nd/mariadbd.out" 2>&1 7>&- 8>&- 9>&- &
    LAUNCHED_PID=$!
    disown "$LAUNCHED_PID" 2>/dev/null || true
    LAUNCHED_ANY=1
    echo "$LAUNCHED_PID" >"$nd/launched.pid"
}

# Wait until node N is Synced and the cluster has WANT nodes (all running nodes agree on the size).
wait_node() { # N PID WANT DEADLINE
    local n=$1 pid=$2 want=$3 deadline=$4 st m ok
    while :; do
        st=$(node_state "$n")
        if [[ $st == "Synced $want Primary" ]]; then
            ok=1
            for m in "${NODES[@]}"; do
                [[ $m == "$n" || -z $(node_pids "$m") ]] && continue
                [[ $(node_state "$m") == "Synced $want Primary" ]] || ok=0
            done
            [[ $ok == 1 ]] && return 0
        fi
        if [[ -n $pid ]] && ! pid_alive "$pid"; then
            node_log_tail "$n"
            die "Galera node $n exited during start-up (log: $(node_dir "$n")/error.log)"
        fi
        if (( SECONDS >= deadline )); then
            node_log_tail "$n"
            die "Galera node $n is not Synced in a cluster of $want (state: ${st:-no answer}) in time (log: $(node_dir "$n")/error.log)"
        fi
        sleep 0.25
    done
}

wait_settled() { # WANT DEADLINE: every running node Synced (or Donor) in a cluster of WANT
    local want=$1 deadline=$2 m st ok said=0
    while :; do
        ok=1
        for m in $(running_nodes); do
            st=$(node_state "$m")
            [[ $st == "Synced $want Primary" || $st == "Donor/Desynced $want Primary" ]] || { ok=0; break; }
        done
        [[ $ok == 1 ]] && return 0
        if [[ $said == 0 ]]; then
            log "waiting until the running nodes have dropped the dead one (node $m: ${st:-no answer})"
            said=1
        fi
        if (( SECONDS >= deadline )); then
            node_log_tail "$m"
            die "the running Galera nodes do not settle in a cluster of $want (node $m: ${st:-no answer})"
        fi
        sleep 0.25
    done
}

running_nodes() { # node numbers with a running mariadbd
    local n
    for n in "${NODES[@]}"; do [[ -n $(node_pids "$n") ]] && echo "$n"; done
    return 0
}

create_db_and_user() { # on node N
    local n=$1 client
    client=$(find_bin mariadb mysql) || die "mariadb client not found"
    "$client" --defaults-file="$(node_dir "$n")/my.cnf" --connect-timeout=5 --batch <<SQL || die "could not create the database and user"
CREATE DATABASE IF NOT EXISTS \`$DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$DB_PASS';
CREATE USER IF NOT EXISTS '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASS';
GRANT ALL PRIVILEGES ON \`personas\_cluster%\`.* TO '$DB_USER'@'127.0.0.1';
GRANT ALL PRIVILEGES ON \`personas\_cluster%\`.* TO '$DB_USER'@'localhost';
SQL
}

stop_nodes() { # N...: SIGTERM and wait
    local n pids="" p
    for n in "$@"; do
        p=$(node_pids "$n" | tr '\n' ' ')
        [[ -n ${p// /} ]] || continue
        pids+="$p"
        if [[ -z $(node_state "$n") ]]; then
            # still joining (a node in a state transfer ignores SIGTERM) or hung: its data is
            # throw-away, so do not wait for it
            log "stopping Galera node $n (pid ${p% }; not answering: SIGKILL)"
            # shellcheck disable=SC2086
            kill -KILL $p 2>/dev/null || true
        else
            log "stopping Galera node $n (pid ${p% })"
            # shellcheck disable=SC2086
            kill -TERM $p 2>/dev/null || true
        fi
    done
    [[ -n ${pids// /} ]] || return 0
    wait_gone "$pids" "mariadbd"
}

# ---------------------------------------------------------------------------------------------------
# Redis and Sentinel

rcli() { # PORT ARGS...
    local port=$1
    shift
    timeout 5 redis-cli -h 127.0.0.1 -p "$port" "$@" 2>/dev/null
}

ping_ok() { [[ $(rcli "$1" ping) == PONG ]]; }

redis_field() { # PORT FIELD  (from INFO replication; empty when it does not answer)
    local out
    out=$(rcli "$1" info replication) || return 0
    tr -d '\r' <<<"$out" | sed -n "s/^$2://p"
}

# the primary's port according to sentinel S (empty when unknown)
sentinel_primary() {
    local out
    out=$(rcli "$1" sentinel get-master-addr-by-name "$SENTINEL_NAME" | tr -d '\r') || return 0
    [[ $out =~ ^127\.0\.0\.1$'\n'([0-9]+)$ ]] && echo "${BASH_REMATCH[1]}"
    return 0
}

current_primary() { # the primary as most answering sentinels see it
    local i p
    for i in 1 2 3; do
        p=$(sentinel_primary "${PORT[SENTINEL$i]}")
        if [[ -n $p ]]; then echo "$p"; fi
    done | sort | uniq -c | sort -rn | awk 'NR == 1 { print $2 }'
}

# "NAME FLAGS" lines of the replicas sentinel S knows
sentinel_replicas() {
    local out
    out=$(rcli "$1" sentinel replicas "$SENTINEL_NAME") || return 0
    tr -d '\r' <<<"$out" | awk 'NR % 2 == 1 { k = $0; next } k == "name" { n = $0 } k == "flags" { print n, $0 }'
}

redis_index_of() { # PORT -> 1|2
    local i
    for i in 1 2; do [[ ${PORT[REDIS$i]} == "$1" ]] && { echo "$i"; return 0; }; done
    return 1
}

# The primary a restarted Redis I should replicate: right after a kill the sentinels may still name
# the dead server, so wait (bounded) for their failover while the other server is up. Empty when
# the server should come back as primary.
primary_for_restart() { # I
    local i=$1 port other primary t0=$SECONDS
    port=${PORT[REDIS$i]} other=${PORT[REDIS$((3 - i))]}
    while :; do
        primary=$(current_primary)
        if [[ -n $primary && $primary != "$port" ]]; then echo "$primary"; return 0; fi
        if ! ping_ok "$other"; then
            [[ -n $primary ]] || log "warning: no sentinel names a primary and 127.0.0.1:$other is down"
            return 0
        fi
        if [[ -z $primary ]] && [[ $(redis_field "$other" role) == master ]]; then echo "$other"; return 0; fi
        if (( SECONDS - t0 >= 30 )); then
            log "warning: the sentinels still name 127.0.0.1:$port as primary after 30 s; starting it as primary"
            return 0
        fi
        sleep 0.25
    done
}

start_redis_server() { # I [PRIMARY_PORT]
    local i=$1 primary=${2:-} d port
    d="$DIR/redis/redis$i" port=${PORT[REDIS$i]}
    mkdir -p "$d"
    port_in_use "$port" && die "127.0.0.1:$port (Redis $i) is in use by another process"
    cat >"$d/redis.conf" <<EOF
# generated by scripts/cluster.sh: throw-away Redis $i
port $port
bind 127.0.0.1
protected-mode yes
dir $d
save ""
appendonly no
daemonize yes
pidfile $d/redis.pid
logfile $d/redis.log
replica-announce-ip 127.0.0.1
repl-diskless-sync-delay 0
EOF
    if [[ -n $primary && $primary != "$port" ]]; then
        echo "replicaof 127.0.0.1 $primary" >>"$d/redis.conf"
        log "starting Redis $i on 127.0.0.1:$port as a replica of 127.0.0.1:$primary"
    else
        log "starting Redis $i on 127.0.0.1:$port as primary"
    fi
    rm -f "$d/redis.pid"
    LAUNCHED_ANY=1
    redis-server "$d/redis.conf" </dev/null >>"$d/redis.out" 2>&1 7>&- 8>&- 9>&- \
        || { tail -n 20 "$d/redis.out" "$d/redis.log" >&2 2>/dev/null || true; die "redis-server $i failed to start"; }
}

start_sentinel() { # I PRIMARY_PORT
    local i=$1 primary=$2 d port
    d="$DIR/redis/sentinel$i" port=${PORT[SENTINEL$i]}
    mkdir -p "$d"
    port_in_use "$port" && die "127.0.0.1:$port (sentinel $i) is in use by another process"
    # A sentinel rewrites its config with what it learns (epochs, replicas, other sentinels); a
    # restarted sentinel keeps that. A new one is told the current primary.
    if [[ ! -s $d/sentinel.conf ]]; then
        cat >"$d/sentinel.conf" <<EOF
# generated by scripts/cluster.sh: throw-away sentinel $i (rewritten by the sentinel itself)
port $port
bind 127.0.0.1
protected-mode no
dir $d
daemonize yes
pidfile $d/sentinel.pid
logfile $d/sentinel.log
sentinel announce-ip 127.0.0.1
sentinel resolve-hostnames no
sentinel monitor $SENTINEL_NAME 127.0.0.1 $primary 2
sentinel down-after-milliseconds $SENTINEL_NAME 1000
sentinel failover-timeout $SENTINEL_NAME 3000
sentinel parallel-syncs $SENTINEL_NAME 1
EOF
    fi
    log "starting sentinel $i on 127.0.0.1:$port"
    rm -f "$d/sentinel.pid"
    LAUNCHED_ANY=1
    redis-server "$d/sentinel.conf" --sentinel </dev/null >>"$d/sentinel.out" 2>&1 7>&- 8>&- 9>&- \
        || { tail -n 20 "$d/sentinel.out" "$d/sentinel.log" >&2 2>/dev/null || true; die "sentinel $i failed to start"; }
}

# Empty when Redis/Sentinel is complete and healthy, else a description of the first problem.
REDIS_PROBLEM=""
redis_check() {
    REDIS_PROBLEM=""
    local i p primary other role link mport
    for i in 1 2 3; do
        ping_ok "${PORT[SENTINEL$i]}" || { REDIS_PROBLEM="sentinel $i (127.0.0.1:${PORT[SENTINEL$i]}) does not answer"; return 1; }
    done
    primary=$(sentinel_primary "${PORT[SENTINEL1]}")
    [[ -n $primary ]] || { REDIS_PROBLEM="sentinel 1 knows no primary"; return 1; }
    for i in 2 3; do
        p=$(sentinel_primary "${PORT[SENTINEL$i]}")
        [[ $p == "$primary" ]] || { REDIS_PROBLEM="sentinels disagree on the primary ($primary / ${p:-none})"; return 1; }
    done
    i=$(redis_index_of "$primary") || { REDIS_PROBLEM="the sentinels' primary 127.0.0.1:$primary is not one of ours"; return 1; }
    other=${PORT[REDIS$((3 - i))]}
    role=$(redis_field "$primary" role)
    [[ $role == master ]] || { REDIS_PROBLEM="primary 127.0.0.1:$primary: role ${role:-no answer}"; return 1; }
    role=$(redis_field "$other" role)
    [[ $role == slave ]] || { REDIS_PROBLEM="replica 127.0.0.1:$other: role ${role:-no answer}"; return 1; }
    mport=$(redis_field "$other" master_port)
    link=$(redis_field "$other" master_link_status)
    [[ $mport == "$primary" && $link == up ]] \
        || { REDIS_PROBLEM="replica 127.0.0.1:$other: master port ${mport:-?}, link ${link:-?}"; return 1; }
    for i in 1 2 3; do
        p=$(rcli "${PORT[SENTINEL$i]}" sentinel ckquorum "$SENTINEL_NAME" | tr -d '\r')
        [[ $p == "OK 3 usable"* ]] || { REDIS_PROBLEM="sentinel $i: ${p:-no answer to ckquorum}"; return 1; }
        p=$(sentinel_replicas "${PORT[SENTINEL$i]}" | awk -v n="127.0.0.1:$other" '$1 == n { print $2 }')
        [[ $p == slave ]] || { REDIS_PROBLEM="sentinel $i sees replica 127.0.0.1:$other as ${p:-unknown}"; return 1; }
    done
    return 0
}

wait_redis() { # DEADLINE
    local deadline=$1
    until redis_check; do
        if (( SECONDS >= deadline )); then
            local f
            for f in "$DIR"/redis/*/*.log; do
                [[ -f $f ]] || continue
                log "last lines of $f:"
                tail -n 10 "$f" >&2 || true
            done
            die "Redis/Sentinel not ready in time: $REDIS_PROBLEM"
        fi
        sleep 0.25
    done
}

stop_redis() {
    local pids="" p name
    # sentinels first, so that they do not fail over while the servers go
    for name in sentinel1 sentinel2 sentinel3 redis1 redis2; do
        p=$(redis_pids "$name" | tr '\n' ' ')
        [[ -n ${p// /} ]] || continue
        log "stopping $name (pid ${p% })"
        # shellcheck disable=SC2086
        kill -TERM $p 2>/dev/null || true
        pids+="$p"
    done
    [[ -n ${pids// /} ]] || return 0
    wait_gone "$pids" "redis"
}

# ---------------------------------------------------------------------------------------------------
# subcommands

START_DONE=0
LAUNCHED_ANY=0
on_start_exit() {
    [[ $START_DONE == 1 ]] && return 0
    # a half-started cluster is of no use: when this run started something, stop it all
    if [[ $LAUNCHED_ANY == 1 ]]; then
        log "start failed: stopping what runs from $DIR"
        ( stop_all ) || true
    else
        log "start failed"
    fi
}

cmd_start() {
    DIR=$(abs_dir "$1")
    ensure_installed
    lock_dir
    local t0=$SECONDS deadline=$((SECONDS + START_TIMEOUT))
    if read_ports_file "$DIR/ports.env"; then
        log "reusing the ports in $DIR/ports.env"
    else
        pick_ports
    fi
    trap on_start_exit EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM

    # --- Galera: bootstrap node 1 when nothing runs, then the joiners
    prepare_galera_dirs
    local running n boot_pid=""
    running=$(running_nodes | tr '\n' ' ')
    if [[ -z ${running// /} ]]; then
        write_node_config 1
        init_node1_data
        launch_node 1 bootstrap
        boot_pid=$LAUNCHED_PID
    else
        log "Galera nodes running from $DIR: ${running% }"
    fi

    # --- Redis (fast; its sentinels find each other while Galera comes up)
    mkdir -p "$DIR/redis"
    local have=() i primary=""
    for i in 1 2; do [[ -n $(redis_pids "redis$i") ]] && have+=("$i"); done
    if (( ${#have[@]} == 0 )); then
        # fresh, or everything gone: start over (no persistence anyway)
        for i in 1 2 3; do [[ -z $(redis_pids "sentinel$i") ]] && rm -rf "$DIR/redis/sentinel$i"; done
        if [[ -n $(redis_pids sentinel1)$(redis_pids sentinel2)$(redis_pids sentinel3) ]]; then
            primary=$(current_primary)
        fi
        primary=${primary:-${PORT[REDIS1]}}
        i=$(redis_index_of "$primary") || i=1
        primary=${PORT[REDIS$i]}
        start_redis_server "$i"
        start_redis_server "$((3 - i))" "$primary"
    else
        for i in 1 2; do
            [[ -n $(redis_pids "redis$i") ]] || start_redis_server "$i" "$(primary_for_restart "$i")"
        done
        primary=$(current_primary)
        primary=${primary:-${PORT[REDIS${have[0]}]}}
    fi
    for i in 1 2 3; do
        [[ -n $(redis_pids "sentinel$i") ]] || start_sentinel "$i" "$primary"
    done

    # --- Galera joiners
    if [[ -n $boot_pid ]]; then
        wait_node 1 "$boot_pid" 1 "$deadline"
        log "Galera node 1 bootstrapped after $((SECONDS - t0)) s"
    fi
    local -a up
    mapfile -t up < <(running_nodes)
    (( ${#up[@]} )) || die "no Galera node runs"
    create_db_and_user "${up[0]}"
    local joined=0 want
    for n in "${NODES[@]}"; do
        [[ -n $(node_pids "$n") ]] && continue
        want=$(running_nodes | wc -l)
        wait_settled "$want" "$deadline"
        want=$((want + 1))
        launch_node "$n" join
        # one at a time: a donor serves one state transfer at a time
        wait_node "$n" "$LAUNCHED_PID" "$want" "$deadline"
        log "Galera node $n joined after $((SECONDS - t0)) s"
        joined=1
    done
    for n in "${NODES[@]}"; do wait_node "$n" "" 3 "$deadline"; done
    [[ $joined == 1 || -n $boot_pid ]] && log "Galera cluster of 3 ready after $((SECONDS - t0)) s"

    wait_redis "$deadline"
    log "Redis primary 127.0.0.1:$(sentinel_primary "${PORT[SENTINEL1]}") with its replica and 3 sentinels ready"
    START_DONE=1
    trap - EXIT INT TERM
    log "ready after $((SECONDS - t0)) s"
    print_env
}

stop_all() {
    # nodes 2 and 3 first, node 1 last, so that node 1 may bootstrap the next start
    stop_nodes 3 2
    stop_nodes 1
    stop_redis
    local left
    left=$(dir_pids | tr '\n' ' ')
    if [[ -n ${left// /} ]]; then
        log "stopping leftover processes of $DIR: ${left% }"
        # shellcheck disable=SC2086
        kill -TERM $left 2>/dev/null || true
        wait_gone "$left" "leftovers"
    fi
    local n sock
    for n in "${NODES[@]}"; do
        [[ -f $DIR/galera/node$n/my.cnf ]] || continue
        sock=$(node_sock "$n")
        # a socket outside DIR (the fallback for deep DIRs) is not thrown away with DIR
        if [[ $sock != "$DIR"/* && -S $sock ]]; then rm -f "$sock"; fi
    done
}

cmd_stop() {
    DIR=$(existing_dir "$1") || { log "no directory $1: nothing to stop"; return 0; }
    lock_dir
    if ! read_ports_file "$DIR/ports.env"; then
        log "no ports in $DIR/ports.env; stopping whatever runs from $DIR"
    fi
    stop_all
    log "stopped everything from $DIR"
}

check_node_arg() { [[ $1 =~ ^[123]$ ]] || die "bad node number: $1 (1, 2 or 3)"; }

cmd_kill_node() {
    DIR=$(existing_dir "$1") || die "no directory $1"
    check_node_arg "$2"
    lock_dir
    local pids
    pids=$(node_pids "$2" | tr '\n' ' ')
    if [[ -z ${pids// /} ]]; then
        log "Galera node $2 is not running"
        return 0
    fi
    log "SIGKILL Galera node $2 (pid ${pids% })"
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null || true
    wait_gone "$pids" "mariadbd"
}

cmd_start_node() {
    DIR=$(existing_dir "$1") || die "no directory $1"
    check_node_arg "$2"
    local n=$2 t0=$SECONDS
    lock_dir
    load_ports
    prepare_galera_dirs
    local want others mode=join pid
    others=$(running_nodes | grep -cvx "$n") || true
    if [[ -n $(node_pids "$n") ]]; then
        log "Galera node $n is running already"
        pid=""
        want=$((others + 1))
    else
        if (( others == 0 )); then
            log "no other Galera node runs: bootstrapping a new cluster from node $n"
            mode=bootstrap
        else
            # Right after a kill the others still count the dead node (until evs.suspect_timeout,
            # 5 s); a new incarnation joining in that window can leave the whole cluster
            # non-primary. So first wait until the running nodes agree on a cluster without it.
            wait_settled "$others" $((SECONDS + NODE_TIMEOUT))
        fi
        launch_node "$n" "$mode"
        pid=$LAUNCHED_PID
        want=$((others + 1))
    fi
    (( want == 3 )) || log "warning: only $want of 3 nodes run; waiting for a cluster of $want"
    local rc=0
    ( wait_node "$n" "$pid" "$want" $((SECONDS + NODE_TIMEOUT)) ) || rc=$?
    if (( rc != 0 )); then
        if [[ -n $pid ]] && pid_alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
        exit "$rc"
    fi
    # what the SST script says in the joiner's log since this start: IST, or a full SST
    local how errlog
    errlog="$(node_dir "$n")/error.log"
    how=$(awk '/Starting MariaDB/ { h = "" } /rsync IST completed on joiner/ { h = "IST" }
        /rsync SST completed on joiner/ { h = "full SST" } END { print h }' "$errlog" 2>/dev/null) || true
    [[ -z $pid ]] && how=""
    [[ $mode == bootstrap ]] && how="bootstrapped"
    log "Galera node $n Synced, cluster size $want, after $((SECONDS - t0)) s${how:+ ($how)}"
}

cmd_kill_redis_primary() {
    DIR=$(existing_dir "$1") || die "no directory $1"
    lock_dir
    load_ports
    local primary i pids
    primary=$(current_primary)
    [[ -n $primary ]] || die "no sentinel of $DIR names a primary"
    i=$(redis_index_of "$primary") || die "the sentinels' primary 127.0.0.1:$primary is not a server of $DIR"
    pids=$(redis_pids "redis$i" | tr '\n' ' ')
    [[ -n ${pids// /} ]] || die "the primary 127.0.0.1:$primary (Redis $i) is not running"
    log "SIGKILL Redis primary 127.0.0.1:$primary (pid ${pids% })"
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null || true
    wait_gone "$pids" "redis-server"
    echo "$primary"
}

cmd_start_redis() {
    DIR=$(existing_dir "$1") || die "no directory $1"
    local port=$2
    lock_dir
    load_ports
    local i t0=$SECONDS deadline=$((SECONDS + REDIS_TIMEOUT)) primary
    i=$(redis_index_of "$port") || die "127.0.0.1:$port is not a Redis server of $DIR (${PORT[REDIS1]}, ${PORT[REDIS2]})"
    if [[ -n $(redis_pids "redis$i") ]]; then
        log "Redis $i (127.0.0.1:$port) is running already"
    else
        primary=$(primary_for_restart "$i")
        start_redis_server "$i" "$primary"
    fi
    until ping_ok "$port"; do
        (( SECONDS < deadline )) || { tail -n 20 "$DIR/redis/redis$i/redis.log" >&2 2>/dev/null || true; die "Redis $i does not answer"; }
        sleep 0.1
    done
    # now wait until it replicates (or, if it is the primary, until the replica does) and the
    # sentinels see it healthy
    wait_redis "$deadline"
    log "Redis 127.0.0.1:$port is $(redis_field "$port" role) (primary 127.0.0.1:$(sentinel_primary "${PORT[SENTINEL1]}")) after $((SECONDS - t0)) s"
}

cmd_status() {
    DIR=$(existing_dir "$1") || die "no directory $1"
    load_ports
    local bad=0 n pids st i p role state size status
    for n in "${NODES[@]}"; do
        pids=$(node_pids "$n" | tr '\n' ' ')
        if [[ -z ${pids// /} ]]; then
            log "galera node$n 127.0.0.1:${PORT[SQL$n]}: DOWN"
            bad=1
            continue
        fi
        st=$(node_state "$n")
        if [[ -n $st ]]; then
            read -r state size status <<<"$st"
            log "galera node$n 127.0.0.1:${PORT[SQL$n]} pid ${pids% }: $state, cluster size $size, $status"
        else
            log "galera node$n 127.0.0.1:${PORT[SQL$n]} pid ${pids% }: not answering"
        fi
        [[ $st == "Synced 3 Primary" ]] || bad=1
    done
    for i in 1 2; do
        p=${PORT[REDIS$i]}
        if [[ -z $(redis_pids "redis$i") ]]; then
            log "redis$i 127.0.0.1:$p: DOWN"; bad=1; continue
        fi
        role=$(redis_field "$p" role)
        if [[ $role == slave ]]; then
            log "redis$i 127.0.0.1:$p: replica of 127.0.0.1:$(redis_field "$p" master_port), link $(redis_field "$p" master_link_status)"
        else
            log "redis$i 127.0.0.1:$p: ${role:-not answering}${role:+, $(redis_field "$p" connected_slaves) replica(s)}"
        fi
    done
    for i in 1 2 3; do
        p=${PORT[SENTINEL$i]}
        if [[ -z $(redis_pids "sentinel$i") ]]; then
            log "sentinel$i 127.0.0.1:$p: DOWN"; bad=1; continue
        fi
        log "sentinel$i 127.0.0.1:$p: primary 127.0.0.1:$(sentinel_primary "$p")"
    done
    if ! redis_check; then log "redis: $REDIS_PROBLEM"; bad=1; fi
    print_env
    if [[ $bad == 1 ]]; then log "something is down"; return 1; fi
    log "all up"
}

case ${1:-} in
    start) [[ $# == 2 ]] || usage; cmd_start "$2" ;;
    stop) [[ $# == 2 ]] || usage; cmd_stop "$2" ;;
    kill-node) [[ $# == 3 ]] || usage; cmd_kill_node "$2" "$3" ;;
    start-node) [[ $# == 3 ]] || usage; cmd_start_node "$2" "$3" ;;
    kill-redis-primary) [[ $# == 2 ]] || usage; cmd_kill_redis_primary "$2" ;;
    start-redis) [[ $# == 3 ]] || usage; cmd_start_redis "$2" "$3" ;;
    status) [[ $# == 2 ]] || usage; cmd_status "$2" ;;
    *) usage ;;
esac
