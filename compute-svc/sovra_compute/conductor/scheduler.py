"""Choosing a host: placement's candidates, narrowed to live, enabled agents, claimed.

The claim is the decision: a candidate whose claim placement refuses (409: someone
else took the capacity, or the consumer already has allocations) is skipped for the
next one.
"""

from __future__ import annotations

import dataclasses
import logging

from sovra_common import exception
from sovra_compute import placement_client
from sovra_compute.service import block_device
from sovra_compute.service import flavor as flavor_service

LOG = logging.getLogger(__name__)


class NoValidHost(exception.SovraError):
    message = "No valid host was found. %(reason)s"


@dataclasses.dataclass(frozen=True)
class Selection:
    host: str
    node: str
    allocations: dict


def select_and_claim(placement: placement_client.PlacementClient, instance: dict, *,
                     hosts: set[str], limit: int, in_tree: str | None = None,
                     order=None) -> Selection:
    """Claim resources for ``instance`` (its ``flavor``) on one of ``hosts``;
    NoValidHost if none of placement's candidates on those hosts could be claimed.
    ``in_tree``: ask placement for candidates of that provider only; ``order(host)``:
    a sort key, lower tried first (else placement's order)."""
    if not hosts:
        raise NoValidHost(reason="There are not enough hosts available.")
    by_provider = {placement_client.node_uuid(host): host for host in hosts}
    candidates = placement.allocation_candidates(
        flavor_service.resources(
            instance["flavor"],
            volume_backed=block_device.is_volume_backed(instance)),
        limit=limit, in_tree=in_tree)
    if order is not None:
        candidates.sort(key=lambda allocations: order(
            by_provider.get(next(iter(allocations)), "")))
    for allocations in candidates:
        providers = set(allocations)
        if len(providers) != 1 or not providers <= set(by_provider):
            continue  # a provider that is not a usable compute node
        host = by_provider[next(iter(providers))]
        try:
            placement.claim(instance["uuid"], allocations, instance["project_id"],
                            instance["user_id"])
        except placement_client.ClaimConflict:
            LOG.info("claim of %s on %s refused; trying the next candidate",
                     instance["uuid"], host)
            continue
        return Selection(host=host, node=host, allocations=allocations)
    raise NoValidHost(reason="There are not enough hosts available.")
