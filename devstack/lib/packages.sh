#!/bin/bash
# Debian package groups and the functions that install them.
# Sourced by devstack/tools/install-packages.sh (and devstack/stack.sh):
#
#   source devstack/lib/packages.sh
#   sovra_install_package_groups test [virt ...]
#
# A group is one line in SOVRA_PACKAGE_GROUPS: Debian packages, or @group to
# include another group's packages.

declare -gA SOVRA_PACKAGE_GROUPS=(
    # the tool CI needs before anything else: pip for tox
    [ci]="python3-pip python3-venv"
    # what the tests need from Debian: the servers the integration tier starts
    # (tests/integration/servers.py), qemu-img, which builds real disk images
    # for the image service's tests, and @virt: the libvirt daemon and QEMU the
    # compute tests run guests on, and what builds libvirt-python (the test extra)
    [test]="rabbitmq-server mariadb-server etcd-server etcd-client qemu-utils @virt @network"
    # devstack full mode (local.conf): the servers stack.sh starts itself, one
    # group per setting (DATABASE=mysql, MESSAGING=rabbit, COORDINATION=etcd)
    [mysql]="mariadb-server mariadb-client"
    [rabbit]="rabbitmq-server"
    [etcd]="etcd-server etcd-client"
    [full]="@mysql @rabbit @etcd"
    # the compute node's hypervisor (devstack/lib/libvirt.sh starts libvirtd);
    # libvirt-dev and pkg-config build libvirt-python
    [virt]="qemu-system-x86 qemu-utils libvirt-daemon-system libvirt-clients libvirt-dev pkg-config genisoimage"
    # the network agent's data plane (ip, bridge, nft, dnsmasq, conntrack; modprobe
    # for br_netfilter) and what its tests use inside guest namespaces (ping;
    # busybox's udhcpc as DHCP client)
    [network]="iproute2 nftables dnsmasq-base conntrack kmod iputils-ping busybox"
    # block storage's file backend (devstack/lib/block.sh): qemu-img
    [block]="qemu-utils"
    # a compute node's volume agent (NBD backend): qemu-storage-daemon exports
    [nbd]="qemu-utils qemu-system-common"
    [guest-image]="syslinux syslinux-common mtools dosfstools fdisk qemu-utils genisoimage qemu-system-x86"  # devstack/tools/build-test-image.sh
)

# sovra_packages_for GROUP...: print the packages of the groups, one per line.
sovra_packages_for() {
    local packages
    packages=$(_sovra_expand_groups "$@") || return 1
    sort -u <<<"$packages"
}

_sovra_expand_groups() {
    local group word
    for group in "$@"; do
        if [[ -z ${SOVRA_PACKAGE_GROUPS[$group]+set} ]]; then
            echo "unknown package group '$group' (known: ${!SOVRA_PACKAGE_GROUPS[*]})" >&2
            return 1
        fi
        for word in ${SOVRA_PACKAGE_GROUPS[$group]}; do
            if [[ $word == @* ]]; then
                _sovra_expand_groups "${word#@}" || return 1
            else
                echo "$word"
            fi
        done
    done
}

# sovra_missing_packages PACKAGE...: print those not installed, one per line.
sovra_missing_packages() {
    local pkg
    for pkg in "$@"; do
        if [[ $(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null) != "ii "* ]]; then
            echo "$pkg"
        fi
    done
}

# sovra_as_root COMMAND...: run COMMAND as root: directly, or through sudo.
sovra_as_root() {
    if [[ $EUID -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null; then
        # no terminal (CI): fail at once rather than wait for a password
        if [[ -t 0 ]]; then sudo "$@"; else sudo -n "$@"; fi
    else
        echo "need root or sudo to run: $*" >&2
        return 1
    fi
}

# sovra_install_packages PACKAGE...: apt-get install the ones that are missing.
# Installed packages' services are not started (policy-rc.d); we start our own.
sovra_install_packages() {
    local -a missing
    mapfile -t missing < <(sovra_missing_packages "$@")
    if [[ ${#missing[@]} -eq 0 ]]; then
        echo "packages: all installed ($*)"
        return 0
    fi
    if [[ $EUID -ne 0 ]] && ! command -v sudo >/dev/null; then
        echo "packages: need root or sudo to install: ${missing[*]}" >&2
        return 1
    fi
    echo "packages: installing ${missing[*]}"
    local rc=0 policy=/usr/sbin/policy-rc.d added_policy=
    if [[ ! -e $policy ]]; then
        # Keep package scripts from starting the services on their default ports.
        sovra_as_root sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy" \
            || return 1
        added_policy=1
    fi
    local -a apt=(env DEBIAN_FRONTEND=noninteractive apt-get -q -y
                  -o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confold)
    sovra_as_root "${apt[@]}" update && \
        sovra_as_root "${apt[@]}" install --no-install-recommends "${missing[@]}" || rc=$?
    if [[ -n $added_policy ]]; then
        sovra_as_root rm -f "$policy" || true
    fi
    if [[ $rc -ne 0 ]]; then
        echo "packages: apt-get failed ($rc) installing: ${missing[*]}" >&2
        return "$rc"
    fi
    mapfile -t missing < <(sovra_missing_packages "${missing[@]}")
    if [[ ${#missing[@]} -ne 0 ]]; then
        echo "packages: still not installed after apt-get: ${missing[*]}" >&2
        return 1
    fi
}

# sovra_install_package_groups GROUP...: install every package of the groups.
sovra_install_package_groups() {
    local list
    list=$(sovra_packages_for "$@") || return 1
    local -a packages
    mapfile -t packages <<<"$list"
    sovra_install_packages "${packages[@]}"
}
