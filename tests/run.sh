#!/usr/bin/env bash
# Run Sovra's tests (README's test command): every tier, through tox.
#
#   tests/run.sh                      lint, then unit, functional and integration
#                                     in one environment (tox.ini: suite)
#   tests/run.sh -e unit              one tier
#   tests/run.sh -e unit -- -k name   arguments after -- go to pytest
#
# Works on a fresh Debian/Ubuntu machine: tox lives in its own virtualenv
# (.tox/.runner), so the system python is never pip-installed into; python3-venv,
# the integration tier's servers and qemu-img are installed from Debian packages
# when missing (as root, or with sudo).
set -euo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNNER=$TOP/.tox/.runner
# shellcheck source=../devstack/lib/packages.sh
source "$TOP/devstack/lib/packages.sh"

if [[ ! -x $RUNNER/bin/tox ]]; then
    if ! python3 -c 'import ensurepip' 2>/dev/null; then
        sovra_install_package_groups ci
    fi
    echo "tests/run.sh: installing tox into $RUNNER"
    python3 -m venv "$RUNNER"
    "$RUNNER/bin/python" -m pip install --quiet --disable-pip-version-check tox
fi
# The Debian packages the tests use (servers, qemu-img), before any tier runs: a
# no-op once installed.
sovra_install_package_groups test
cd "$TOP"
exec "$RUNNER/bin/tox" "$@"
