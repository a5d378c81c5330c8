"""Servers: create, list, show, update, delete (actions are in server_action.py,
the body in ../server_view.py)."""

from __future__ import annotations

import base64
import binascii
import secrets

from sovra_common import exception
from sovra_common.wsgi.routes import json_response
from sovra_compute.api import server_network, server_view, server_volume, views
from sovra_compute.api.policies import server as policies
from sovra_compute.api.schemas import server as schemas
from sovra_compute.service import (
    availability_zone,
    compute_service,
    config_drive,
    instance_list,
    quota,
    server_group,
    server_show,
)
from sovra_compute.service import flavor as flavor_service
from sovra_compute.service import instance as instance_service
from sovra_compute.service import keypair as keypair_service

_TRUE = ("1", "true", "t", "yes", "y", "on")
_MAX_LIMIT = 1000  # upstream's [api] max_limit default: no page is longer

#: filters any caller may use, by the version that brought them;
#: without the all-filters policy the others are dropped, as upstream does
_USER_FILTERS = (
    ("2.1", ("name", "status", "image", "flavor", "ip", "reservation_id",
             "changes-since", "all_tenants")),
    ("2.5", ("ip6",)),
    ("2.26", ("tags", "tags-any", "not-tags", "not-tags-any")),
    ("2.66", ("changes-before",)),
    ("2.73", ("locked",)),
    ("2.83", ("availability_zone", "config_drive", "key_name", "created_at",
              "launched_at", "terminated_at", "power_state", "task_state", "vm_state",
              "progress", "user_id")),
)
_NOT_FILTERS = ("limit", "marker", "sort_key", "sort_dir", "all_tenants", "project_id",
                "tenant_id", "status", "deleted", "changes-since", "changes-before",
                "tags", "tags-any", "not-tags", "not-tags-any", "locked",
                "soft_deleted")


def _extras(req):
    return req.state.extras


def _db(req):
    return req.state.extras["db"]


view = server_view.view


def load(req, server_id, rule, *, get=instance_service.get):
    """The instance (read by ``get``), after checking ``rule`` against its project.
    Another project's server is a 404, as upstream: its existence is not disclosed."""
    instance = get(_db(req), server_id)
    try:
        req.authorize(rule, {"project_id": instance["project_id"]})
    except exception.Forbidden:
        if instance["project_id"] != req.context.project_id:
            raise instance_service.InstanceNotFound(uuid=server_id) from None
        raise
    return instance


def _tag_list(value: str) -> list[str]:
    return [t for t in (v.strip() for v in value.split(",")) if t]


def _allowed_filters(req, query, admin) -> dict:
    if admin:
        return dict(query)
    allowed = {name for first, names in _USER_FILTERS
               if req.microversion.matches(first) for name in names}
    return {k: v for k, v in query.items()
            if k in allowed or k in ("limit", "marker", "sort_key", "sort_dir")}


def _filters(req, query, admin) -> instance_list.Filters:
    mv = req.microversion
    bad = [k for k in schemas.JOINED_TABLE_FILTERS if k in query]
    if bad:
        raise exception.Invalid(f"Invalid filter field: {bad[0]}.")
    query = _allowed_filters(req, query, admin)
    filters = instance_list.Filters()
    status = query.get("status")
    if status is not None:
        if mv.matches("2.38") and status.upper() not in instance_list.STATUSES:
            raise exception.Invalid(f"Invalid status value: {status}")
        if status.upper() == "DELETED":
            if not admin:
                raise exception.Forbidden("Only administrators may list deleted "
                                          "instances")
            filters.deleted = True
        filters.status = status
    if admin and "deleted" in query:
        filters.deleted = query["deleted"].lower() in _TRUE
    since = query.get("changes-since")
    if since:
        filters.changes_since = instance_list.parse_time(since[-1], "changes-since")
    before = query.get("changes-before") if mv.matches("2.66") else None
    if before:
        filters.changes_before = instance_list.parse_time(before[-1], "changes-before")
        if filters.changes_since and filters.changes_before < filters.changes_since:
            raise exception.Invalid("The value of changes-since must be less than or "
                                    "equal to changes-before.")
    if mv.matches("2.26"):
        filters.tags = _tag_list(query.get("tags", ""))
        filters.tags_any = _tag_list(query.get("tags-any", ""))
        filters.not_tags = _tag_list(query.get("not-tags", ""))
        filters.not_tags_any = _tag_list(query.get("not-tags-any", ""))
    if mv.matches("2.73") and "locked" in query:
        filters.locked = views.bool_param(query["locked"], "locked")
    for key, value in query.items():
        if key in _NOT_FILTERS:
            continue
        if key in instance_list.EXACT:
            filters.exact[key] = value
        elif key in instance_list.REGEX:
            filters.regex[key] = value
    return filters


def _sort(req, query) -> list[tuple[str, str]]:
    keys = list(query.get("sort_key") or [])
    dirs = list(query.get("sort_dir") or [])
    for direction in dirs:
        if direction not in ("asc", "desc"):
            raise exception.Invalid("Unknown sort direction, must be 'desc' or 'asc'")
    dirs += [dirs[0] if dirs else "desc"] * (len(keys) - len(dirs))
    mv = req.microversion
    ignored = [k for k in schemas.IGNORED_SORT_KEYS
               if not (k == "locked" and mv.matches("2.73"))]
    return [(k, d) for k, d in zip(keys, dirs, strict=False) if k not in ignored]


def _list(req, detail):
    query = req.query(schemas.list_query(req.microversion))
    req.authorize(policies.LIST, {"project_id": req.context.project_id})
    project_id = req.context.project_id
    if "all_tenants" in query and (query["all_tenants"] == ""
                                   or views.bool_param(query["all_tenants"], "all_tenants")):
        req.authorize(policies.LIST_ALL, {"project_id": req.context.project_id})
        project_id = query.get("project_id") or query.get("tenant_id")
    admin = views.may(req, policies.ALL_FILTERS, {"project_id": req.context.project_id})
    filters = _filters(req, query, admin)
    limit = min(int(query["limit"]), _MAX_LIMIT) if "limit" in query else None
    instances = instance_list.list_(_db(req), project_id=project_id, filters=filters,
                                    sort=_sort(req, query),
                                    limit=limit if limit is not None else _MAX_LIMIT,
                                    marker=query.get("marker"))
    body = {"servers": [view(req, i, detail=detail, kind="list") for i in instances]}
    next_links = views.pagination_links("servers/detail" if detail else "servers",
                                        body["servers"], limit or _MAX_LIMIT)
    if next_links:
        body["servers_links"] = next_links
    return json_response(body)


def list_servers(req):
    return _list(req, detail=False)


def list_servers_detail(req):
    return _list(req, detail=True)


def show_server(req, server_id):
    instance = load(req, server_id, policies.SHOW, get=server_show.get)
    return json_response({"server": view(req, instance)})


def _flavor_id(ref: str) -> str:
    return ref.rstrip("/").rsplit("/", 1)[-1]


#: image properties a server keeps from its image (2.98 shows them): the guest's
#: hardware, image handling and OS ones, not the Image service's own bookkeeping
_IMAGE_PROPERTY_PREFIXES = ("hw_", "img_", "os_")
_IMAGE_SERVICE_PROPERTIES = ("os_hash_algo", "os_hash_value", "os_hidden")


def kept_image_properties(image: dict) -> dict:
    """What a server built (or rebuilt) from ``image`` keeps of its properties."""
    return {k: v for k, v in image.items()
            if k.startswith(_IMAGE_PROPERTY_PREFIXES)
            and k not in _IMAGE_SERVICE_PROPERTIES and not k.startswith("os_glance")}


def active_image(req, image_ref: str) -> dict:
    """The image ``image_ref`` (an id or a link) names, as the caller sees it;
    Invalid (400) if there is none or it is not active."""
    image_id = image_ref.rstrip("/").rsplit("/", 1)[-1]
    try:
        image = req.state.extras["images"](req.context).get_image(image_id)
    except exception.NotFound:
        raise exception.Invalid(f"Image {image_id} could not be found.") from None
    if image.get("status") != "active":
        raise exception.Invalid(f"Image {image_id} is not active.")
    return image


def _image_id(image_ref: str | None) -> str | None:
    return image_ref.rstrip("/").rsplit("/", 1)[-1] if image_ref else None


def _server_volumes(req, body) -> tuple[str | None, list]:
    """(the image of a local root disk or None, the volume mappings to make)."""
    parsed = server_volume.parse(body.get("block_device_mapping_v2") or [],
                                 req.microversion)
    image_id = _image_id(body.get("imageRef"))
    if parsed.local_image:
        if image_id and parsed.local_image != image_id:
            raise exception.Invalid("Block Device Mapping is Invalid: the boot image "
                                    "is not the server's imageRef.")
        image_id = parsed.local_image
    if parsed.volume_backed:
        return None, parsed.volumes
    if not image_id:
        raise exception.Invalid("imageRef is required unless the server boots from a "
                                "volume (a block_device_mapping_v2 entry with "
                                "boot_index 0 and destination_type volume).")
    return image_id, parsed.volumes


def _check_device_tags(req, body) -> None:
    """A block device "tag" is valid at 2.32 only and from 2.42 (network tags are
    in the schema): upstream lost it between, and kept the loss at those versions."""
    mv = req.microversion
    if mv.matches("2.42") or mv.matches("2.32", "2.32"):
        return
    if any("tag" in bdm for bdm in body.get("block_device_mapping_v2") or []):
        raise exception.ValidationError("Invalid input for field/attribute "
                                        "block_device_mapping_v2: Additional "
                                        "properties are not allowed ('tag' was "
                                        "unexpected)")


def _unsupported(req, body) -> None:
    if body.get("personality"):
        raise exception.Invalid("Personality files are not supported: Sovra injects "
                                "no files into guests (pass user_data instead).")
    if body.get("trusted_image_certificates"):
        raise exception.Invalid("Image signature certificate validation is not "
                                "supported: trusted_image_certificates cannot be "
                                "honoured.")


def _destination(req, body) -> tuple[str | None, str | None, str | None]:
    """(zone, host, node) the server asks for: from the ``zone:host:node`` form of
    availability_zone (forced-host policy) or, from 2.74, host and
    hypervisor_hostname (requested-destination policy). Hosts and nodes must be
    compute agents' (a node is its agent's host in Sovra)."""
    target = {"project_id": req.context.project_id}
    zone, host, node = body.get("availability_zone"), None, None
    if zone and ":" in zone:
        zone, _, rest = zone.partition(":")
        host, _, node = rest.partition(":")
        zone, host, node = zone or None, host or None, node or None
        if body.get("host") or body.get("hypervisor_hostname"):
            raise exception.Invalid("The availability_zone 'zone:host:node' form and "
                                    "host / hypervisor_hostname are mutually "
                                    "exclusive.")
        if host or node:
            req.authorize(policies.CREATE_FORCED_HOST, target)
    elif body.get("host") or body.get("hypervisor_hostname"):
        req.authorize(policies.CREATE_REQUESTED_DESTINATION, target)
        host, node = body.get("host"), body.get("hypervisor_hostname")
    availability_zone.check(zone, _db(req))
    if not host and not node:
        return zone, host, node
    live = _extras(req)["coordinator"].members(compute_service.AGENTS_GROUP)
    agents = {s["host"] for s in compute_service.sync_agents(_db(req), live)}
    if host and host not in agents:
        raise exception.Invalid(f"Compute host {host} could not be found.")
    if node and (node not in agents or (host and node != host)):
        raise exception.Invalid(f"Compute host node {node} could not be found"
                                + (f" on host {host}." if host else "."))
    return zone, host, node


def _hints(request) -> dict:
    return request.get("os:scheduler_hints") or request.get(
        "OS-SCH-HNT:scheduler_hints") or {}


def _group(req, request) -> dict | None:
    """The server group the ``group`` scheduler hint names (the caller's project's),
    if any; Invalid otherwise."""
    hints = _hints(request)
    if "group" not in hints:
        return None
    try:
        group = server_group.get(_db(req), str(hints["group"]))
    except server_group.ServerGroupNotFound:
        group = None
    if group is None or group["project_id"] != req.context.project_id:
        raise exception.Invalid(f"Invalid server group {hints['group']}.")
    return group


def _counts(body) -> tuple[int, int]:
    """(min_count, max_count) of a create: max_count defaults to min_count, as
    upstream; both at least 1, min_count <= max_count."""
    for key in ("min_count", "max_count"):
        if key in body and int(body[key]) < 1:
            raise exception.ValidationError(
                f"Invalid input for field/attribute {key}. Value: {body[key]}. "
                f"{body[key]!r} is less than the minimum of 1")
    min_count = int(body.get("min_count", 1))
    max_count = int(body.get("max_count", min_count))
    if min_count > max_count:
        raise exception.Invalid("min_count must be <= max_count")
    return min_count, max_count


def _check_multiple(body) -> None:
    """What one request may not give several servers (upstream's 400s): a port,
    a fixed IP, a hostname (2.90), an existing volume."""
    networks = body.get("networks")
    for network in networks if isinstance(networks, list) else ():
        if network.get("port"):
            raise exception.Invalid(
                "Failed to launch instances: Unable to launch multiple instances "
                "with a single configured port ID. Please launch your instance one "
                "by one with different ports.")
        if network.get("fixed_ip"):
            raise exception.Invalid("Failed to launch instances: max_count cannot be "
                                    "greater than 1 if an fixed_ip is specified.")
    if body.get("hostname"):
        raise exception.Invalid("Unable to allocate a single hostname to multiple "
                                "instances.")
    if any(bdm.get("source_type") == "volume"
           for bdm in body.get("block_device_mapping_v2") or ()):
        raise exception.Invalid("Block Device Mapping is Invalid: Cannot attach one "
                                "or more volumes to multiple instances.")


def _return_reservation_id(body) -> bool:
    value = body.get("return_reservation_id", False)
    if isinstance(value, bool):
        return value
    return views.bool_param(value, "return_reservation_id")


def _new_reservation_id() -> str:
    return "r-" + secrets.token_hex(4)


def create_server(req):
    request = req.json_body(schemas.create(req.microversion))
    body = request["server"]
    req.authorize(policies.CREATE, {"project_id": req.context.project_id})
    db = _db(req)
    group = _group(req, request)
    _check_device_tags(req, body)
    _unsupported(req, body)
    zone, host, node = _destination(req, body)
    min_count, max_count = _counts(body)
    answer_reservation = _return_reservation_id(body)
    if max_count > 1:
        _check_multiple(body)
    image_ref, volumes = _server_volumes(req, body)
    user_data = body.get("user_data")
    if user_data is not None:
        try:
            base64.b64decode(user_data, validate=True)
        except (binascii.Error, ValueError):
            raise exception.Invalid("User data needs to be valid base 64.") from None
    try:
        flavor = flavor_service.get(db, _flavor_id(body["flavorRef"]),
                                    context=req.context)
    except flavor_service.FlavorNotFound:
        raise exception.Invalid(
            f"Flavor {body['flavorRef']} could not be found.") from None
    if flavor["disabled"]:
        raise exception.Invalid(f"Flavor {flavor['flavorid']} is disabled.")
    key_data = None
    if body.get("key_name"):
        try:
            key_data = keypair_service.get(db, req.context.user_id,
                                           body["key_name"])["public_key"]
        except keypair_service.KeypairNotFound:
            raise exception.Invalid(
                f"Invalid key_name provided: {body['key_name']}.") from None
    image_properties, image = {}, None
    if image_ref:
        image = active_image(req, image_ref)
        image_properties = kept_image_properties(image)
    boot_image = server_volume.boot_image(volumes)
    if boot_image:
        image_properties = kept_image_properties(active_image(req, boot_image))
    server_volume.check(req, volumes)
    requested_networks = server_network.parse(req, body)
    conf = req.state.conf
    with_config_drive = config_drive.wanted(
        config_drive.parse(body.get("config_drive", False)),
        force=conf.compute.force_config_drive, requested_networks=requested_networks)
    metadata = body.get("metadata") or {}
    allowed = quota.limits(db, conf, req.context.project_id)
    max_items = allowed["metadata_items"]
    if 0 <= max_items < len(metadata):
        raise quota.QuotaExceeded(names="metadata_items", requested=len(metadata),
                                  used=0, allowed=max_items)

    reservation_id = _new_reservation_id()

    def create(count):
        # several servers: "<name>-<n>", n from 1, as upstream names them
        return [create_one(f"{body['name']}-{index + 1}" if count > 1 else body["name"],
                           index) for index in range(count)]

    def create_one(name, index):
        return instance_service.create(
            db, req.context, name=name, flavor=flavor, image_ref=image_ref,
            reservation_id=reservation_id, launch_index=index,
            key_name=body.get("key_name"), key_data=key_data, metadata=metadata,
            user_data=user_data,
            description=(body.get("description")
                         if req.microversion.matches("2.19") else None),
            availability_zone=zone, tags=body.get("tags") or (),
            requested_host=host, requested_node=node, hostname=body.get("hostname"),
            image_properties=image_properties, scheduler_hints=_hints(request),
            requested_networks=requested_networks, config_drive=with_config_drive)

    def discard(instances):
        for instance in instances:
            instance_service.discard(db, instance["uuid"])

    # servers: counted, claimed (the row), recounted: never over quota, even if
    # the lock were lost (its TTL); the project's lock is still held, as it
    # admits a project's creates one at a time: measured in lite mode, creates
    # let in all at once flooded the one process (3.1 against 4.8 cycles/s)
    with quota.locked(_extras(req)["coordinator"], req.context.project_id):
        if group is not None:
            # at least min_count more members fit the group, at most its room
            max_members = allowed["server_group_members"]
            server_group.check_room(db, group["uuid"], max_members, min_count)
            if max_members >= 0:
                room = max_members - len(server_group.get(db, group["uuid"])["members"])
                max_count = min(max_count, room)
        instances = quota.create_servers(db, conf, req.context.project_id, flavor,
                                         create, discard, min_count=min_count,
                                         max_count=max_count, allowed=allowed)
        if group is not None:
            for instance in instances:
                server_group.add_member(db, group["uuid"], instance["uuid"])
    # each server is recorded, then built (its own scheduling and allocation);
    # the image read above goes with it, to its agent (not read again there)
    for instance in instances:
        server_volume.record(req, instance, volumes)
        req.state.extras["conductor"].build_instance(req.context, instance["uuid"],
                                                     image=image)
    if answer_reservation:
        return json_response({"reservation_id": reservation_id}, status=202)
    instance = instances[0]  # a multi-create without it answers with the first
    shown = {"id": instance["uuid"], "links": views.links("servers", instance["uuid"]),
             "OS-DCF:diskConfig": body.get("OS-DCF:diskConfig", "MANUAL"),
             "security_groups": [{"name": g["name"]} for g in
                                 body.get("security_groups") or [{"name": "default"}]],
             "adminPass": body.get("adminPass") or secrets.token_urlsafe(9)}
    return json_response({"server": shown}, status=202,
                         headers={"Location": shown["links"][0]["href"]})


def update_server(req, server_id):
    body = req.json_body(schemas.update(req.microversion))["server"]
    instance = load(req, server_id, policies.UPDATE)
    changes = {}
    if "name" in body:
        changes["name"] = body["name"]
    if "hostname" in body:  # 2.90
        changes["hostname"] = body["hostname"]
    if "description" in body:
        if not req.microversion.matches("2.19"):
            raise exception.Invalid("description needs microversion 2.19 or later.")
        changes["description"] = body["description"]
    if changes:
        instance = instance_service.update(_db(req), instance["uuid"], **changes)
    return json_response({"server": view(req, instance, kind="update")})


def delete_server(req, server_id):
    instance = load(req, server_id, policies.DELETE)
    if instance["locked"]:
        try:
            req.authorize(policies.LOCKED_OVERRIDE, {"project_id": instance["project_id"]})
        except exception.Forbidden:
            raise instance_service.InstanceLocked(uuid=instance["uuid"]) from None
    instance_service.begin_delete(_db(req), req.context, instance["uuid"])
    req.state.extras["conductor"].delete_instance(req.context, instance["uuid"])
    return json_response(None, status=204)
