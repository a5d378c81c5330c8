"""POST /servers/{id}/action: start, stop, reboot, pause, suspend, lock, console
output, createImage, resize, migrate, evacuate, os-resetState, forceDelete and
restore (instance actions are in instance_action.py)."""

from __future__ import annotations

import base64
import binascii
import secrets

from sovra_common import exception
from sovra_common.wsgi import validation
from sovra_common.wsgi.routes import json_response
from sovra_compute.api import server_view, views
from sovra_compute.api.handlers import server as server_handlers
from sovra_compute.api.handlers.server import load
from sovra_compute.api.policies import server as policies
from sovra_compute.api.schemas import server as schemas
from sovra_compute.service import block_device, compute_service, quota
from sovra_compute.service import flavor as flavor_service
from sovra_compute.service import instance as states
from sovra_compute.service import keypair as keypair_service
from sovra_compute.virt import driver as virt


def _db(req):
    return req.state.extras["db"]


def _agents(req):
    return req.state.extras["agents"]


def check_unlocked(req, instance):
    """InstanceLocked (409) for a locked server, unless the caller may override."""
    if instance["locked"]:
        try:
            req.authorize(policies.LOCKED_OVERRIDE,
                          {"project_id": instance["project_id"]})
        except exception.Forbidden:
            raise states.InstanceLocked(uuid=instance["uuid"]) from None


def _begin(req, instance, action, task_state, allowed):
    check_unlocked(req, instance)
    if not instance["host"]:
        raise states.InstanceInvalidState(action=action, uuid=instance["uuid"],
                                          attr="vm_state", state=instance["vm_state"])
    return states.begin_task(_db(req), req.context, instance["uuid"], action, task_state,
                             allowed_vm_states=allowed)


def _start(req, server_id, _arg):
    instance = load(req, server_id, policies.START)
    instance = _begin(req, instance, "start", states.POWERING_ON, (states.STOPPED,))
    _agents(req).start_instance(req.context, instance["host"], states.for_agent(instance))
    return json_response(None, status=202)


def _stop(req, server_id, _arg):
    instance = load(req, server_id, policies.STOP)
    instance = _begin(req, instance, "stop", states.POWERING_OFF,
                      (states.ACTIVE, states.ERROR))
    _agents(req).stop_instance(req.context, instance["host"], states.for_agent(instance))
    return json_response(None, status=202)


def _reboot(req, server_id, arg):
    validation.validate(schemas.REBOOT, arg)
    instance = load(req, server_id, policies.REBOOT)
    reboot_type = arg["type"].upper()
    if reboot_type == "HARD":
        instance = _begin(req, instance, "reboot", states.REBOOTING_HARD,
                          (states.ACTIVE, states.STOPPED, states.ERROR))
    else:
        instance = _begin(req, instance, "reboot", states.REBOOTING, (states.ACTIVE,))
    _agents(req).reboot_instance(req.context, instance["host"],
                                 states.for_agent(instance), reboot_type)
    return json_response(None, status=202)


#: the vm_states in which a server has a guest (and so a console log)
_HAS_GUEST = (states.ACTIVE, states.STOPPED, states.PAUSED, states.SUSPENDED,
              states.RESIZED)


def _console_output(req, server_id, arg):
    arg = {} if arg is None else arg  # null: the whole output, as {}
    validation.validate(schemas.CONSOLE_OUTPUT, arg)
    instance = load(req, server_id, policies.CONSOLE_OUTPUT)
    if instance["vm_state"] not in _HAS_GUEST or not instance["host"]:
        raise states.InstanceInvalidState(action="getConsoleOutput",
                                          uuid=instance["uuid"], attr="vm_state",
                                          state=instance["vm_state"])
    try:
        output = _agents(req).get_console_output(req.context, instance["host"],
                                                 states.for_agent(instance))
    except virt.InstanceNotFound:  # its guest is gone (being deleted, or lost)
        raise exception.NotFound("Guest does not have a console available.") from None
    length = arg.get("length")
    if length is not None and int(length) >= 0:
        output = "\n".join(output.split("\n")[-int(length):]) if int(length) else ""
    return json_response({"output": output})


def _create_image(req, server_id, arg):
    """Snapshot the root disk: the image is made here (queued, owned by the
    caller's project), the agent uploads the disk into it."""
    validation.validate(schemas.CREATE_IMAGE, arg)
    instance = load(req, server_id, policies.CREATE_IMAGE)
    check_unlocked(req, instance)
    if block_device.is_volume_backed(instance):
        raise exception.NotImplementedYet(
            "Snapshots of volume-backed servers are not supported: the root disk is "
            "a volume (snapshot it, or upload it to an image, in block storage).")
    images = req.state.extras["images"](req.context)
    base = {}
    if instance["image_ref"]:
        try:
            base = images.get_image(instance["image_ref"])
        except exception.NotFound:  # the base was deleted since: nothing to inherit
            base = {}
    properties = server_handlers.kept_image_properties(base)
    properties.update(arg.get("metadata") or {})
    properties.update(image_type="snapshot", instance_uuid=instance["uuid"],
                      user_id=req.context.user_id,
                      base_image_ref=instance["image_ref"] or "")
    instance = _begin(req, instance, "createImage", states.IMAGE_SNAPSHOT,
                      (states.ACTIVE, states.STOPPED, states.PAUSED, states.SUSPENDED))
    try:
        image = images.create_image(
            name=arg["name"], disk_format="qcow2", container_format="bare",
            visibility="private",
            min_disk=max(int(base.get("min_disk") or 0), instance["flavor"]["root_gb"]),
            min_ram=int(base.get("min_ram") or 0), **properties)
        _agents(req).snapshot_instance(req.context, instance["host"],
                                       states.for_agent(instance), image["id"])
    except Exception:
        states.update(_db(req), instance["uuid"], task_state=None)
        raise
    if req.microversion.matches("2.45"):
        return json_response({"image_id": image["id"]}, status=202)
    return json_response(None, status=202, headers={
        "Location": f"{views.base_url()}/images/{image['id']}"})


def _rebuild(req, server_id, arg):
    """A fresh root disk from ``imageRef``; name, metadata, description, key pair
    and user data replaced where given. A stopped server stays stopped."""
    mv = req.microversion
    validation.validate(schemas.rebuild(mv), arg)
    instance = load(req, server_id, policies.REBUILD)
    check_unlocked(req, instance)
    if arg.get("personality"):
        raise exception.Invalid("Personality files are not supported: Sovra injects "
                                "no files into guests (pass user_data instead).")
    if arg.get("trusted_image_certificates"):
        raise exception.Invalid("trusted_image_certificates cannot be honoured: image "
                                "signature validation is not supported.")
    if block_device.is_volume_backed(instance):
        raise exception.Invalid("Rebuilding a volume-backed server is not supported: "
                                "its root disk is a volume, which a rebuild would not "
                                "reimage.")
    image = server_handlers.active_image(req, arg["imageRef"])
    image_id = image["id"]
    changes = {"image_ref": image_id,
               "image_properties": server_handlers.kept_image_properties(image)}
    for field in ("name", "metadata", "description", "hostname"):  # hostname: 2.90
        if field in arg:
            changes[field] = arg[field]
    if "key_name" in arg:  # 2.54: a new key pair, or none
        changes["key_name"], changes["key_data"] = arg["key_name"], None
        if arg["key_name"]:
            try:
                changes["key_data"] = keypair_service.get(
                    _db(req), req.context.user_id, arg["key_name"])["public_key"]
            except keypair_service.KeypairNotFound:
                raise exception.Invalid(
                    f"Invalid key_name provided: {arg['key_name']}.") from None
    if "user_data" in arg:  # 2.57
        if arg["user_data"] is not None:
            try:
                base64.b64decode(arg["user_data"], validate=True)
            except (binascii.Error, ValueError):
                raise exception.Invalid("User data needs to be valid base 64.") \
                    from None
        changes["user_data"] = arg["user_data"]
    stopped = instance["vm_state"] == states.STOPPED
    instance = _begin(req, instance, "rebuild", states.REBUILDING,
                      (states.ACTIVE, states.STOPPED, states.ERROR))
    instance = states.update(_db(req), instance["uuid"], **changes)
    _agents(req).rebuild_instance(req.context, instance["host"],
                                  states.for_agent(instance), image_id,
                                  key_data=instance["key_data"],
                                  user_data=instance["user_data"], stopped=stopped)
    return json_response({"server": server_view.view(req, instance, kind="update")},
                         status=202)


def _resize(req, server_id, arg):
    validation.validate(schemas.RESIZE, arg)
    instance = load(req, server_id, policies.RESIZE)
    check_unlocked(req, instance)
    flavor_id = arg["flavorRef"].rstrip("/").rsplit("/", 1)[-1]
    try:
        flavor = flavor_service.get(_db(req), flavor_id, context=req.context)
    except flavor_service.FlavorNotFound:
        raise exception.Invalid(f"Unable to find flavor {flavor_id}.") from None
    old = instance["flavor"]
    if flavor["flavorid"] == old["flavorid"]:
        raise exception.Invalid("When resizing, instances must change flavor!")
    if flavor["disabled"]:
        raise exception.Invalid(f"Flavor {flavor_id} is disabled.")
    if flavor["root_gb"] < old["root_gb"] and \
            not block_device.is_volume_backed(instance):  # no local root disk
        raise exception.Invalid("Resize to a smaller root disk is not possible: "
                                f"{old['root_gb']} GB to {flavor['root_gb']} GB.")
    db, conf = _db(req), req.state.conf
    with quota.locked(req.state.extras["coordinator"], instance["project_id"]):
        quota.check_resize(db, conf, instance["project_id"], old, flavor)
        instance = _begin(req, instance, "resize", states.RESIZE_PREP,
                          (states.ACTIVE, states.STOPPED))
    req.state.extras["conductor"].resize_instance(req.context, instance["uuid"], flavor)
    return json_response(None, status=202)


def _migrate(req, server_id, arg):
    """Cold migration: the conductor chooses another host (2.56: the one asked
    for, which must be a compute host other than the server's)."""
    host = None
    if req.microversion.matches("2.56"):
        validation.validate(schemas.MIGRATE_V2_56, arg)
        host = (arg or {}).get("host")
    else:
        validation.validate(schemas.MIGRATE, arg)
    instance = load(req, server_id, policies.MIGRATE)
    check_unlocked(req, instance)
    if host is not None:
        if host not in compute_service.agent_hosts(_db(req)):
            raise exception.Invalid(f"Compute host {host} could not be found.")
        if host == instance["host"]:
            raise exception.Invalid(f"The target host {host} is the server's own: "
                                    "a migration must change host.")
    instance = _begin(req, instance, "migrate", states.RESIZE_PREP,
                      (states.ACTIVE, states.STOPPED))
    req.state.extras["conductor"].migrate_server(req.context, instance["uuid"],
                                                 host=host)
    return json_response(None, status=202)


class ComputeServiceInUse(exception.Invalid):
    message = "Compute service of %(host)s is still in use."


def _flag(value, name) -> bool:
    return value if isinstance(value, bool) else views.bool_param(value, name)


def _evacuate(req, server_id, arg):
    """Rebuild a server whose host is down on another host (admin): ``host``, or
    one the scheduler chooses (2.29-2.67: ``force`` is accepted; the host asked
    for is checked as without it). The server keeps its ports and volumes; a
    root disk on the dead host is not reached: the new one is made from the
    server's image. The server lands ACTIVE, or SHUTOFF if it was (2.95: always
    SHUTOFF). Before 2.14 ``onSharedStorage`` is required (Sovra's instance
    disks are each node's own: only false) and the answer holds ``adminPass``."""
    microversion = req.microversion
    if microversion.matches("2.68"):
        validation.validate(schemas.EVACUATE_V2_14, arg)
    elif microversion.matches("2.29"):
        validation.validate(schemas.EVACUATE_V2_29, arg)
    elif microversion.matches("2.14"):
        validation.validate(schemas.EVACUATE_V2_14, arg)
    else:
        validation.validate(schemas.EVACUATE, arg)
    password = None
    if not microversion.matches("2.14"):
        if _flag(arg["onSharedStorage"], "onSharedStorage"):
            if "adminPass" in arg:
                raise exception.Invalid("admin password can't be changed on existing "
                                        "disk")
            raise exception.Invalid("Instance disks are not on shared storage here: "
                                    "onSharedStorage must be false.")
        password = arg.get("adminPass") or secrets.token_urlsafe(9)
    if "force" in arg:
        _flag(arg["force"], "force")
    host = arg.get("host")
    db = _db(req)
    if host is not None and host not in compute_service.agent_hosts(db):
        raise exception.NotFound(f"Compute host {host} not found.")
    instance = load(req, server_id, policies.EVACUATE)
    if not instance["host"]:
        raise states.InstanceInvalidState(action="evacuate", uuid=instance["uuid"],
                                          attr="vm_state", state=instance["vm_state"])
    if host == instance["host"]:
        raise exception.Invalid("The target host can't be the same one.")
    if server_view.host_status(req, instance) in ("UP", "MAINTENANCE"):
        raise ComputeServiceInUse(host=instance["host"])
    states.begin_task(db, req.context, instance["uuid"], "evacuate", states.REBUILDING,
                      allowed_vm_states=(states.ACTIVE, states.STOPPED, states.ERROR))
    req.state.extras["conductor"].evacuate_server(
        req.context, instance["uuid"], host=host,
        power_on=False if microversion.matches("2.95") else None)
    if password is not None:
        return json_response({"adminPass": password}, status=200)
    return json_response(None, status=200)


def _resized(req, server_id, rule):
    instance = load(req, server_id, rule)
    check_unlocked(req, instance)
    if instance["vm_state"] != states.RESIZED:
        raise exception.Invalid("Instance has not been resized.")
    return instance


def _confirm_resize(req, server_id, _arg):
    instance = _resized(req, server_id, policies.CONFIRM_RESIZE)
    states.begin_task(_db(req), req.context, instance["uuid"], "confirmResize",
                      states.RESIZE_CONFIRMING, allowed_vm_states=(states.RESIZED,))
    req.state.extras["conductor"].confirm_resize(req.context, instance["uuid"])
    return json_response(None, status=204)


def _revert_resize(req, server_id, _arg):
    instance = _resized(req, server_id, policies.REVERT_RESIZE)
    states.begin_task(_db(req), req.context, instance["uuid"], "revertResize",
                      states.RESIZE_REVERTING, allowed_vm_states=(states.RESIZED,))
    req.state.extras["conductor"].revert_resize(req.context, instance["uuid"])
    return json_response(None, status=202)


def _power_action(action, rule, task_state, allowed, cast):
    def handle(req, server_id, _arg):
        instance = load(req, server_id, rule)
        instance = _begin(req, instance, action, task_state, allowed)
        getattr(_agents(req), cast)(req.context, instance["host"],
                                    states.for_agent(instance))
        return json_response(None, status=202)
    return handle


def _lock(req, server_id, arg):
    reason = None
    if req.microversion.matches("2.73"):  # before, the argument is not looked at
        validation.validate(schemas.LOCK_V2_73, arg)
        reason = (arg or {}).get("locked_reason")
    instance = load(req, server_id, policies.LOCK)
    states.set_locked(_db(req), req.context, instance["uuid"], True, reason)
    return json_response(None, status=202)


def _unlock(req, server_id, _arg):
    instance = load(req, server_id, policies.UNLOCK)
    states.set_locked(_db(req), req.context, instance["uuid"], False)
    return json_response(None, status=202)


def _reset_state(req, server_id, arg):
    """os-resetState (admin): ACTIVE or ERROR, and no task, in the database only;
    for a server stuck in a task after a failure. Not refused by a lock, as
    upstream."""
    validation.validate(schemas.RESET_STATE, arg)
    instance = load(req, server_id, policies.RESET_STATE)
    vm_state = states.ACTIVE if arg["state"] == "active" else states.ERROR
    states.reset_state(_db(req), req.context, instance["uuid"], vm_state)
    return json_response(None, status=202)


class NotSoftDeleted(exception.Conflict):
    message = ("Cannot 'restore' instance %(uuid)s while it is in vm_state "
               "%(state)s: only a soft-deleted server can be restored, and this "
               "cloud deletes servers at once (no reclaim_instance_interval).")


def _force_delete(req, server_id, _arg):
    """forceDelete: Sovra never defers a delete (no soft delete), so this is the
    delete, as upstream's with reclaim_instance_interval off; but, as there, only
    for a server no task is running on."""
    instance = load(req, server_id, policies.FORCE_DELETE)
    check_unlocked(req, instance)
    if instance["task_state"] is not None:
        raise states.InstanceInvalidState(action="forceDelete", uuid=instance["uuid"],
                                          attr="task_state",
                                          state=instance["task_state"])
    states.begin_delete(_db(req), req.context, instance["uuid"])
    req.state.extras["conductor"].delete_instance(req.context, instance["uuid"])
    return json_response(None, status=202)


def _restore(req, server_id, _arg):
    """restore: no server is ever soft-deleted here, so none can be restored (the
    409 upstream answers for a server that is not SOFT_DELETED)."""
    instance = load(req, server_id, policies.RESTORE)
    raise NotSoftDeleted(uuid=instance["uuid"], state=instance["vm_state"])


_ACTIONS = {
    "forceDelete": _force_delete, "restore": _restore,
    "os-start": _start, "os-stop": _stop, "reboot": _reboot,
    "os-getConsoleOutput": _console_output, "lock": _lock, "unlock": _unlock,
    "createImage": _create_image, "rebuild": _rebuild, "resize": _resize,
    "confirmResize": _confirm_resize, "revertResize": _revert_resize,
    "migrate": _migrate, "os-resetState": _reset_state, "evacuate": _evacuate,
    "pause": _power_action("pause", policies.PAUSE, states.PAUSING, (states.ACTIVE,),
                           "pause_instance"),
    "unpause": _power_action("unpause", policies.UNPAUSE, states.UNPAUSING,
                             (states.PAUSED,), "unpause_instance"),
    "suspend": _power_action("suspend", policies.SUSPEND, states.SUSPENDING,
                             (states.ACTIVE,), "suspend_instance"),
    "resume": _power_action("resume", policies.RESUME, states.RESUMING,
                            (states.SUSPENDED,), "resume_instance"),
}


def server_action(req, server_id):
    body = req.json_body(schemas.ACTION)
    name, arg = next(iter(body.items()))
    handler = _ACTIONS.get(name)
    if handler is None:
        req.authorize(policies.SHOW, {"project_id": req.context.project_id})
        raise exception.Invalid(f"There is no such action: {name}")
    return handler(req, server_id, arg)

