"""What compute asks of placement over REST (placement ships no client module yet).

Used by the conductor (candidates, claims, releases) and the agents (their node as a
resource provider). Speaks placement 1.28+ (consumer generations) over a
keystoneauth1 session with the service's own credentials.
"""

from __future__ import annotations

import functools
import uuid

from keystoneauth1 import adapter
from keystoneauth1 import exceptions as ks_exceptions

from sovra_common import exception

MICROVERSION = "1.36"
_NODE_NAMESPACE = uuid.UUID("6f1c3a52-7a3e-4c9b-9a57-2d9f0c1e6b11")


class PlacementError(exception.ServiceUnavailable):
    message = "Placement answered %(status)s: %(body)s"


class ProviderNotFound(exception.NotFound):
    message = "Placement has no resource provider %(rp_uuid)s."


class ClaimConflict(exception.Conflict):
    message = "Placement refused the claim of %(consumer)s (capacity or generation)."


@functools.lru_cache(maxsize=4096)
def node_uuid(host: str) -> str:
    """The resource provider UUID of a node: stable across agent restarts (a pure
    function of the host name, kept for the hosts last asked about: every build
    maps each candidate host to its provider)."""
    return str(uuid.uuid5(_NODE_NAMESPACE, host))


class PlacementClient:
    def __init__(self, session, *, interface="internal", endpoint_override=None):
        self._api = adapter.Adapter(session, service_type="placement",
                                    interface=interface,
                                    endpoint_override=endpoint_override,
                                    default_microversion=MICROVERSION)

    def _request(self, method, path, *, ok=(200,), **kwargs):
        resp = self._api.request(path, method, raise_exc=False, **kwargs)
        if resp.status_code not in ok:
            raise PlacementError(status=resp.status_code, body=resp.text[:500])
        return resp

    # --- agents ------------------------------------------------------------------
    def ensure_provider(self, host: str) -> dict:
        """The node's resource provider, created if missing."""
        rp_uuid = node_uuid(host)
        resp = self._request("GET", f"/resource_providers/{rp_uuid}", ok=(200, 404))
        if resp.status_code == 200:
            return resp.json()
        resp = self._request("POST", "/resource_providers",
                             json={"name": host, "uuid": rp_uuid}, ok=(200, 409))
        if resp.status_code == 409:  # another agent start raced us
            return self._request("GET", f"/resource_providers/{rp_uuid}").json()
        return resp.json()

    def set_inventory(self, rp_uuid: str, inventories: dict) -> None:
        for _ in range(5):
            gen = self._request("GET", f"/resource_providers/{rp_uuid}").json()[
                "generation"]
            resp = self._request("PUT", f"/resource_providers/{rp_uuid}/inventories",
                                 json={"resource_provider_generation": gen,
                                       "inventories": inventories}, ok=(200, 409))
            if resp.status_code == 200:
                return
        raise PlacementError(status=409, body="inventory generation kept changing")

    def set_traits(self, rp_uuid: str, traits: list[str]) -> None:
        """Make ``traits`` the provider's traits (standard os-traits names)."""
        for _ in range(5):
            resp = self._request("GET", f"/resource_providers/{rp_uuid}/traits")
            body = resp.json()
            if sorted(body["traits"]) == sorted(traits):
                return
            resp = self._request("PUT", f"/resource_providers/{rp_uuid}/traits",
                                 json={"resource_provider_generation":
                                       body["resource_provider_generation"],
                                       "traits": sorted(traits)}, ok=(200, 409))
            if resp.status_code == 200:
                return
        raise PlacementError(status=409, body="trait generation kept changing")

    def provider_usage(self, rp_uuid: str) -> dict:
        """``{"inventories": {rc: {...}}, "usages": {rc: n}}`` of a provider."""
        inventories = self._request(
            "GET", f"/resource_providers/{rp_uuid}/inventories").json()["inventories"]
        usages = self._request("GET", f"/resource_providers/{rp_uuid}/usages").json()[
            "usages"]
        return {"inventories": inventories, "usages": usages}

    # --- the API (host aggregates) ----------------------------------------------------
    def add_to_aggregate(self, rp_uuid: str, aggregate_uuid: str) -> None:
        """Add ``aggregate_uuid`` to the provider's aggregates (ProviderNotFound if
        placement has no such provider)."""
        self._change_aggregates(rp_uuid, lambda current: current | {aggregate_uuid})

    def remove_from_aggregate(self, rp_uuid: str, aggregate_uuid: str) -> None:
        self._change_aggregates(rp_uuid, lambda current: current - {aggregate_uuid})

    def provider_aggregates(self, rp_uuid: str) -> set[str]:
        resp = self._request("GET", f"/resource_providers/{rp_uuid}/aggregates",
                             ok=(200, 404))
        if resp.status_code == 404:
            raise ProviderNotFound(rp_uuid=rp_uuid)
        return set(resp.json()["aggregates"])

    def _change_aggregates(self, rp_uuid: str, change) -> None:
        """Read the provider's aggregates and write ``change(them)`` with the
        generation read (1.19), again while someone else changed the provider
        in between (an agent's inventory, another aggregate's host)."""
        path = f"/resource_providers/{rp_uuid}/aggregates"
        for _ in range(10):
            resp = self._request("GET", path, ok=(200, 404))
            if resp.status_code == 404:
                raise ProviderNotFound(rp_uuid=rp_uuid)
            body = resp.json()
            current = set(body["aggregates"])
            wanted = change(current)
            if wanted == current:
                return
            resp = self._request("PUT", path, ok=(200, 404, 409), json={
                "aggregates": sorted(wanted),
                "resource_provider_generation": body["resource_provider_generation"]})
            if resp.status_code == 404:
                raise ProviderNotFound(rp_uuid=rp_uuid)
            if resp.status_code == 200:
                return
        raise PlacementError(status=409, body="provider generation kept changing")

    # --- conductor -----------------------------------------------------------------
    def allocation_candidates(self, resources: dict, limit: int,
                              in_tree: str | None = None, member_of=(),
                              forbidden_aggregates=()) -> list[dict]:
        """Allocation requests (``{rp_uuid: {"resources": {...}}}``) that fit;
        ``in_tree``: only on that provider's tree (one node); ``member_of``: only
        providers in one of these aggregates; ``forbidden_aggregates``: none in
        any of these (1.32)."""
        query = ",".join(f"{rc}:{amount}" for rc, amount in sorted(resources.items())
                         if amount)
        params = {"resources": query, "limit": limit}
        if in_tree:
            params["in_tree"] = in_tree
        aggregates = []
        if member_of:
            aggregates.append("in:" + ",".join(sorted(member_of)))
        if forbidden_aggregates:
            aggregates.append("!in:" + ",".join(sorted(forbidden_aggregates)))
        if aggregates:
            params["member_of"] = aggregates
        body = self._request("GET", "/allocation_candidates", params=params).json()
        return [req["allocations"] for req in body["allocation_requests"]]

    def claim(self, consumer: str, allocations: dict, project_id: str,
              user_id: str) -> None:
        """Write a new consumer's allocations; ClaimConflict on 409.

        An answer that does not come in time (a busy placement: the write may
        or may not have landed) is settled by reading the consumer back: its
        allocations are these, the claim is made; none, ClaimConflict (the
        caller tries its next candidate; a write still in flight then makes
        that claim a 409 too, and the caller's release on failure removes it)."""
        try:
            resp = self._request("PUT", f"/allocations/{consumer}", ok=(204, 409),
                                 json={"allocations": allocations,
                                       "project_id": project_id, "user_id": user_id,
                                       "consumer_generation": None})
        except ks_exceptions.ConnectTimeout:
            held = self.allocations(consumer)
            if {rp: a["resources"] for rp, a in held.items()} == \
                    {rp: a["resources"] for rp, a in allocations.items()}:
                return
            raise ClaimConflict(consumer=consumer) from None
        if resp.status_code == 409:
            raise ClaimConflict(consumer=consumer)

    def release(self, consumer: str) -> None:
        """Remove every allocation of ``consumer`` (none is fine)."""
        self._request("DELETE", f"/allocations/{consumer}", ok=(204, 404))

    def move_allocations(self, source: str, target: str, project_id: str,
                         user_id: str) -> dict:
        """Move every allocation of consumer ``source`` to ``target`` (which has
        none) in one write; returns what was moved (``{rp: {"resources": ...}}``).
        Consumer generations guard against a concurrent change (retried)."""
        for _ in range(5):
            held = self._request("GET", f"/allocations/{source}").json()
            moved = {rp: {"resources": alloc["resources"]}
                     for rp, alloc in held["allocations"].items()}
            resp = self._request("POST", "/allocations", ok=(204, 409), json={
                source: {"allocations": {}, "project_id": project_id,
                         "user_id": user_id,
                         "consumer_generation": held.get("consumer_generation")},
                target: {"allocations": moved, "project_id": project_id,
                         "user_id": user_id, "consumer_generation": None}})
            if resp.status_code == 204:
                return moved
        raise PlacementError(status=409, body=f"allocations of {source} kept changing")

    def allocations(self, consumer: str) -> dict:
        return self._request("GET", f"/allocations/{consumer}").json()["allocations"]
