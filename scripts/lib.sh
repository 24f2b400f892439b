# Helpers of the throw-away servers' scripts (mariadb.sh, redis.sh, cluster.sh), sourced by each after it
# sets SCRIPT to its own name. Messages go to stderr: stdout is left for what a script prints for callers.
# shellcheck shell=bash

log() { printf '%s: %s\n' "$SCRIPT" "$*" >&2; }
die() { printf '%s: error: %s\n' "$SCRIPT" "$*" >&2; exit 1; }

find_bin() { # first of the names that is on PATH
    local n
    for n in "$@"; do
        if command -v "$n" >/dev/null 2>&1; then command -v "$n"; return 0; fi
    done
    return 1
}

abs_dir() { # make DIR, print its absolute physical path
    mkdir -p -- "$1" || die "cannot create directory $1"
    (cd -- "$1" && pwd -P)
}

port_in_use() { # something accepts connections on 127.0.0.1:$1
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

pid_alive() { # running, and not a zombie waiting to be reaped
    [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null || return 1
    local st
    st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
    [[ ${st%% *} != Z ]]
}

wait_gone() { # PIDS WHAT: wait until none of PIDS is alive; SIGKILL them after STOP_TIMEOUT (set by the script)
    local pids=$1 what=$2 t0=$SECONDS killed_at="" p alive
    while :; do
        alive=""
        for p in $pids; do if pid_alive "$p"; then alive+="$p "; fi; done
        [[ -z $alive ]] && return 0
        if [[ -z $killed_at ]] && (( SECONDS - t0 >= STOP_TIMEOUT )); then
            log "$what still running after ${STOP_TIMEOUT} s: SIGKILL $alive"
            # shellcheck disable=SC2086
            kill -KILL $alive 2>/dev/null || true
            killed_at=$SECONDS
        elif [[ -n $killed_at ]] && (( SECONDS - killed_at >= 10 )); then
            die "could not stop pid $alive ($what)"
        fi
        sleep 0.1
    done
}

# apt_install MISSING SERVICES: installs, as root, the Debian packages that the function MISSING prints
# (nothing printed: nothing to do). One install at a time on the machine, so that parallel runs of these
# scripts neither fight over dpkg's lock nor remove each other's policy-rc.d; Debian's own services are
# kept from starting, and SERVICES ("pidfile:service ...") are stopped should a package start one anyway.
apt_install() {
    local missing=$1 services=$2 pkgs
    pkgs=$("$missing")
    [[ -z $pkgs ]] && return 0
    command -v apt-get >/dev/null 2>&1 || die "missing ($pkgs) and apt-get is not available"
    [[ $(id -u) == 0 ]] || die "missing ($pkgs) and installing needs root"
    log "missing: installing $pkgs with apt-get (takes a while)"
    local made_policy=0 t0=$SECONDS
    exec 9>/run/lock/personas-apt-install.lock || exec 9>/tmp/personas-apt-install.lock
    flock -w 900 9 || die "waited 15 min for another install to finish"
    pkgs=$("$missing")
    if [[ -z $pkgs ]]; then
        log "installed meanwhile by another process"
        exec 9>&-
        return 0
    fi
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        made_policy=1
        trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    local apt_opts=(-o DPkg::Lock::Timeout=600 -o Dpkg::Use-Pty=0)
    apt-get "${apt_opts[@]}" update -qq >&2 || log "warning: apt-get update failed; trying the install anyway"
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends \
        $pkgs >&2 || die "apt-get install $pkgs failed"
    if [[ $made_policy == 1 ]]; then rm -f /usr/sbin/policy-rc.d; trap - EXIT; fi
    exec 9>&-
    local p svc
    for p in $services; do
        svc=${p##*:}; p=${p%:*}
        if [[ -s $p ]] && pid_alive "$(cat "$p")"; then
            log "stopping the system $svc service the install started"
            invoke-rc.d "$svc" stop >&2 2>&1 || service "$svc" stop >&2 2>&1 || kill "$(cat "$p")" 2>/dev/null || true
        fi
    done
    pkgs=$("$missing")
    [[ -z $pkgs ]] || die "still missing after the install: $pkgs"
    log "installed in $((SECONDS - t0)) s"
}
