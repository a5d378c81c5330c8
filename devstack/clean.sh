#!/usr/bin/env bash
# Stop everything and remove the data dir (databases, keys, logs, virtualenv).
set -euo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib/settings.sh
source "$TOP/devstack/lib/settings.sh"
"$TOP/devstack/unstack.sh"
if [[ -d $DATA_DIR ]]; then
    echo "removing $DATA_DIR"
    rm -rf "$DATA_DIR"
fi
