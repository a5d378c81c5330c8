#!/bin/bash
# Block storage on the controller: block-api (the Block Storage v3 API and the bus
# endpoint the volume agents report to) and block-volume (the volume agent), whose
# one backend, `file`, keeps each volume as a file in $BLOCK_VOLUME_DIR (qemu-img
# from Debian's qemu-utils does the work). A NODE_ROLE=compute node whose
# ENABLED_SERVICES names block-volume runs a volume agent of its own, backend
# $VOLUME_BACKEND_NAME (driver nbd): the volumes kept on that node, exported by a
# qemu-storage-daemon on its address to the compute agents of every node. Sourced
# by stack.sh (uses say, queue_manage, configure_service).

# The backend's name: its option group in sovra-block.conf, and the `<host>@file`
# of `openstack volume service list`.
BLOCK_BACKEND=file

# block_blocker: print why this machine cannot run the file backend (no qemu-img,
# and stack.sh cannot install it), or nothing when it can. Installs qemu-utils
# (package group block) when it may.
block_blocker() {
    command -v qemu-img >/dev/null && return 0
    if ! command -v apt-get >/dev/null || ! command -v dpkg-query >/dev/null; then
        echo "qemu-img is missing and this is not Debian or Ubuntu: install QEMU's" \
             "disk tools (qemu-img)"
        return 0
    fi
    if [[ $EUID -ne 0 ]] && ! sudo -n true 2>/dev/null && [[ ! -t 0 ]]; then
        echo "qemu-img is missing and $(id -un) cannot install qemu-utils (not root," \
             "no password-less sudo, no terminal)"
        return 0
    fi
    say "block storage: Debian packages (group block: qemu-utils)" >&2
    if ! sovra_install_package_groups block 2>&1 | indent >&2 ||
        ! command -v qemu-img >/dev/null; then
        echo "installing qemu-utils (for qemu-img) failed (see above)"
    fi
}

# block_conf_lines: the [block], [file] and [backup] lines of sovra-block.conf.
block_conf_lines() {
    echo "[block]"
    echo "host = $NODE_NAME"
    echo "enabled_backends = $BLOCK_BACKEND"
    echo "# seconds between the volume agent's capacity reports; a backend silent"
    echo "# for service_down_time (60) is down"
    echo "report_interval = 10"
    echo "image_conversion_dir = $STATE_DIR/block-conversion"
    echo
    echo "[$BLOCK_BACKEND]"
    echo "volume_driver = file"
    echo "# multi-node: storage the compute nodes mount at the same path (NFS)"
    echo "file_volume_dir = $BLOCK_VOLUME_DIR"
    echo
    echo "[backup]"
    echo "# volume backups: a filesystem store (in production another disk or an"
    echo "# NFS mount than the volumes', or backup_store = s3 with [backup_s3])"
    echo "file_backup_dir = $STATE_DIR/backups"
}

# configure_block: config, database, and the catalog: the endpoint (no project id
# in it: the API takes URLs with or without one) under service type block-storage
# and, for clients that still look it up by that name, volumev3.
configure_block() {
    mkdir -p "$BLOCK_VOLUME_DIR" "$STATE_DIR/block-conversion"
    local -a lines
    mapfile -t lines < <(block_conf_lines)
    URL_PATH=/v3 configure_service block block-storage "" "${lines[@]}"
    queue_manage MANAGE_CATALOG @quiet identity register-service --type volumev3 \
        --name block --region "$REGION" \
        --public-url "http://$SERVICE_HOST:${SOVRA_PORTS[block]}/v3"
}

# nbd_blocker: print why this compute node cannot run the NBD backend (no
# qemu-storage-daemon or qemu-img, and stack.sh cannot install them), or nothing.
nbd_blocker() {
    command -v qemu-img >/dev/null && command -v qemu-storage-daemon >/dev/null &&
        return 0
    if ! command -v apt-get >/dev/null || ! command -v dpkg-query >/dev/null; then
        echo "qemu-storage-daemon or qemu-img is missing and this is not Debian or" \
             "Ubuntu: install them (QEMU's tools)"
        return 0
    fi
    say "volume agent: Debian packages (group nbd: qemu-utils, qemu-system-common)" >&2
    if ! sovra_install_package_groups nbd 2>&1 | indent >&2 ||
        ! command -v qemu-storage-daemon >/dev/null; then
        echo "installing qemu-system-common (for qemu-storage-daemon) failed (see above)"
    fi
}

# node_nbd_state_dir: the NBD backend's daemon files (pid file, QMP socket, export
# records) on a compute node; unstack.sh stops the daemon by its pid file there.
node_nbd_state_dir() {
    echo "$STATE_DIR/nbd-$VOLUME_BACKEND_NAME"
}

# node_block_conf_lines ADDRESS: a compute node's sovra-block.conf lines (after its
# [service_auth]): one backend, $VOLUME_BACKEND_NAME, driver nbd, volumes in
# $BLOCK_VOLUME_DIR, exported on ADDRESS:$NBD_PORT.
node_block_conf_lines() {
    echo "[block]"
    echo "host = $NODE_NAME"
    echo "enabled_backends = $VOLUME_BACKEND_NAME"
    echo "storage_availability_zone = $VOLUME_AVAILABILITY_ZONE"
    echo "report_interval = 10"
    echo "image_conversion_dir = $STATE_DIR/block-conversion"
    echo
    echo "[$VOLUME_BACKEND_NAME]"
    echo "volume_driver = nbd"
    echo "file_volume_dir = $BLOCK_VOLUME_DIR"
    echo "# plain NBD (no authentication, no TLS): this address must be on a network"
    echo "# only the cloud's nodes reach"
    echo "nbd_listen_address = $1"
    echo "nbd_port = $NBD_PORT"
    echo "nbd_state_dir = $(node_nbd_state_dir)"
    echo
    echo "[backup]"
    echo "file_backup_dir = $STATE_DIR/backups"
}
