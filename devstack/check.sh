#!/usr/bin/env bash
# Is this devstack cloud whole? Run on the controller (as its user, after stack.sh):
#
#   devstack/check.sh        exit status 0: every service and agent is up; 1: not
#
# It is `sovra status` (every service of the catalog, and every agent the services
# list: compute agents, volume backends, network agents), plus what only devstack
# knows: which network agents should be there. The network API lists an agent it
# has seen, dead ones as down (`alive: false`), but one that died before any
# request saw it is not listed at all; when this cloud runs network agents
# (stack.sh as root), every node with a compute agent runs one (stack.sh starts
# both), and the controller does: one of them not listed is missing.
set -euo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib/settings.sh
source "$TOP/devstack/lib/settings.sh"

if [[ $NODE_ROLE != controller ]]; then
    echo "check.sh: this is compute node $NODE_NAME: run it on the controller" \
         "($SERVICE_HOST), which has the cloud's credentials" >&2
    exit 2
fi
if [[ ! -f $DATA_DIR/clouds.yaml || ! -x $VENV/bin/sovra ]]; then
    echo "check.sh: no cloud in $DATA_DIR (run devstack/stack.sh first)" >&2
    exit 2
fi
expect_network=
if grep -qsx '\[network_agent\]' "$ETC_DIR/sovra-network.conf"; then
    expect_network=$NODE_NAME
fi

status=0
json=$(OS_CLIENT_CONFIG_FILE=$DATA_DIR/clouds.yaml "$VENV/bin/sovra" \
    --os-cloud sovra-admin status -f json) || status=$?
SOVRA_STATUS_JSON=$json "$VENV/bin/python" - "$status" "$expect_network" <<'PY'
import json, os, sys

status, controller = int(sys.argv[1]), sys.argv[2]
try:
    rows = json.loads(os.environ["SOVRA_STATUS_JSON"] or "[]")
except ValueError:
    rows = []
if not rows:
    print("check.sh: `sovra status` listed nothing (is the cloud up?)", file=sys.stderr)
    sys.exit(status or 1)
if controller:   # this cloud runs network agents: one per compute node, and here
    listed = {r["Name"] for r in rows if r["Service"] == "network agent"}
    wanted = {controller} | {r["Name"] for r in rows if r["Service"] == "compute agent"}
    for host in sorted(wanted - listed):
        rows.append({"Service": "network agent", "Name": host, "Endpoint": "",
                     "Status": "down (not listed: no heartbeat)", "Version": ""})
        status = 1
columns = ("Service", "Name", "Endpoint", "Status", "Version")
widths = [max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns]
for row in [dict(zip(columns, columns))] + rows:
    print("  ".join(str(row.get(c, "")).ljust(w) for c, w in zip(columns, widths)).rstrip())
down = [f"{r['Service']} {r['Name']}".strip() for r in rows
        if str(r["Status"]).startswith("down")]
print(f"\ndown: {', '.join(down)}" if down else "\nall up")
sys.exit(1 if down else status)
PY
