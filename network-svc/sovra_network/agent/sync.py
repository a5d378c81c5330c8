"""One reconcile pass: read the API, plan this node's state, apply it.

    snapshot = read_api(client)                       # networks ... floating IPs
    state = plan(settings, snapshot, agents)          # a state.HostState
    plugged = DataPlane(node, settings).apply(state)  # L2, firewall, DHCP, L3, cleanup
    for port_id, status in status_changes(settings.host, snapshot.ports, state, plugged):
        client.set_port_status(port_id, status)

The pass reads everything it needs before it changes anything: if the API cannot
be read, nothing is touched (a node never tears down what it could not confirm is
gone). Each layer works network by network and logs, rather than raises, what
fails for one network, so one broken network never stops the others.

Tunnel endpoints (who gets this node's VXLAN traffic): every agent publishes its
``tunneling_ip`` (and whether it serves unbound DHCP ports) in its heartbeat in the
coordination service ([network] agents_group, what ``GET /v2.0/agents`` lists). A
VXLAN network's remote endpoints are those of the other live agents whose host has
a port bound on that network, plus the DHCP node's (``dhcp_host``) for a network
whose DHCP port is unbound. A node with no port on a network is thus not flooded
with its traffic.

Routers (``router_host``): one node serves every router, the first live agent by
host name with ``serve_routers`` (published in its heartbeat); when it goes, the
next one takes over at its next sync. Router ports are unbound, so the router
node counts as an endpoint of every network a router port is on.
"""

from __future__ import annotations

import collections
import dataclasses
import logging
from collections.abc import Iterable, Mapping

from sovra_network.agent import dhcp as dhcp_mod
from sovra_network.agent import firewall as firewall_mod
from sovra_network.agent import ip_lib, l2, l3
from sovra_network.agent import state as hs
from sovra_network.agent.settings import AgentSettings

LOG = logging.getLogger(__name__)

ACTIVE, DOWN = "ACTIVE", "DOWN"


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """The API's view, as ``GET /v2.0/<collection>`` returned it (every page)."""

    networks: list[dict]
    subnets: list[dict]
    ports: list[dict]
    security_groups: list[dict]
    routers: list[dict] = dataclasses.field(default_factory=list)
    floatingips: list[dict] = dataclasses.field(default_factory=list)
    #: {floating IP id: its port forwardings}, for the floating IPs that have a
    #: router but no fixed IP (the only ones that may forward ports)
    port_forwardings: dict[str, list[dict]] = dataclasses.field(default_factory=dict)


def read_api(client) -> Snapshot:
    """Read every collection the node's state is built from (a NetworkClient with
    service or admin credentials: it sees every project's resources)."""
    floatingips = client.list_floating_ips()
    forwardings = {fip["id"]: client.list_port_forwardings(fip["id"])
                   for fip in floatingips
                   if fip.get("router_id") and not fip.get("fixed_ip_address")}
    return Snapshot(networks=client.list_networks(), subnets=client.list_subnets(),
                    ports=client.list_ports(),
                    security_groups=client.list_security_groups(),
                    routers=client.list_routers(), floatingips=floatingips,
                    port_forwardings=forwardings)


def heartbeat_data(settings: AgentSettings) -> dict:
    """What an agent publishes about itself (GET /v2.0/agents shows it as the
    agent's ``configurations``)."""
    return {"host": settings.host, "agent_type": "Linux bridge agent",
            "tunneling_ip": settings.tunneling_ip,
            "serve_unbound_dhcp": settings.serve_unbound_dhcp,
            "serve_routers": settings.serve_routers,
            "tunnel_types": ["vxlan"] if settings.tunneling_ip else [],
            "bridge_mappings": {}, "interface_mappings":
                dict(settings.physical_interface_mappings)}


def dhcp_host(agents: Mapping[str, Mapping]) -> str | None:
    """The node serving the unbound DHCP ports: of the live agents configured to
    (``serve_unbound_dhcp``), the first by host name. One at a time, since every
    such node would answer with the same DHCP port's MAC and address; when it dies
    (its heartbeat expires) the next one takes over at its next sync."""
    hosts = sorted(data.get("host") or member for member, data in agents.items()
                   if data.get("serve_unbound_dhcp"))
    return hosts[0] if hosts else None


def router_host(agents: Mapping[str, Mapping]) -> str | None:
    """The node serving every router: of the live agents configured to
    (``serve_routers``), the first by host name (one at a time: two would answer
    for the same gateway and floating addresses)."""
    hosts = sorted(data.get("host") or member for member, data in agents.items()
                   if data.get("serve_routers"))
    return hosts[0] if hosts else None


def tunnel_endpoints(host: str, agents: Mapping[str, Mapping],
                     ports: Iterable[Mapping]) -> dict[str, list[str]]:
    """``{network id: [remote VTEP IP]}`` for every network (see the module
    docstring). ``agents``: the live members of the agents group {member: data}."""
    by_host = {data.get("host") or member: data for member, data in agents.items()}
    local = (by_host.get(host) or {}).get("tunneling_ip")
    elected = dhcp_host(agents)
    dhcp_hosts = {elected} if elected else set()
    routing = router_host(agents)
    router_hosts = {routing} if routing else set()
    router_owners = hs.ROUTER_INTERFACE_OWNERS | {hs.ROUTER_GATEWAY_OWNER}
    hosts_of = collections.defaultdict(set)
    for port in ports:
        bound = port.get("binding:host_id") or ""
        if bound:
            hosts_of[port["network_id"]].add(bound)
        elif port.get("device_owner") == hs.DHCP_OWNER:
            hosts_of[port["network_id"]].update(dhcp_hosts)
        elif port.get("device_owner") in router_owners:
            hosts_of[port["network_id"]].update(router_hosts)
    result = {}
    for net_id, hosts in hosts_of.items():
        ips = {by_host[h].get("tunneling_ip") for h in hosts if h != host and h in by_host}
        ips.discard(None)
        ips.discard("")
        ips.discard(local)
        result[net_id] = sorted(ips)
    return result


def plan(settings: AgentSettings, snapshot: Snapshot,
         agents: Mapping[str, Mapping]) -> hs.HostState:
    """The node's desired state from the API's snapshot and the live agents. It
    serves the unbound DHCP ports if configured to and elected (``dhcp_host``), or
    configured to while no DHCP node is known (coordination unreadable); the same
    for the routers (``router_host``)."""
    elected = dhcp_host(agents)
    serve = settings.serve_unbound_dhcp and elected in (None, settings.host)
    routing = settings.serve_routers and router_host(agents) in (None, settings.host)
    return hs.HostState.from_api(
        settings.host, snapshot.networks, snapshot.subnets, snapshot.ports,
        snapshot.security_groups, snapshot.routers if routing else (),
        snapshot.floatingips if routing else (),
        tunnel_endpoints=tunnel_endpoints(settings.host, agents, snapshot.ports),
        serve_unbound_dhcp=serve, port_forwardings=snapshot.port_forwardings)


def status_changes(host: str, api_ports: Iterable[Mapping], state: hs.HostState,
                   plugged: set[str]) -> list[tuple[str, str]]:
    """[(port id, new status)]: ACTIVE for the node's ports now plugged (bound here,
    or the DHCP ports it serves), DOWN for a port bound here that was ACTIVE and
    whose tap is gone. Ports of other nodes are never touched."""
    changes = []
    for port in sorted(api_ports, key=lambda p: p["id"]):
        ours = state.ports.get(port["id"])
        if ours is None:
            continue
        status = port.get("status")
        if port["id"] in plugged:
            if status != ACTIVE:
                changes.append((port["id"], ACTIVE))
        elif status == ACTIVE and ours.host == host:
            changes.append((port["id"], DOWN))
    return changes


class DataPlane:
    """The node's layers, applied in an order that never lets a tap forward
    unfiltered: bridges and tunnels, the firewall (chains exist before any tap is
    plugged), DHCP, routers, the taps, then what is stale."""

    def __init__(self, node: ip_lib.Netns, settings: AgentSettings):
        self.node, self.settings = node, settings
        self.l2 = l2.L2(node, settings)
        self.firewall = firewall_mod.Firewall(node, settings)
        self.dhcp = dhcp_mod.Dhcp(node, settings)
        self.l3 = l3.L3(node, settings)

    def apply(self, state: hs.HostState) -> set[str]:
        """Make the node look like ``state``; returns the ids of the ports plugged."""
        self.l2.sync_networks(state)
        self.firewall.sync(state)
        self.dhcp.sync(state)
        self.l3.sync(state)
        plugged = self.l2.plug_ports(state)
        self.l2.remove_stale(state)
        return plugged

    def close(self) -> None:
        """Release what lives in the agent itself (the metadata proxy); the node's
        data plane stays."""
        self.dhcp.close()
