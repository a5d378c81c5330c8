#!/usr/bin/env bash
# Stop everything devstack/stack.sh started (by the PIDs it recorded under the data
# dir's run/), and wait until it has stopped: the APIs first, then the servers of
# full mode (etcd, RabbitMQ, MariaDB). Keeps the data.
set -euo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib/settings.sh
source "$TOP/devstack/lib/settings.sh"
# shellcheck source=lib/processes.sh
source "$TOP/devstack/lib/processes.sh"
SOVRA_STOPPED=0
if [[ -d $RUN_DIR ]]; then
    sovra_stop_all
fi
echo "unstack: stopped $SOVRA_STOPPED process(es)"
