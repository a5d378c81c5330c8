#!/usr/bin/env bash
# Bring a Sovra cloud up on this machine, from a clone. See README.md.
#
#   devstack/stack.sh        lite mode: SQLite, in-process bus, one sovra-allinone
#
# Everything it makes lives in the data dir, $SOVRA_DATA_DIR (default .stack/ in the
# clone): virtualenv, config, databases, keys, logs, clouds.yaml. Running it again is
# safe: it restarts the cloud with the same data and passwords.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib/settings.sh
source "$TOP/devstack/lib/settings.sh"
# shellcheck source=lib/packages.sh
source "$TOP/devstack/lib/packages.sh"

started=$SECONDS
say() { printf '[stack %3ds] %s\n' $((SECONDS - started)) "$*"; }
die() { printf 'stack.sh: %s\n' "$*" >&2; exit 1; }

ADMIN_PASSWORD=$(sovra_secret admin "${SOVRA_ADMIN_PASSWORD:-}")
DEMO_PASSWORD=$(sovra_secret demo "${SOVRA_DEMO_PASSWORD:-}")
AUTH_URL=http://$SERVICE_HOST:${SOVRA_PORTS[identity]}/v3

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
        say "installing Sovra and the openstack CLI into the virtualenv"
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
            -e "$TOP" python-openstackclient osc-placement
        echo "$want" > "$stamp"
    else
        say "Sovra already installed in $VENV"
    fi
}

# The components this checkout provides (sovra.components entry points).
available_components() {
    "$VENV/bin/python" - <<'PY'
from importlib.metadata import entry_points
print("\n".join(sorted(e.name for e in entry_points(group="sovra.components"))))
PY
}

write_common_conf() {
    cat > "$ETC_DIR/sovra.conf" <<CONF
# Written by devstack/stack.sh: what every component of this cloud shares.
[DEFAULT]
log_dir = $LOG_DIR

[auth]
strategy = keystone
www_authenticate_uri = $AUTH_URL

[messaging]
# lite mode: the bus inside the sovra-allinone process
transport_url = sovra-inproc://
CONF
}

# write_service_conf SERVICE [extra config lines...]
write_service_conf() {
    local service=$1; shift
    local file=$ETC_DIR/sovra-$service.conf
    {
        echo "# Written by devstack/stack.sh."
        echo "[api]"
        echo "bind_host = $SERVICE_HOST"
        echo "bind_port = ${SOVRA_PORTS[$service]}"
        echo
        echo "[database]"
        echo "connection = sqlite:///$STATE_DIR/$service.db"
        if [[ $service != identity ]]; then
            echo
            echo "[service_auth]"
            echo "auth_type = password"
            echo "auth_url = $AUTH_URL"
            echo "username = $service"
            echo "password = $(sovra_secret "service-$service")"
            echo "user_domain_id = default"
            echo "project_name = service"
            echo "project_domain_id = default"
        fi
        local line
        for line in "$@"; do echo "$line"; done
    } > "$file"
    chmod 600 "$file"
}

manage() {
    local service=$1; shift
    "$VENV/bin/sovra-manage" "$service" "$@" --config-file "$ETC_DIR/sovra.conf" \
        --config-file "$ETC_DIR/sovra-$service.conf"
}

configure_identity() {
    write_service_conf identity \
        "" "[fernet_tokens]" "key_repository = $STATE_DIR/fernet-keys" \
        "" "[credential]" "key_repository = $STATE_DIR/credential-keys"
    manage identity db sync
    if [[ ! -d $STATE_DIR/fernet-keys ]]; then
        manage identity fernet setup
    fi
    if [[ ! -d $STATE_DIR/credential-keys ]]; then
        manage identity credential-keys setup
    fi
    SOVRA_BOOTSTRAP_PASSWORD=$ADMIN_PASSWORD manage identity bootstrap \
        --region "$REGION" --public-url "$AUTH_URL" >/dev/null
}

# configure_service SERVICE TYPE [extra config lines...]: config, database, catalog.
configure_service() {
    local service=$1 type=$2; shift 2
    write_service_conf "$service" "$@"
    manage "$service" db sync
    SOVRA_SERVICE_PASSWORD=$(sovra_secret "service-$service") manage identity \
        register-service --type "$type" --name "$service" --region "$REGION" \
        --public-url "http://$SERVICE_HOST:${SOVRA_PORTS[$service]}" \
        --user "$service" >/dev/null
}

stop_running_cloud() {
    local pidfile=$RUN_DIR/allinone.pid pid
    [[ -f $pidfile ]] || return 0
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
        say "stopping the running cloud (pid $pid) to restart it"
        kill "$pid"
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$pidfile"
}

start_cloud() {
    local -a components=("$@")
    local list
    list=$(IFS=,; echo "${components[*]}")
    say "starting sovra-allinone: $list"
    nohup "$VENV/bin/sovra-allinone" --config-dir "$ETC_DIR" --components "$list" \
        >> "$LOG_DIR/sovra-allinone.out" 2>&1 &
    echo $! > "$RUN_DIR/allinone.pid"
}

wait_for_api() {
    local service=$1 url="http://$SERVICE_HOST:${SOVRA_PORTS[$1]}/" pid
    pid=$(cat "$RUN_DIR/allinone.pid")
    for _ in $(seq 300); do
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 30 "$LOG_DIR/sovra-allinone.out" >&2
            die "sovra-allinone exited; see $LOG_DIR/sovra-allinone.log"
        fi
        if "$VENV/bin/python" -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1], timeout=1)" "$url" 2>/dev/null; then
            return 0
        fi
        # 300/multiple choices is a fine answer for version discovery
        if "$VENV/bin/python" -c "
import urllib.request, urllib.error, sys
try:
    urllib.request.urlopen(sys.argv[1], timeout=1)
except urllib.error.HTTPError:
    sys.exit(0)
sys.exit(1)" "$url" 2>/dev/null; then
            return 0
        fi
        sleep 0.2
    done
    die "$service did not answer at $url within 60 s; see $LOG_DIR/sovra-allinone.log"
}

write_client_config() {
    (umask 077 && cat > "$DATA_DIR/clouds.yaml" <<YAML
# Written by devstack/stack.sh. Use: export OS_CLIENT_CONFIG_FILE=$DATA_DIR/clouds.yaml
clouds:
  sovra-admin:
    auth:
      auth_url: $AUTH_URL
      username: admin
      password: $ADMIN_PASSWORD
      project_name: admin
      user_domain_id: default
      project_domain_id: default
    region_name: $REGION
    identity_api_version: 3
  sovra-demo:
    auth:
      auth_url: $AUTH_URL
      username: demo
      password: $DEMO_PASSWORD
      project_name: demo
      user_domain_id: default
      project_domain_id: default
    region_name: $REGION
    identity_api_version: 3
YAML
    cat > "$DATA_DIR/openrc" <<RC
# Written by devstack/stack.sh. Use: source $DATA_DIR/openrc [admin|demo]
_user=\${1:-admin}
export OS_AUTH_URL=$AUTH_URL OS_IDENTITY_API_VERSION=3 OS_REGION_NAME=$REGION
export OS_USERNAME=\$_user OS_PROJECT_NAME=\$_user
export OS_USER_DOMAIN_ID=default OS_PROJECT_DOMAIN_ID=default
if [ "\$_user" = admin ]; then export OS_PASSWORD='$ADMIN_PASSWORD'; else export OS_PASSWORD='$DEMO_PASSWORD'; fi
export PATH=$VENV/bin:\$PATH
unset _user
RC
    )
}

main() {
    mkdir -p "$ETC_DIR" "$LOG_DIR" "$RUN_DIR" "$STATE_DIR"
    ensure_python_venv
    install_sovra
    local -a components
    mapfile -t components < <(available_components)
    if [[ ! " ${components[*]} " =~ " identity-api " ]]; then
        die "this checkout has no identity service: nothing to bring up"
    fi
    stop_running_cloud

    say "configuring identity (database, Fernet keys, admin)"
    write_common_conf
    configure_identity
    local -a services=(identity)
    local component
    for component in "${components[@]}"; do
        case $component in
            placement-api)
                say "configuring placement"
                configure_service placement placement
                services+=(placement) ;;
            image-api)
                say "configuring image"
                configure_service image image "" "[image]" \
                    "filesystem_store_datadir = $STATE_DIR/images" \
                    "staging_dir = $STATE_DIR/image-staging"
                services+=(image) ;;
        esac
    done

    local -a enabled=()
    local service
    for service in "${services[@]}"; do enabled+=("$service-api"); done
    start_cloud "${enabled[@]}"
    for service in "${services[@]}"; do
        wait_for_api "$service"
        say "$service is up: http://$SERVICE_HOST:${SOVRA_PORTS[$service]}"
    done
    SOVRA_AUTH_URL=$AUTH_URL SOVRA_ADMIN_PASSWORD=$ADMIN_PASSWORD \
        SOVRA_DEMO_PASSWORD=$DEMO_PASSWORD "$VENV/bin/python" "$TOP/devstack/tools/seed_demo.py"
    write_client_config

    cat <<MSG

Sovra is up in $((SECONDS - started)) s (lite mode, one sovra-allinone process).
  services:   ${services[*]}
  identity:   $AUTH_URL
  admin:      admin / $ADMIN_PASSWORD   (project admin)
  demo:       demo / $DEMO_PASSWORD    (project demo)
  logs:       $LOG_DIR/sovra-allinone.log

Try it:
  export OS_CLIENT_CONFIG_FILE=$DATA_DIR/clouds.yaml PATH=$VENV/bin:\$PATH
  openstack --os-cloud sovra-admin catalog list
  openstack --os-cloud sovra-demo token issue
$(if [[ " ${services[*]} " =~ " image " ]]; then echo "  openstack --os-cloud sovra-demo image create --file <disk.qcow2> --disk-format qcow2 my-image"; fi)

Stop it with devstack/unstack.sh; remove everything with devstack/clean.sh.
MSG
}

main "$@"
