"""The REST client for the placement API, used by the CLI and by compute agents.

    client = PlacementClient(session)                 # a keystoneauth1 session
    rp = client.create_resource_provider("node1")
    client.set_inventories(rp["uuid"], {"VCPU": {"total": 8}})

Every request names a microversion (``OpenStack-API-Version: placement <v>``,
``MICROVERSION`` unless given). The endpoint comes from the catalog (service type
``placement``) unless ``endpoint_override`` is given. Methods return the API's dicts;
HTTP errors are raised as keystoneauth1 ``HttpError``s (status, message and request id
intact).
"""

from __future__ import annotations

from keystoneauth1 import adapter
from keystoneauth1 import exceptions as ks_exc

#: the microversion this client speaks unless told otherwise
MICROVERSION = "1.39"


class PlacementClient:
    def __init__(self, session, *, endpoint_override: str | None = None,
                 interface: str = "public", region_name: str | None = None,
                 microversion: str = MICROVERSION):
        self._api = adapter.Adapter(
            session, service_type="placement", interface=interface,
            region_name=region_name, endpoint_override=endpoint_override,
            additional_headers={"OpenStack-API-Version": f"placement {microversion}",
                                "Accept": "application/json"})

    # -- resource providers -------------------------------------------------------------

    def list_resource_providers(self, **filters) -> list[dict]:
        params = {k: v for k, v in filters.items() if v is not None}
        return self._api.get("/resource_providers",
                             params=params or None).json()["resource_providers"]

    def get_resource_provider(self, uuid: str) -> dict:
        return self._api.get(f"/resource_providers/{uuid}").json()

    def find_resource_provider(self, name_or_uuid: str) -> dict:
        """By uuid, else by exact name (names are unique in placement)."""
        resp = self._api.get(f"/resource_providers/{name_or_uuid}", raise_exc=False)
        if resp.status_code == 200:
            return resp.json()
        if resp.status_code in (400, 404):
            found = self.list_resource_providers(name=name_or_uuid)
            if found:
                return found[0]
        raise ks_exc.from_response(resp, "GET", resp.url)

    def create_resource_provider(self, name: str, uuid: str | None = None,
                                 parent_provider_uuid: str | None = None) -> dict:
        body = {"name": name}
        if uuid:
            body["uuid"] = uuid
        if parent_provider_uuid:
            body["parent_provider_uuid"] = parent_provider_uuid
        return self._api.post("/resource_providers", json=body).json()

    def delete_resource_provider(self, uuid: str) -> None:
        self._api.delete(f"/resource_providers/{uuid}")

    # -- inventories --------------------------------------------------------------------

    def get_inventories(self, uuid: str) -> dict:
        """{"resource_provider_generation": g, "inventories": {RC: {...}}}"""
        return self._api.get(f"/resource_providers/{uuid}/inventories").json()

    def set_inventories(self, uuid: str, inventories: dict,
                        generation: int | None = None) -> dict:
        """Replace every inventory of the provider (at ``generation``, else the
        current one: a concurrent writer makes this fail with 409)."""
        return self._replace(uuid, "inventories", inventories, generation)

    def _replace(self, uuid: str, what: str, value, generation: int | None) -> dict:
        """PUT /resource_providers/{uuid}/{what}: the provider's ``what`` (inventories,
        traits, aggregates) becomes ``value``, at ``generation``, else the current one."""
        if generation is None:
            generation = self.get_resource_provider(uuid)["generation"]
        body = {"resource_provider_generation": generation, what: value}
        return self._api.put(f"/resource_providers/{uuid}/{what}", json=body).json()

    # -- usages -------------------------------------------------------------------------

    def get_usages(self, uuid: str) -> dict:
        """{"resource_provider_generation": g, "usages": {RC: used}}"""
        return self._api.get(f"/resource_providers/{uuid}/usages").json()

    # -- traits -------------------------------------------------------------------------

    def list_traits(self, name: str | None = None, associated: bool | None = None
                    ) -> list[str]:
        params = {"name": name}
        if associated is not None:
            params["associated"] = "true" if associated else "false"
        params = {k: v for k, v in params.items() if v is not None}
        return self._api.get("/traits", params=params or None).json()["traits"]

    def create_trait(self, name: str) -> None:
        """A custom trait (``CUSTOM_*``); creating one that exists is no error."""
        self._api.put(f"/traits/{name}")

    def check_trait(self, name: str) -> None:
        """GET /traits/{name}: returns if the trait exists (204), raises the 404."""
        self._api.get(f"/traits/{name}")

    def delete_trait(self, name: str) -> None:
        self._api.delete(f"/traits/{name}")

    def get_provider_traits(self, uuid: str) -> dict:
        """{"resource_provider_generation": g, "traits": [...]}"""
        return self._api.get(f"/resource_providers/{uuid}/traits").json()

    def set_provider_traits(self, uuid: str, traits: list[str],
                            generation: int | None = None) -> dict:
        """Replace the provider's traits (at ``generation``, else the current one)."""
        return self._replace(uuid, "traits", traits, generation)

    def delete_provider_traits(self, uuid: str) -> None:
        self._api.delete(f"/resource_providers/{uuid}/traits")

    # -- resource classes ---------------------------------------------------------------

    def list_resource_classes(self) -> list[dict]:
        return self._api.get("/resource_classes").json()["resource_classes"]

    def create_resource_class(self, name: str) -> None:
        """A custom resource class (``CUSTOM_*``)."""
        self._api.post("/resource_classes", json={"name": name})

    def get_resource_class(self, name: str) -> dict:
        return self._api.get(f"/resource_classes/{name}").json()

    def set_resource_class(self, name: str) -> None:
        """PUT /resource_classes/{name} (1.7+): creates the custom class, or confirms
        it exists (no error either way)."""
        self._api.put(f"/resource_classes/{name}")

    def delete_resource_class(self, name: str) -> None:
        self._api.delete(f"/resource_classes/{name}")

    # -- aggregates ---------------------------------------------------------------------

    def get_aggregates(self, uuid: str) -> dict:
        """{"resource_provider_generation": g, "aggregates": [uuid, ...]}"""
        return self._api.get(f"/resource_providers/{uuid}/aggregates").json()

    def set_aggregates(self, uuid: str, aggregates: list[str],
                       generation: int | None = None) -> dict:
        """Replace the provider's aggregates (at ``generation``, else the current one)."""
        return self._replace(uuid, "aggregates", aggregates, generation)

    # -- allocations --------------------------------------------------------------------

    def get_allocations(self, consumer_uuid: str) -> dict:
        """{"allocations": {rp_uuid: {"generation", "resources"}}, "project_id",
        "user_id", "consumer_generation"} (empty allocations for an unknown consumer)."""
        return self._api.get(f"/allocations/{consumer_uuid}").json()

    def delete_allocations(self, consumer_uuid: str) -> None:
        self._api.delete(f"/allocations/{consumer_uuid}")

    def list_allocation_candidates(self, params) -> dict:
        """GET /allocation_candidates with ``params`` (a dict, or a list of pairs for
        repeated keys such as ``member_of``)."""
        return self._api.get("/allocation_candidates", params=params).json()
