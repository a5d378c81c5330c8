#!/bin/bash
# The network agent (sovra-network-agent, component network-agent) on this node, and
# the public network's uplink. Sourced by stack.sh (uses say, indent) and unstack.sh.
#
# The agent makes the network API's state real (bridges, VXLAN, nftables, dnsmasq,
# router namespaces): it needs root, so it runs only where stack.sh runs as root;
# elsewhere the network API works and nothing carries traffic (stack.sh says so).
# Where it runs:
#   PROCESSES=allinone (lite)  inside sovra-allinone, as one more component: the
#                              in-process bus and coordination of lite mode exist only
#                              in that process, so an agent of its own could neither
#                              hear the API's casts nor heartbeat where
#                              GET /v2.0/agents looks
#   PROCESSES=split (full)     its own supervised sovra-network-agent, as every agent
#   NODE_ROLE=compute          the same, beside the node's compute agent
# Its config is sovra-network.conf's [network_agent]: host (= [compute] host, the
# ports' binding host), tunneling_ip (HOST_IP), dnsmasq's files in the data dir.
# The controller serves DHCP and the routers; compute nodes only their own ports.
# The controller's agent also serves the metadata proxy (one per DHCP namespace),
# relaying to compute-metadata with the secret both share (secrets/metadata-proxy).
#
# The public network (flat, physical network `public`) has as uplink one end of a
# veth pair whose other end, on the host, holds PUBLIC_NETWORK_GATEWAY: the agent
# enslaves the uplink to the network's bridge, and the host reaches the routers'
# gateways and the floating IPs through its end. Both names come from the data dir
# (two clouds on one machine get two pairs; they must not share FLOATING_RANGE).

_sovra_net_hash=$(printf '%s' "$(realpath -m "$DATA_DIR")" | sha256sum | cut -c1-6)
PUBLIC_HOST_DEV=sovex-$_sovra_net_hash     # the host's end: PUBLIC_NETWORK_GATEWAY
PUBLIC_UPLINK_DEV=sovup-$_sovra_net_hash   # the agent's uplink of physnet `public`
unset _sovra_net_hash
PUBLIC_PHYSNET=public
NETWORK_AGENT_STATE_DIR=$STATE_DIR/network-agent

# network_agent_blocker: print why this node cannot run the network agent, or
# nothing when it can. Installs package group network (ip, nft, dnsmasq, conntrack,
# busybox...) when missing and loads br_netfilter (stateful security groups on
# bridged traffic).
network_agent_blocker() {
    if [[ $EUID -ne 0 ]]; then
        echo "stack.sh runs as $(id -un), not root: the network agent (namespaces," \
             "nftables, dnsmasq) needs root, so networks, routers and floating IPs" \
             "exist in the API only and carry no traffic (no data plane). Run" \
             "stack.sh as root for one"
        return 0
    fi
    if ! command -v apt-get >/dev/null || ! command -v dpkg-query >/dev/null; then
        local program
        for program in ip bridge nft dnsmasq conntrack; do
            if ! command -v "$program" >/dev/null; then
                echo "$program is missing and this is not Debian or Ubuntu: install" \
                     "iproute2, nftables, dnsmasq and conntrack for the network agent"
                return 0
            fi
        done
    elif ! sovra_install_package_groups network 2>&1 | indent >&2; then
        echo "installing the network agent's Debian packages (group network) failed" \
             "(see above)"
        return 0
    fi
    [[ -d /proc/sys/net/bridge ]] || modprobe br_netfilter 2>/dev/null || true
    if [[ ! -d /proc/sys/net/bridge ]]; then
        echo "the br_netfilter kernel module cannot be loaded (modprobe br_netfilter):" \
             "security groups need it"
    fi
}

# network_host_ip: this node's VXLAN endpoint (HOST_IP, see lib/settings.sh).
network_host_ip() {
    if [[ -n $HOST_IP ]]; then
        echo "$HOST_IP"
    elif [[ $NODE_ROLE == controller ]]; then
        echo "$SERVICE_HOST"
    else
        ip -o route get "$SERVICE_HOST" | sed -n 's/.* src \([^ ]*\).*/\1/p'
    fi
}

# network_agent_conf_lines HOST_IP: sovra-network.conf's [network_agent].
network_agent_conf_lines() {
    echo "[network_agent]"
    echo "host = $NODE_NAME"
    echo "tunneling_ip = $1"
    echo "state_dir = $NETWORK_AGENT_STATE_DIR"
    if [[ -n $NETWORK_NAMESPACE_PREFIX ]]; then
        echo "namespace_prefix = $NETWORK_NAMESPACE_PREFIX"
    fi
    if [[ $NODE_ROLE == controller ]]; then
        echo "# the network node: DHCP, routers, and the public network's uplink"
        echo "physical_interface_mappings = $PUBLIC_PHYSNET:$PUBLIC_UPLINK_DEV"
        if [[ -n ${METADATA:-} ]]; then
            echo "# the metadata proxy in each DHCP namespace relays to compute-metadata"
            echo "metadata_url = http://$SERVICE_HOST:$METADATA_PORT"
            echo "metadata_proxy_shared_secret = $(sovra_secret metadata-proxy)"
        fi
    else
        echo "# a compute node: its own ports only (the controller serves DHCP and routers)"
        echo "serve_unbound_dhcp = false"
        echo "serve_routers = false"
    fi
}

# network_public_uplink: the veth pair of the public network (made if missing), the
# host's end holding PUBLIC_NETWORK_GATEWAY; both up.
network_public_uplink() {
    local address=$PUBLIC_NETWORK_GATEWAY/${FLOATING_RANGE#*/} holder
    if ! ip link show "$PUBLIC_HOST_DEV" >/dev/null 2>&1; then
        ip link add "$PUBLIC_HOST_DEV" type veth peer name "$PUBLIC_UPLINK_DEV"
    fi
    holder=$(ip -o addr show to "$PUBLIC_NETWORK_GATEWAY/32" |
        awk -v ours="$PUBLIC_HOST_DEV" '$2 != ours {print $2; exit}')
    if [[ -n $holder ]]; then
        echo "WARNING: $PUBLIC_NETWORK_GATEWAY is also on $holder (another cloud?):" \
             "set FLOATING_RANGE and PUBLIC_NETWORK_GATEWAY (local.conf) to another" \
             "range" >&2
    fi
    ip addr replace "$address" dev "$PUBLIC_HOST_DEV"
    ip link set "$PUBLIC_UPLINK_DEV" up
    ip link set "$PUBLIC_HOST_DEV" up
}

# network_cleanup: remove what this node's network agent made (once it is stopped:
# bridges, VXLAN devices, taps it plugged, dnsmasq, its namespaces, its nftables
# tables) and the public uplink. Nothing when this node never ran an agent.
network_cleanup() {
    [[ $EUID -eq 0 ]] || return 0
    local conf=$ETC_DIR/sovra-network.conf
    if [[ -f $conf ]] && grep -qx '\[network_agent\]' "$conf" && [[ -x $VENV/bin/python ]]
    then
        "$VENV/bin/python" "$TOP/devstack/tools/network-cleanup.py" \
            --config-file "$ETC_DIR/sovra.conf" --config-file "$conf" ||
            echo "WARNING: removing the network agent's data plane failed (see above)" >&2
    fi
    if ip link show "$PUBLIC_HOST_DEV" >/dev/null 2>&1; then
        echo "removing the public network's uplink $PUBLIC_HOST_DEV"
        ip link delete "$PUBLIC_HOST_DEV" 2>/dev/null || true
    fi
}
