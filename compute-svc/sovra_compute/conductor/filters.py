"""What narrows or orders the hosts a server may be built on, besides placement's
capacity: the host an admin asked for, and the server's group policy.

Group policies (os-server-groups): ``affinity`` keeps every member on one host,
``anti-affinity`` on different hosts (at most ``max_server_per_host`` each, from
2.64's rules; 1 by default); the ``soft-`` ones only prefer. The conductor holds
the group's lock from choosing a host to recording it, so two members being
scheduled at once see each other.
"""

from __future__ import annotations

import collections
import dataclasses
from collections.abc import Callable

from sovra_compute.service import instance as instance_service
from sovra_compute.service import server_group


@dataclasses.dataclass(frozen=True)
class HostChoice:
    hosts: set[str]
    #: sort key of a host (lower first), for the soft policies; None: any order
    order: Callable[[str], int] | None = None
    #: why no host is left, for the fault, when ``hosts`` is empty
    reason: str = ""


def member_hosts(db, members: list[str]) -> collections.Counter:
    """How many of the group's other members are on (or being built on) each host."""
    counts = collections.Counter()
    for uuid in members:
        try:
            host = instance_service.get(db, uuid)["host"]
        except instance_service.InstanceNotFound:
            continue  # deleted
        if host:
            counts[host] += 1
    return counts


def choose(db, instance: dict, hosts: set[str], *, grouped: bool = True) -> HostChoice:
    """``grouped=False``: the caller found the server in no group (its group's
    policy is not read again)."""
    hosts = set(hosts)
    if instance.get("requested_host"):
        hosts &= {instance["requested_host"]}
        if not hosts:
            return HostChoice(hosts, reason=f"The requested host "
                                            f"{instance['requested_host']} is not "
                                            "available.")
    if instance.get("requested_node"):
        hosts &= {instance["requested_node"]}  # a node is its agent's host here
    group = server_group.policy_of(db, instance["uuid"]) if grouped else None
    if group is None:
        return HostChoice(hosts)
    used = member_hosts(db, group["members"])
    policy = group["policy"]
    if policy == "affinity" and used:
        hosts &= set(used)
    elif policy == "anti-affinity":
        most = int((group.get("rules") or {}).get("max_server_per_host", 1))
        hosts -= {host for host, count in used.items() if count >= most}
    elif policy == "soft-affinity":
        return HostChoice(hosts, order=lambda host: -used[host])
    elif policy == "soft-anti-affinity":
        return HostChoice(hosts, order=lambda host: used[host])
    reason = "" if hosts else (f"No host is left that keeps server group "
                               f"{group['uuid']}'s {policy} policy.")
    return HostChoice(hosts, reason=reason)


def group_lock_name(db, instance_uuid: str) -> str | None:
    """The lock that serialises the scheduling of a group's members (None: the
    server is in no group)."""
    groups = server_group.groups_of(db, instance_uuid)
    return f"compute-server-group-{groups[0]}" if groups else None
