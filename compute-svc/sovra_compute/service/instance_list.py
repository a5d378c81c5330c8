"""Listing instances with the filters and sort keys of the server list API.
Knows no HTTP: the API decides which filters a caller may use.

Filters (``Filters``): exact matches, regular-expression matches (searched, as
upstream's database REGEXP), time windows on the last update, tags, lock state and
deleted rows. Time windows include deleted instances unless ``deleted`` says
otherwise, as upstream does: a poller asking "what changed since" must see deletes.
"""

from __future__ import annotations

import dataclasses
import datetime
import re

from sqlalchemy import func, select

from sovra_common import exception
from sovra_common.db import Database
from sovra_compute.db import models
from sovra_compute.metadata import content
from sovra_compute.service import config_drive
from sovra_compute.service import instance as instance_service

#: every status the API knows (2.38: any other is refused)
STATUSES = ("ACTIVE", "BUILD", "DELETED", "ERROR", "HARD_REBOOT", "MIGRATING",
            "PASSWORD", "PAUSED", "REBOOT", "REBUILD", "RESCUE", "RESIZE",
            "REVERT_RESIZE", "SHELVED", "SHELVED_OFFLOADED", "SHUTOFF", "SOFT_DELETED",
            "SUSPENDED", "UNKNOWN", "VERIFY_RESIZE")


def _isotime(value):
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value is not None else None


#: filter name -> the instance's value it matches (exactly)
EXACT = {
    "uuid": lambda i: i["uuid"], "user_id": lambda i: i["user_id"],
    "image": lambda i: i["image_ref"], "image_ref": lambda i: i["image_ref"],
    "flavor": lambda i: i["flavor"]["flavorid"], "host": lambda i: i["host"],
    "vm_state": lambda i: i["vm_state"], "task_state": lambda i: i["task_state"],
}

def _fixed_ips(instance, version: int) -> list[str]:
    """The server's fixed addresses of IP ``version`` (its VIFs')."""
    return [ip["ip_address"] for vif in instance.get("network_info") or ()
            for ip in vif["fixed_ips"] if ip["version"] == version]


#: filter name -> the instance's value it searches with a regular expression
REGEX = {
    "name": lambda i: i["name"], "display_name": lambda i: i["name"],
    "description": lambda i: i["description"],
    "display_description": lambda i: i["description"],
    "key_name": lambda i: i["key_name"], "node": lambda i: i["node"],
    "hostname": content.guest_hostname, "reservation_id": lambda i: i["reservation_id"],
    "availability_zone": lambda i: i["availability_zone"] or "nova",
    "power_state": lambda i: i["power_state"],
    "launch_index": lambda i: i["launch_index"],
    "created_at": lambda i: _isotime(i["created_at"]),
    "launched_at": lambda i: _isotime(i["launched_at"]),
    "terminated_at": lambda i: _isotime(i["terminated_at"]),
    "progress": lambda i: 100 if instance_service.status(i) == "ACTIVE" else 0,
    "auto_disk_config": lambda i: False,
    "config_drive": config_drive.shown,
    # Sovra's servers have no kernel, ramdisk, root device name or access IPs, and
    # it does not record who locked one: these match what such a server would
    # match upstream (the empty value, or nothing).
    "kernel_id": lambda i: "", "ramdisk_id": lambda i: "",
    "root_device_name": lambda i: None,
    "access_ip_v4": lambda i: "", "access_ip_v6": lambda i: "",
    "ip": lambda i: _fixed_ips(i, 4), "ip6": lambda i: _fixed_ips(i, 6),
    "locked_by": lambda i: None,
}

#: sort key -> the instance's value (None sorts first ascending, as NULLs in SQL)
SORT_KEYS = {
    "created_at": lambda i: i["created_at"], "updated_at": lambda i: i["updated_at"],
    "launched_at": lambda i: i["launched_at"],
    "terminated_at": lambda i: i["terminated_at"], "uuid": lambda i: i["uuid"],
    "display_name": lambda i: i["name"], "display_description": lambda i: i["description"],
    "host": lambda i: i["host"], "node": lambda i: i["node"],
    "hostname": content.guest_hostname, "image_ref": lambda i: i["image_ref"],
    "key_name": lambda i: i["key_name"], "project_id": lambda i: i["project_id"],
    "user_id": lambda i: i["user_id"], "vm_state": lambda i: i["vm_state"],
    "task_state": lambda i: i["task_state"], "power_state": lambda i: i["power_state"],
    "availability_zone": lambda i: i["availability_zone"],
    "locked": lambda i: i["locked"], "instance_type_id": lambda i: i["flavor"]["flavorid"],
    "config_drive": config_drive.shown,
}


@dataclasses.dataclass
class Filters:
    """What a list asks for; empty fields filter nothing."""

    exact: dict = dataclasses.field(default_factory=dict)
    regex: dict = dataclasses.field(default_factory=dict)
    status: str | None = None
    changes_since: datetime.datetime | None = None
    changes_before: datetime.datetime | None = None
    tags: list = dataclasses.field(default_factory=list)
    tags_any: list = dataclasses.field(default_factory=list)
    not_tags: list = dataclasses.field(default_factory=list)
    not_tags_any: list = dataclasses.field(default_factory=list)
    locked: bool | None = None
    #: None: only live instances, unless a time window is given (then both)
    deleted: bool | None = None


def parse_time(value: str, name: str) -> datetime.datetime:
    """An ISO 8601 time (naive means UTC); Invalid names the filter otherwise."""
    try:
        parsed = datetime.datetime.fromisoformat(value.strip().replace(" ", "+"))
    except ValueError:
        raise exception.Invalid(f"Invalid filter field: {name}: {value!r} is not an "
                                "ISO 8601 time.") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.UTC)
    return parsed


def _search(pattern: str, value) -> bool:
    """Whether ``pattern`` is found in ``value`` (in one of them: a list)."""
    if value is None:
        return False
    if isinstance(value, list):
        return any(_search(pattern, v) for v in value)
    try:
        return re.search(pattern, str(value)) is not None
    except re.error:  # not a valid expression: match it as plain text
        return pattern in str(value)


def _tags_match(instance, filters: Filters) -> bool:
    tags = set(instance["tags"])
    if filters.tags and not set(filters.tags) <= tags:
        return False
    if filters.tags_any and not set(filters.tags_any) & tags:
        return False
    if filters.not_tags and set(filters.not_tags) <= tags:
        return False
    return not (filters.not_tags_any and set(filters.not_tags_any) & tags)


def _matches(instance, filters: Filters) -> bool:
    for name, wanted in filters.exact.items():
        if EXACT[name](instance) != wanted:
            return False
    for name, pattern in filters.regex.items():
        if not _search(pattern, REGEX[name](instance)):
            return False
    if filters.status and instance_service.status(instance) != filters.status.upper():
        return False
    if filters.locked is not None and instance["locked"] != filters.locked:
        return False
    return _tags_match(instance, filters)


def _sorted(rows, sort):
    """``sort``: [(key, "asc"|"desc")], most significant first; uuid breaks ties."""
    keys = [(k, d) for k, d in sort if k in SORT_KEYS] or [("created_at", "desc")]
    if "uuid" not in (k for k, _ in keys):
        keys.append(("uuid", keys[0][1]))
    for key, direction in reversed(keys):  # stable sorts, least significant first
        get = SORT_KEYS[key]
        rows.sort(key=lambda r, get=get: (get(r) is not None, get(r)),
                  reverse=direction == "desc")
    return rows


def list_(db: Database, *, project_id=None, filters: Filters | None = None, sort=(),
          limit=None, marker=None) -> list[dict]:
    """Instances of ``project_id`` (None: every project) matching ``filters``,
    sorted (default newest first), then the page after ``marker`` (an instance
    uuid; Invalid if it is not in the list)."""
    filters = filters or Filters()
    deleted = filters.deleted
    updated = func.coalesce(models.Instance.updated_at, models.Instance.created_at)
    with db.reader() as session:
        query = select(models.Instance)
        if deleted is None and filters.changes_since is None \
                and filters.changes_before is None:
            deleted = False
        if deleted is not None:
            query = query.where(models.Instance.deleted.is_(deleted))
        if project_id is not None:
            query = query.where(models.Instance.project_id == project_id)
        if filters.exact.get("host"):
            query = query.where(models.Instance.host == filters.exact["host"])
        if filters.changes_since is not None:
            query = query.where(updated >= filters.changes_since)
        if filters.changes_before is not None:
            query = query.where(updated <= filters.changes_before)
        rows = [instance_service.as_dict(r) for r in session.scalars(query)]
    rows = _sorted([r for r in rows if _matches(r, filters)], list(sort))
    if marker is not None:
        index = next((i for i, r in enumerate(rows) if r["uuid"] == marker), None)
        if index is None:
            raise exception.Invalid(f"marker [{marker}] not found")
        rows = rows[index + 1:]
    return rows[:limit] if limit is not None else rows
