"""The REST client for the compute API (v2.1, microversion 2.37), used by the CLI.

    client = ComputeClient(session)               # a keystoneauth1 session
    flavor = client.find_flavor("m1.tiny")        # by id or by name
    server = client.create_server("vm1", flavor["id"], image_id, networks="none")
    client.stop_server(server["id"])

The endpoint comes from the catalog (service type ``compute``) unless
``endpoint_override`` is given; it names the version (``.../v2.1``) or not. Every
request carries ``OpenStack-API-Version: compute 2.37``. Methods return the API's
dicts. HTTP errors are raised as keystoneauth1 ``HttpError``s (status, message and
request id intact); a name that matches nothing raises ``NotFound``, one that
matches several ``NoUniqueMatch``.
"""

from __future__ import annotations

from keystoneauth1 import adapter
from keystoneauth1 import exceptions as ks_exc

from sovra_common import exception

MICROVERSION = "2.37"
# external events are sent at 2.51, the first version that takes "volume-extended"
EVENTS_MICROVERSION = "2.51"


class NoUniqueMatch(exception.Conflict):
    message = "More than one %(kind)s is named %(name)s; use its id."


class ComputeClient:
    def __init__(self, session, *, endpoint_override: str | None = None,
                 interface: str = "public", region_name: str | None = None):
        self._api = adapter.Adapter(
            session, service_type="compute", interface=interface, region_name=region_name,
            endpoint_override=endpoint_override,
            additional_headers={"OpenStack-API-Version": f"compute {MICROVERSION}",
                                "X-OpenStack-Nova-API-Version": MICROVERSION})
        self._prefix = None

    # -- plumbing -----------------------------------------------------------------------

    def _path(self, path: str) -> str:
        if self._prefix is None:
            endpoint = (self._api.get_endpoint() or "").rstrip("/")
            self._prefix = "" if endpoint.endswith("/v2.1") else "/v2.1"
        return self._prefix + path

    def _get(self, path, **params):
        params = {k: v for k, v in params.items() if v is not None}
        return self._api.get(self._path(path), params=params or None).json()

    def _post(self, path, body):
        resp = self._api.post(self._path(path), json=body)
        return resp.json() if resp.content else None

    def _by_id(self, path: str):
        """The GET response for ``path``, or None on 404 (or 400: not an id)."""
        resp = self._api.get(self._path(path), raise_exc=False)
        if resp.status_code == 200:
            return resp.json()
        if resp.status_code not in (400, 404):
            raise ks_exc.from_response(resp, "GET", resp.url)
        return None

    @staticmethod
    def _one(kind: str, name: str, matches: list[dict]) -> dict:
        if not matches:
            raise exception.NotFound(f"No {kind} with a name or id of '{name}'.")
        if len(matches) > 1:
            raise NoUniqueMatch(kind=kind, name=name)
        return matches[0]

    # -- servers ------------------------------------------------------------------------

    def list_servers(self, *, detail: bool = True, **filters) -> list[dict]:
        path = "/servers/detail" if detail else "/servers"
        return self._get(path, **filters)["servers"]

    def get_server(self, server_id: str) -> dict:
        return self._get(f"/servers/{server_id}")["server"]

    def find_server(self, name_or_id: str) -> dict:
        """A server by id, else by exact name (unique)."""
        found = self._by_id(f"/servers/{name_or_id}")
        if found is not None:
            return found["server"]
        # the API's name filter is a regular expression: ask, then match exactly
        servers = self.list_servers(name=name_or_id)
        return self._one("server", name_or_id,
                         [s for s in servers if s.get("name") == name_or_id])

    def create_server(self, name: str, flavor_id: str, image_id: str, *,
                      networks="auto", key_name: str | None = None,
                      user_data: str | None = None, **attrs) -> dict:
        """``networks``: ``"auto"``, ``"none"`` or a list (required since 2.37).
        ``user_data``: already base64-encoded."""
        body = {"name": name, "flavorRef": flavor_id, "imageRef": image_id,
                "networks": networks}
        if key_name:
            body["key_name"] = key_name
        if user_data is not None:
            body["user_data"] = user_data
        body.update({k: v for k, v in attrs.items() if v is not None})
        return self._post("/servers", {"server": body})["server"]

    def delete_server(self, server_id: str) -> None:
        self._api.delete(self._path(f"/servers/{server_id}"))

    def server_action(self, server_id: str, action: str, arg=None):
        return self._post(f"/servers/{server_id}/action", {action: arg})

    def start_server(self, server_id: str) -> None:
        self.server_action(server_id, "os-start")

    def stop_server(self, server_id: str) -> None:
        self.server_action(server_id, "os-stop")

    def reboot_server(self, server_id: str, hard: bool = False) -> None:
        self.server_action(server_id, "reboot", {"type": "HARD" if hard else "SOFT"})

    def console_output(self, server_id: str, length: int | None = None) -> str:
        """What the guest wrote on its serial console (the last ``length`` lines)."""
        arg = {} if length is None else {"length": length}
        return self.server_action(server_id, "os-getConsoleOutput", arg)["output"]

    # -- volume attachments -------------------------------------------------------------

    def list_volume_attachments(self, server_id: str) -> list[dict]:
        return self._get(f"/servers/{server_id}/os-volume_attachments")[
            "volumeAttachments"]

    def attach_volume(self, server_id: str, volume_id: str, *,
                      device: str | None = None) -> dict:
        """Ask for ``volume_id`` on the server (``device``: a wish, e.g.
        /dev/vdb); the answer comes before the agent is done: the volume turns
        in-use when it is."""
        body = {"volumeId": volume_id}
        if device:
            body["device"] = device
        return self._post(f"/servers/{server_id}/os-volume_attachments",
                          {"volumeAttachment": body})["volumeAttachment"]

    def detach_volume(self, server_id: str, volume_id: str) -> None:
        self._api.delete(self._path(
            f"/servers/{server_id}/os-volume_attachments/{volume_id}"))

    # -- interfaces (os-interface) ------------------------------------------------------

    def list_interfaces(self, server_id: str) -> list[dict]:
        return self._get(f"/servers/{server_id}/os-interface")["interfaceAttachments"]

    def attach_interface(self, server_id: str, *, port_id: str | None = None,
                         net_id: str | None = None, fixed_ip: str | None = None
                         ) -> dict:
        """Hot-plug a NIC: on an existing port, or a new one on ``net_id`` (at
        ``fixed_ip``); the answer is the attached interface."""
        body = {}
        if port_id:
            body["port_id"] = port_id
        if net_id:
            body["net_id"] = net_id
        if fixed_ip:
            body["fixed_ips"] = [{"ip_address": fixed_ip}]
        return self._post(f"/servers/{server_id}/os-interface",
                          {"interfaceAttachment": body})["interfaceAttachment"]

    def detach_interface(self, server_id: str, port_id: str) -> None:
        self._api.delete(self._path(f"/servers/{server_id}/os-interface/{port_id}"))

    # -- flavors ------------------------------------------------------------------------

    def list_flavors(self, **filters) -> list[dict]:
        return self._get("/flavors/detail", **filters)["flavors"]

    def get_flavor(self, flavor_id: str) -> dict:
        return self._get(f"/flavors/{flavor_id}")["flavor"]

    def find_flavor(self, name_or_id: str) -> dict:
        """A flavor by id, else by exact name (unique, public or private)."""
        found = self._by_id(f"/flavors/{name_or_id}")
        if found is not None:
            return found["flavor"]
        flavors = self.list_flavors(is_public="None")
        return self._one("flavor", name_or_id,
                         [f for f in flavors if f.get("name") == name_or_id])

    # -- keypairs -----------------------------------------------------------------------

    def list_keypairs(self) -> list[dict]:
        return [k["keypair"] for k in self._get("/os-keypairs")["keypairs"]]

    def get_keypair(self, name: str) -> dict:
        return self._get(f"/os-keypairs/{name}")["keypair"]

    def create_keypair(self, name: str, public_key: str | None = None,
                       key_type: str | None = None) -> dict:
        """Import ``public_key``, or have one generated (the answer then holds the
        ``private_key``, shown this once)."""
        body = {"name": name}
        if public_key is not None:
            body["public_key"] = public_key
        if key_type is not None:
            body["type"] = key_type
        return self._post("/os-keypairs", {"keypair": body})["keypair"]

    def delete_keypair(self, name: str) -> None:
        self._api.delete(self._path(f"/os-keypairs/{name}"))

    # -- quotas -------------------------------------------------------------------------

    def get_quota_set(self, project_id: str) -> dict:
        return self._get(f"/os-quota-sets/{project_id}")["quota_set"]

    def get_default_quota_set(self, project_id: str) -> dict:
        return self._get(f"/os-quota-sets/{project_id}/defaults")["quota_set"]

    def update_quota_set(self, project_id: str, **limits) -> dict:
        """``limits``: instances, cores, ram, key_pairs... (-1: unlimited)."""
        resp = self._api.put(self._path(f"/os-quota-sets/{project_id}"),
                             json={"quota_set": limits})
        return resp.json()["quota_set"]

    # -- services -----------------------------------------------------------------------

    def list_services(self, **filters) -> list[dict]:
        return self._get("/os-services", **filters)["services"]

    # -- external events ----------------------------------------------------------------

    def create_server_external_events(self, events: list[dict]) -> list[dict]:
        """``POST /os-server-external-events`` (services only): ``events`` are
        ``{"name", "server_uuid", "tag"?, "status"?}`` (e.g. ``network-vif-plugged``,
        ``volume-extended``). Returns one result per event, as compute answers them
        (each with its ``code``: 200, or 404 for a server compute does not know,
        422 for one on no host), also when no event could be delivered (compute's
        404 for the whole request); other HTTP errors are raised."""
        version = EVENTS_MICROVERSION
        resp = self._api.post(self._path("/os-server-external-events"),
                              json={"events": events}, raise_exc=False,
                              headers={"OpenStack-API-Version": f"compute {version}",
                                       "X-OpenStack-Nova-API-Version": version})
        if resp.status_code in (200, 207):
            return resp.json()["events"]
        if resp.status_code == 404:
            return [{**event, "status": "failed", "code": 404} for event in events]
        raise ks_exc.from_response(resp, "POST", resp.url)
