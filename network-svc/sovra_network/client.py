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

    # -- networks -----------------------------------------------------------------------

    def list_networks(self, **filters) -> list[dict]:
        return self._list("networks", "networks", filters)

    def get_network(self, network_id: str) -> dict:
        return self._api.get(f"/v2.0/networks/{network_id}").json()["network"]

    def create_network(self, **attrs) -> dict:
        return self._create("networks", "network", attrs)

    def delete_network(self, network_id: str) -> None:
        self._api.delete(f"/v2.0/networks/{network_id}")

    # -- subnets ------------------------------------------------------------------------

    def list_subnets(self, **filters) -> list[dict]:
        return self._list("subnets", "subnets", filters)

    def get_subnet(self, subnet_id: str) -> dict:
        return self._api.get(f"/v2.0/subnets/{subnet_id}").json()["subnet"]

    def create_subnet(self, network_id: str, cidr: str, **attrs) -> dict:
        attrs.setdefault("ip_version", 6 if ":" in cidr else 4)
        return self._create("subnets", "subnet",
                            {"network_id": network_id, "cidr": cidr, **attrs})

    def delete_subnet(self, subnet_id: str) -> None:
        self._api.delete(f"/v2.0/subnets/{subnet_id}")

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

    def list_security_group_rules(self, **filters) -> list[dict]:
        return self._list("security-group-rules", "security_group_rules", filters)

    # -- read-only ----------------------------------------------------------------------

    def list_agents(self, **filters) -> list[dict]:
        return self._api.get("/v2.0/agents", params=filters or None).json()["agents"]

    def list_extensions(self) -> list[dict]:
        return self._api.get("/v2.0/extensions").json()["extensions"]
