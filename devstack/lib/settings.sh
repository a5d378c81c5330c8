#!/bin/bash
# Settings every devstack script shares. Override any of them in the environment.
# shellcheck disable=SC2034  # sourced: the variables are used by the scripts

TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}

# local.conf (devstack/local.conf.sample says what it may set): a shell fragment,
# read by every devstack script, so that stack.sh, unstack.sh and clean.sh agree.
# The unprefixed names it sets are never taken from the environment; the SOVRA_*
# ones (ports, SOVRA_DATA_DIR...) are, unless local.conf sets them itself.
unset MODE DATABASE MESSAGING COORDINATION PROCESSES SERVICE_HOST VIRT_DRIVER NODE_ROLE \
    NODE_NAME CONTROLLER_SECRETS HOST_IP FLOATING_RANGE PUBLIC_NETWORK_GATEWAY FIXED_RANGE \
    NETWORK_NAMESPACE_PREFIX ENABLED_SERVICES VOLUME_BACKEND_NAME VOLUME_AVAILABILITY_ZONE
LOCAL_CONF=${SOVRA_LOCAL_CONF:-$TOP/devstack/local.conf}
if [[ -f $LOCAL_CONF ]]; then
    # shellcheck source=/dev/null
    source "$LOCAL_CONF"
elif [[ -n ${SOVRA_LOCAL_CONF:-} ]]; then
    echo "SOVRA_LOCAL_CONF=$SOVRA_LOCAL_CONF: no such file" >&2
    return 1
fi

# What runs the cloud. MODE is the shorthand: lite (the default) = sqlite, inproc,
# inprocess, allinone; full = mysql, rabbit, etcd, split. Each of the four may also
# be set on its own (in local.conf, or as SOVRA_DATABASE... in the environment).
MODE=${MODE:-${SOVRA_MODE:-lite}}
case $MODE in
    lite) _defaults=(sqlite inproc inprocess allinone) ;;
    full) _defaults=(mysql rabbit etcd split) ;;
    *) echo "MODE=$MODE: use lite or full" >&2; return 1 ;;
esac
DATABASE=${DATABASE:-${SOVRA_DATABASE:-${_defaults[0]}}}
MESSAGING=${MESSAGING:-${SOVRA_MESSAGING:-${_defaults[1]}}}
COORDINATION=${COORDINATION:-${SOVRA_COORDINATION:-${_defaults[2]}}}
PROCESSES=${PROCESSES:-${SOVRA_PROCESSES:-${_defaults[3]}}}
unset _defaults

# The compute agents' hypervisor driver: libvirt (real VMs under QEMU: KVM where it
# works, else TCG emulation), fake (servers go ACTIVE, nothing runs), or auto (the
# default): libvirt when stack.sh can have it (root or sudo on Debian/Ubuntu, x86_64),
# else fake, with a warning saying why.
VIRT_DRIVER=${VIRT_DRIVER:-${SOVRA_VIRT_DRIVER:-auto}}

# What this node is (multi-node): controller (the default: every API, the servers
# full mode needs and this node's agents) or compute (a subnode: only this node's
# agents, joining the controller at SERVICE_HOST: its bus, its etcd, its catalog).
# A compute node needs MESSAGING=rabbit, COORDINATION=etcd, PROCESSES=split (MODE=full),
# and the controller's secrets: CONTROLLER_SECRETS names a copy of the controller's
# data dir's secrets/ (e.g. scp -rp controller:<clone>/.stack/secrets ...).
NODE_ROLE=${NODE_ROLE:-${SOVRA_NODE_ROLE:-controller}}
# The name this node's agents go by ([compute] host): the host name unless told.
NODE_NAME=${NODE_NAME:-${SOVRA_NODE_NAME:-$(hostname -s)}}
CONTROLLER_SECRETS=${CONTROLLER_SECRETS:-${SOVRA_CONTROLLER_SECRETS:-}}

# A compute node's agents (DevStack's ENABLED_SERVICES): component names, separated
# by commas or spaces, among compute-agent, network-agent (as root, with its
# packages; else skipped with a warning) and block-volume (a volume agent whose NBD
# backend serves the volumes kept on this node to the compute agents of every node,
# over the network). The controller runs every component of its checkout and does
# not read it.
ENABLED_SERVICES=${ENABLED_SERVICES:-${SOVRA_ENABLED_SERVICES:-compute-agent,network-agent}}
# A compute node's volume agent (block-volume): its backend's name (the
# volume_backend_name volume types select it by; the service is
# <NODE_NAME>@<name>), its availability zone, and the TCP port of its NBD server
# (on the node's address, HOST_IP or the one towards the controller).
VOLUME_BACKEND_NAME=${VOLUME_BACKEND_NAME:-${SOVRA_VOLUME_BACKEND_NAME:-nbd}}
VOLUME_AVAILABILITY_ZONE=${VOLUME_AVAILABILITY_ZONE:-${SOVRA_VOLUME_AVAILABILITY_ZONE:-nova}}
NBD_PORT=${SOVRA_NBD_PORT:-10809}

DATA_DIR=${SOVRA_DATA_DIR:-$TOP/.stack}
# An existing virtualenv to install into instead of $DATA_DIR/venv (e.g. tox's).
VENV=${SOVRA_VENV:-$DATA_DIR/venv}
ETC_DIR=$DATA_DIR/etc
LOG_DIR=$DATA_DIR/log
RUN_DIR=$DATA_DIR/run
STATE_DIR=$DATA_DIR/data
SECRETS_DIR=$DATA_DIR/secrets
# Where the controller's volume agent keeps volumes (its file backend): in the data
# dir unless told. Multi-node: storage every compute node mounts at this same path
# (NFS), so that they can open the volumes attached to their servers.
BLOCK_VOLUME_DIR=${SOVRA_BLOCK_VOLUME_DIR:-$STATE_DIR/volumes}

# Where the APIs listen and what the catalog says (loopback unless told otherwise).
SERVICE_HOST=${SERVICE_HOST:-${SOVRA_SERVICE_HOST:-127.0.0.1}}

# Networking (the network agent runs where stack.sh runs as root; lib/network.sh).
# This node's address on the network between the nodes: its VXLAN endpoint
# ([network_agent] tunneling_ip). Empty: SERVICE_HOST on the controller, and on a
# compute node the address it reaches the controller from.
HOST_IP=${HOST_IP:-${SOVRA_HOST_IP:-}}
# The public (external, flat) network: its subnet, whose gateway address is the
# host's end of a veth pair stack.sh makes (DevStack's br-ex and 172.24.4.0/24), so
# floating IPs are reachable from this host (and only from it: no NAT beyond).
FLOATING_RANGE=${FLOATING_RANGE:-${SOVRA_FLOATING_RANGE:-172.24.4.0/24}}
PUBLIC_NETWORK_GATEWAY=${PUBLIC_NETWORK_GATEWAY:-${SOVRA_PUBLIC_NETWORK_GATEWAY:-172.24.4.1}}
# The demo project's private network's subnet (behind router1).
FIXED_RANGE=${FIXED_RANGE:-${SOVRA_FIXED_RANGE:-10.0.0.0/26}}
# Put in front of the names of the namespaces (qdhcp-, qrouter-) this node's agent
# makes and removes: nodes that share one machine's namespace names (nodes that
# are network namespaces of one host) each need their own.
NETWORK_NAMESPACE_PREFIX=${NETWORK_NAMESPACE_PREFIX:-${SOVRA_NETWORK_NAMESPACE_PREFIX:-}}
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

# Compute's metadata API (compute-metadata, on the controller), where the network
# agent's metadata proxy relays guests' http://169.254.169.254 requests.
METADATA_PORT=${SOVRA_METADATA_PORT:-8775}

# The servers full mode starts (MariaDB, RabbitMQ, etcd), on SERVICE_HOST: upstream
# default ports, each overridable like the API ports.
MYSQL_PORT=${SOVRA_MYSQL_PORT:-3306}
RABBIT_PORT=${SOVRA_RABBIT_PORT:-5672}
RABBIT_DIST_PORT=${SOVRA_RABBIT_DIST_PORT:-25672}   # Erlang distribution (rabbitmqctl)
EPMD_PORT=${SOVRA_EPMD_PORT:-4369}                  # Erlang port mapper, on 127.0.0.1
ETCD_PORT=${SOVRA_ETCD_PORT:-2379}
ETCD_PEER_PORT=${SOVRA_ETCD_PEER_PORT:-2380}

# sovra_check_settings: exit non-zero, saying why, on a combination that cannot work.
sovra_check_settings() {
    local bad=
    [[ $DATABASE =~ ^(sqlite|mysql)$ ]] || bad+=" DATABASE=$DATABASE (sqlite|mysql)"
    [[ $MESSAGING =~ ^(inproc|rabbit)$ ]] || bad+=" MESSAGING=$MESSAGING (inproc|rabbit)"
    [[ $COORDINATION =~ ^(inprocess|etcd)$ ]] || \
        bad+=" COORDINATION=$COORDINATION (inprocess|etcd)"
    [[ $PROCESSES =~ ^(allinone|split)$ ]] || bad+=" PROCESSES=$PROCESSES (allinone|split)"
    [[ $VIRT_DRIVER =~ ^(auto|libvirt|fake)$ ]] || \
        bad+=" VIRT_DRIVER=$VIRT_DRIVER (libvirt|fake|auto)"
    [[ $NODE_ROLE =~ ^(controller|compute)$ ]] || \
        bad+=" NODE_ROLE=$NODE_ROLE (controller|compute)"
    if [[ -n $bad ]]; then
        echo "unknown setting(s):$bad" >&2
        return 1
    fi
    if [[ $PROCESSES == split && ( $MESSAGING == inproc || $COORDINATION == inprocess ) ]]
    then
        echo "PROCESSES=split needs MESSAGING=rabbit and COORDINATION=etcd: the" \
             "in-process bus and coordination live inside one process" >&2
        return 1
    fi
    if [[ $NODE_ROLE == compute ]]; then
        if [[ $MESSAGING != rabbit || $COORDINATION != etcd || $PROCESSES != split ]]; then
            echo "NODE_ROLE=compute joins the controller's RabbitMQ and etcd: it needs" \
                 "MODE=full (MESSAGING=rabbit COORDINATION=etcd PROCESSES=split)" >&2
            return 1
        fi
        if [[ -z $CONTROLLER_SECRETS || ! -d $CONTROLLER_SECRETS ]]; then
            echo "NODE_ROLE=compute needs CONTROLLER_SECRETS: a copy of the controller's" \
                 "<data dir>/secrets directory (${CONTROLLER_SECRETS:-not set})" >&2
            return 1
        fi
        local agent known=" compute-agent network-agent block-volume "
        for agent in $(sovra_node_services); do
            [[ $known == *" $agent "* ]] || bad+=" $agent"
        done
        if [[ -n $bad ]]; then
            echo "ENABLED_SERVICES names what a compute node cannot run:$bad (it runs" \
                 "some of:$known)" >&2
            return 1
        fi
        if [[ -z $(sovra_node_services) ]]; then
            echo "NODE_ROLE=compute: ENABLED_SERVICES names no agent" >&2
            return 1
        fi
        if [[ $SERVICE_HOST == 127.* || $SERVICE_HOST == localhost ]]; then
            echo "NODE_ROLE=compute: SERVICE_HOST must be the controller's address, not" \
                 "$SERVICE_HOST" >&2
            return 1
        fi
    fi
}

# sovra_node_services: a compute node's ENABLED_SERVICES, one per line.
sovra_node_services() {
    local word
    for word in ${ENABLED_SERVICES//,/ }; do echo "$word"; done
}

# sovra_node_enables AGENT: true when this compute node's ENABLED_SERVICES names AGENT.
sovra_node_enables() {
    [[ $'\n'$(sovra_node_services)$'\n' == *$'\n'"$1"$'\n'* ]]
}

# sovra_mode_label: "lite mode", "full mode", or "custom mode (the four settings)".
sovra_mode_label() {
    local settings="$DATABASE $MESSAGING $COORDINATION $PROCESSES"
    case $settings in
        "sqlite inproc inprocess allinone") echo "lite mode" ;;
        "mysql rabbit etcd split") echo "full mode" ;;
        *) echo "custom mode (DATABASE=$DATABASE MESSAGING=$MESSAGING" \
                "COORDINATION=$COORDINATION PROCESSES=$PROCESSES)" ;;
    esac
}

# A secret: from the environment if given, else generated once and kept (0600) in
# the data dir, so a second stack.sh run reuses it. A compute node never makes one:
# its secrets are the controller's (CONTROLLER_SECRETS), and a missing one fails.
sovra_secret() {
    local name=$1 env_value=${2:-}
    local file=$SECRETS_DIR/$name
    if [[ -n $env_value ]]; then
        printf '%s' "$env_value"
        return
    fi
    if [[ $NODE_ROLE == compute ]]; then
        if [[ ! -s $CONTROLLER_SECRETS/$name ]]; then
            echo "the controller's secret '$name' is not in CONTROLLER_SECRETS" \
                 "($CONTROLLER_SECRETS)" >&2
            return 1
        fi
        cat "$CONTROLLER_SECRETS/$name"
        return
    fi
    if [[ ! -s $file ]]; then
        (umask 077 && mkdir -p "$SECRETS_DIR" &&
            python3 -c 'import secrets; print(secrets.token_urlsafe(18), end="")' > "$file")
    fi
    cat "$file"
}

# sovra_instances_path: where this cloud's guests live (disks, config drives,
# console logs): $STATE_DIR/instances, or where that symlink points (see
# choose_instances_path in stack.sh); empty when this cloud never ran the libvirt
# driver. (Still there after a switch to VIRT_DRIVER=fake: guests started before.)
sovra_instances_path() {
    [[ -d $STATE_DIR/instances ]] || return 0
    realpath "$STATE_DIR/instances"
}
