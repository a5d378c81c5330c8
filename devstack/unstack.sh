#!/usr/bin/env bash
# Stop everything devstack/stack.sh started (by the PIDs it recorded). Keeps the data.
set -euo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DATA_DIR=${SOVRA_DATA_DIR:-$TOP/.stack}
shopt -s nullglob
stopped=0
for pidfile in "$DATA_DIR"/run/*.pid; do
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
        echo "stopping $(basename "$pidfile" .pid) (pid $pid)"
        kill "$pid"
        stopped=$((stopped + 1))
    fi
    rm -f "$pidfile"
done
echo "unstack: stopped $stopped process(es)"
