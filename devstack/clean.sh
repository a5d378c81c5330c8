#!/usr/bin/env bash
# Stop everything (unstack.sh: the cloud's guests too) and remove the data dir
# (databases, keys, logs, virtualenv, guests' disks, volumes), and the guests' directory
# stack.sh made outside it when QEMU could not reach the data dir
# (/var/lib/sovra/devstack-<hash>, see choose_instances_path in stack.sh).
set -euo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib/settings.sh
source "$TOP/devstack/lib/settings.sh"
# shellcheck source=lib/packages.sh
source "$TOP/devstack/lib/packages.sh"
instances=$(sovra_instances_path)
"$TOP/devstack/unstack.sh"

# remove DIR: as this user, else as root (files QEMU or virtlogd wrote as theirs).
remove() {
    echo "removing $1"
    rm -rf "$1" 2>/dev/null || sovra_as_root rm -rf "$1"
}
# (only the one stack.sh made for this data dir: it wrote whose it is in data-dir)
base=${instances%/instances}
if [[ $instances == /var/lib/sovra/devstack-*/instances && -d $base && -d $DATA_DIR &&
      $(cat "$base/data-dir" 2>/dev/null) == "$(realpath "$DATA_DIR")" ]]; then
    remove "$base"
fi
if [[ -d $DATA_DIR ]]; then
    remove "$DATA_DIR"
fi
# volumes kept outside the data dir (SOVRA_BLOCK_VOLUME_DIR: perhaps an NFS mount
# that other clouds or files share) are not removed: say where they are
if [[ -d $BLOCK_VOLUME_DIR ]]; then
    echo "clean: volumes are left in $BLOCK_VOLUME_DIR (SOVRA_BLOCK_VOLUME_DIR, outside" \
         "the data dir): remove them yourself"
fi
