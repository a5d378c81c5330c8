#!/usr/bin/env bash
# Bring a Sovra cloud up on this machine, from a clone. See README.md.
#
#   devstack/stack.sh        lite mode: SQLite, in-process bus, one sovra-allinone
#
# devstack/local.conf (see local.conf.sample; or $SOVRA_LOCAL_CONF) chooses another:
# MODE=full is MariaDB, RabbitMQ and etcd (installed and started by this script, no
# systemd) and one supervised process per API.
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
# shellcheck source=lib/processes.sh
source "$TOP/devstack/lib/processes.sh"
# shellcheck source=lib/allinone.sh
source "$TOP/devstack/lib/allinone.sh"
# shellcheck source=lib/split.sh
source "$TOP/devstack/lib/split.sh"
# shellcheck source=lib/mariadb.sh
source "$TOP/devstack/lib/mariadb.sh"
# shellcheck source=lib/rabbitmq.sh
source "$TOP/devstack/lib/rabbitmq.sh"
# shellcheck source=lib/etcd.sh
source "$TOP/devstack/lib/etcd.sh"

started=$SECONDS
say() { printf '[stack %3ds] %s\n' $((SECONDS - started)) "$*"; }
die() { printf 'stack.sh: %s\n' "$*" >&2; exit 1; }

sovra_check_settings || exit 1
MODE_LABEL=$(sovra_mode_label)
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
        # never turn an existing directory (SOVRA_VENV=/usr...) into a virtualenv
        if [[ -d $VENV && -n $(ls -A "$VENV") ]]; then
            die "SOVRA_VENV=$VENV is not a virtualenv (no bin/python) and not empty"
        fi
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

# The servers the chosen settings need (MariaDB, RabbitMQ, etcd): install the Debian
# packages if missing, start them (or reuse those a previous run started), wait until
# they answer, create the services' databases. Stops those a previous run started
# that the settings no longer use.
start_servers() {
    local -a databases=("$@") groups=()
    [[ $DATABASE == mysql ]] && groups+=(mysql)
    [[ $MESSAGING == rabbit ]] && groups+=(rabbit)
    [[ $COORDINATION == etcd ]] && groups+=(etcd)
    local pidfile
    for pidfile in "$RUN_DIR"/{mariadb,etcd,rabbitmq,rabbitmq-launcher,epmd}.pid; do
        case $(basename "$pidfile" .pid) in
            mariadb) [[ $DATABASE == mysql ]] && continue ;;
            etcd) [[ $COORDINATION == etcd ]] && continue ;;
            *) [[ $MESSAGING == rabbit ]] && continue ;;
        esac
        sovra_stop_pidfiles 30 "$pidfile" | sed 's/^/    /'
    done
    [[ ${#groups[@]} -eq 0 ]] && return 0
    say "Debian packages for: ${groups[*]}"
    sovra_install_package_groups "${groups[@]}" | sed 's/^/    /'
    [[ $MESSAGING == rabbit ]] && start_rabbitmq   # the slowest: first
    [[ $DATABASE == mysql ]] && start_mariadb
    [[ $COORDINATION == etcd ]] && start_etcd
    if [[ $DATABASE == mysql ]]; then
        wait_mariadb "${databases[@]}"
        say "MariaDB is up: $SERVICE_HOST:$MYSQL_PORT"
    fi
    if [[ $COORDINATION == etcd ]]; then
        wait_etcd
        say "etcd is up: $SERVICE_HOST:$ETCD_PORT"
    fi
    # RabbitMQ is waited for in main, after the databases are synced: it boots meanwhile.
}

database_url() {
    if [[ $DATABASE == mysql ]]; then
        mysql_url "$1"
    else
        echo "sqlite:///$STATE_DIR/$1.db"
    fi
}

write_common_conf() {
    (umask 077 && {
        echo "# Written by devstack/stack.sh ($MODE_LABEL): what every component of this"
        echo "# cloud shares."
        echo "[DEFAULT]"
        echo "log_dir = $LOG_DIR"
        echo
        echo "[auth]"
        echo "strategy = keystone"
        echo "www_authenticate_uri = $AUTH_URL"
        echo
        echo "[messaging]"
        if [[ $MESSAGING == rabbit ]]; then
            echo "transport_url = $(rabbit_url)"
        else
            echo "# lite mode: the bus inside the sovra-allinone process"
            echo "transport_url = sovra-inproc://"
        fi
        if [[ $COORDINATION == etcd ]]; then
            echo
            echo "[coordination]"
            echo "backend_url = $(etcd_url)"
        fi
    } > "$ETC_DIR/sovra.conf")
    chmod 600 "$ETC_DIR/sovra.conf"   # the bus password (umask: a new file only)
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
        echo "connection = $(database_url "$service")"
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
# $URL_PATH (e.g. /v2.1 for compute) ends the endpoint URL where the API wants it.
configure_service() {
    local service=$1 type=$2; shift 2
    write_service_conf "$service" "$@"
    manage "$service" db sync
    SOVRA_SERVICE_PASSWORD=$(sovra_secret "service-$service") manage identity \
        register-service --type "$type" --name "$service" --region "$REGION" \
        --public-url "http://$SERVICE_HOST:${SOVRA_PORTS[$service]}${URL_PATH:-}" \
        --user "$service" >/dev/null
}

# Stop the APIs a previous run started (either mode); the servers stay, for reuse.
stop_running_cloud() {
    local -a pidfiles
    shopt -s nullglob
    pidfiles=("$ALLINONE_PIDFILE" "$RUN_DIR"/sovra-*.pid)
    shopt -u nullglob
    sovra_stop_pidfiles 15 "${pidfiles[@]}" > /dev/null
    if (( SOVRA_STOPPED )); then
        say "stopped the running cloud ($SOVRA_STOPPED process(es)) to restart it"
    fi
    shopt -s nullglob
    pidfiles=("$RUN_DIR"/*.child)   # APIs whose supervisor was killed
    shopt -u nullglob
    sovra_stop_pidfiles 15 "${pidfiles[@]}" > /dev/null
}

# http_answers URL: true when an HTTP server answers at URL (any status: 300 is
# version discovery's normal answer).
http_answers() {
    "$VENV/bin/python" - "$1" <<'PY' 2>/dev/null
import sys, urllib.error, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
try:
    opener.open(sys.argv[1], timeout=1)
except urllib.error.HTTPError:
    pass
PY
}

# wait_for_api SERVICE: until its API answers (die if its process died).
wait_for_api() {
    local service=$1 url="http://$SERVICE_HOST:${SOVRA_PORTS[$1]}/" i
    for ((i = 0; i < 300; i++)); do
        "${PROCESSES}_check" "$service"
        http_answers "$url" && return 0
        sleep 0.2
    done
    die "$service did not answer at $url within 60 s; see $("${PROCESSES}_logs")"
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

# describe_mode: what runs, in a few words, for the final message.
describe_mode() {
    local -a parts=()
    if [[ $PROCESSES == allinone ]]; then
        parts+=("one sovra-allinone process")
    else
        parts+=("one supervised process per API")
    fi
    [[ $DATABASE == mysql ]] && parts+=("MariaDB on $SERVICE_HOST:$MYSQL_PORT")
    [[ $MESSAGING == rabbit ]] && parts+=("RabbitMQ on $SERVICE_HOST:$RABBIT_PORT")
    [[ $COORDINATION == etcd ]] && parts+=("etcd on $SERVICE_HOST:$ETCD_PORT")
    local text
    text=$(IFS=,; echo "${parts[*]}")
    echo "${text//,/, }"
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
    local -a services=(identity)
    local component
    for component in "${components[@]}"; do
        case $component in
            placement-api) services+=(placement) ;;
            image-api) services+=(image) ;;
            compute-api) services+=(compute) ;;
        esac
    done
    stop_running_cloud
    start_servers "${services[@]}"

    say "configuring identity (database, Fernet keys, admin)"
    write_common_conf
    configure_identity
    local service
    for service in "${services[@]}"; do
        case $service in
            placement)
                say "configuring placement"
                configure_service placement placement ;;
            image)
                say "configuring image"
                configure_service image image "" "[image]" \
                    "filesystem_store_datadir = $STATE_DIR/images" \
                    "staging_dir = $STATE_DIR/image-staging" ;;
            compute)
                say "configuring compute (fake virt driver: servers run nowhere yet)"
                URL_PATH=/v2.1 configure_service compute compute "" "[compute]" \
                    "host = $(hostname -s)" "virt_driver = fake" ;;
        esac
    done

    if [[ $MESSAGING == rabbit ]]; then
        wait_rabbitmq
        say "RabbitMQ is up: $SERVICE_HOST:$RABBIT_PORT"
    fi
    local -a enabled=()
    for service in "${services[@]}"; do
        enabled+=("$service-api")
        if [[ $service == compute ]]; then enabled+=(compute-conductor compute-agent); fi
    done
    "start_$PROCESSES" "${enabled[@]}"
    for service in "${services[@]}"; do
        wait_for_api "$service"
        say "$service is up: http://$SERVICE_HOST:${SOVRA_PORTS[$service]}"
    done
    SOVRA_AUTH_URL=$AUTH_URL SOVRA_ADMIN_PASSWORD=$ADMIN_PASSWORD \
        SOVRA_DEMO_PASSWORD=$DEMO_PASSWORD "$VENV/bin/python" "$TOP/devstack/tools/seed.py"
    write_client_config

    cat <<MSG

Sovra is up in $((SECONDS - started)) s, $MODE_LABEL: $(describe_mode).
  services:   ${services[*]}
  identity:   $AUTH_URL
  admin:      admin / $ADMIN_PASSWORD   (project admin)
  demo:       demo / $DEMO_PASSWORD    (project demo)
  logs:       $("${PROCESSES}_logs")

Try it:
  export OS_CLIENT_CONFIG_FILE=$DATA_DIR/clouds.yaml PATH=$VENV/bin:\$PATH
  openstack --os-cloud sovra-admin catalog list
  openstack --os-cloud sovra-demo token issue
$(if [[ " ${services[*]} " =~ " image " ]]; then echo "  openstack --os-cloud sovra-demo image create --file <disk.qcow2> --disk-format qcow2 my-image"; fi)
$(if [[ " ${services[*]} " =~ " compute " ]]; then echo "  openstack --os-cloud sovra-demo server create --flavor m1.tiny --image test-image --no-network --wait vm1
  (compute runs the fake virt driver for now: servers go ACTIVE, no VM runs)"; fi)

Stop it with devstack/unstack.sh; remove everything with devstack/clean.sh.
MSG
}

main "$@"
