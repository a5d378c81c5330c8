#!/usr/bin/env bash
# Stop everything devstack/stack.sh started (by the PIDs it recorded), and wait until
# it has stopped. Keeps the data.
set -euo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib/settings.sh
source "$TOP/devstack/lib/settings.sh"
shopt -s nullglob
stopped=0
for pidfile in "$RUN_DIR"/*.pid; do
    pid=$(cat "$pidfile")
    name=$(basename "$pidfile" .pid)
    if kill -0 "$pid" 2>/dev/null; then
        echo "stopping $name (pid $pid)"
        kill "$pid"
        for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$pid" 2>/dev/null; then
            echo "$name did not stop in 15 s: killing it"
            kill -9 "$pid" 2>/dev/null || true
        fi
        stopped=$((stopped + 1))
    fi
    rm -f "$pidfile"
done
echo "unstack: stopped $stopped process(es)"
