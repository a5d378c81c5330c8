#!/bin/bash
# Make the host's libvirtd answer on qemu:///system (devstack/lib/libvirt.sh):
# start it and virtlogd unless it answers already, then print the URI on stdout.
# For the tests (tests/integration/servers.py) and operators. Needs root or sudo
# when it has to start them.
#
#   devstack/tools/start-libvirt.sh [STATEFILE]          start; prints qemu:///system
#   devstack/tools/start-libvirt.sh --stop [STATEFILE]   stop what that start started
#
# STATEFILE records what was started (default: $SOVRA_DATA_DIR/run/libvirt.started,
# i.e. .stack/run/ of this clone); --stop stops only that, never a libvirtd that
# was running before.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../lib/packages.sh
source "$TOP/devstack/lib/packages.sh"
# shellcheck source=../lib/processes.sh
source "$TOP/devstack/lib/processes.sh"
# shellcheck source=../lib/libvirt.sh
source "$TOP/devstack/lib/libvirt.sh"

stop=
if [[ ${1:-} == --stop ]]; then
    stop=1
    shift
fi
if [[ $# -gt 1 || ${1:-} == -* ]]; then
    echo "usage: $0 [--stop] [STATEFILE]" >&2
    exit 2
fi
state=${1:-${SOVRA_DATA_DIR:-$TOP/.stack}/run/libvirt.started}

if [[ -n $stop ]]; then
    sovra_libvirt_stop "$state"
else
    sovra_libvirt_start "$state"
    echo "$SOVRA_LIBVIRT_URI"
fi
