"""Choosing a host: placement's candidates, narrowed to live, enabled agents and the
server's availability zone, claimed.

The zone: a server that asks for a zone named by host aggregates is placed on
their hosts only, by asking placement for candidates ``member_of`` those
aggregates (their hosts' providers are members: ``service/aggregate.py``); one that
asks for the default zone on hosts in no zone's aggregate (placement's forbidden
aggregates, 1.32); one that asks for none, anywhere. The aggregates'
hosts recorded in compute narrow the hosts too, so a provider placement has not
been told about is never taken for a member.

The claim is the decision: a candidate whose claim placement refuses (409: someone
else took the capacity, or the consumer already has allocations) is skipped for the
next one.
"""

from __future__ import annotations

import dataclasses
import logging

from sovra_common import exception
from sovra_compute import placement_client
from sovra_compute.service import aggregate as aggregate_service
from sovra_compute.service import availability_zone, block_device
from sovra_compute.service import flavor as flavor_service

LOG = logging.getLogger(__name__)


class NoValidHost(exception.SovraError):
    message = "No valid host was found. %(reason)s"


@dataclasses.dataclass(frozen=True)
class ZoneRequest:
    """Where a server's zone lets it go: the placement aggregates it must be in
    (any one of ``member_of``) or must not be in (``forbidden``), and the hosts
    compute records for them: ``hosts`` (None: any) and ``excluded_hosts``."""
    member_of: frozenset = frozenset()
    forbidden: frozenset = frozenset()
    hosts: frozenset | None = None
    excluded_hosts: frozenset = frozenset()

    def placement_query(self) -> dict:
        """allocation_candidates' aggregate arguments (none when unconstrained)."""
        query = {}
        if self.member_of:
            query["member_of"] = self.member_of
        if self.forbidden:
            query["forbidden_aggregates"] = self.forbidden
        return query

    def narrow(self, hosts) -> set[str]:
        hosts = set(hosts) - self.excluded_hosts
        return hosts if self.hosts is None else hosts & self.hosts


def zone_request(db, instance: dict) -> ZoneRequest:
    """The ZoneRequest of the availability zone ``instance`` asked for (none: any
    host, as upstream without a default_schedule_zone); not the zone it is in,
    which the conductor records from its host."""
    zone = (instance["requested_zone"] if "requested_zone" in instance
            else instance.get("availability_zone"))
    if not zone:
        return ZoneRequest()
    zones = aggregate_service.zone_aggregates(db)
    if not zones:
        return ZoneRequest()  # no aggregate names a zone: every host is in the default
    in_zones = aggregate_service.host_zones(db)
    if zone and zone in zones:
        return ZoneRequest(member_of=frozenset(zones[zone]), hosts=frozenset(
            host for host, z in in_zones.items() if z == zone))
    if zone and zone != availability_zone.DEFAULT_ZONE:
        return ZoneRequest(hosts=frozenset())  # a zone no aggregate names any more
    return ZoneRequest(forbidden=frozenset().union(*zones.values()),
                       excluded_hosts=frozenset(in_zones))


@dataclasses.dataclass(frozen=True)
class Selection:
    host: str
    node: str
    allocations: dict


def select_and_claim(placement: placement_client.PlacementClient, instance: dict, *,
                     hosts: set[str], limit: int, in_tree: str | None = None,
                     order=None, zone: ZoneRequest | None = None) -> Selection:
    """Claim resources for ``instance`` (its ``flavor``) on one of ``hosts``;
    NoValidHost if none of placement's candidates on those hosts could be claimed.
    ``in_tree``: ask placement for candidates of that provider only; ``order(host)``:
    a sort key, lower tried first (else placement's order); ``zone``: where the
    server's availability zone lets it go (``zone_request``)."""
    zone = zone or ZoneRequest()
    hosts = zone.narrow(hosts)
    if not hosts:
        raise NoValidHost(reason="There are not enough hosts available.")
    by_provider = {placement_client.node_uuid(host): host for host in hosts}
    candidates = placement.allocation_candidates(
        flavor_service.resources(
            instance["flavor"],
            volume_backed=block_device.is_volume_backed(instance)),
        limit=limit, in_tree=in_tree, **zone.placement_query())
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
