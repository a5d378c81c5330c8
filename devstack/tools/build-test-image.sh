#!/bin/bash
# Build the test guest image (Sovra's CirrOS): a small qcow2 disk that boots from
# its own disk like a cloud image, made from Debian packages only.
#
#   devstack/tools/build-test-image.sh OUTPUT.qcow2
#
# BIOS (SeaBIOS) -> syslinux's MBR -> SYSLINUX on a FAT partition -> Debian's cloud
# kernel (linux-image-cloud-amd64) + an initramfs of busybox-static and the kernel
# modules a QEMU/libvirt guest needs (virtio disk/net/scsi, IDE cdrom, iso9660, vfat,
# ACPI power button). Kernel and busybox are fetched with `apt-get download` and
# unpacked with `dpkg-deb -x`: nothing is installed on the host but the tools of
# package group `guest-image` (devstack/lib/packages.sh). No loop devices, no
# mounts: the FAT is written with mtools, the partition table with sfdisk.
#
# The guest prints on its serial console (console=ttyS0), in this order:
#   sovra-test-image: booted
#   sovra-test-image: config-drive=<device>          \
#   sovra-test-image: metadata-source=config-drive    | from a config drive (label
#   sovra-test-image: instance-uuid=<uuid>            | config-2, iso9660 or vfat,
#   sovra-test-image: hostname=<name>                 | as a virtio disk, IDE/SCSI
#   sovra-test-image: public-keys=<N>                 | cdrom or disk), when there
#   sovra-test-image: user-data-begin                 | is one (user data lines
#   <user_data, verbatim>                             | only if any)
#   sovra-test-image: user-data-end                  /
#   sovra-test-image: no-config-drive             when there is none
#   sovra-test-image: disk vda size=<bytes>
#   sovra-test-image: eth0 address=<ip/prefix>    (DHCP) | eth0 no-lease | no-nic
#   sovra-test-image: metadata-source=metadata-service  \ with no config drive but
#   (instance-uuid ... user-data-end, as above)          | a lease: from
#                                                        / http://169.254.169.254
#   sovra-test-image: no-metadata-service         (when three tries failed)
#   sovra-test-image: ready
# then, when the user data starts with "#!", it runs as a script (as cloud-init
# runs it; once per boot, in the background, stdin /dev/null), its stdout and
# stderr framed:
#   sovra-test-image: user-script-begin
#   <its output>
#   sovra-test-image: user-script-end rc=<exit status>
# and, while it runs, a line for each disk plugged in or out (hot-plugged volumes;
# head: its first 32 bytes, letters, digits and ._:=- only):
#   sovra-test-image: disk-added <name> size=<bytes> serial=<serial> head=<bytes>
#   sovra-test-image: disk-removed <name>
# and a root shell on ttyS0 (respawned; once the user script has ended), and on an
# ACPI power button press (`virsh shutdown`, QEMU `system_powerdown`):
#   sovra-test-image: powering off
# and it powers off.
#
# The result is cached in ${SOVRA_CACHE_DIR:-$HOME/.cache/sovra}/test-image/, keyed
# by the kernel and busybox package versions and a hash of this script: a second
# run only copies the cached file. Every file is written to a temporary name and
# renamed into place, so concurrent runs never see half an image.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SELF="$TOP/devstack/tools/build-test-image.sh"

if [[ $# -ne 1 || $1 == -* ]]; then
    echo "usage: $0 OUTPUT.qcow2" >&2
    exit 2
fi
OUTPUT=$1

# shellcheck source=../lib/packages.sh
source "$TOP/devstack/lib/packages.sh"
sovra_install_package_groups guest-image >&2

KERNEL_META=linux-image-cloud-amd64
BUSYBOX=busybox-static
DISK_MIB=64        # virtual size of the disk; the FAT partition fills it from 1 MiB
# Kernel modules the guest loads (their dependencies come along), in load order.
GUEST_MODULES=(
    button evdev                                  # ACPI power button -> /dev/input
    virtio_pci virtio_blk virtio_net virtio_scsi  # virtio devices
    scsi_mod sd_mod sr_mod ata_piix               # IDE (machine pc) disks, cdroms
    isofs vfat nls_cp437 nls_ascii nls_utf8       # config drive filesystems
)

say() { echo "build-test-image: $*" >&2; }

CACHE_DIR=${SOVRA_CACHE_DIR:-$HOME/.cache/sovra}/test-image

# The real kernel package behind the metapackage and the versions apt would install
# (they key the cache). One apt-cache call costs ~0.4 s, so its answer is kept
# beside the images for as long as the apt lists do not change.
resolve_versions() {
    local lists resolved
    lists=$(stat -c '%n %s %Y' /var/lib/apt/lists/*_Packages* 2>/dev/null |
        sha256sum | cut -c1-16) || true
    resolved="$CACHE_DIR/versions-$lists"
    if [[ -f $resolved ]] && read -r KERNEL_PKG KERNEL_VERSION BUSYBOX_VERSION <"$resolved" &&
            [[ -n $BUSYBOX_VERSION ]]; then
        return 0
    fi
    read -r KERNEL_PKG KERNEL_VERSION BUSYBOX_VERSION < <(
        apt-cache show --no-all-versions "$KERNEL_META" "$BUSYBOX" 2>/dev/null |
        awk -v meta="$KERNEL_META" -v bb="$BUSYBOX" '
            /^Package:/ { pkg = $2 }
            /^Version:/ && pkg != meta { version[pkg] = $2 }
            /^Depends:/ && pkg == meta {
                # "linux-image-6.1.0-57-cloud-amd64 (= 6.1.192-3), ..."
                if (match($0, /linux-image-[0-9][^ ,]*[ ]*\(= [^)]*\)/)) {
                    dep = substr($0, RSTART, RLENGTH); gsub(/[()=]/, "", dep)
                    split(dep, d, " "); kpkg = d[1]; kver = d[2]
                }
            }
            END { if (kpkg != "" && version[bb] != "") print kpkg, kver, version[bb] }') || true
    [[ -n ${BUSYBOX_VERSION:-} ]] || return 1
    mkdir -p "$CACHE_DIR"
    rm -f "$CACHE_DIR"/versions-*
    echo "$KERNEL_PKG $KERNEL_VERSION $BUSYBOX_VERSION" >"$resolved.$$"
    mv -f "$resolved.$$" "$resolved"
}
if ! resolve_versions; then
    say "no apt lists for $KERNEL_META/$BUSYBOX: apt-get update"
    sovra_as_root apt-get -q update >&2
    resolve_versions || { say "cannot resolve $KERNEL_META and $BUSYBOX"; exit 1; }
fi

cache_key() {
    local hash
    hash=$( (cat "$SELF"; echo "$KERNEL_PKG=$KERNEL_VERSION $BUSYBOX=$BUSYBOX_VERSION") |
        sha256sum | cut -c1-16)
    CACHED="$CACHE_DIR/sovra-test-image_${KERNEL_VERSION}_${hash}.qcow2"
}
cache_key

# install_file SRC DEST: copy SRC to DEST through a temporary file in DEST's folder.
install_file() {
    local tmp
    tmp=$(mktemp "$(dirname "$2")/.$(basename "$2").XXXXXX")
    if ! cp "$1" "$tmp" || ! chmod 0644 "$tmp" || ! mv -f "$tmp" "$2"; then
        rm -f "$tmp"
        return 1
    fi
}

mkdir -p "$(dirname "$OUTPUT")"
if [[ -f $CACHED ]]; then
    install_file "$CACHED" "$OUTPUT"
    say "$OUTPUT (cached: $CACHED)"
    exit 0
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sovra-test-image.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
chmod 0755 "$WORK"

# --- fetch and unpack the Debian packages (not installed on the host) -------------
say "building: $KERNEL_PKG $KERNEL_VERSION, $BUSYBOX $BUSYBOX_VERSION"
mkdir -p "$WORK/debs" "$WORK/kernel" "$WORK/busybox"
if [[ $EUID -eq 0 ]] && id _apt >/dev/null 2>&1; then
    chown _apt "$WORK/debs"   # apt-get download drops to _apt when it can
fi
download() {
    (cd "$WORK/debs" && apt-get -q download "$KERNEL_PKG=$KERNEL_VERSION" \
        "$BUSYBOX=$BUSYBOX_VERSION") >&2
}
if ! download; then
    # stale lists (the mirror moved on to a new kernel): update, resolve again, retry
    say "download failed: apt-get update and retry"
    sovra_as_root apt-get -q update >&2
    resolve_versions || { say "cannot resolve $KERNEL_META and $BUSYBOX"; exit 1; }
    cache_key
    download
fi
dpkg-deb -x "$WORK"/debs/"${KERNEL_PKG}"_*.deb "$WORK/kernel"
dpkg-deb -x "$WORK"/debs/"${BUSYBOX}"_*.deb "$WORK/busybox"
BB="$WORK/busybox/bin/busybox"
# the applets the guest's boot and the tests' user scripts rely on
"$BB" --list >"$WORK/applets"
for applet in udhcpc ip wget ping awk acpid nc timeout; do
    grep -qx "$applet" "$WORK/applets" || { say "$BUSYBOX has no $applet"; exit 1; }
done
KVER=$(basename "$(find "$WORK/kernel/lib/modules" -mindepth 1 -maxdepth 1 -type d | head -n1)")
VMLINUZ="$WORK/kernel/boot/vmlinuz-$KVER"
MODDIR="$WORK/kernel/lib/modules/$KVER"
[[ -f $VMLINUZ ]] || { say "no kernel in $KERNEL_PKG"; exit 1; }

# --- the initramfs ------------------------------------------------------------------
ROOT="$WORK/initramfs"
mkdir -p "$ROOT"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,run,tmp,mnt,root,etc/acpi/PWRF} \
    "$ROOT/lib/modules/$KVER" "$ROOT/var/run"
cp "$BB" "$ROOT/bin/busybox"
while read -r applet; do
    [[ -e $ROOT/$applet || -L $ROOT/$applet ]] || ln -s /bin/busybox "$ROOT/$applet"
done < <("$BB" --list-full)

# Kernel modules, with their dependencies before them (a depth-first walk of
# modinfo's "depends"); those built into this kernel are skipped.
declare -A MODPATH=() SEEN=()
while read -r ko; do
    name=$(basename "$ko" .ko)
    MODPATH[${name//-/_}]=$ko
done < <(find "$MODDIR/kernel" -name '*.ko')
MODORDER=()
add_module() {
    local name=${1//-/_} dep
    [[ -n ${SEEN[$name]+set} ]] && return 0
    SEEN[$name]=1
    if [[ -z ${MODPATH[$name]+set} ]]; then
        if grep -q "/${name}.ko\$" "$MODDIR/modules.builtin"; then return 0; fi
        say "module $name: not in $KERNEL_PKG"
        return 1
    fi
    # the .modinfo section's NUL-terminated "depends=a,b" string
    for dep in $(tr '\0' '\n' <"${MODPATH[$name]}" | sed -n 's/^depends=//p' | tr ',' ' '); do
        add_module "$dep"
    done
    MODORDER+=("$name")
}
for module in "${GUEST_MODULES[@]}"; do
    add_module "$module"
done
for name in "${MODORDER[@]}"; do
    rel=${MODPATH[$name]#"$MODDIR"/}
    mkdir -p "$ROOT/lib/modules/$KVER/$(dirname "$rel")"
    cp "${MODPATH[$name]}" "$ROOT/lib/modules/$KVER/$rel"
    echo "/lib/modules/$KVER/$rel" >>"$ROOT/etc/modules"
done
cp "$MODDIR"/modules.builtin "$MODDIR"/modules.order "$ROOT/lib/modules/$KVER/"
# modules.dep and aliases, so the kernel's own module requests (busybox modprobe) work
"$BB" depmod -b "$ROOT" "$KVER"

# /init: mount the kernel filesystems, say we booted, hand over to busybox init.
cat >"$ROOT/init" <<'EOF'
#!/bin/sh
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
echo; echo "sovra-test-image: booted"   # own line: firmware leaves escapes on the last
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
exec /sbin/init
EOF

cat >"$ROOT/etc/inittab" <<'EOF'
::sysinit:/etc/rcS
ttyS0::respawn:/etc/console-shell
::ctrlaltdel:/etc/acpi/PWRF/00000080
::shutdown:/bin/umount -a -r
EOF

# The console's root shell, once a user script has finished: its banner and
# prompt would otherwise land inside the script's output lines.
cat >"$ROOT/etc/console-shell" <<'EOF'
#!/bin/sh
while [ -e /run/user-script.running ]; do sleep 1; done
exec /bin/sh -l
EOF

cat >"$ROOT/etc/profile" <<'EOF'
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
export PS1='\h:\w\$ '
EOF
echo "root:x:0:0:root:/root:/bin/sh" >"$ROOT/etc/passwd"
echo "root:x:0:" >"$ROOT/etc/group"
echo "sovra-test" >"$ROOT/etc/hostname"

# busybox acpid runs /etc/acpi/PWRF/00000080 on a power button press
cat >"$ROOT/etc/acpi/PWRF/00000080" <<'EOF'
#!/bin/sh
# own line: the console shell's prompt may be on the last one
printf '\nsovra-test-image: powering off\n' >/dev/console
sync
exec poweroff -f
EOF

# The udhcpc script: address, routes, MTU, DNS.
cat >"$ROOT/etc/udhcpc.script" <<'EOF'
#!/bin/sh
case "$1" in
deconfig)
    ip -4 addr flush dev "$interface"
    ip link set dev "$interface" up
    ;;
bound|renew)
    [ -n "$mtu" ] && ip link set dev "$interface" mtu "$mtu"
    ip -4 addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" ${broadcast:+broadcast "$broadcast"} dev "$interface"
    if [ -n "$staticroutes" ]; then
        # option 121: "dest/prefix gateway ..." (it replaces the router option)
        set -- $staticroutes
        while [ $# -ge 2 ]; do
            if [ "$2" = 0.0.0.0 ]; then
                ip route replace "$1" dev "$interface"
            else
                ip route replace "$1" via "$2" dev "$interface"
            fi
            shift 2
        done
    elif [ -n "$router" ]; then
        for gw in $router; do
            ip route replace default via "$gw" dev "$interface" && break
        done
    fi
    : >/etc/resolv.conf
    [ -n "$domain" ] && echo "search $domain" >>/etc/resolv.conf
    for ns in $dns; do echo "nameserver $ns" >>/etc/resolv.conf; done
    ;;
esac
exit 0
EOF

# Reads flat OpenStack meta_data.json: prints key=value for the top-level string
# values, and public_keys=<number of entries of the public_keys object>.
cat >"$ROOT/etc/metadata.awk" <<'EOF'
BEGIN { RS = "\001" }
{
    s = $0; n = length(s); depth = 0; key = ""; prev = ""; pk = 0; inpk = 0
    for (i = 1; i <= n; i++) {
        c = substr(s, i, 1)
        if (c == "\"") {
            str = ""
            for (i++; i <= n; i++) {
                c = substr(s, i, 1)
                if (c == "\\") {
                    i++; e = substr(s, i, 1)
                    if (e == "n") str = str "\n"
                    else if (e == "t") str = str "\t"
                    else if (e == "u") { str = str "\\u" }
                    else str = str e
                } else if (c == "\"") break
                else str = str c
            }
            j = i + 1
            while (substr(s, j, 1) ~ /[ \t\r\n]/) j++
            if (substr(s, j, 1) == ":") {
                if (depth == 1) key = str
                if (inpk && depth == 2) pk++
            } else if (depth == 1 && prev == ":") {
                print key "=" str
            }
            prev = "s"
        } else if (c == "{" || c == "[") {
            if (depth == 1 && key == "public_keys" && c == "{" && prev == ":") inpk = 1
            depth++; prev = c
        } else if (c == "}" || c == "]") {
            depth--; prev = c
            if (depth == 1) inpk = 0
        } else if (c ~ /[:,]/) {
            prev = c
        }
    }
    print "public_keys=" pk
}
EOF

# The boot: modules, config drive, root disk size, network, ACPI, ready.
cat >"$ROOT/etc/rcS" <<'EOF'
#!/bin/sh
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
say() { echo "sovra-test-image: $*"; }

hostname -F /etc/hostname
ip link set lo up
while read -r ko; do
    insmod "$ko" 2>/dev/null || say "insmod ${ko##*/} failed"
done </etc/modules

# The config drive: a filesystem (iso9660 or vfat, labelled config-2) holding
# openstack/latest/meta_data.json, on any block device: virtio disk, IDE or SCSI
# cdrom or disk. Each insmod above returned after its devices were probed (the
# kernel waits for async probes at module load), so one look is enough.
find_config_drive() {
    for sys in /sys/class/block/*; do
        name=${sys##*/}
        dev=/dev/$name
        [ -b "$dev" ] || continue
        case $name in
        loop*|ram*|zram*) continue ;;
        sr*) types=iso9660 ;;
        *) types="iso9660 vfat" ;;
        esac
        # a whole disk with partitions holds no filesystem itself
        ls -d "$sys/$name"* >/dev/null 2>&1 && continue
        [ "$(cat "$sys/size" 2>/dev/null)" != 0 ] || continue
        for fstype in $types; do
            if mount -t "$fstype" -o ro "$dev" /mnt 2>/dev/null; then
                if [ -f /mnt/openstack/latest/meta_data.json ]; then
                    echo "$dev"
                    return 0
                fi
                umount /mnt
            fi
        done
    done
    return 1
}
# show_metadata DIR SOURCE: the lines for DIR/meta_data.json (and DIR/user_data)
show_metadata() {
    awk -f /etc/metadata.awk "$1/meta_data.json" >/run/meta_data.env
    get() { sed -n "s/^$1=//p" /run/meta_data.env | head -n1; }
    uuid=$(get uuid)
    host=$(get hostname)
    [ -n "$host" ] || host=$(get name)
    say "metadata-source=$2"
    say "instance-uuid=$uuid"
    say "hostname=$host"
    say "public-keys=$(get public_keys)"
    if [ -n "$host" ]; then
        hostname "${host%%.*}" && echo "${host%%.*}" >/etc/hostname
    fi
    if [ -f "$1/user_data" ]; then
        say "user-data-begin"
        cat "$1/user_data"
        [ -z "$(tail -c 1 "$1/user_data")" ] || echo
        say "user-data-end"
        cp "$1/user_data" /run/user_data
    fi
}

drive=$(find_config_drive) || drive=
if [ -n "$drive" ]; then
    mkdir -p /run/config-drive
    cp -r /mnt/openstack /run/config-drive/
    umount /mnt
    say "config-drive=$drive"
    show_metadata /run/config-drive/openstack/latest config-drive
else
    say "no-config-drive"
fi

if [ -e /sys/block/vda/size ]; then
    say "disk vda size=$(( $(cat /sys/block/vda/size) * 512 ))"
fi

if [ -e /sys/class/net/eth0 ]; then
    ip link set eth0 up
    if udhcpc -i eth0 -s /etc/udhcpc.script -n -q -t 5 -T 2 -O mtu -O staticroutes \
            -x hostname:"$(hostname)" >/run/udhcpc.log 2>&1; then
        say "eth0 address=$(ip -o -4 addr show dev eth0 | awk '{print $4; exit}')"
    else
        say "eth0 no-lease"
    fi
else
    say "no-nic"
fi

# No config drive: the metadata service, as cloud-init's OpenStack source reads it
# (same files; user_data is a 404 when the server has none).
if [ -z "$drive" ] && [ -n "$(ip -o -4 addr show dev eth0 2>/dev/null)" ]; then
    url=http://169.254.169.254/openstack/latest
    md=/run/metadata-service
    mkdir -p "$md"
    fetched=
    # (busybox 1.35's wget -T crashes: timeout bounds each try instead)
    for _ in 1 2 3; do
        if timeout 5 wget -q -O "$md/meta_data.json.part" "$url/meta_data.json" 2>/dev/null
        then
            mv "$md/meta_data.json.part" "$md/meta_data.json"
            fetched=1
            break
        fi
        sleep 1
    done
    if [ -n "$fetched" ]; then
        timeout 5 wget -q -O "$md/user_data.part" "$url/user_data" 2>/dev/null &&
            mv "$md/user_data.part" "$md/user_data"
        show_metadata "$md" metadata-service
    else
        say "no-metadata-service"
    fi
fi

acpid -c /etc/acpi -l /run/acpid.log
# "ready" promises that the power button works: wait until acpid holds the input
# device (a press before that would be lost)
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
    pid=$(pidof acpid) && ls -l "/proc/$pid/fd" 2>/dev/null | grep -q /dev/input/ && break
    sleep 0.1
done
say "ready"

# Disks plugged in or out from now on (volumes attached to the running guest).
watch_disks() {
    known=" $(ls /sys/block | tr '\n' ' ') "
    while sleep 0.5; do
        now=" $(ls /sys/block | tr '\n' ' ') "
        for name in $now; do
            case $known in *" $name "*) continue ;; esac
            case $name in loop*|ram*|zram*) continue ;; esac
            size=$(( $(cat "/sys/block/$name/size" 2>/dev/null || echo 0) * 512 ))
            serial=$(cat "/sys/block/$name/serial" 2>/dev/null)
            head=$(head -c 32 "/dev/$name" 2>/dev/null | tr -cd 'A-Za-z0-9._:=-')
            say "disk-added $name size=$size serial=$serial head=$head"
        done
        for name in $known; do
            case $now in *" $name "*) continue ;; esac
            say "disk-removed $name"
        done
        known=$now
    done
}
watch_disks </dev/null >/dev/console 2>&1 &

# User data that starts with "#!" is a script (as cloud-init runs it): run once the
# guest is ready, in the background, its output (stdout and stderr) framed.
run_user_script() {
    say "user-script-begin"
    # each output line whole, the last one too (the end marker gets its own line)
    { /run/user-script </dev/null 2>&1; echo $? >/run/user-script.rc; } |
        while IFS= read -r line || [ -n "$line" ]; do printf '%s\n' "$line"; done
    say "user-script-end rc=$(cat /run/user-script.rc)"
    rm -f /run/user-script.running
}
if [ "$(head -c 2 /run/user_data 2>/dev/null)" = "#!" ]; then
    cp /run/user_data /run/user-script
    chmod 0755 /run/user-script
    : >/run/user-script.running
    run_user_script </dev/null >/dev/console 2>&1 &
fi
EOF
chmod 0755 "$ROOT/init" "$ROOT/etc/rcS" "$ROOT/etc/udhcpc.script" \
    "$ROOT/etc/acpi/PWRF/00000080" "$ROOT/etc/console-shell"

(cd "$ROOT" && find . -mindepth 1 | LC_ALL=C sort | "$BB" cpio -o -H newc -R 0:0 2>/dev/null) |
    gzip -9 >"$WORK/initrd.img"

# --- the disk: MBR, one bootable FAT partition with SYSLINUX, kernel and initramfs --
SYSLINUX_DIR=/usr/lib/syslinux
DISK="$WORK/disk.raw"
PART_START=2048   # sectors: 1 MiB
truncate -s "${DISK_MIB}M" "$DISK"
echo "start=$PART_START, type=e, bootable" | sfdisk -q --label dos "$DISK" >&2
PART_SECTORS=$(( DISK_MIB * 2048 - PART_START ))
mkfs.fat -F 16 -n SOVRA-BOOT -h "$PART_START" --offset "$PART_START" "$DISK" \
    $(( PART_SECTORS / 2 )) >/dev/null
dd if="$SYSLINUX_DIR/mbr/mbr.bin" of="$DISK" bs=440 count=1 conv=notrunc status=none
cat >"$WORK/syslinux.cfg" <<EOF
DEFAULT sovra
PROMPT 0
TIMEOUT 0
NOESCAPE 1
LABEL sovra
  LINUX /vmlinuz
  INITRD /initrd.img
  APPEND console=ttyS0 quiet
EOF
export MTOOLS_SKIP_CHECK=1
FAT="$DISK@@$(( PART_START * 512 ))"
mcopy -i "$FAT" "$VMLINUZ" ::/vmlinuz
mcopy -i "$FAT" "$WORK/initrd.img" ::/initrd.img
mcopy -i "$FAT" "$WORK/syslinux.cfg" ::/syslinux.cfg
syslinux --offset $(( PART_START * 512 )) --install "$DISK"

qemu-img convert -q -f raw -O qcow2 -c "$DISK" "$WORK/image.qcow2"

mkdir -p "$CACHE_DIR"
install_file "$WORK/image.qcow2" "$CACHED"
# keep the three newest images (other checkouts may use other versions of this
# script) and drop temporary files that interrupted runs left behind
# shellcheck disable=SC2012
ls -t "$CACHE_DIR"/sovra-test-image_*.qcow2 | tail -n +4 | while read -r old; do rm -f "$old"; done
find "$CACHE_DIR" -maxdepth 1 -name '.sovra-test-image_*' -mmin +60 -delete 2>/dev/null || true
install_file "$CACHED" "$OUTPUT"
say "$OUTPUT ($(stat -c %s "$OUTPUT") bytes; cached: $CACHED)"
