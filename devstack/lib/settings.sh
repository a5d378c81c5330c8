#!/bin/bash
# Settings every devstack script shares. Override any of them in the environment.
# shellcheck disable=SC2034  # sourced: the variables are used by the scripts

TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
DATA_DIR=${SOVRA_DATA_DIR:-$TOP/.stack}
# An existing virtualenv to install into instead of $DATA_DIR/venv (e.g. tox's).
VENV=${SOVRA_VENV:-$DATA_DIR/venv}
ETC_DIR=$DATA_DIR/etc
LOG_DIR=$DATA_DIR/log
RUN_DIR=$DATA_DIR/run
STATE_DIR=$DATA_DIR/data
SECRETS_DIR=$DATA_DIR/secrets

# Where the APIs listen and what the catalog says (loopback unless told otherwise).
SERVICE_HOST=${SOVRA_SERVICE_HOST:-127.0.0.1}
REGION=${SOVRA_REGION:-RegionOne}

# service -> port: the upstream defaults, so clients' expectations hold;
# SOVRA_<SERVICE>_PORT overrides one (a second cloud on the same machine, tests).
declare -gA SOVRA_PORTS=(
    [identity]=${SOVRA_IDENTITY_PORT:-5000}
    [placement]=${SOVRA_PLACEMENT_PORT:-8778}
    [image]=${SOVRA_IMAGE_PORT:-9292}
    [compute]=${SOVRA_COMPUTE_PORT:-8774}
    [network]=${SOVRA_NETWORK_PORT:-9696}
    [block]=${SOVRA_BLOCK_PORT:-8776}
)

# A secret: from the environment if given, else generated once and kept (0600) in
# the data dir, so a second stack.sh run reuses it.
sovra_secret() {
    local name=$1 env_value=${2:-}
    local file=$SECRETS_DIR/$name
    if [[ -n $env_value ]]; then
        printf '%s' "$env_value"
        return
    fi
    if [[ ! -s $file ]]; then
        (umask 077 && mkdir -p "$SECRETS_DIR" &&
            python3 -c 'import secrets; print(secrets.token_urlsafe(18), end="")' > "$file")
    fi
    cat "$file"
}
