#!/bin/bash
# PROCESSES=allinone: every API in one `sovra-allinone` process (lite mode).
# Sourced by stack.sh (uses its say/die).

ALLINONE_PIDFILE=$RUN_DIR/allinone.pid
ALLINONE_OUT=$LOG_DIR/sovra-allinone.out

# start_allinone COMPONENT...: one process for them all (e.g. identity-api image-api).
start_allinone() {
    local list
    list=$(IFS=,; echo "$*")
    say "starting sovra-allinone: $list"
    nohup "$VENV/bin/sovra-allinone" --config-dir "$ETC_DIR" --components "$list" \
        < /dev/null >> "$ALLINONE_OUT" 2>&1 &
    echo $! > "$ALLINONE_PIDFILE"
}

# allinone_check SERVICE: fail (die) when the process that serves SERVICE is gone.
allinone_check() {
    if ! sovra_pid_alive "$ALLINONE_PIDFILE"; then
        tail -n 30 "$ALLINONE_OUT" >&2
        die "sovra-allinone exited; see $LOG_DIR/sovra-allinone.log"
    fi
}

allinone_logs() {
    echo "$LOG_DIR/sovra-allinone.log"
}
