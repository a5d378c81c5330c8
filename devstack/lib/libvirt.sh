#!/bin/bash
# The compute node's hypervisor: the host's libvirtd (qemu:///system) and its
# virtlogd, started by hand where no init system runs them (containers, CI).
# Sourced after lib/packages.sh and lib/processes.sh (sovra_as_root, the PID
# helpers); by devstack/tools/start-libvirt.sh, which the tests use.
#
#   sovra_libvirt_start STATEFILE   start unless libvirtd answers; idempotent
#   sovra_libvirt_stop STATEFILE    stop only what a start recorded in STATEFILE
#
# Unlike RabbitMQ, etcd and MariaDB, libvirtd is not a private server of ours:
# qemu:///system is one daemon per host, at fixed paths (/run/libvirt's sockets,
# /var/lib/libvirt, /etc/libvirt). So it is started the way the host's init would
# start it, and reused whenever it answers already (systemd, an operator, an earlier
# run). STATEFILE records which daemons (PID and start time) this script started,
# and only those are ever stopped. libvirtd listens on its unix sockets only (no
# --listen: no TCP); what else it could bring up is its autostarted networks, which
# it is kept from (see _sovra_libvirt_no_network_autostart).
#
# Messages go to stderr. Both functions need root: as another user they run
# themselves through sudo (sovra_as_root).

SOVRA_LIBVIRT_URI=qemu:///system
# libvirtd's and virtlogd's logs (warnings and errors: libvirt's default level 3),
# as files even on a host whose journald would otherwise get them.
SOVRA_LIBVIRT_LOG_DIR=${SOVRA_LIBVIRT_LOG_DIR:-/var/log/libvirt}
# How long a freshly started libvirtd may take to answer: it first probes QEMU's
# capabilities whenever it finds its cache of them stale (on a first start; on this
# kind of VM at most starts: 7-8 s, else 0.1 s).
SOVRA_LIBVIRT_START_TIMEOUT=${SOVRA_LIBVIRT_START_TIMEOUT:-20}
# Where init would put them too, so that anyone sees these daemons run.
_SOVRA_LIBVIRTD_PIDFILE=/run/libvirtd.pid
_SOVRA_VIRTLOGD_PIDFILE=/run/virtlogd.pid
_SOVRA_VIRTLOGD_SOCKET=/run/libvirt/virtlogd-sock
_SOVRA_LIBVIRT_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

_sovra_libvirt_say() { printf 'libvirt: %s\n' "$*" >&2; }

# sovra_libvirt_answers [TIMEOUT_S]: true when libvirtd answers on qemu:///system
# within TIMEOUT_S (default 5).
sovra_libvirt_answers() {
    timeout "${1:-5}" virsh -c "$SOVRA_LIBVIRT_URI" version >/dev/null 2>&1
}

# sovra_libvirt_start STATEFILE: make qemu:///system answer. When libvirtd answers
# already, starts nothing (and leaves an existing STATEFILE, an earlier start's
# record, as it is). Otherwise makes /dev/kvm usable by group kvm, keeps libvirt's
# networks from autostarting, starts virtlogd (unless it runs) and libvirtd, records
# them in STATEFILE and waits (SOVRA_LIBVIRT_START_TIMEOUT) until libvirtd answers.
# Returns non-zero, saying why with the tail of the log, when it cannot; what it
# started is recorded by then, for sovra_libvirt_stop.
sovra_libvirt_start() {
    local state=${1:?usage: sovra_libvirt_start STATEFILE}
    if sovra_libvirt_answers; then
        _sovra_libvirt_say "libvirtd already answers on $SOVRA_LIBVIRT_URI: using it"
        [[ -e $state ]] || _sovra_libvirt_record "$state"
        _sovra_libvirt_kvm_access --check
        return 0
    fi
    if [[ $EUID -ne 0 ]]; then
        _sovra_libvirt_as_root sovra_libvirt_start "$state"
        return
    fi
    local prog
    for prog in libvirtd virtlogd virsh; do
        command -v "$prog" >/dev/null || {
            _sovra_libvirt_say "$prog not found: run devstack/tools/install-packages.sh virt"
            return 1
        }
    done
    mkdir -p "$(dirname "$state")" "$SOVRA_LIBVIRT_LOG_DIR" || return 1
    _sovra_libvirt_kvm_access || return 1
    _sovra_libvirt_no_network_autostart || return 1

    local -a started=()
    # virtlogd first: libvirtd hands every guest's console log to it, and fails
    # every domain start when its socket is missing.
    if sovra_pid_alive "$_SOVRA_VIRTLOGD_PIDFILE"; then
        _sovra_libvirt_say "virtlogd already running (pid $(<"$_SOVRA_VIRTLOGD_PIDFILE"))"
        # still ours when an earlier start (whose libvirtd has gone) started it
        _sovra_libvirt_ours "$state" virtlogd >/dev/null && started+=(virtlogd)
    else
        _sovra_libvirt_daemon virtlogd "$_SOVRA_VIRTLOGD_PIDFILE" || return 1
        started+=(virtlogd)
        _sovra_libvirt_record "$state" "${started[@]}"
        _sovra_libvirt_wait_virtlogd || return 1
    fi
    local t0=$EPOCHREALTIME
    _sovra_libvirt_daemon libvirtd "$_SOVRA_LIBVIRTD_PIDFILE" || {
        _sovra_libvirt_record "$state" "${started[@]}"
        return 1
    }
    started+=(libvirtd)
    _sovra_libvirt_record "$state" "${started[@]}"
    _sovra_libvirt_wait_libvirtd "$t0" || return 1

    local nets
    nets=$(timeout 5 virsh -c "$SOVRA_LIBVIRT_URI" net-list --name 2>/dev/null | xargs)
    [[ -z $nets ]] ||
        _sovra_libvirt_say "warning: libvirt networks are active (not started by us): $nets"
}

# sovra_libvirt_stop STATEFILE: stop the daemons STATEFILE says sovra_libvirt_start
# started (libvirtd, then virtlogd), if they are still those processes; remove it.
# Guests keep running (QEMU outlives libvirtd; a later libvirtd reconnects to them).
sovra_libvirt_stop() {
    local state=${1:?usage: sovra_libvirt_stop STATEFILE}
    if [[ ! -f $state ]]; then
        _sovra_libvirt_say "no $state: no daemon of ours to stop"
        return 0
    fi
    local daemon pid
    local -A ours=()
    for daemon in libvirtd virtlogd; do
        pid=$(_sovra_libvirt_ours "$state" "$daemon") && ours[$daemon]=$pid
    done
    if [[ ${#ours[@]} -gt 0 && $EUID -ne 0 ]]; then
        _sovra_libvirt_as_root sovra_libvirt_stop "$state"
        return
    fi
    local tmp
    tmp=$(mktemp -d) || return 1
    for daemon in libvirtd virtlogd; do
        [[ -n ${ours[$daemon]:-} ]] || continue
        echo "${ours[$daemon]}" > "$tmp/$daemon.pid"
        sovra_stop_pidfiles 30 "$tmp/$daemon.pid"
    done
    rm -rf "$tmp"
    rm -f "$state"
}

# _sovra_libvirt_ours STATEFILE DAEMON: print DAEMON's PID if STATEFILE records that
# we started it and that process still runs. The start time recorded with the PID
# guards against a PID the kernel has given to another process since.
_sovra_libvirt_ours() {
    local daemon pid starttime
    [[ -f $1 ]] || return 1
    while read -r daemon pid starttime; do
        [[ $daemon == "$2" && -n $starttime ]] || continue
        if [[ $(_sovra_libvirt_starttime "$pid") == "$starttime" ]]; then
            echo "$pid"
            return 0
        fi
        _sovra_libvirt_say "$daemon (pid $pid) we started is gone already"
    done < "$1"
    return 1
}

# _sovra_libvirt_record STATEFILE [DAEMON...]: write which daemons we started.
_sovra_libvirt_record() {
    local state=$1 daemon pid; shift
    {
        echo "# written by sovra_libvirt_start (devstack/lib/libvirt.sh), $(date -Is)"
        echo "# DAEMON PID STARTTIME: what it started, what sovra_libvirt_stop stops"
        [[ $# -gt 0 ]] || echo "# (none)"
        for daemon in "$@"; do
            pid=$(_sovra_libvirt_pidfile_of "$daemon")
            pid=$(<"$pid")
            echo "$daemon $pid $(_sovra_libvirt_starttime "$pid")"
        done
    } > "$state.tmp" && mv -f "$state.tmp" "$state"
}

_sovra_libvirt_pidfile_of() {
    case $1 in
        libvirtd) echo "$_SOVRA_LIBVIRTD_PIDFILE" ;;
        virtlogd) echo "$_SOVRA_VIRTLOGD_PIDFILE" ;;
    esac
}

# _sovra_libvirt_starttime PID: the process's start time (clock ticks after boot).
_sovra_libvirt_starttime() {
    local stat
    [[ $1 =~ ^[0-9]+$ ]] || return 1
    { read -r stat < "/proc/$1/stat"; } 2>/dev/null || return 1
    stat=${stat##*) }   # after "pid (comm) "
    local -a fields
    read -ra fields <<<"$stat"
    echo "${fields[19]}"   # field 22 of proc(5), counting from pid
}

# _sovra_libvirt_daemon NAME PIDFILE: start NAME --daemon, logging to
# $SOVRA_LIBVIRT_LOG_DIR/NAME.log. It forks, detaches and writes PIDFILE; the
# command returns once the daemon has set itself up (non-zero if it could not).
_sovra_libvirt_daemon() {
    local name=$1 pidfile=$2 log=$SOVRA_LIBVIRT_LOG_DIR/$1.log rc=0
    _sovra_libvirt_say "starting $name (log: $log)"
    # A clean environment, not the caller's (a test's, a venv's PATH...): this is the
    # host's daemon, and the QEMU processes it starts inherit from it.
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
        LIBVIRT_LOG_OUTPUTS="3:file:$log" \
        "$(command -v "$name")" --daemon --pid-file "$pidfile" \
        < /dev/null >> "$log" 2>&1 || rc=$?
    if [[ $rc -ne 0 ]] || ! sovra_pid_alive "$pidfile"; then
        _sovra_libvirt_fail "$name --daemon failed (exit $rc)" "$log"
        return 1
    fi
    _sovra_libvirt_say "$name running (pid $(<"$pidfile"))"
}

_sovra_libvirt_wait_virtlogd() {
    local i
    for ((i = 0; i < 50; i++)); do
        [[ -S $_SOVRA_VIRTLOGD_SOCKET ]] && return 0
        sovra_pid_alive "$_SOVRA_VIRTLOGD_PIDFILE" || break
        sleep 0.1
    done
    _sovra_libvirt_fail "virtlogd did not create $_SOVRA_VIRTLOGD_SOCKET" \
        "$SOVRA_LIBVIRT_LOG_DIR/virtlogd.log"
    return 1
}

# _sovra_libvirt_wait_libvirtd T0: wait until libvirtd answers; say how long it took
# since T0 ($EPOCHREALTIME). Its drivers initialise after it has daemonized.
_sovra_libvirt_wait_libvirtd() {
    local t0=$1 log=$SOVRA_LIBVIRT_LOG_DIR/libvirtd.log
    local deadline=$((SECONDS + SOVRA_LIBVIRT_START_TIMEOUT))
    # A client that connects while the drivers initialise waits for them: give it
    # the time left rather than cut it short (which libvirtd logs as an error).
    while [[ ! -S /run/libvirt/libvirt-sock ]] ||
        ! sovra_libvirt_answers $((deadline - SECONDS > 1 ? deadline - SECONDS : 1)); do
        if ! sovra_pid_alive "$_SOVRA_LIBVIRTD_PIDFILE"; then
            _sovra_libvirt_fail "libvirtd exited" "$log"
            return 1
        fi
        if ((SECONDS >= deadline)); then
            _sovra_libvirt_fail "libvirtd did not answer on $SOVRA_LIBVIRT_URI within $SOVRA_LIBVIRT_START_TIMEOUT s" "$log"
            return 1
        fi
        sleep 0.2
    done
    local ms=$(( (${EPOCHREALTIME/./} - ${t0/./}) / 1000 ))
    _sovra_libvirt_say "libvirtd answers on $SOVRA_LIBVIRT_URI ($ms ms after its start)"
}

_sovra_libvirt_fail() {
    _sovra_libvirt_say "$1; last lines of $2:"
    tail -n 20 "$2" >&2 2>/dev/null || true
}

# _sovra_libvirt_kvm_access [--check]: give group kvm read-write on /dev/kvm (what
# udev's rule does on a host with systemd); --check only warns when it lacks it.
# With /dev/kvm left 0600 root:root, libvirt judges its cache of QEMU's capabilities
# stale on every call and probes QEMU again: a domain define took ~44 s, 0.02 s
# after this. KVM itself may still not work (then guests use TCG, type qemu).
_sovra_libvirt_kvm_access() {
    [[ -c /dev/kvm ]] || return 0
    if ! getent group kvm >/dev/null; then
        _sovra_libvirt_say "no group kvm: /dev/kvm left as it is"
        return 0
    fi
    local mode
    mode=$(stat -c '%G %a' /dev/kvm) || return 1
    [[ $mode == "kvm 660" || $mode == "kvm 666" ]] && return 0
    if [[ ${1:-} == --check ]]; then
        _sovra_libvirt_say "warning: /dev/kvm is '$mode' (group, mode), not 'kvm 660':" \
            "libvirt re-probes QEMU on every call (slow defines)"
        return 0
    fi
    _sovra_libvirt_say "/dev/kvm was '$mode': making it group kvm, mode 0660"
    chgrp kvm /dev/kvm && chmod 0660 /dev/kvm
}

# _sovra_libvirt_no_network_autostart: keep libvirtd from starting the networks
# marked autostart. Debian's libvirt-daemon-config-network defines `default` (bridge
# virbr0 on 192.168.122.1, a dnsmasq serving DHCP and DNS there, NAT rules) without
# marking it; other distributions (Ubuntu, Fedora) mark it, and an operator may
# have. Sovra's network service owns the node's networking, and a test must bring up
# no address but loopback: none of those networks should come up because we started
# libvirtd. libvirtd autostarts networks once per host boot: the first libvirtd of a
# boot creates /run/libvirt/network/autostarted and later ones skip autostart. We
# create it first, so this boot's libvirtd skip it; the marks (the operator's
# choice) stay for the host's next boot, and run/ is gone by then. A network already
# active (someone else's) is left alone; sovra_libvirt_start names it.
_sovra_libvirt_no_network_autostart() {
    local -a marked=()
    local f names=
    shopt -s nullglob
    marked=(/etc/libvirt/qemu/networks/autostart/*.xml)
    shopt -u nullglob
    [[ ${#marked[@]} -gt 0 ]] || return 0
    for f in "${marked[@]}"; do names+=" $(basename "$f" .xml)"; done
    if [[ ! -e /run/libvirt/network/autostarted ]]; then
        _sovra_libvirt_say "networks marked autostart:$names; not autostarting them" \
            "(/run/libvirt/network/autostarted)"
        mkdir -p /run/libvirt/network && : >> /run/libvirt/network/autostarted
    fi
}

# _sovra_libvirt_as_root FUNCTION ARG...: run FUNCTION of these libraries as root.
_sovra_libvirt_as_root() {
    if ! command -v sudo >/dev/null; then
        _sovra_libvirt_say "$1 needs root (or sudo) to run the host's libvirtd"
        return 1
    fi
    # shellcheck disable=SC2016  # expanded by the root shell
    sovra_as_root env SOVRA_LIBVIRT_LOG_DIR="$SOVRA_LIBVIRT_LOG_DIR" \
        SOVRA_LIBVIRT_START_TIMEOUT="$SOVRA_LIBVIRT_START_TIMEOUT" \
        bash -c 'source "$1/packages.sh" && source "$1/processes.sh" &&
                 source "$1/libvirt.sh" && shift && "$@"' \
        _ "$_SOVRA_LIBVIRT_LIB" "$@"
}
