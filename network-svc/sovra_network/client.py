"""The REST client for the network API, used by compute (ports), the network agent
and the CLI.

    client = NetworkClient(session)                   # a keystoneauth1 session
    port = client.create_port(network_id, device_id=server_id,
                              device_owner="compute:nova")
    client.bind_port(port["id"], "node1")             # service/admin credentials
    client.set_port_status(port["id"], "ACTIVE")      # the agent, once plugged

The endpoint comes from the catalog (service type ``network``) unless
``endpoint_override`` is given; paths are under ``/v2.0``. Methods return the API's
dicts; HTTP errors are raised as keystoneauth1 ``HttpError``s (status, Neutron's
message and the request id intact). Lists follow ``<collection>_links`` to the end.
"""

from __future__ import annotations

from keystoneauth1 import adapter


class NetworkClient:
    def __init__(self, session, *, endpoint_override: str | None = None,
                 interface: str = "public", region_name: str | None = None):
        self._api = adapter.Adapter(
            session, service_type="network", interface=interface,
            region_name=region_name, endpoint_override=endpoint_override,
            additional_headers={"Accept": "application/json"})

    # -- generic ------------------------------------------------------------------------

    def _list(self, collection: str, key: str, params: dict) -> list[dict]:
        params = {k: v for k, v in params.items() if v is not None}
        items = []
        url = f"/v2.0/{collection}"
        while url:
            body = self._api.get(url, params=params or None).json()
            items.extend(body[key])
            url = next((link["href"] for link in body.get(f"{key}_links", [])
                        if link["rel"] == "next"), None)
            params = {}
        return items

    def _create(self, collection, key, body):
        return self._api.post(f"/v2.0/{collection}", json={key: body}).json()[key]

    def _update(self, collection, key, resource_id, body, revision=None):
        headers = {"If-Match": f"revision_number={revision}"} if revision is not None \
            else None
        return self._api.put(f"/v2.0/{collection}/{resource_id}", json={key: body},
                             headers=headers).json()[key]

    def _get(self, collection, key, resource_id):
        return self._api.get(f"/v2.0/{collection}/{resource_id}").json()[key]

    def _delete(self, collection, resource_id):
        self._api.delete(f"/v2.0/{collection}/{resource_id}")

    def set_tags(self, collection: str, resource_id: str, tags: list[str]) -> list[str]:
        """Replace a resource's tags (``collection`` as in the URL: "networks",
        "ports", "security-groups"...)."""
        return self._api.put(f"/v2.0/{collection}/{resource_id}/tags",
                             json={"tags": list(tags)}).json()["tags"]

    # -- networks -----------------------------------------------------------------------

    def list_availability_zones(self, **filters) -> list[dict]:
        return self._list("availability_zones", "availability_zones", filters)

    def list_networks(self, **filters) -> list[dict]:
        return self._list("networks", "networks", filters)

    def get_network(self, network_id: str) -> dict:
        return self._api.get(f"/v2.0/networks/{network_id}").json()["network"]

    def create_network(self, **attrs) -> dict:
        return self._create("networks", "network", attrs)

    def update_network(self, network_id: str, **attrs) -> dict:
        return self._update("networks", "network", network_id, attrs)

    def delete_network(self, network_id: str) -> None:
        self._api.delete(f"/v2.0/networks/{network_id}")

    # -- subnets ------------------------------------------------------------------------

    def list_subnets(self, **filters) -> list[dict]:
        return self._list("subnets", "subnets", filters)

    def get_subnet(self, subnet_id: str) -> dict:
        return self._api.get(f"/v2.0/subnets/{subnet_id}").json()["subnet"]

    def create_subnet(self, network_id: str, cidr: str, **attrs) -> dict:
        attrs.setdefault("ip_version", 6 if ":" in (cidr or "") else 4)
        return self._create("subnets", "subnet",
                            {"network_id": network_id, "cidr": cidr, **attrs})

    def update_subnet(self, subnet_id: str, **attrs) -> dict:
        return self._update("subnets", "subnet", subnet_id, attrs)

    def delete_subnet(self, subnet_id: str) -> None:
        self._api.delete(f"/v2.0/subnets/{subnet_id}")

    # -- subnet pools -------------------------------------------------------------------

    def list_subnet_pools(self, **filters) -> list[dict]:
        return self._list("subnetpools", "subnetpools", filters)

    def get_subnet_pool(self, pool_id: str) -> dict:
        return self._get("subnetpools", "subnetpool", pool_id)

    def create_subnet_pool(self, name: str, prefixes: list[str], **attrs) -> dict:
        return self._create("subnetpools", "subnetpool",
                            {"name": name, "prefixes": list(prefixes), **attrs})

    def update_subnet_pool(self, pool_id: str, **attrs) -> dict:
        return self._update("subnetpools", "subnetpool", pool_id, attrs)

    def delete_subnet_pool(self, pool_id: str) -> None:
        self._delete("subnetpools", pool_id)

    # -- ports --------------------------------------------------------------------------

    def list_ports(self, **filters) -> list[dict]:
        """e.g. ``list_ports(**{"binding:host_id": "node1"})``, ``device_id=...``."""
        return self._list("ports", "ports", filters)

    def get_port(self, port_id: str) -> dict:
        return self._api.get(f"/v2.0/ports/{port_id}").json()["port"]

    def create_port(self, network_id: str, **attrs) -> dict:
        return self._create("ports", "port", {"network_id": network_id, **attrs})

    def update_port(self, port_id: str, revision: int | None = None, **attrs) -> dict:
        return self._update("ports", "port", port_id, attrs, revision)

    def bind_port(self, port_id: str, host: str, *, device_id: str | None = None,
                  device_owner: str | None = None, profile: dict | None = None) -> dict:
        """Bind a port to ``host`` (binding:vif_type becomes "bridge")."""
        attrs = {"binding:host_id": host}
        if device_id is not None:
            attrs["device_id"] = device_id
        if device_owner is not None:
            attrs["device_owner"] = device_owner
        if profile is not None:
            attrs["binding:profile"] = profile
        return self.update_port(port_id, **attrs)

    def unbind_port(self, port_id: str) -> dict:
        """Detach a port from its server and host (pre-created ports are kept)."""
        return self.update_port(port_id, **{"binding:host_id": "", "device_id": "",
                                            "device_owner": ""})

    def set_port_status(self, port_id: str, status: str) -> dict:
        """The agent's report: "ACTIVE" once plugged, "DOWN" once unplugged
        (service or admin credentials)."""
        return self.update_port(port_id, status=status)

    def delete_port(self, port_id: str) -> None:
        self._api.delete(f"/v2.0/ports/{port_id}")

    # -- security groups ----------------------------------------------------------------

    def list_security_groups(self, **filters) -> list[dict]:
        return self._list("security-groups", "security_groups", filters)

    def get_security_group(self, group_id: str) -> dict:
        return self._api.get(f"/v2.0/security-groups/{group_id}").json()[
            "security_group"]

    def create_security_group(self, name: str, **attrs) -> dict:
        return self._create("security-groups", "security_group", {"name": name, **attrs})

    def update_security_group(self, group_id: str, **attrs) -> dict:
        return self._update("security-groups", "security_group", group_id, attrs)

    def delete_security_group(self, group_id: str) -> None:
        self._delete("security-groups", group_id)

    def list_security_group_rules(self, **filters) -> list[dict]:
        return self._list("security-group-rules", "security_group_rules", filters)

    def get_security_group_rule(self, rule_id: str) -> dict:
        return self._get("security-group-rules", "security_group_rule", rule_id)

    def create_security_group_rule(self, security_group_id: str, direction: str,
                                   **attrs) -> dict:
        return self._create("security-group-rules", "security_group_rule",
                            {"security_group_id": security_group_id,
                             "direction": direction, **attrs})

    def delete_security_group_rule(self, rule_id: str) -> None:
        self._delete("security-group-rules", rule_id)

    # -- routers ------------------------------------------------------------------------

    def list_routers(self, **filters) -> list[dict]:
        return self._list("routers", "routers", filters)

    def get_router(self, router_id: str) -> dict:
        return self._get("routers", "router", router_id)

    def create_router(self, **attrs) -> dict:
        return self._create("routers", "router", attrs)

    def update_router(self, router_id: str, **attrs) -> dict:
        return self._update("routers", "router", router_id, attrs)

    def delete_router(self, router_id: str) -> None:
        self._delete("routers", router_id)

    def add_router_interface(self, router_id: str, *, subnet_id: str | None = None,
                             port_id: str | None = None) -> dict:
        """Attach a subnet (the router takes its gateway address) or a port; the
        answer names the interface's port, subnet(s) and router."""
        body = {"subnet_id": subnet_id} if subnet_id else {"port_id": port_id}
        return self._api.put(f"/v2.0/routers/{router_id}/add_router_interface",
                             json=body).json()

    def remove_router_interface(self, router_id: str, *, subnet_id: str | None = None,
                                port_id: str | None = None) -> dict:
        body = {"subnet_id": subnet_id} if subnet_id else {"port_id": port_id}
        return self._api.put(f"/v2.0/routers/{router_id}/remove_router_interface",
                             json=body).json()

    def add_extra_routes(self, router_id: str, routes: list[dict]) -> dict:
        """Add [{destination, nexthop}] to the router's routes (extraroute-atomic)."""
        return self._api.put(f"/v2.0/routers/{router_id}/add_extraroutes",
                             json={"router": {"routes": routes}}).json()["router"]

    def remove_extra_routes(self, router_id: str, routes: list[dict]) -> dict:
        return self._api.put(f"/v2.0/routers/{router_id}/remove_extraroutes",
                             json={"router": {"routes": routes}}).json()["router"]

    # -- floating IPs -------------------------------------------------------------------

    def list_floating_ips(self, **filters) -> list[dict]:
        return self._list("floatingips", "floatingips", filters)

    def get_floating_ip(self, floating_ip_id: str) -> dict:
        return self._get("floatingips", "floatingip", floating_ip_id)

    def create_floating_ip(self, floating_network_id: str, **attrs) -> dict:
        return self._create("floatingips", "floatingip",
                            {"floating_network_id": floating_network_id, **attrs})

    def update_floating_ip(self, floating_ip_id: str, **attrs) -> dict:
        """``port_id=<port>`` associates, ``port_id=None`` disassociates."""
        return self._update("floatingips", "floatingip", floating_ip_id, attrs)

    def delete_floating_ip(self, floating_ip_id: str) -> None:
        self._delete("floatingips", floating_ip_id)

    # -- port forwardings (of a floating IP) --------------------------------------------

    def list_port_forwardings(self, floating_ip_id: str, **filters) -> list[dict]:
        return self._list(f"floatingips/{floating_ip_id}/port_forwardings",
                          "port_forwardings", filters)

    def get_port_forwarding(self, floating_ip_id: str, forwarding_id: str) -> dict:
        return self._get(f"floatingips/{floating_ip_id}/port_forwardings",
                         "port_forwarding", forwarding_id)

    def create_port_forwarding(self, floating_ip_id: str, **attrs) -> dict:
        """``protocol`` ``external_port`` of the floating address to
        ``internal_ip_address``:``internal_port`` of ``internal_port_id``."""
        return self._create(f"floatingips/{floating_ip_id}/port_forwardings",
                            "port_forwarding", attrs)

    def update_port_forwarding(self, floating_ip_id: str, forwarding_id: str,
                               **attrs) -> dict:
        return self._update(f"floatingips/{floating_ip_id}/port_forwardings",
                            "port_forwarding", forwarding_id, attrs)

    def delete_port_forwarding(self, floating_ip_id: str, forwarding_id: str) -> None:
        self._delete(f"floatingips/{floating_ip_id}/port_forwardings", forwarding_id)

    # -- quotas -------------------------------------------------------------------------

    def get_quota(self, project_id: str, *, default: bool = False) -> dict:
        """A project's limits (``default``: what a project without its own gets)."""
        return self._get("quotas", "quota",
                         f"{project_id}/default" if default else project_id)

    def update_quota(self, project_id: str, **limits) -> dict:
        return self._update("quotas", "quota", project_id, limits)

    # -- agents, and read-only views ------------------------------------------------

    def list_agents(self, **filters) -> list[dict]:
        return self._api.get("/v2.0/agents", params=filters or None).json()["agents"]

    def get_agent(self, agent_id: str) -> dict:
        return self._get("agents", "agent", agent_id)

    def update_agent(self, agent_id: str, **attrs) -> dict:
        """``admin_state_up`` and/or ``description`` (admin)."""
        return self._update("agents", "agent", agent_id, attrs)

    def delete_agent(self, agent_id: str) -> None:
        """Forget an agent (admin); a live one is listed again."""
        self._delete("agents", agent_id)

    def list_extensions(self) -> list[dict]:
        return self._api.get("/v2.0/extensions").json()["extensions"]

    def get_extension(self, alias: str) -> dict:
        return self._get("extensions", "extension", alias)

    # -- IP availability (admin) --------------------------------------------------------

    def list_network_ip_availabilities(self, **filters) -> list[dict]:
        return self._api.get("/v2.0/network-ip-availabilities",
                             params={k: v for k, v in filters.items() if v is not None}
                             or None).json()["network_ip_availabilities"]

    def get_network_ip_availability(self, network_id: str) -> dict:
        return self._get("network-ip-availabilities", "network_ip_availability",
                         network_id)
