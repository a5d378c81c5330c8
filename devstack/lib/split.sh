#!/bin/bash
# PROCESSES=split: one process per component (`sovra-<component>`, e.g.
# sovra-image-api), each kept running by its own supervisor
# (devstack/tools/supervise.py: restarts it when it dies).
#   run/sovra-<component>.pid     the supervisor (unstack.sh stops it, it stops the process)
#   run/sovra-<component>.child   the component's process itself
#   log/sovra-<component>.out     its output and the supervisor's lines
#   log/sovra-<component>.log     its log
# A component reads sovra.conf, then its service's sovra-<service>.conf (the service
# is the component's name up to the first dash). Sourced by stack.sh (uses say/die).

declare -gA _SPLIT_LOG_OFFSET=()

# start_split COMPONENT...: a supervised process per COMPONENT (e.g. image-api).
start_split() {
    local component service name out
    for component in "$@"; do
        service=${component%%-*}
        name=sovra-$component
        out=$LOG_DIR/$name.out
        [[ -x $VENV/bin/$name ]] || die "$VENV/bin/$name not found: reinstall Sovra"
        touch "$out"
        _SPLIT_LOG_OFFSET[$component]=$(stat -c %s "$out")
        say "starting $name (supervised)"
        nohup "$VENV/bin/python" "$TOP/devstack/tools/supervise.py" --name "$name" \
            --child-pidfile "$RUN_DIR/$name.child" --log "$out" -- \
            "$VENV/bin/$name" --config-file "$ETC_DIR/sovra.conf" \
            --config-file "$ETC_DIR/sovra-$service.conf" \
            < /dev/null > /dev/null 2>&1 &
        echo $! > "$RUN_DIR/$name.pid"
    done
}

# split_check SERVICE: fail (die) when the supervisor of SERVICE's API is gone or the
# API died since start_split (a crash at start-up would be restarted again and again).
split_check() {
    local component=$1-api name=sovra-$1-api
    local out=$LOG_DIR/$name.out
    local since
    since=$(tail -c +"$((${_SPLIT_LOG_OFFSET[$component]:-0} + 1))" "$out")
    if ! sovra_pid_alive "$RUN_DIR/$name.pid" ||
        [[ $since == *"supervise[$name]: pid "*" exited"* ]]; then
        tail -n 30 "$out" >&2
        die "$name exited at start; see $out and $LOG_DIR/$name.log"
    fi
}

split_logs() {
    echo "$LOG_DIR/sovra-<component>.log (and .out: output, restarts)"
}
