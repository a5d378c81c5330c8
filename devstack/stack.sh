#!/usr/bin/env bash
# Bring a Sovra cloud up on this machine, from a clone. See README.md.
#
#   devstack/stack.sh            lite mode: SQLite, in-process bus, one process
#
# Everything it makes lives in the data dir: $SOVRA_DATA_DIR, default .stack/ in the
# clone (virtualenv, config, databases, logs). Running it again is safe.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DATA_DIR=${SOVRA_DATA_DIR:-$TOP/.stack}
VENV=$DATA_DIR/venv
# shellcheck source=lib/packages.sh
source "$TOP/devstack/lib/packages.sh"

started=$SECONDS
say() { printf '[stack %3ds] %s\n' $((SECONDS - started)) "$*"; }

ensure_python_venv() {
    # Debian's python3 has no ensurepip/pip until python3-venv is installed.
    if ! python3 -c 'import ensurepip' 2>/dev/null; then
        say "installing python3-venv (Debian package)"
        sovra_install_package_groups ci
    fi
}

install_sovra() {
    if [[ ! -x $VENV/bin/python ]]; then
        say "creating virtualenv $VENV"
        python3 -m venv "$VENV"
    fi
    # Reinstall only when the packaging metadata changed (editable: code is live).
    local stamp=$DATA_DIR/.installed want
    want=$(cat "$TOP/pyproject.toml" "$TOP/setup.cfg" | sha256sum | cut -d' ' -f1)
    if [[ $(cat "$stamp" 2>/dev/null) != "$want" ]]; then
        say "installing Sovra into the virtualenv (pip install -e)"
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$TOP"
        echo "$want" > "$stamp"
    else
        say "Sovra already installed in $VENV"
    fi
}

# The services this checkout can run: a service is runnable once its package has an
# API entry point (sovra_<name>/cmd/api.py).
available_services() {
    local name
    for name in identity placement image compute network block; do
        if [[ -f $TOP/$name-svc/sovra_$name/cmd/api.py ]]; then
            echo "$name"
        fi
    done
}

main() {
    mkdir -p "$DATA_DIR"/{etc,log}
    ensure_python_venv
    install_sovra
    local -a services
    mapfile -t services < <(available_services)
    if [[ ${#services[@]} -eq 0 ]]; then
        cat <<MSG

Sovra's common library is installed in $VENV, but no service is built yet in
this checkout, so there is no cloud to start. Nothing is running.

What you can do now:
  run the tests:        tests/run.sh
  use the library:      $VENV/bin/python -c 'import sovra_common'
MSG
        return 0
    fi
    say "services to start: ${services[*]}"
}

main "$@"
