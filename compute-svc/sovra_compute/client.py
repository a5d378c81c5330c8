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


#: the versions the calls that need more than MICROVERSION ask for
FLAVOR_MICROVERSION = "2.61"        # description (2.55) and extra_specs in bodies
SERVICE_MICROVERSION = "2.53"       # services by UUID, PUT/DELETE /os-services/{id}
HYPERVISOR_MICROVERSION = "2.53"    # UUID ids, capacity and usage still in bodies
SERVER_GROUP_MICROVERSION = "2.64"  # one "policy" and its "rules"
ACTION_MICROVERSION = "2.84"        # instance actions: updated_at, event details
IMAGE_MICROVERSION = "2.45"         # createImage answers {"image_id"}
LOCK_MICROVERSION = "2.73"          # lock takes locked_reason
DESCRIPTION_MICROVERSION = "2.19"   # servers: description on update and rebuild
AGGREGATE_MICROVERSION = "2.41"     # aggregates: "uuid" in bodies
TAGS_MICROVERSION = "2.52"          # servers: "tags" at create
MIGRATE_HOST_MICROVERSION = "2.56"  # migrate takes a destination "host"
MIGRATIONS_MICROVERSION = "2.80"    # os-migrations: uuid, type, user and project
EVACUATE_MICROVERSION = "2.94"      # evacuate: a host may be named, no onSharedStorage,
                                    # the server lands as it was (2.95: always stopped)


def _version_headers(version: str | None) -> dict:
    """Headers asking for ``version`` (none: the client's MICROVERSION)."""
    if version is None:
        return {}
    return {"OpenStack-API-Version": f"compute {version}",
            "X-OpenStack-Nova-API-Version": version}


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

    def _get(self, path, *, version: str | None = None, **params):
        params = {k: v for k, v in params.items() if v is not None}
        return self._api.get(self._path(path), params=params or None,
                             headers=_version_headers(version)).json()

    def _post(self, path, body, *, version: str | None = None):
        resp = self._api.post(self._path(path), json=body,
                              headers=_version_headers(version))
        return resp.json() if resp.content else None

    def _put(self, path, body, *, version: str | None = None):
        resp = self._api.put(self._path(path), json=body,
                             headers=_version_headers(version))
        return resp.json() if resp.content else None

    def _delete(self, path, *, version: str | None = None) -> None:
        self._api.delete(self._path(path), headers=_version_headers(version))

    def _by_id(self, path: str, *, version: str | None = None):
        """The GET response for ``path``, or None on 404 (or 400: not an id)."""
        resp = self._api.get(self._path(path), raise_exc=False,
                             headers=_version_headers(version))
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

    def create_server(self, name: str, flavor_id: str, image_id: str | None, *,
                      networks="auto", key_name: str | None = None,
                      user_data: str | None = None, hints: dict | None = None,
                      **attrs) -> dict:
        """``networks``: ``"auto"``, ``"none"`` or a list (required since 2.37).
        ``image_id``: None for a server booting from a volume (in
        ``block_device_mapping_v2``). ``user_data``: already base64-encoded.
        ``hints``: the scheduler hints (``{"group": <server group id>}``...). Other
        ``attrs`` go in the body as they are (``availability_zone``, ``metadata``,
        ``min_count``...); ``description`` is sent at 2.19, ``tags`` at 2.52."""
        body = {"name": name, "flavorRef": flavor_id, "networks": networks}
        if image_id:
            body["imageRef"] = image_id
        if key_name:
            body["key_name"] = key_name
        if user_data is not None:
            body["user_data"] = user_data
        body.update({k: v for k, v in attrs.items() if v is not None})
        request = {"server": body}
        if hints:
            request["os:scheduler_hints"] = hints
        version = TAGS_MICROVERSION if body.get("tags") else \
            DESCRIPTION_MICROVERSION if "description" in body else None
        return self._post("/servers", request, version=version)["server"]

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

    def update_server(self, server_id: str, *, name: str | None = None,
                      description: str | None = None) -> dict:
        body, version = {}, None
        if name is not None:
            body["name"] = name
        if description is not None:
            body["description"], version = description, DESCRIPTION_MICROVERSION
        return self._put(f"/servers/{server_id}", {"server": body},
                         version=version)["server"]

    def set_server_metadata(self, server_id: str, metadata: dict) -> dict:
        """Add or replace these items (the others stay)."""
        return self._post(f"/servers/{server_id}/metadata",
                          {"metadata": metadata})["metadata"]

    def delete_server_metadata(self, server_id: str, key: str) -> None:
        self._delete(f"/servers/{server_id}/metadata/{key}")

    def reset_server_state(self, server_id: str, state: str) -> None:
        """os-resetState (admin): ``state`` "active" or "error", task cleared."""
        self.server_action(server_id, "os-resetState", {"state": state})

    def pause_server(self, server_id: str) -> None:
        self.server_action(server_id, "pause")

    def unpause_server(self, server_id: str) -> None:
        self.server_action(server_id, "unpause")

    def suspend_server(self, server_id: str) -> None:
        self.server_action(server_id, "suspend")

    def resume_server(self, server_id: str) -> None:
        self.server_action(server_id, "resume")

    def lock_server(self, server_id: str, reason: str | None = None) -> None:
        if reason is None:
            self.server_action(server_id, "lock")
        else:
            self._post(f"/servers/{server_id}/action",
                       {"lock": {"locked_reason": reason}}, version=LOCK_MICROVERSION)

    def unlock_server(self, server_id: str) -> None:
        self.server_action(server_id, "unlock")

    def rebuild_server(self, server_id: str, image_id: str, **attrs) -> dict:
        """A fresh root disk from ``image_id``; ``attrs``: name, adminPass,
        metadata, description (2.19)... Returns the server (with its adminPass)."""
        body = {"imageRef": image_id, **{k: v for k, v in attrs.items() if v is not None}}
        version = DESCRIPTION_MICROVERSION if "description" in body else None
        return self._post(f"/servers/{server_id}/action", {"rebuild": body},
                          version=version)["server"]

    def resize_server(self, server_id: str, flavor_id: str) -> None:
        self.server_action(server_id, "resize", {"flavorRef": flavor_id})

    def migrate_server(self, server_id: str, host: str | None = None) -> None:
        """Cold-migrate the server (admin): to ``host``, else where the scheduler
        chooses."""
        if host is None:
            self.server_action(server_id, "migrate")
        else:
            self._post(f"/servers/{server_id}/action", {"migrate": {"host": host}},
                       version=MIGRATE_HOST_MICROVERSION)

    def evacuate_server(self, server_id: str, host: str | None = None) -> None:
        """Rebuild the server, whose host is down, on another host (admin): on
        ``host``, else where the scheduler chooses."""
        body = {"host": host} if host else {}
        self._post(f"/servers/{server_id}/action", {"evacuate": body},
                   version=EVACUATE_MICROVERSION)

    def list_migrations(self, **filters) -> list[dict]:
        """os-migrations (admin), newest first; ``filters``: instance_uuid, host,
        status, migration_type..."""
        return self._get("/os-migrations", version=MIGRATIONS_MICROVERSION,
                         **filters)["migrations"]

    def confirm_resize(self, server_id: str) -> None:
        self.server_action(server_id, "confirmResize")

    def revert_resize(self, server_id: str) -> None:
        self.server_action(server_id, "revertResize")

    def create_server_image(self, server_id: str, name: str,
                            metadata: dict | None = None) -> str:
        """Snapshot the server into a new image; returns the image's id (the
        image is queued: the agent uploads the disk into it)."""
        arg = {"name": name}
        if metadata:
            arg["metadata"] = metadata
        return self._post(f"/servers/{server_id}/action", {"createImage": arg},
                          version=IMAGE_MICROVERSION)["image_id"]

    # -- instance actions (server events) -----------------------------------------------

    def list_server_actions(self, server_id: str) -> list[dict]:
        return self._get(f"/servers/{server_id}/os-instance-actions",
                         version=ACTION_MICROVERSION)["instanceActions"]

    def get_server_action(self, server_id: str, request_id: str) -> dict:
        return self._get(f"/servers/{server_id}/os-instance-actions/{request_id}",
                         version=ACTION_MICROVERSION)["instanceAction"]

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
        self._delete(f"/servers/{server_id}/os-volume_attachments/{volume_id}")

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
        """The flavor with its description and extra_specs."""
        return self._get(f"/flavors/{flavor_id}", version=FLAVOR_MICROVERSION)["flavor"]

    def find_flavor(self, name_or_id: str) -> dict:
        """A flavor by id, else by exact name (unique, public or private), with its
        description and extra_specs."""
        found = self._by_id(f"/flavors/{name_or_id}", version=FLAVOR_MICROVERSION)
        if found is not None:
            return found["flavor"]
        flavors = self.list_flavors(is_public="None")
        match = self._one("flavor", name_or_id,
                          [f for f in flavors if f.get("name") == name_or_id])
        return self.get_flavor(match["id"])

    def create_flavor(self, name: str, *, ram: int, vcpus: int, disk: int,
                      **attrs) -> dict:
        """``attrs``: id, swap, rxtx_factor, description, ``OS-FLV-EXT-DATA:ephemeral``,
        ``os-flavor-access:is_public`` (None values left out)."""
        body = {"name": name, "ram": ram, "vcpus": vcpus, "disk": disk,
                **{k: v for k, v in attrs.items() if v is not None}}
        return self._post("/flavors", {"flavor": body},
                          version=FLAVOR_MICROVERSION)["flavor"]

    def update_flavor(self, flavor_id: str, description: str | None) -> dict:
        return self._put(f"/flavors/{flavor_id}", {"flavor": {"description": description}},
                         version=FLAVOR_MICROVERSION)["flavor"]

    def delete_flavor(self, flavor_id: str) -> None:
        self._delete(f"/flavors/{flavor_id}")

    def set_flavor_extra_specs(self, flavor_id: str, specs: dict) -> dict:
        return self._post(f"/flavors/{flavor_id}/os-extra_specs",
                          {"extra_specs": specs})["extra_specs"]

    def delete_flavor_extra_spec(self, flavor_id: str, key: str) -> None:
        self._delete(f"/flavors/{flavor_id}/os-extra_specs/{key}")

    def list_flavor_access(self, flavor_id: str) -> list[str]:
        """The projects given a private flavor (a public one's list is a 404)."""
        return [a["tenant_id"] for a in self._get(
            f"/flavors/{flavor_id}/os-flavor-access")["flavor_access"]]

    def add_flavor_access(self, flavor_id: str, project_id: str) -> None:
        self._post(f"/flavors/{flavor_id}/action",
                   {"addTenantAccess": {"tenant": project_id}})

    def remove_flavor_access(self, flavor_id: str, project_id: str) -> None:
        self._post(f"/flavors/{flavor_id}/action",
                   {"removeTenantAccess": {"tenant": project_id}})

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
        """The services, known by UUID (2.53), with forced_down."""
        return self._get("/os-services", version=SERVICE_MICROVERSION,
                         **filters)["services"]

    def update_service(self, service_id: str, **changes) -> dict:
        """``changes``: status ("enabled"/"disabled"), disabled_reason,
        forced_down (2.53: the service by its UUID)."""
        return self._put(f"/os-services/{service_id}", changes,
                         version=SERVICE_MICROVERSION)["service"]

    def delete_service(self, service_id: str) -> None:
        """By UUID, or by the integer id older microversions show."""
        self._delete(f"/os-services/{service_id}", version=None if service_id.isdigit()
                     else SERVICE_MICROVERSION)

    # -- server groups ------------------------------------------------------------------

    def list_server_groups(self, *, all_projects: bool = False) -> list[dict]:
        return self._get("/os-server-groups", version=SERVER_GROUP_MICROVERSION,
                         all_projects="True" if all_projects else None)["server_groups"]

    def get_server_group(self, group_id: str) -> dict:
        return self._get(f"/os-server-groups/{group_id}",
                         version=SERVER_GROUP_MICROVERSION)["server_group"]

    def find_server_group(self, name_or_id: str) -> dict:
        """A server group by id, else by exact name (unique, in the project)."""
        found = self._by_id(f"/os-server-groups/{name_or_id}",
                            version=SERVER_GROUP_MICROVERSION)
        if found is not None:
            return found["server_group"]
        return self._one("server group", name_or_id,
                         [g for g in self.list_server_groups()
                          if g.get("name") == name_or_id])

    def create_server_group(self, name: str, policy: str,
                            rules: dict | None = None) -> dict:
        body = {"name": name, "policy": policy}
        if rules:
            body["rules"] = rules
        return self._post("/os-server-groups", {"server_group": body},
                          version=SERVER_GROUP_MICROVERSION)["server_group"]

    def delete_server_group(self, group_id: str) -> None:
        self._delete(f"/os-server-groups/{group_id}")

    # -- host aggregates ----------------------------------------------------------------

    def list_aggregates(self) -> list[dict]:
        return self._get("/os-aggregates", version=AGGREGATE_MICROVERSION)["aggregates"]

    def find_aggregate(self, name_or_id: str) -> dict:
        """An aggregate by id (integer or uuid), else by exact name."""
        if name_or_id.isdigit():
            found = self._by_id(f"/os-aggregates/{name_or_id}",
                                version=AGGREGATE_MICROVERSION)
            if found is not None:
                return found["aggregate"]
        return self._one("aggregate", name_or_id,
                         [a for a in self.list_aggregates()
                          if name_or_id in (a.get("name"), a.get("uuid"))])

    def create_aggregate(self, name: str, zone: str | None = None) -> dict:
        body = {"name": name}
        if zone:
            body["availability_zone"] = zone
        return self._post("/os-aggregates", {"aggregate": body},
                          version=AGGREGATE_MICROVERSION)["aggregate"]

    def update_aggregate(self, aggregate_id, **changes) -> dict:
        """``changes``: name, availability_zone."""
        return self._put(f"/os-aggregates/{aggregate_id}", {"aggregate": changes},
                         version=AGGREGATE_MICROVERSION)["aggregate"]

    def delete_aggregate(self, aggregate_id) -> None:
        self._delete(f"/os-aggregates/{aggregate_id}")

    def aggregate_action(self, aggregate_id, action: str, arg: dict) -> dict:
        """add_host / remove_host ({"host"}) or set_metadata ({"metadata"}: a None
        value removes the key); returns the aggregate."""
        return self._post(f"/os-aggregates/{aggregate_id}/action", {action: arg},
                          version=AGGREGATE_MICROVERSION)["aggregate"]

    # -- hypervisors, zones, usage, limits ----------------------------------------------

    def list_hypervisors(self, *, pattern: str | None = None) -> list[dict]:
        """Every node with its capacity and usage (2.53: UUID ids)."""
        return self._get("/os-hypervisors/detail", version=HYPERVISOR_MICROVERSION,
                         hypervisor_hostname_pattern=pattern)["hypervisors"]

    def find_hypervisor(self, name_or_id: str) -> dict:
        """A hypervisor by id, else by its exact host name."""
        found = self._by_id(f"/os-hypervisors/{name_or_id}",
                            version=HYPERVISOR_MICROVERSION)
        if found is not None:
            return found["hypervisor"]
        return self._one("hypervisor", name_or_id,
                         [h for h in self.list_hypervisors()
                          if h.get("hypervisor_hostname") == name_or_id])

    def list_availability_zones(self, *, detail: bool = False) -> list[dict]:
        """The zones; ``detail`` (admin) adds each zone's hosts and services."""
        path = "/os-availability-zone/detail" if detail else "/os-availability-zone"
        return self._get(path)["availabilityZoneInfo"]

    def list_usages(self, start: str, end: str) -> list[dict]:
        """Every project's usage between ``start`` and ``end`` (ISO times), with
        each server's (``server_usages``)."""
        return self._get("/os-simple-tenant-usage", start=start, end=end,
                         detailed="1")["tenant_usages"]

    def get_usage(self, project_id: str, start: str, end: str) -> dict:
        """The project's usage ({} when it had no server in the period)."""
        return self._get(f"/os-simple-tenant-usage/{project_id}", start=start,
                         end=end)["tenant_usage"]

    def get_limits(self, project_id: str | None = None) -> dict:
        """``{"absolute": {...}, "rate": [...]}`` of the caller's project, or of
        ``project_id`` (admin)."""
        return self._get("/limits", tenant_id=project_id)["limits"]

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
