#!/bin/bash
# Processes that devstack starts: PID files under $RUN_DIR, ports, and stopping.
# Sourced after lib/settings.sh. Only what a PID file of this data dir names is
# ever stopped: never a process by name.

# sovra_pid_alive PIDFILE: true when PIDFILE names a live process (not a zombie).
sovra_pid_alive() {
    local pid=
    { read -r pid < "$1" || true; } 2>/dev/null   # (a last line may lack its newline)
    _sovra_alive "$pid"
}

# _sovra_alive PID: true when PID is a live process (not a zombie).
_sovra_alive() {
    local stat
    [[ $1 =~ ^[0-9]+$ ]] || return 1
    { read -r stat < "/proc/$1/stat"; } 2>/dev/null || return 1
    stat=${stat##*) }   # after "pid (comm) ": comm may hold spaces
    [[ ${stat:0:1} != Z ]]
}

# sovra_port_open HOST PORT: true when something accepts TCP connections there.
sovra_port_open() {
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# sovra_stop_pidfiles TIMEOUT_S PIDFILE...: SIGTERM every live process the PID files
# name, all at once; wait until they are gone (SIGKILL what is left after
# TIMEOUT_S); remove the PID files. Prints "stopping NAME (pid N)" for each, and
# sets SOVRA_STOPPED to how many live processes it stopped.
sovra_stop_pidfiles() {
    local timeout=$1; shift
    local pidfile pid name i
    local -a pids=()
    SOVRA_STOPPED=0
    local -a names=()
    # read them all before signalling any: a server removes its PID file as it stops
    for pidfile in "$@"; do
        pid=
        { read -r pid < "$pidfile"; } 2>/dev/null || true
        if _sovra_alive "$pid"; then
            name=$(basename "$pidfile")
            pids+=("$pid"); names+=("${name%.*}")
        fi
    done
    for i in "${!pids[@]}"; do
        echo "stopping ${names[i]} (pid ${pids[i]})"
        kill "${pids[i]}" 2>/dev/null || true
    done
    SOVRA_STOPPED=${#pids[@]}
    for ((i = 0; i < timeout * 10; i++)); do
        _sovra_any_alive "${pids[@]}" || break
        sleep 0.1
    done
    for pid in "${pids[@]}"; do
        if _sovra_alive "$pid"; then
            echo "pid $pid did not stop in $timeout s: killing it"
            kill -9 "$pid" 2>/dev/null || true
        fi
    done
    for ((i = 0; i < 50; i++)); do _sovra_any_alive "${pids[@]}" || break; sleep 0.1; done
    rm -f "$@"
}

_sovra_any_alive() {
    local pid
    for pid in "$@"; do _sovra_alive "$pid" && return 0; done
    return 1
}

# sovra_stop_all: stop everything the PID files of $RUN_DIR name, in order: the
# cloud's processes (the all-in-one, the supervisors), then any API a killed
# supervisor left, then the servers they used (etcd, RabbitMQ, MariaDB and anything
# else), then RabbitMQ's epmd. Sets SOVRA_STOPPED to the total.
sovra_stop_all() {
    local total=0 f
    local -a apis=() children=() servers=() epmd=()
    shopt -s nullglob
    apis=("$RUN_DIR"/allinone.pid "$RUN_DIR"/sovra-*.pid)
    children=("$RUN_DIR"/*.child)
    for f in "$RUN_DIR"/*.pid; do
        case ${f##*/} in
            allinone.pid | sovra-*.pid) ;;
            epmd.pid) epmd+=("$f") ;;
            *) servers+=("$f") ;;
        esac
    done
    shopt -u nullglob
    # a server may take a while to stop cleanly (RabbitMQ, MariaDB): 30 s each tier
    sovra_stop_pidfiles 30 "${apis[@]}"; total=$((total + SOVRA_STOPPED))
    sovra_stop_pidfiles 30 "${children[@]}"; total=$((total + SOVRA_STOPPED))
    sovra_stop_pidfiles 30 "${servers[@]}"; total=$((total + SOVRA_STOPPED))
    sovra_stop_pidfiles 30 "${epmd[@]}"; total=$((total + SOVRA_STOPPED))
    SOVRA_STOPPED=$total
}
