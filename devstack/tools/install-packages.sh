#!/bin/bash
# Install the Debian packages of one or more groups (see devstack/lib/packages.sh).
# Quick no-op when they are all installed; needs root or sudo otherwise.
#
#   devstack/tools/install-packages.sh test
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../lib/packages.sh
source "$TOP/devstack/lib/packages.sh"

if [[ $# -eq 0 ]]; then
    echo "usage: $0 GROUP... (groups: ${!SOVRA_PACKAGE_GROUPS[*]})" >&2
    exit 2
fi
sovra_install_package_groups "$@"
