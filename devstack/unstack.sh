#!/usr/bin/env bash
# Stop everything devstack/stack.sh started (by the PIDs it recorded under the data
# dir's run/), and wait until it has stopped. Keeps the data. In order:
#   1. the cloud's guests (libvirt driver): while the cloud is up, every server is
#      deleted through the compute API (guests destroyed, allocations freed, so a
#      later stack.sh finds a consistent cloud); then, once the cloud has stopped,
#      any guest libvirt still has whose files are under this cloud's instances path
#      (a failed delete, a cloud already down) is destroyed and undefined. Guests of
#      another cloud (another data dir, another instances path) are never touched;
#   2. the APIs and agents (the volume agent too: volumes are files that stay, in
#      the data dir or SOVRA_BLOCK_VOLUME_DIR, for the next stack.sh), then the
#      servers of full mode (etcd, RabbitMQ, MariaDB), and a compute node's NBD
#      daemon (its volume agent's exports: it outlives the agent);
#   3. what the network agent made, which outlives it (bridges, dnsmasq, DHCP and
#      router namespaces, its nftables tables), and the public network's uplink
#      (lib/network.sh), when this node ran one (as root);
#   4. libvirtd and virtlogd, only if stack.sh started them (run/libvirt.started),
#      and not while they still run guests of another cloud.
set -euo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib/settings.sh
source "$TOP/devstack/lib/settings.sh"
# shellcheck source=lib/packages.sh
source "$TOP/devstack/lib/packages.sh"
# shellcheck source=lib/processes.sh
source "$TOP/devstack/lib/processes.sh"
# shellcheck source=lib/libvirt.sh
source "$TOP/devstack/lib/libvirt.sh"
# shellcheck source=lib/network.sh
source "$TOP/devstack/lib/network.sh"

INSTANCES_PATH=$(sovra_instances_path)
LIBVIRT_STATE=$RUN_DIR/libvirt.started
virsh() { command virsh -q -c "$SOVRA_LIBVIRT_URI" "$@"; }

# delete_servers: through the API, while this data dir's cloud runs the libvirt
# driver (its own PID files say it runs: a port that answers may be another cloud's).
delete_servers() {
    [[ $NODE_ROLE == controller ]] || return 0   # the cloud's servers are not a node's
    grep -qsx 'virt_driver = libvirt' "$ETC_DIR/sovra-compute.conf" || return 0
    sovra_pid_alive "$RUN_DIR/allinone.pid" ||
        sovra_pid_alive "$RUN_DIR/sovra-compute-agent.child" || return 0
    [[ -x $VENV/bin/python && ( -s $SECRETS_DIR/admin || -n ${SOVRA_ADMIN_PASSWORD:-} ) ]] ||
        return 0
    SOVRA_AUTH_URL=http://$SERVICE_HOST:${SOVRA_PORTS[identity]}/v3 \
        SOVRA_ADMIN_PASSWORD=$(sovra_secret admin "${SOVRA_ADMIN_PASSWORD:-}") \
        "$VENV/bin/python" "$TOP/devstack/tools/seed.py" --delete-servers |
        sed 's/^/unstack: /' ||
        echo "unstack: WARNING: deleting the servers through the API failed;" \
             "destroying their guests with virsh instead" >&2
}

# our_guests: the names of the libvirt domains (Sovra's: sovra-*) whose files (disk,
# config drive, console log) are under $INSTANCES_PATH.
our_guests() {
    local name
    while read -r name; do
        [[ $name == sovra-* ]] || continue
        # libvirt writes attribute values in single quotes: file='/path'
        [[ $(virsh dumpxml "$name" 2>/dev/null) == *"'$INSTANCES_PATH/"* ]] &&
            echo "$name"
    done < <(virsh list --all --name 2>/dev/null)
}

# qemu_pids: QEMU processes whose command line names a file under $INSTANCES_PATH.
qemu_pids() {
    local pid cmdline
    for pid in /proc/[0-9]*; do
        cmdline=$(tr '\0' ' ' 2>/dev/null < "$pid/cmdline") || continue
        [[ $cmdline == *qemu-system* && $cmdline == *"$INSTANCES_PATH/"* ]] &&
            echo "${pid#/proc/}"
    done
    return 0
}

# destroy_leftover_guests: what the API did not delete.
destroy_leftover_guests() {
    command -v virsh >/dev/null || return 0
    if ! sovra_libvirt_answers; then
        local pids
        pids=$(qemu_pids | xargs)
        if [[ -n $pids ]]; then
            echo "unstack: WARNING: libvirtd does not answer on $SOVRA_LIBVIRT_URI, and" \
                 "QEMU processes of this cloud still run (pid $pids): start it" \
                 "(devstack/tools/start-libvirt.sh) and run unstack.sh again" >&2
        fi
        return 0
    fi
    local name
    for name in $(our_guests); do
        echo "unstack: destroying guest $name (its files are under $INSTANCES_PATH)"
        virsh destroy "$name" >/dev/null 2>&1 || true   # (not running: nothing to do)
        virsh undefine --managed-save --snapshots-metadata "$name" >/dev/null 2>&1 || true
    done
    local i
    for ((i = 0; i < 50; i++)); do [[ -z $(qemu_pids) ]] && return 0; sleep 0.1; done
    echo "unstack: WARNING: QEMU processes of this cloud still run: pid" \
         "$(qemu_pids | xargs)" >&2
}

# stop_libvirt: stop libvirtd and virtlogd if stack.sh started them, unless guests
# (of another cloud, or anyone's) still run under them: they would keep running
# with nothing managing them.
stop_libvirt() {
    [[ -f $LIBVIRT_STATE ]] || return 0
    if _sovra_libvirt_ours "$LIBVIRT_STATE" libvirtd >/dev/null 2>&1 &&
        sovra_libvirt_answers; then
        local others
        others=$(virsh list --all --name 2>/dev/null | xargs)
        if [[ -n $others ]]; then
            echo "unstack: leaving libvirtd running (stack.sh started it): it has" \
                 "other guests: $others"
            return 0
        fi
    fi
    sovra_libvirt_stop "$LIBVIRT_STATE" 2>&1 | sed 's/^/unstack: /' ||
        echo "unstack: WARNING: stopping libvirtd and virtlogd failed (see above)" >&2
}

total=0
if [[ -n $INSTANCES_PATH ]]; then delete_servers; fi
if [[ -d $RUN_DIR ]]; then
    SOVRA_STOPPED=0
    sovra_stop_all
    total=$SOVRA_STOPPED
fi
# a compute node's volume agent's NBD server (lib/block.sh: node_nbd_state_dir)
shopt -s nullglob
nbd_pidfiles=("$STATE_DIR"/nbd-*/qsd.pid)
shopt -u nullglob
if (( ${#nbd_pidfiles[@]} )); then
    sovra_stop_pidfiles 30 "${nbd_pidfiles[@]}"   # ("stopping qsd (pid N)")
    total=$((total + SOVRA_STOPPED))
fi
if [[ -n $INSTANCES_PATH ]]; then destroy_leftover_guests; fi
network_cleanup 2>&1 | sed 's/^/unstack: /'
stop_libvirt
echo "unstack: stopped $total process(es)"
