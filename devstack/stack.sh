#!/usr/bin/env bash
# Bring a Sovra cloud up on this machine, from a clone. See README.md.
#
#   devstack/stack.sh        lite mode: SQLite, in-process bus, one sovra-allinone
#
# devstack/local.conf (see local.conf.sample; or $SOVRA_LOCAL_CONF) chooses another:
# MODE=full is MariaDB, RabbitMQ and etcd (installed and started by this script, no
# systemd) and one supervised process per API. In either mode servers are real VMs
# (the libvirt driver: QEMU and libvirtd installed and started by this script) when
# this machine allows it, else the fake driver runs them nowhere; VIRT_DRIVER chooses.
# DevStack's networks public, private and router1 are made (tools/seed.py); as root,
# the network agent makes them real (lib/network.sh says where it runs).
#
# Everything it makes lives in the data dir, $SOVRA_DATA_DIR (default .stack/ in the
# clone): virtualenv, config, databases, keys, logs, clouds.yaml, guests' disks (or
# those in /var/lib/sovra/devstack-<hash>/ when QEMU cannot reach the data dir: see
# choose_instances_path). Running it again is safe: it restarts the cloud with the
# same data and passwords; running guests keep running.
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
# shellcheck source=lib/libvirt.sh
source "$TOP/devstack/lib/libvirt.sh"
# shellcheck source=lib/block.sh
source "$TOP/devstack/lib/block.sh"
# shellcheck source=lib/network.sh
source "$TOP/devstack/lib/network.sh"

# shellcheck disable=SC2178  # (lib/libvirt.sh has a local array of that name)
started=$SECONDS
say() { printf '[stack %3ds] %s\n' $((SECONDS - started)) "$*"; }
die() { printf 'stack.sh: %s\n' "$*" >&2; exit 1; }
indent() { sed 's/^/    /'; }

sovra_check_settings || exit 1
MODE_LABEL=$(sovra_mode_label)
if [[ $NODE_ROLE == controller ]]; then   # a compute node holds no user's password
    ADMIN_PASSWORD=$(sovra_secret admin "${SOVRA_ADMIN_PASSWORD:-}")
    DEMO_PASSWORD=$(sovra_secret demo "${SOVRA_DEMO_PASSWORD:-}")
fi
AUTH_URL=http://$SERVICE_HOST:${SOVRA_PORTS[identity]}/v3

ensure_python_venv() {
    # Debian's python3 has no ensurepip/pip until python3-venv is installed.
    if ! python3 -c 'import ensurepip' 2>/dev/null; then
        say "installing python3-venv (Debian package)"
        sovra_install_package_groups ci
    fi
}

# The compute agents' virt driver, chosen by choose_virt_driver from VIRT_DRIVER.
VIRT=fake
VIRT_WARNING=       # why auto fell back to fake, and how to get real VMs
INSTANCES_PATH=     # libvirt: where guests' disks, config drives and console logs go
TEST_IMAGE_FILE=    # libvirt: the bootable test guest seed.py uploads as test-image
BLOCK_WARNING=      # why this cloud has no block storage (no qemu-img)
NETWORK_AGENT=      # yes: this node runs the network agent (lib/network.sh)
NETWORK_WARNING=    # why it does not (not root...): networks carry no traffic
METADATA=           # yes: compute-metadata runs (lite: in sovra-allinone)

# choose_network_agent: set NETWORK_AGENT when this checkout has the network agent
# and this node can run it (root, its packages, br_netfilter); else warn why not.
choose_network_agent() {
    local -a components=("$@")
    NETWORK_AGENT='' NETWORK_WARNING=''
    [[ " ${components[*]} " =~ " network-agent " ]] || return 0
    NETWORK_WARNING=$(network_agent_blocker)
    if [[ -n $NETWORK_WARNING ]]; then
        NETWORK_WARNING="no network agent: $NETWORK_WARNING"
        printf 'WARNING: %s\n' "$NETWORK_WARNING" >&2
        return 0
    fi
    NETWORK_AGENT=yes
}

# without_libvirt REASON...: VIRT_DRIVER=libvirt was asked for: die saying why not;
# auto: fall back to the fake driver with a WARNING saying why and what to do.
without_libvirt() {
    if [[ $VIRT_DRIVER == libvirt ]]; then
        die "VIRT_DRIVER=libvirt, but $*"
    fi
    VIRT=fake INSTANCES_PATH='' TEST_IMAGE_FILE=''
    VIRT_WARNING="compute runs the fake virt driver (servers go ACTIVE, no VM runs):"
    VIRT_WARNING+=" $*. VIRT_DRIVER=libvirt (devstack/local.conf) makes this an error,"
    VIRT_WARNING+=" VIRT_DRIVER=fake silences it."
    printf 'WARNING: %s\n' "$VIRT_WARNING" >&2
}

# libvirt_blocker: print why this machine cannot have the libvirt driver (what
# stack.sh can install and start itself), or nothing when it may.
libvirt_blocker() {
    local arch
    arch=$(uname -m)
    if [[ $arch != x86_64 ]]; then
        echo "this machine is $arch: the libvirt driver and its test image are x86_64 only"
    elif ! grep -qsE '^ID(_LIKE)?=.*\b(debian|ubuntu)\b' /etc/os-release ||
        ! command -v apt-get >/dev/null || ! command -v dpkg-query >/dev/null; then
        echo "this is not Debian or Ubuntu (stack.sh installs QEMU and libvirt with" \
             "apt-get): bring the cloud up on Debian 12 or Ubuntu for real VMs"
    elif [[ $EUID -ne 0 ]] && ! command -v sudo >/dev/null; then
        echo "QEMU and libvirtd need root to install and start, and $(id -un) is not" \
             "root and has no sudo: run stack.sh as root or as a user with sudo"
    elif [[ $EUID -ne 0 && ! -t 0 ]] && ! sudo -n true 2>/dev/null; then
        echo "sudo asks $(id -un) for a password and there is no terminal to type it:" \
             "run stack.sh from a terminal, or as root"
    fi
}

# qemu_traverses DIR: true when QEMU's user (libvirt-qemu, Debian's and Ubuntu's
# qemu.conf default) may traverse every directory from / down to DIR, by the mode
# bits (ACLs are not read: a directory only an ACL opens counts as closed).
qemu_traverses() {
    local dir=$1 user=libvirt-qemu mode owner group groups bits
    groups=" $(id -Gn "$user" 2>/dev/null) "
    while :; do
        read -r mode owner group < <(stat -L -c '%a %U %G' "$dir") || return 1
        mode=000$mode mode=${mode: -3}
        if [[ $owner == "$user" ]]; then bits=${mode:0:1}     # owner's bits apply
        elif [[ $groups == *" $group "* ]]; then bits=${mode:1:1}   # else the group's
        else bits=${mode:2:1}; fi                             # else the others'
        (( bits & 1 )) || return 1
        [[ $dir == / ]] && return 0
        dir=$(dirname "$dir")
    done
}

# choose_instances_path: set INSTANCES_PATH, a directory QEMU can reach.
# QEMU runs as its own user (libvirt-qemu) and opens each disk by its path, so every
# directory above the disks must be traversable (x) by that user. The data dir's
# own directories are ours: they get o+x (traverse, not list; what is in them keeps
# its modes), and the instances go to $STATE_DIR/instances. The directories above
# the data dir are not ours: a clone under /root, in a 0700 home (Debian 12's
# default) or in pytest's 0700 tmp dirs cannot be reached, and stack.sh does not
# open someone's home to every user of the machine. Then the instances go to
# /var/lib/sovra/devstack-<hash of the data dir's path>/instances instead (beside
# the driver's own default, /var/lib/sovra/instances; one per data dir, so two clouds
# never share one), $STATE_DIR/instances is a symlink to it, and clean.sh removes it
# with the data dir.
choose_instances_path() {
    local data state link=$STATE_DIR/instances
    data=$(realpath "$DATA_DIR") state=$(realpath "$STATE_DIR")
    if [[ -L $link ]]; then
        if [[ -d $link ]]; then   # an earlier run's choice: the guests stay there
            INSTANCES_PATH=$(realpath "$link")
            return 0
        fi
        rm -f "$link"   # its directory is gone
    fi
    if qemu_traverses "$(dirname "$data")"; then
        INSTANCES_PATH=$state/instances
        mkdir -p "$INSTANCES_PATH"
        local dir=$INSTANCES_PATH
        while :; do   # the data dir's own directories, from the instances up
            chmod o+x "$dir"
            [[ $dir == "$data" || $dir == / ]] && break
            dir=$(dirname "$dir")
        done
        return 0
    fi
    local hash base
    hash=$(printf '%s' "$data" | sha256sum | cut -c1-12)
    base=/var/lib/sovra/devstack-$hash
    say "QEMU (user libvirt-qemu) cannot traverse $(dirname "$data"): guests go to" \
        "$base/instances"
    if ! sovra_as_root install -d -m 0755 /var/lib/sovra "$base" ||
        ! sovra_as_root chown "$(id -u):$(id -g)" "$base"; then
        without_libvirt "$base, for the guests' disks, could not be created"
        return 1
    fi
    INSTANCES_PATH=$base/instances
    install -d -m 0755 "$INSTANCES_PATH"
    # the link tells unstack.sh and clean.sh where the guests are (lib/settings.sh)
    rmdir "$link" 2>/dev/null || true   # an earlier run's, empty
    if ! ln -sfT "$INSTANCES_PATH" "$link" 2>/dev/null; then
        without_libvirt "$link is an earlier run's guests' directory, which QEMU cannot" \
            "reach any more: remove it (devstack/clean.sh) or open its parents"
        return 1
    fi
    # stack.sh owns everything under $base: record whose data dir it serves
    printf '%s\n' "$data" > "$base/data-dir"
}

# choose_virt_driver: set VIRT from VIRT_DRIVER. For libvirt: install package group
# virt (QEMU, libvirtd, what builds libvirt-python), start libvirtd unless it answers
# (recorded in run/libvirt.started: unstack.sh stops only what this started), check
# that this user can drive it, choose INSTANCES_PATH and build the test guest image.
choose_virt_driver() {
    VIRT=fake
    [[ $VIRT_DRIVER == fake ]] && return 0
    [[ -f $TOP/compute-svc/sovra_compute/virt/libvirt/driver.py ]] || return 0   # no compute
    local why
    why=$(libvirt_blocker)
    if [[ -n $why ]]; then
        without_libvirt "$why"
        return 0
    fi
    say "libvirt driver: Debian packages (group virt: QEMU, libvirtd)"
    if ! sovra_install_package_groups virt 2>&1 | indent; then
        without_libvirt "installing the Debian packages of group virt failed (see above)"
        return 0
    fi
    if ! sovra_libvirt_start "$RUN_DIR/libvirt.started" 2>&1 | indent; then
        without_libvirt "libvirtd could not be started (see above and" \
            "$SOVRA_LIBVIRT_LOG_DIR/libvirtd.log)"
        return 0
    fi
    if ! sovra_libvirt_answers; then
        without_libvirt "$(id -un) cannot connect to $SOVRA_LIBVIRT_URI: add the user to" \
            "group libvirt (sudo adduser $(id -un) libvirt) and log in again"
        return 0
    fi
    choose_instances_path || return 0
    if [[ $NODE_ROLE == compute ]]; then   # the controller uploads the test image
        VIRT=libvirt
        return 0
    fi
    say "the test guest image (devstack/tools/build-test-image.sh; cached in" \
        "${SOVRA_CACHE_DIR:-$HOME/.cache/sovra}/test-image)"
    if ! "$TOP/devstack/tools/build-test-image.sh" "$STATE_DIR/test-image.qcow2" 2>&1 |
        indent; then
        without_libvirt "the test guest image could not be built (see above)"
        return 0
    fi
    VIRT=libvirt TEST_IMAGE_FILE=$STATE_DIR/test-image.qcow2
}

# The Python packages Sovra and the openstack CLI need, as wheels, in a directory
# per requirement set (pyproject.toml, setup.cfg, extras, this Python):
# $SOVRA_CACHE_DIR/wheels/<hash>/. The first run fills it from the package index
# (pip wheel: what pip install would download, libvirt-python built once); every
# later install of the same set, in any clone, is offline from there: no index
# page fetched per package (pip revalidates them on each install, cache or not),
# nothing resolved against the whole index, nothing built.
wheelhouse_for() {
    local extras=$1 key
    key=$( (cat "$TOP/pyproject.toml" "$TOP/setup.cfg"; echo "extras: $extras"
            "$VENV/bin/python" -c 'import sys, sysconfig
print(sys.version, sysconfig.get_platform())') | sha256sum | cut -c1-16)
    echo "${SOVRA_CACHE_DIR:-$HOME/.cache/sovra}/wheels/$key"
}

# pip_install_sovra EXTRAS: Sovra (editable, with EXTRAS: "" or "[libvirt]") and
# the openstack CLI into $VENV, from the wheelhouse (wheelhouse_for; filled first
# if it is not complete). Without byte-compiling every file of every package: the
# modules Python imports are compiled on first import (the venv is ours, writable).
pip_install_sovra() {
    local extras=$1 wheelhouse tmp
    local -a pip=("$VENV/bin/python" -m pip --quiet --disable-pip-version-check)
    local -a wanted=(python-openstackclient osc-placement)
    wheelhouse=$(wheelhouse_for "$extras")
    if [[ ! -f $wheelhouse/complete ]]; then
        say "fetching the Python packages into $wheelhouse (once per requirement set:" \
            "later installs are offline from there)"
        mkdir -p "$(dirname "$wheelhouse")"
        tmp=$(mktemp -d "$wheelhouse.tmp-XXXXXX")
        # Sovra's own requirements (not Sovra: it is installed editable, from here),
        # and what builds it (setuptools, pyproject.toml's build-system)
        local -a requirements
        mapfile -t requirements < <("$VENV/bin/python" - "$TOP/pyproject.toml" \
            "${extras:1:-1}" <<'PY'
import sys, tomllib
with open(sys.argv[1], "rb") as f:
    meta = tomllib.load(f)
wanted = meta["project"]["dependencies"] + meta["build-system"]["requires"]
for extra in filter(None, sys.argv[2].split(",")):
    wanted += meta["project"]["optional-dependencies"][extra]
print("\n".join(wanted))
PY
        )
        if ! "${pip[@]}" wheel --wheel-dir "$tmp" "${requirements[@]}" "${wanted[@]}" \
            > "$LOG_DIR/pip-wheel.log" 2>&1; then
            rm -rf "$tmp"
            # (no index here, e.g. offline, with SOVRA_VENV holding it all already)
            say "could not fill the wheelhouse (see $LOG_DIR/pip-wheel.log):" \
                "installing with pip's own index and cache"
            "${pip[@]}" install -e "$TOP$extras" "${wanted[@]}"
            return
        fi
        touch "$tmp/complete"
        # another stack.sh may have filled it meanwhile: either is whole
        mv -T "$tmp" "$wheelhouse" 2>/dev/null || rm -rf "$tmp"
    fi
    say "installing Sovra${extras:+ (with libvirt-python)} and the openstack CLI into" \
        "the virtualenv (from $wheelhouse)"
    "${pip[@]}" install --no-compile --no-index --find-links "$wheelhouse" \
        -e "$TOP$extras" "${wanted[@]}"
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
    # Reinstall only when the packaging metadata, the extras or the clone changed
    # (editable: code is live). The libvirt driver needs the libvirt extra
    # (libvirt-python). The stamp is the virtualenv's: a SOVRA_VENV shared by
    # several data dirs (test nodes) is installed into once.
    local stamp=$VENV/.sovra-devstack-installed want extras=
    [[ $VIRT == libvirt ]] && extras="[libvirt]"
    want=$( (cat "$TOP/pyproject.toml" "$TOP/setup.cfg"; echo "extras: $extras $TOP") |
        sha256sum | cut -d' ' -f1)
    if [[ $(cat "$stamp" 2>/dev/null) == "$want" ]]; then
        say "Sovra already installed in $VENV"
        return 0
    fi
    if ! pip_install_sovra "$extras"; then
        [[ -n $extras ]] || die "pip install failed (see above)"
        without_libvirt "pip could not install libvirt-python (the libvirt extra; see above)"
        pip_install_sovra "" || die "pip install failed (see above)"
        want=$( (cat "$TOP/pyproject.toml" "$TOP/setup.cfg"; echo "extras:  $TOP") |
            sha256sum | cut -d' ' -f1)
    fi
    echo "$want" > "$stamp"
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

# The sovra-manage commands of the set-up, queued by configure_* and run by
# run_manage_queues: one Python process per queue (tools/manage-batch.py), not one
# per command (each start-up imports Sovra again: a second or more of CPU each), and
# the two first queues side by side: identity's database, keys and bootstrap, and
# the other services' databases (each its own), then the catalog entries, which
# go into identity's database once it is bootstrapped.
MANAGE_IDENTITY=() MANAGE_SYNC=() MANAGE_CATALOG=()

# queue_manage QUEUE [NAME=VALUE|@quiet...] SERVICE ARGS...: a sovra-manage command
# of SERVICE (with its config files) on QUEUE (an array's name), see manage-batch.py.
queue_manage() {
    local -n queue=$1
    shift
    local -a fields=()
    while [[ $1 == *=* || $1 == @quiet ]]; do fields+=("$1"); shift; done
    local service=$1; shift
    fields+=("$service" "$@" --config-file "$ETC_DIR/sovra.conf"
             --config-file "$ETC_DIR/sovra-$service.conf")
    queue+=("$(IFS=$'\t'; echo "${fields[*]}")")
}

# run_manage_queues: run what configure_* queued (see above); die when one fails.
run_manage_queues() {
    local batch="$VENV/bin/python $TOP/devstack/tools/manage-batch.py" out=$RUN_DIR/manage
    printf '%s\n' "${MANAGE_IDENTITY[@]}" | $batch > "$out.identity" 2>&1 &
    local identity=$!
    local sync_status=0 identity_status=0
    printf '%s\n' "${MANAGE_SYNC[@]}" | $batch > "$out.sync" 2>&1 || sync_status=$?
    wait "$identity" || identity_status=$?
    cat "$out.identity" "$out.sync"
    rm -f "$out.identity" "$out.sync"
    (( identity_status == 0 )) || die "setting identity up failed (see above)"
    (( sync_status == 0 )) || die "creating the services' databases failed (see above)"
    printf '%s\n' "${MANAGE_CATALOG[@]}" | $batch ||
        die "registering the services in the catalog failed (see above)"
    MANAGE_IDENTITY=() MANAGE_SYNC=() MANAGE_CATALOG=()
}

configure_identity() {
    write_service_conf identity \
        "" "[fernet_tokens]" "key_repository = $STATE_DIR/fernet-keys" \
        "" "[credential]" "key_repository = $STATE_DIR/credential-keys"
    queue_manage MANAGE_IDENTITY identity db sync
    if [[ ! -d $STATE_DIR/fernet-keys ]]; then
        queue_manage MANAGE_IDENTITY identity fernet setup
    fi
    if [[ ! -d $STATE_DIR/credential-keys ]]; then
        queue_manage MANAGE_IDENTITY identity credential-keys setup
    fi
    queue_manage MANAGE_IDENTITY "SOVRA_BOOTSTRAP_PASSWORD=$ADMIN_PASSWORD" @quiet \
        identity bootstrap --region "$REGION" --public-url "$AUTH_URL"
}

# configure_service SERVICE TYPE [extra config lines...]: config, database, catalog.
# $URL_PATH (e.g. /v2.1 for compute) ends the endpoint URL where the API wants it.
configure_service() {
    local service=$1 type=$2; shift 2
    write_service_conf "$service" "$@"
    queue_manage MANAGE_SYNC "$service" db sync
    queue_manage MANAGE_CATALOG "SOVRA_SERVICE_PASSWORD=$(sovra_secret "service-$service")" \
        @quiet identity register-service --type "$type" --name "$service" \
        --region "$REGION" \
        --public-url "http://$SERVICE_HOST:${SOVRA_PORTS[$service]}${URL_PATH:-}" \
        --user "$service"
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
        # (a Python start per try only once the port is open: not dozens of them
        # competing for the CPU with the APIs starting)
        sovra_port_open "$SERVICE_HOST" "${SOVRA_PORTS[$service]}" && http_answers "$url" &&
            return 0
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
    [[ -n $NETWORK_AGENT ]] && parts+=("networks wired by the network agent")
    if [[ " ${services[*]} " =~ " compute " ]]; then
        if [[ $VIRT == libvirt ]]; then
            parts+=("servers are libvirt/QEMU guests ($SOVRA_LIBVIRT_URI)")
        else
            parts+=("servers on the fake virt driver")
        fi
    fi
    local text
    text=$(IFS=,; echo "${parts[*]}")
    echo "${text//,/, }"
}

main() {
    mkdir -p "$ETC_DIR" "$LOG_DIR" "$RUN_DIR" "$STATE_DIR"
    ensure_python_venv
    choose_virt_driver
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
            compute-api)
                services+=(compute)
                if [[ " ${components[*]} " =~ " compute-metadata " ]]; then
                    METADATA=yes
                fi ;;
            network-api)
                services+=(network)
                choose_network_agent "${components[@]}" ;;
            block-api)
                if [[ " ${components[*]} " =~ " block-volume " ]]; then
                    BLOCK_WARNING=$(block_blocker)
                    if [[ -z $BLOCK_WARNING ]]; then
                        services+=(block)
                    else
                        BLOCK_WARNING="no block storage: $BLOCK_WARNING"
                        printf 'WARNING: %s\n' "$BLOCK_WARNING" >&2
                    fi
                fi ;;
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
            network)
                local -a agent_conf=()
                if [[ -n $NETWORK_AGENT ]]; then
                    say "configuring network (and this node's network agent,"\
                        "VXLAN endpoint $(network_host_ip))"
                    mapfile -t agent_conf < <(network_agent_conf_lines "$(network_host_ip)")
                else
                    say "configuring network (API only: no network agent)"
                fi
                configure_service network network "" "[network]" \
                    "# flat and VLAN networks' physical networks: the public network's" \
                    "physical_networks = $PUBLIC_PHYSNET" "" "${agent_conf[@]}" ;;
            block)
                say "configuring block storage (file backend: volumes in" \
                    "$BLOCK_VOLUME_DIR)"
                configure_block ;;
            image)
                say "configuring image"
                configure_service image image "" "[image]" \
                    "filesystem_store_datadir = $STATE_DIR/images" \
                    "staging_dir = $STATE_DIR/image-staging" ;;
            compute)
                if [[ $VIRT == libvirt ]]; then
                    say "configuring compute (libvirt driver: guests in $INSTANCES_PATH)"
                else
                    say "configuring compute (fake virt driver: servers run nowhere)"
                fi
                local -a virt_conf
                mapfile -t virt_conf < <(virt_conf_lines; compute_network_conf_lines)
                URL_PATH=/v2.1 configure_service compute compute "" "${virt_conf[@]}" ;;
        esac
    done

    say "databases, Fernet keys, admin and the catalog (sovra-manage: identity beside" \
        "the other services' databases, then the catalog)"
    run_manage_queues

    if [[ $MESSAGING == rabbit ]]; then
        wait_rabbitmq
        say "RabbitMQ is up: $SERVICE_HOST:$RABBIT_PORT"
    fi
    local -a enabled=()
    for service in "${services[@]}"; do
        enabled+=("$service-api")
        if [[ $service == compute ]]; then enabled+=(compute-conductor compute-agent); fi
        if [[ $service == compute && -n $METADATA ]]; then enabled+=(compute-metadata); fi
        if [[ $service == block ]]; then enabled+=(block-volume); fi
        if [[ $service == network && -n $NETWORK_AGENT ]]; then
            enabled+=(network-agent)
        fi
    done
    if [[ -n $NETWORK_AGENT ]]; then
        say "public network's uplink: $PUBLIC_UPLINK_DEV, its peer $PUBLIC_HOST_DEV" \
            "holding $PUBLIC_NETWORK_GATEWAY (this host's way to the floating IPs)"
        network_public_uplink
    fi
    "start_$PROCESSES" "${enabled[@]}"
    for service in "${services[@]}"; do
        wait_for_api "$service"
        say "$service is up: http://$SERVICE_HOST:${SOVRA_PORTS[$service]}"
    done
    if [[ -n $METADATA ]]; then
        wait_for_metadata
        say "metadata API is up: http://$SERVICE_HOST:$METADATA_PORT"
    fi
    SOVRA_AUTH_URL=$AUTH_URL SOVRA_ADMIN_PASSWORD=$ADMIN_PASSWORD \
        SOVRA_DEMO_PASSWORD=$DEMO_PASSWORD SOVRA_TEST_IMAGE=$TEST_IMAGE_FILE \
        SOVRA_NETWORK_AGENT_HOST=${NETWORK_AGENT:+$NODE_NAME} \
        SOVRA_FLOATING_RANGE=$FLOATING_RANGE SOVRA_FIXED_RANGE=$FIXED_RANGE \
        SOVRA_PUBLIC_NETWORK_GATEWAY=$PUBLIC_NETWORK_GATEWAY \
        SOVRA_PUBLIC_PHYSNET=$PUBLIC_PHYSNET \
        "$VENV/bin/python" "$TOP/devstack/tools/seed.py" | indent ||
        die "seeding the cloud failed (see above); logs: $("${PROCESSES}_logs")"
    write_client_config

    cat <<MSG

Sovra is up in $((SECONDS - started)) s, $MODE_LABEL: $(describe_mode).
  services:   ${services[*]}
  identity:   $AUTH_URL
$(if [[ " ${services[*]} " =~ " block " ]]; then echo "  volumes:    http://$SERVICE_HOST:${SOVRA_PORTS[block]}/v3 (block-storage, volumev3; backend $NODE_NAME@$BLOCK_BACKEND)"; fi)
$(if [[ -n $METADATA ]]; then echo "  metadata:   http://$SERVICE_HOST:$METADATA_PORT (compute-metadata$(if [[ -n $NETWORK_AGENT ]]; then echo ": guests' 169.254.169.254, through the network agent's proxy"; fi))"; fi)
  admin:      admin / $ADMIN_PASSWORD   (project admin)
  demo:       demo / $DEMO_PASSWORD    (project demo)
  logs:       $("${PROCESSES}_logs")

Try it:
  export OS_CLIENT_CONFIG_FILE=$DATA_DIR/clouds.yaml PATH=$VENV/bin:\$PATH
  openstack --os-cloud sovra-admin catalog list
  sovra --os-cloud sovra-admin status      # every service and agent, up or down
  openstack --os-cloud sovra-demo token issue
$(if [[ " ${services[*]} " =~ " image " ]]; then echo "  openstack --os-cloud sovra-demo image create --file <disk.qcow2> --disk-format qcow2 my-image"; fi)
$(network_steps)
$(if [[ " ${services[*]} " =~ " block " ]]; then echo "  openstack --os-cloud sovra-demo volume create --size 1 v1   (a file in $BLOCK_VOLUME_DIR)"; fi)
$(next_steps)

Stop it with devstack/unstack.sh; remove everything with devstack/clean.sh.
MSG
    if [[ -n $VIRT_WARNING ]]; then printf '\nWARNING: %s\n' "$VIRT_WARNING"; fi
    if [[ -n $BLOCK_WARNING ]]; then printf '\nWARNING: %s\n' "$BLOCK_WARNING"; fi
    if [[ -n $NETWORK_WARNING ]]; then printf '\nWARNING: %s\n' "$NETWORK_WARNING"; fi
}

# network_steps: the final message's lines about networks.
network_steps() {
    [[ " ${services[*]} " =~ " network " ]] || return 0
    echo "  openstack --os-cloud sovra-demo router show router1   (public $FLOATING_RANGE" \
         "-> router1 -> private $FIXED_RANGE)"
    if [[ -n $NETWORK_AGENT ]]; then
        echo "  openstack --os-cloud sovra-admin network agent list   (network agent" \
             "$NODE_NAME: DHCP, routers; the host reaches the public network by" \
             "$PUBLIC_HOST_DEV)"
        echo "  openstack --os-cloud sovra-demo floating ip create public"
    else
        echo "  (no network agent: the networks exist in the API only, no traffic)"
    fi
}

# wait_for_metadata: until compute-metadata answers (die if its process died).
wait_for_metadata() {
    local url="http://$SERVICE_HOST:$METADATA_PORT/" i
    for ((i = 0; i < 300; i++)); do
        if [[ $PROCESSES == allinone ]]; then
            allinone_check
        elif ! sovra_pid_alive "$RUN_DIR/sovra-compute-metadata.pid"; then
            die "sovra-compute-metadata exited; see $LOG_DIR/sovra-compute-metadata.out"
        fi
        sovra_port_open "$SERVICE_HOST" "$METADATA_PORT" && http_answers "$url" && return 0
        sleep 0.2
    done
    die "the metadata API did not answer at $url within 60 s; see $("${PROCESSES}_logs")"
}

# compute_network_conf_lines: the controller's compute config about networks: the
# metadata API (its secret shared with the network agent's proxy), and whether
# builds wait for their ports to be plugged (network-vif-plugged).
compute_network_conf_lines() {
    if [[ -n $METADATA ]]; then
        echo
        echo "[metadata]"
        echo "bind_host = $SERVICE_HOST"
        echo "bind_port = $METADATA_PORT"
        echo "proxy_shared_secret = $(sovra_secret metadata-proxy)"
    fi
    if [[ -z $NETWORK_AGENT || $VIRT == fake ]]; then
        echo
        echo "[compute]"
        if [[ -z $NETWORK_AGENT ]]; then
            echo "# no network agent here: nothing plugs a port, no build waits for it"
        else
            echo "# the fake driver makes no tap: nothing plugs a port, no build waits"
        fi
        echo "vif_plugging_timeout = 0"
    fi
}

# virt_conf_lines: the [compute] and [libvirt] lines of this node's agent.
virt_conf_lines() {
    echo "[compute]"
    echo "host = $NODE_NAME"
    echo "virt_driver = $VIRT"
    if [[ $VIRT == libvirt ]]; then
        echo
        echo "[libvirt]"
        echo "connection_uri = $SOVRA_LIBVIRT_URI"
        echo "instances_path = $INSTANCES_PATH"
    fi
}

# write_agent_conf SERVICE [config lines...]: a compute node's config of SERVICE's
# agent: the service's own credentials (to reach the other APIs through the
# catalog), no database, and the lines given.
write_agent_conf() {
    local service=$1 file=$ETC_DIR/sovra-$1.conf line
    shift
    (umask 077 && {
        echo "# Written by devstack/stack.sh (NODE_ROLE=compute: agents only, no database)."
        echo "[service_auth]"
        echo "auth_type = password"
        echo "auth_url = $AUTH_URL"
        echo "username = $service"
        echo "password = $(sovra_secret "service-$service")"
        echo "user_domain_id = default"
        echo "project_name = service"
        echo "project_domain_id = default"
        echo
        for line in "$@"; do echo "$line"; done
    } > "$file")
    chmod 600 "$file"
}

# wait_for_controller: until the controller's identity API, RabbitMQ and etcd answer.
wait_for_controller() {
    local i
    for ((i = 0; i < 300; i++)); do
        if http_answers "http://$SERVICE_HOST:${SOVRA_PORTS[identity]}/" &&
            sovra_port_open "$SERVICE_HOST" "$RABBIT_PORT" &&
            sovra_port_open "$SERVICE_HOST" "$ETCD_PORT"; then
            return 0
        fi
        sleep 0.2
    done
    die "the controller at $SERVICE_HOST does not answer (identity :${SOVRA_PORTS[identity]}," \
        "RabbitMQ :$RABBIT_PORT, etcd :$ETCD_PORT) within 60 s: run stack.sh there first"
}

# main_compute_node: NODE_ROLE=compute: this node's agents (ENABLED_SERVICES),
# joined to the controller.
main_compute_node() {
    mkdir -p "$ETC_DIR" "$LOG_DIR" "$RUN_DIR" "$STATE_DIR"
    ensure_python_venv
    if sovra_node_enables compute-agent; then choose_virt_driver; fi
    install_sovra
    local -a components
    mapfile -t components < <(available_components)
    local agent
    for agent in $(sovra_node_services); do
        [[ " ${components[*]} " =~ " $agent " ]] ||
            die "ENABLED_SERVICES names $agent, which this checkout does not have"
    done
    if sovra_node_enables network-agent; then choose_network_agent "${components[@]}"; fi
    if sovra_node_enables block-volume; then
        local why
        why=$(nbd_blocker)
        [[ -z $why ]] || die "ENABLED_SERVICES names block-volume, but $why"
    fi
    stop_running_cloud
    say "joining the controller at $SERVICE_HOST as compute node $NODE_NAME" \
        "($(sovra_node_services | xargs))"
    wait_for_controller
    write_common_conf
    local -a lines agents=() wait_args=() shown=()
    local host_ip='' user=''
    if [[ -n $NETWORK_AGENT ]] || sovra_node_enables block-volume; then
        host_ip=$(network_host_ip)
        [[ -n $host_ip ]] || die "no route to the controller at $SERVICE_HOST: set HOST_IP" \
            "(local.conf) to this node's address"
    fi
    if sovra_node_enables compute-agent; then
        mapfile -t lines < <(virt_conf_lines; compute_network_conf_lines)
        write_agent_conf compute "${lines[@]}"
        agents+=(compute-agent) wait_args+=(--compute-agent) user=${user:-compute}
        shown+=("compute ($LOG_DIR/sovra-compute-agent.log)")
    fi
    if [[ -n $NETWORK_AGENT ]]; then
        say "network agent: VXLAN endpoint $host_ip"
        mapfile -t lines < <(network_agent_conf_lines "$host_ip")
        write_agent_conf network "${lines[@]}"
        agents+=(network-agent) wait_args+=(--network-agent) user=${user:-network}
        shown+=("network ($LOG_DIR/sovra-network-agent.log; VXLAN endpoint $host_ip)")
    fi
    if sovra_node_enables block-volume; then
        local backend=$NODE_NAME@$VOLUME_BACKEND_NAME
        say "volume agent: backend $backend (NBD exports on $host_ip:$NBD_PORT," \
            "volumes in $BLOCK_VOLUME_DIR)"
        mkdir -p "$BLOCK_VOLUME_DIR" "$STATE_DIR/block-conversion"
        mapfile -t lines < <(node_block_conf_lines "$host_ip")
        write_agent_conf block "${lines[@]}"
        agents+=(block-volume) wait_args+=(--volume-backend "$backend") user=${user:-block}
        shown+=("volume ($LOG_DIR/sovra-block-volume.log; backend $backend, zone"
                "$VOLUME_AVAILABILITY_ZONE, NBD on $host_ip:$NBD_PORT)")
    fi
    start_split "${agents[@]}"
    SOVRA_AUTH_URL=$AUTH_URL SOVRA_SERVICE_USER=$user \
        SOVRA_SERVICE_PASSWORD=$(sovra_secret "service-$user") \
        "$VENV/bin/python" "$TOP/devstack/tools/wait-node.py" --host "$NODE_NAME" \
        "${wait_args[@]}" --timeout 60 || die "compute node $NODE_NAME did not come" \
        "up; see $LOG_DIR/sovra-<agent>.log"
    local line first=yes
    echo
    echo "Compute node $NODE_NAME is up in $((SECONDS - started)) s, joined to the controller at"
    echo "$SERVICE_HOST$(if sovra_node_enables compute-agent; then
        if [[ $VIRT == libvirt ]]; then
            echo ": servers are libvirt/QEMU guests ($SOVRA_LIBVIRT_URI, $INSTANCES_PATH)"
        else echo ": servers on the fake virt driver"; fi; fi)."
    for line in "${shown[@]}"; do
        if [[ -n $first ]]; then printf '  agents:     %s\n' "$line"; first=
        else printf '              %s\n' "$line"; fi
    done
    if sovra_node_enables compute-agent; then
        cat <<MSG
  check:      openstack --os-cloud sovra-admin compute service list --host $NODE_NAME
              (on the controller; servers are scheduled here like on any other node)
MSG
    fi
    if sovra_node_enables block-volume; then
        cat <<MSG
  volumes:    openstack --os-cloud sovra-admin volume type create --property \\
                  volume_backend_name=$VOLUME_BACKEND_NAME on-$NODE_NAME
              openstack --os-cloud sovra-demo volume create --type on-$NODE_NAME --size 1 v1
              (on the controller; any node's servers attach them over NBD)
MSG
    fi
    cat <<MSG

Stop it with devstack/unstack.sh; remove everything with devstack/clean.sh.
MSG
    if [[ -n $VIRT_WARNING ]]; then printf '\nWARNING: %s\n' "$VIRT_WARNING"; fi
    if [[ -n $NETWORK_WARNING ]]; then printf '\nWARNING: %s\n' "$NETWORK_WARNING"; fi
}

# next_steps: the final message's lines about servers.
next_steps() {
    [[ " ${services[*]} " =~ " compute " ]] || return 0
    local network=--no-network
    # a NIC on private is worth having where the agent plugs it into a real guest
    if [[ -n $NETWORK_AGENT && $VIRT == libvirt ]]; then network="--network private"; fi
    echo "  openstack --os-cloud sovra-demo server create --flavor m1.tiny --image" \
         "test-image $network --wait vm1"
    if [[ $VIRT == libvirt ]]; then
        echo "  openstack --os-cloud sovra-demo console log show vm1"
        echo "  (vm1 is a QEMU guest: its console says 'sovra-test-image: ready' once" \
             "booted, within seconds$(if [[ $network != --no-network ]]; then
                 echo ", after its DHCP address on private (eth0 address=...)"; fi);" \
             "guests' files: $INSTANCES_PATH)"
    else
        echo "  (the fake virt driver: servers go ACTIVE, no VM runs)"
    fi
}

if [[ $NODE_ROLE == compute ]]; then
    main_compute_node "$@"
else
    main "$@"
fi
