"""The server body, as upstream shapes it at each microversion.

Three shapes: ``list`` (GET /servers/detail), ``show`` (GET /servers/{id}) and
``update`` (the PUT answer: before 2.75 it leaves out the extended attributes,
status and usage fields; from 2.75 it is the show body).
"""

from __future__ import annotations

import hashlib

import flask

from sovra_compute import network_api
from sovra_compute.api import views
from sovra_compute.api.policies import flavor as flavor_policies
from sovra_compute.api.policies import server as policies
from sovra_compute.metadata import content
from sovra_compute.service import aggregate, compute_service, config_drive, server_group
from sovra_compute.service import instance as instance_service
from sovra_compute.service.availability_zone import DEFAULT_ZONE


def host_id(project_id: str, host: str | None) -> str:
    """Upstream's obfuscated host id: the same host looks different per project."""
    if not host:
        return ""
    return hashlib.sha224((project_id + host).encode()).hexdigest()


def instance_name(instance) -> str:
    return f"instance-{instance['uuid'][:8]}"


def host_status(req, instance) -> str:
    """2.16's ``host_status`` of the server's host: UP, MAINTENANCE (disabled),
    DOWN (heartbeat gone, or forced down), UNKNOWN, or "" (no host)."""
    host = instance["host"]
    if not host:
        return ""
    if "host_service" in instance:  # read with the instance (server_show)
        services = [instance["host_service"]] if instance["host_service"] else []
    else:
        services = compute_service.list_(req.state.extras["db"], host=host,
                                         binary=compute_service.AGENT_BINARY)
    if services and services[0]["forced_down"]:
        return "DOWN"
    if not req.state.extras["coordinator"].is_alive(compute_service.AGENTS_GROUP, host):
        return "UNKNOWN" if not services else "DOWN"
    if services and services[0]["disabled"]:
        return "MAINTENANCE"
    return "UP"


def _flavor(req, instance) -> dict:
    flavor = instance["flavor"]
    if not req.microversion.matches("2.47"):
        return {"id": flavor["flavorid"], "links": [{
            "rel": "bookmark",
            "href": f"{views.base_url()}/flavors/{flavor['flavorid']}"}]}
    shown = {"vcpus": flavor["vcpus"], "ram": flavor["memory_mb"],
             "disk": flavor["root_gb"], "ephemeral": flavor["ephemeral_gb"],
             "swap": flavor["swap"], "original_name": flavor["name"]}
    if views.may(req, flavor_policies.EXTRA_SPECS_SHOW, {"project_id": instance["project_id"]}):
        shown["extra_specs"] = dict(flavor.get("extra_specs") or {})
    return shown


def _image(req, instance):
    if not instance["image_ref"]:
        return ""
    shown = {"id": instance["image_ref"], "links": [{
        "rel": "bookmark",
        "href": f"{views.base_url()}/images/{instance['image_ref']}"}]}
    if req.microversion.matches("2.98"):
        shown["properties"] = dict(instance["image_properties"])
    return shown


def view(req, instance, *, detail=True, kind="show") -> dict:
    """The server body at the request's microversion; ``kind``: list, show, update."""
    shown = {"id": instance["uuid"], "name": instance["name"],
             "links": views.links("servers", instance["uuid"])}
    if not detail:
        return shown
    mv = req.microversion
    target = {"project_id": instance["project_id"]}
    full = kind != "update" or mv.matches("2.75")
    status = instance_service.status(instance)
    shown.update({
        "status": status,
        "tenant_id": instance["project_id"], "user_id": instance["user_id"],
        "metadata": instance["metadata"],
        "hostId": host_id(instance["project_id"], instance["host"]),
        "image": _image(req, instance),
        "flavor": _flavor(req, instance),
        "created": views.isotime(instance["created_at"]),
        "updated": views.isotime(instance["updated_at"] or instance["created_at"]),
        "addresses": network_api.addresses(instance.get("network_info")),
        "accessIPv4": "", "accessIPv6": "",
        "OS-DCF:diskConfig": "MANUAL",
        "progress": 100 if status == "ACTIVE" else 0,
    })
    admin = views.may(req, policies.SHOW_HOST_ATTRS, target)
    if full:
        shown.update(_full_fields(req, instance, admin))
    if instance["fault"] and status in ("ERROR", "DELETED"):
        fault = dict(instance["fault"])
        fault.pop("host", None)
        if fault["code"] == 500 and not admin:
            fault.pop("details", None)
        shown["fault"] = fault
    if mv.matches("2.9"):
        shown["locked"] = instance["locked"]
    if full and mv.matches("2.16") and views.may(req, policies.SHOW_HOST_STATUS, target):
        shown["host_status"] = host_status(req, instance)
    if mv.matches("2.19"):
        shown["description"] = instance["description"]
    if mv.matches("2.26"):
        shown["tags"] = list(instance["tags"])
    if mv.matches("2.63"):
        shown["trusted_image_certificates"] = None
    if mv.matches("2.71") and kind != "list":
        shown["server_groups"] = (  # read with the instance (server_show), or now
            instance["server_groups"] if "server_groups" in instance else
            server_group.groups_of(req.state.extras["db"], instance["uuid"]))
    if mv.matches("2.73"):
        shown["locked_reason"] = instance["locked_reason"]
    if full and mv.matches("2.90") and not admin:  # the hostname is no secret now
        shown["OS-EXT-SRV-ATTR:hostname"] = content.guest_hostname(instance)
    if mv.matches("2.96"):
        shown["pinned_availability_zone"] = instance.get("requested_zone")
    if mv.matches("2.100"):
        shown["OS-SCH-HNT:scheduler_hints"] = dict(instance["scheduler_hints"])
    return shown


def _volumes(req, instance) -> list[dict]:
    """The server's volumes (delete_on_termination from 2.3)."""
    shown = []
    for bdm in instance.get("block_devices") or ():
        if not bdm["volume_id"]:
            continue  # still being made at boot
        volume = {"id": bdm["volume_id"]}
        if req.microversion.matches("2.3"):
            volume["delete_on_termination"] = bdm["delete_on_termination"]
        shown.append(volume)
    return shown


def _zone(req, instance) -> str:
    """The server's zone: the one it asked for, else its host's (host aggregates:
    read once a request), else the default one."""
    if instance["availability_zone"]:
        return instance["availability_zone"]
    if not instance["host"]:
        return DEFAULT_ZONE
    if "host_zone" in instance:  # read with the instance (server_show)
        return instance["host_zone"] or DEFAULT_ZONE
    if "host_zones" not in flask.g:
        flask.g.host_zones = aggregate.host_zones(req.state.extras["db"])
    return flask.g.host_zones.get(instance["host"], DEFAULT_ZONE)


def _full_fields(req, instance, admin) -> dict:
    """What the update answer lacks before 2.75: zone, config drive, key, usage,
    task / vm / power state, volumes, and the admins' OS-EXT-SRV-ATTR fields."""
    fields = {
        "OS-EXT-AZ:availability_zone": _zone(req, instance),
        "config_drive": config_drive.shown(instance), "key_name": instance["key_name"],
        "OS-SRV-USG:launched_at": views.isotime(instance["launched_at"]),
        "OS-SRV-USG:terminated_at": views.isotime(instance["terminated_at"]),
        "OS-EXT-STS:task_state": instance["task_state"],
        "OS-EXT-STS:vm_state": instance["vm_state"],
        "OS-EXT-STS:power_state": instance["power_state"],
        "os-extended-volumes:volumes_attached": _volumes(req, instance),
    }
    if admin:
        fields.update({"OS-EXT-SRV-ATTR:host": instance["host"],
                       "OS-EXT-SRV-ATTR:hypervisor_hostname": instance["node"],
                       "OS-EXT-SRV-ATTR:instance_name": instance_name(instance)})
        if req.microversion.matches("2.3"):
            fields.update({
                "OS-EXT-SRV-ATTR:reservation_id": instance["reservation_id"],
                "OS-EXT-SRV-ATTR:launch_index": instance["launch_index"],
                "OS-EXT-SRV-ATTR:hostname": content.guest_hostname(instance),
                "OS-EXT-SRV-ATTR:kernel_id": "",
                "OS-EXT-SRV-ATTR:ramdisk_id": "",
                "OS-EXT-SRV-ATTR:root_device_name": "/dev/vda",
                "OS-EXT-SRV-ATTR:user_data": instance["user_data"]})
    return fields
