"""Servers: create, list, show, delete (actions are in server_action.py)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets

from sovra_common import exception
from sovra_common.wsgi.routes import json_response
from sovra_compute.api import views
from sovra_compute.api.policies import server as policies
from sovra_compute.api.schemas import server as schemas
from sovra_compute.service import compute_service, quota
from sovra_compute.service import flavor as flavor_service
from sovra_compute.service import instance as instance_service
from sovra_compute.service import keypair as keypair_service

_TRUE = ("1", "true", "t", "yes", "y", "on")


def _extras(req):
    return req.state.extras


def _db(req):
    return req.state.extras["db"]


def may(req, rule, target) -> bool:
    """Whether the caller passes ``rule`` (a second check after the handler's own)."""
    try:
        req.authorize(rule, target)
    except exception.Forbidden:
        return False
    return True


def load(req, server_id, rule):
    """The instance, after checking ``rule`` against its project. Another
    project's server is a 404, as upstream: its existence is not disclosed."""
    instance = instance_service.get(_db(req), server_id)
    try:
        req.authorize(rule, {"project_id": instance["project_id"]})
    except exception.Forbidden:
        if instance["project_id"] != req.context.project_id:
            raise instance_service.InstanceNotFound(uuid=server_id) from None
        raise
    return instance


def _host_status(req, instance) -> str:
    host = instance["host"]
    if not host:
        return ""
    services = [s for s in compute_service.list_(_db(req), host=host,
                                                 binary=compute_service.AGENT_BINARY)]
    if services and services[0]["forced_down"]:
        return "DOWN"
    if not _extras(req)["coordinator"].is_alive(compute_service.AGENTS_GROUP, host):
        return "UNKNOWN" if not services else "DOWN"
    if services and services[0]["disabled"]:
        return "MAINTENANCE"
    return "UP"


def view(req, instance, *, detail=True) -> dict:
    """The upstream server body at the request's microversion."""
    shown = {"id": instance["uuid"], "name": instance["name"],
             "links": views.links("servers", instance["uuid"])}
    if not detail:
        return shown
    mv = req.microversion
    target = {"project_id": instance["project_id"]}
    host = instance["host"]
    flavor = instance["flavor"]
    image = ({"id": instance["image_ref"], "links": [{
        "rel": "bookmark", "href": f"{views.base_url()}/images/{instance['image_ref']}"}]}
        if instance["image_ref"] else "")
    status = instance_service.status(instance)
    shown.update({
        "status": status,
        "tenant_id": instance["project_id"], "user_id": instance["user_id"],
        "metadata": instance["metadata"],
        "hostId": (hashlib.sha224((instance["project_id"] + host).encode()).hexdigest()
                   if host else ""),
        "image": image,
        "flavor": {"id": flavor["flavorid"], "links": [{
            "rel": "bookmark",
            "href": f"{views.base_url()}/flavors/{flavor['flavorid']}"}]},
        "created": views.isotime(instance["created_at"]),
        "updated": views.isotime(instance["updated_at"] or instance["created_at"]),
        "addresses": {}, "accessIPv4": "", "accessIPv6": "",
        "OS-DCF:diskConfig": "MANUAL",
        "progress": 100 if status == "ACTIVE" else 0,
        "OS-EXT-AZ:availability_zone": instance["availability_zone"] or "nova",
        "config_drive": "", "key_name": instance["key_name"],
        "OS-SRV-USG:launched_at": views.isotime(instance["launched_at"]),
        "OS-SRV-USG:terminated_at": views.isotime(instance["terminated_at"]),
        "OS-EXT-STS:task_state": instance["task_state"],
        "OS-EXT-STS:vm_state": instance["vm_state"],
        "OS-EXT-STS:power_state": instance["power_state"],
        "os-extended-volumes:volumes_attached": [],
    })
    admin = may(req, policies.SHOW_HOST_ATTRS, target)
    if admin:
        shown.update({"OS-EXT-SRV-ATTR:host": host,
                      "OS-EXT-SRV-ATTR:hypervisor_hostname": instance["node"],
                      "OS-EXT-SRV-ATTR:instance_name": _instance_name(instance)})
        if mv.matches("2.3"):
            shown.update({"OS-EXT-SRV-ATTR:reservation_id": "r-" + instance["uuid"][:8],
                          "OS-EXT-SRV-ATTR:launch_index": 0,
                          "OS-EXT-SRV-ATTR:hostname": _hostname(instance["name"]),
                          "OS-EXT-SRV-ATTR:kernel_id": "",
                          "OS-EXT-SRV-ATTR:ramdisk_id": "",
                          "OS-EXT-SRV-ATTR:root_device_name": None,
                          "OS-EXT-SRV-ATTR:user_data": instance["user_data"]})
    if instance["fault"] and status in ("ERROR", "DELETED"):
        fault = dict(instance["fault"])
        fault.pop("host", None)
        if fault["code"] == 500 and not admin:
            fault.pop("details", None)
        shown["fault"] = fault
    if mv.matches("2.9"):
        shown["locked"] = instance["locked"]
    if mv.matches("2.16") and may(req, policies.SHOW_HOST_STATUS, target):
        shown["host_status"] = _host_status(req, instance)
    if mv.matches("2.19"):
        shown["description"] = instance["description"]
    if mv.matches("2.26"):
        shown["tags"] = []
    return shown


def _instance_name(instance) -> str:
    return f"instance-{instance['uuid'][:8]}"


def _hostname(name: str) -> str:
    cleaned = "".join(c if c.isalnum() or c == "-" else "-" for c in name.lower())
    return cleaned.strip("-")[:63] or "server"


def _list(req, detail):
    query = req.query(schemas.LIST_QUERY)
    req.authorize(policies.LIST, {"project_id": req.context.project_id})
    project_id = req.context.project_id
    if query.get("all_tenants", "").lower() in (*_TRUE, "") and "all_tenants" in query:
        req.authorize(policies.LIST_ALL, {"project_id": req.context.project_id})
        project_id = query.get("project_id") or query.get("tenant_id")
    filters = {k: query[k] for k in ("name", "status", "image", "flavor") if k in query}
    if "host" in query and may(req, policies.SHOW_HOST_ATTRS,
                               {"project_id": req.context.project_id}):
        filters["host"] = query["host"]
    limit = int(query["limit"]) if "limit" in query else None
    instances = instance_service.list_(_db(req), project_id=project_id, filters=filters,
                                       limit=limit, marker=query.get("marker"))
    body = {"servers": [view(req, i, detail=detail) for i in instances]}
    next_links = views.pagination_links("servers/detail" if detail else "servers",
                                        body["servers"], limit)
    if next_links:
        body["servers_links"] = next_links
    return json_response(body)


def list_servers(req):
    return _list(req, detail=False)


def list_servers_detail(req):
    return _list(req, detail=True)


def show_server(req, server_id):
    instance = load(req, server_id, policies.SHOW)
    return json_response({"server": view(req, instance)})


def _flavor_id(ref: str) -> str:
    return ref.rstrip("/").rsplit("/", 1)[-1]


def _check_image(req, image_ref: str) -> None:
    image_id = image_ref.rstrip("/").rsplit("/", 1)[-1]
    try:
        image = req.state.extras["images"](req.context).get_image(image_id)
    except exception.NotFound:
        raise exception.Invalid(f"Image {image_id} could not be found.") from None
    if image.get("status") != "active":
        raise exception.Invalid(f"Image {image_id} is not active.")


def _image_from_bdms(bdms: list, image_ref: str | None) -> str | None:
    """The image to boot from. Block device mappings are accepted only as the
    image-to-local-disk boot mapping clients send along with imageRef."""
    image_id = image_ref.rstrip("/").rsplit("/", 1)[-1] if image_ref else None
    for bdm in bdms:
        local_image = (bdm.get("source_type") == "image"
                       and bdm.get("destination_type", "local") == "local"
                       and str(bdm.get("boot_index", "0")) == "0")
        if not local_image or (image_id and bdm.get("uuid") != image_id):
            raise exception.Invalid("Only the image-to-local-disk boot mapping is "
                                    "supported: volumes are not supported yet.")
        image_id = bdm.get("uuid")
    return image_id


def create_server(req):
    schema = schemas.CREATE_V2_37 if req.microversion.matches("2.37") else schemas.CREATE
    body = req.json_body(schema)["server"]
    req.authorize(policies.CREATE, {"project_id": req.context.project_id})
    db = _db(req)
    networks = body.get("networks", "auto")
    if not isinstance(networks, str) and networks:
        raise exception.Invalid("Only networks 'auto' and 'none' are supported: "
                                "Sovra's compute does not plug ports yet.")
    if int(body.get("min_count", 1)) != 1 or int(body.get("max_count", 1)) != 1:
        raise exception.Invalid("Only one server per request is supported.")
    image_ref = _image_from_bdms(body.get("block_device_mapping_v2") or [],
                                 body.get("imageRef"))
    if not image_ref:
        raise exception.Invalid("imageRef is required (volume-backed servers are not "
                                "supported yet).")
    user_data = body.get("user_data")
    if user_data is not None:
        try:
            base64.b64decode(user_data, validate=True)
        except (binascii.Error, ValueError):
            raise exception.Invalid("User data needs to be valid base 64.") from None
    try:
        flavor = flavor_service.get(db, _flavor_id(body["flavorRef"]))
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
    _check_image(req, image_ref)
    conf = req.state.conf
    metadata = body.get("metadata") or {}
    max_items = quota.limits(db, conf, req.context.project_id)["metadata_items"]
    if 0 <= max_items < len(metadata):
        raise quota.QuotaExceeded(names="metadata_items", requested=len(metadata),
                                  used=0, allowed=max_items)
    with quota.locked(_extras(req)["coordinator"], req.context.project_id):
        quota.check_servers(db, conf, req.context.project_id, flavor)
        instance = instance_service.create(
            db, req.context, name=body["name"], flavor=flavor, image_ref=image_ref,
            key_name=body.get("key_name"), key_data=key_data, metadata=metadata,
            user_data=user_data,
            description=(body.get("description")
                         if req.microversion.matches("2.19") else None),
            availability_zone=body.get("availability_zone"))
    req.state.extras["conductor"].build_instance(req.context, instance["uuid"])
    shown = {"id": instance["uuid"], "links": views.links("servers", instance["uuid"]),
             "OS-DCF:diskConfig": body.get("OS-DCF:diskConfig", "MANUAL"),
             "security_groups": [{"name": "default"}],
             "adminPass": body.get("adminPass") or secrets.token_urlsafe(9)}
    return json_response({"server": shown}, status=202,
                         headers={"Location": shown["links"][0]["href"]})


def update_server(req, server_id):
    body = req.json_body(schemas.UPDATE)["server"]
    instance = load(req, server_id, policies.UPDATE)
    changes = {}
    if "name" in body:
        changes["name"] = body["name"]
    if "description" in body:
        if not req.microversion.matches("2.19"):
            raise exception.Invalid("description needs microversion 2.19 or later.")
        changes["description"] = body["description"]
    if changes:
        instance = instance_service.update(_db(req), instance["uuid"], **changes)
    return json_response({"server": view(req, instance)})


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
