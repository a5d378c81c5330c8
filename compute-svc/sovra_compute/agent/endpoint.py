"""The agent's RPC endpoint: runs the virt driver and reports outcomes to the
conductor (the agent has no database).

Each operation is an instance action's step: the agent reports its event
(``compute_<operation>``, upstream's names) to the conductor as it starts and as it
ends, with the result and, on failure, the traceback and the error message. A
build's and a delete's success travel with their outcome (build_done,
instance_destroyed: one transaction for both), and a build's start is recorded by
the conductor as it casts the build (``step_started``).

Volumes (agent/volumes.py) and moves (agent/move.py) are halves of the endpoint
of their own.

Ports (agent/network.py): a build makes or binds the server's ports before the
guest is defined, hands their VIFs to the driver (``instance["network_info"]``),
then waits for each port's ``network-vif-plugged`` event ([compute]
vif_plugging_timeout; events come through ``external_instance_event``). A failed
build releases its ports; ports that never plugged abort the build (no retry
elsewhere: ERROR with a fault naming them) when vif_plugging_is_fatal. Delete
releases them after the guest is gone.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import threading
import traceback

import oslo_messaging

from sovra_common import exception, rpc
from sovra_compute import block_api
from sovra_compute.agent import events as instance_events
from sovra_compute.agent import move, volumes
from sovra_compute.service import instance as states
from sovra_compute.service import instance_action
from sovra_compute.virt import driver as virt

LOG = logging.getLogger(__name__)

#: the event a build waits for, per port (its tag: the port id)
PLUGGED = "network-vif-plugged"


def _fault(exc: BaseException) -> dict:
    return {"code": 500, "message": str(exc)[:255] or type(exc).__name__,
            "details": type(exc).__name__}


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat()


class BuildAborted(virt.VirtDriverError):
    """A build that another host would not fix: not rescheduled."""

    message = "Build of instance %(uuid)s aborted: %(reason)s"


class ComputeAgentEndpoint(move.MoveEndpoint, volumes.VolumeEndpoint, rpc.RPCEndpoint):
    """``images(context)``: an image client acting for the context's user (images
    are read, and snapshots written, with the requesting user's rights);
    ``volumes(context)``: a block storage client, likewise; ``volume_timeout``:
    seconds a volume made at boot may take to become available; ``networking``:
    an agent.network.Networking (None: servers that ask for networks fail to
    build here); ``vif_plugging_timeout`` / ``vif_plugging_is_fatal``: [compute]'s
    options of that name. Moves to another host: move.py."""

    target = oslo_messaging.Target(version="1.12")

    def __init__(self, host, driver: virt.VirtDriver, conductor_api, images=None,
                 volumes=None, volume_timeout=600.0, networking=None,
                 vif_plugging_timeout=300.0, vif_plugging_is_fatal=True):
        self._host = host
        self._driver = driver
        self._conductor = conductor_api
        self._images = images
        self._volumes = volumes
        self._volume_timeout = volume_timeout
        self._networking = networking
        self._vif_timeout = vif_plugging_timeout
        self._vif_fatal = vif_plugging_is_fatal
        #: the external events builds wait for
        self.events = instance_events.InstanceEvents()
        #: network-changed reports and detaches, one at a time
        self._vifs_lock = threading.Lock()

    @contextlib.contextmanager
    def _event(self, ctxt, instance, event, *, started=False, success=None):
        """Report ``event`` started (unless ``started``: already recorded), then
        finished: Success, or Error with the traceback (the exception
        propagates). ``success``: a dict that takes the Success report (the
        action_event arguments) instead, for the caller to send with its
        outcome."""
        uuid, start = instance["uuid"], _now()
        if not started:
            self._conductor.action_event(ctxt, uuid, self._host, event, start)
        try:
            yield
        except Exception as exc:
            self._conductor.action_event(
                ctxt, uuid, self._host, event, start, finish_time=_now(),
                result=instance_action.ERROR, traceback=traceback.format_exc(),
                details=str(exc)[:255] or type(exc).__name__)
            raise
        finish = {"finish_time": _now(), "result": instance_action.SUCCESS}
        if success is None:
            self._conductor.action_event(ctxt, uuid, self._host, event, start, **finish)
        else:
            success.update(finish, event=event, start_time=start)

    def _image_source(self, ctxt, image_ref, meta=None) -> virt.ImageSource | None:
        """``meta``: the image as the API read it for the create, if given (else
        it is read here, with the user's credentials)."""
        if not image_ref or self._images is None:
            return None
        client = self._images(ctxt)
        if meta is None or meta.get("id") != image_ref:
            meta = client.get_image(image_ref)
        if meta.get("status") != "active":
            raise virt.VirtDriverError(
                reason=f"image {image_ref} is {meta.get('status')}, not active")
        return virt.ImageSource(meta=meta,
                                fetch=lambda out: client.download(image_ref, out,
                                                                  image=meta))

    def build_instance(self, ctxt, instance, key_data=None, user_data=None,
                       image=None, step_started=False):
        """``image`` (since 1.10): the server's image as the API read it for the
        create (the Image API is not asked again; the download still is);
        ``step_started`` (since 1.11): the conductor recorded the build step's
        start."""
        uuid = instance["uuid"]
        connected, spawned, waiter, step = [], False, None, {}
        try:
            with self._event(ctxt, instance, instance_action.BUILD_STEP,
                             started=step_started, success=step):
                instance = self._connect_volumes(ctxt, instance, connected)
                instance = self._allocate_networks(ctxt, instance)
                waiter = self.events.expect(uuid, [
                    (PLUGGED, item["port_id"]) for item in instance["network_info"]
                    if self._vif_timeout and not item.get("active")])
                source = self._image_source(ctxt, instance.get("image_ref"), image)
                self._driver.spawn(instance, source, key_data=key_data,
                                   user_data=user_data)
                spawned = True
                self._wait_for_vifs(uuid, waiter)
                self._complete_volumes(ctxt, instance)
                power_state = self._driver.get_info(instance).power_state
        except Exception as exc:  # any failure: the conductor reschedules
            LOG.warning("spawn of %s failed on %s: %s", uuid, self._host, exc)
            if waiter is not None:
                self.events.forget(waiter)
            if spawned:
                with contextlib.suppress(Exception):
                    self._driver.destroy(instance)
            self._release_networks(ctxt, instance)
            self._disconnect_volumes(ctxt, uuid, connected)
            if isinstance(exc, BuildAborted):
                self._conductor.build_aborted(ctxt, uuid, self._host, str(exc))
            else:
                self._conductor.build_failed(ctxt, uuid, self._host, str(exc))
            return
        self._conductor.build_done(ctxt, uuid, self._host, power_state, event=step)

    # --- ports -----------------------------------------------------------------------
    def _allocate_networks(self, ctxt, instance) -> dict:
        """``instance`` with its VIFs (``network_info``), ports made and bound
        here; each step reported to the conductor."""
        if not instance.get("requested_networks"):
            return dict(instance, network_info=[])
        if self._networking is None:
            raise virt.VirtDriverError(reason="this agent has no network client")
        uuid = instance["uuid"]
        try:
            vifs = self._networking.allocate(
                ctxt, instance, lambda items: self._conductor.network_info_update(
                    ctxt, uuid, self._host, items))
        except (exception.Invalid, exception.Conflict, exception.NotFound,
                exception.Forbidden, exception.OverQuota) as exc:
            # the network API refused the request itself (an address taken, a
            # network gone, no port quota left): no other host would do better
            raise BuildAborted(uuid=uuid, reason=str(exc)) from exc
        return dict(instance, network_info=vifs)

    def _wait_for_vifs(self, uuid, waiter) -> None:
        """Wait for the network-vif-plugged events of the build's ports; a port
        reported failed, or (if fatal) one that never plugged, aborts the build."""
        missing = waiter.wait(self._vif_timeout)
        failed = sorted(tag for _, tag in waiter.failed)
        if failed:
            raise BuildAborted(uuid=uuid, reason=f"port(s) {', '.join(failed)} failed "
                                                 "to plug (network-vif-plugged failed)")
        if not missing:
            return
        ports = ", ".join(sorted(tag for _, tag in missing))
        if self._vif_fatal:
            raise BuildAborted(
                uuid=uuid, reason=f"port(s) {ports} did not become ACTIVE within "
                                  f"{self._vif_timeout} s (no network-vif-plugged "
                                  "event)")
        LOG.warning("%s: port(s) %s did not become ACTIVE within %s s; going on "
                    "(vif_plugging_is_fatal is false)", uuid, ports, self._vif_timeout)

    def _release_networks(self, ctxt, instance) -> None:
        """Release the server's ports (made ones deleted, given ones unbound); a
        failure is logged (the conductor releases them again when the server
        goes)."""
        if self._networking is None or not (instance.get("requested_networks")
                                            or instance.get("network_info")):
            return  # (network_info: ports attached later, os-interface)
        try:
            self._networking.release(ctxt, instance)
        except Exception:
            LOG.exception("releasing the ports of %s failed", instance["uuid"])
            return
        self._conductor.network_info_update(ctxt, instance["uuid"], self._host, [])

    @rpc.expected_errors(exception.SovraError)
    def attach_interface(self, ctxt, instance, requested):  # since 1.8
        """os-interface attach: the port made (or the given one bound) and plugged
        into the guest; its VIF returned. A failure releases that port and raises
        (to the API, which answers with it)."""
        uuid = instance["uuid"]
        if self._networking is None:
            raise virt.VirtDriverError(reason="this agent has no network client")

        def report(port_id, item):
            self._conductor.vif_update(ctxt, uuid, self._host, port_id, item)
        with self._event(ctxt, instance, "compute_attach_interface"):
            item = self._networking.attach(ctxt, instance, requested, report)
            try:
                self._driver.attach_interface(instance, item)
            except Exception:
                with contextlib.suppress(Exception):
                    self._networking.detach(instance, item)
                report(item["port_id"], None)
                raise
        LOG.info("port %s plugged into %s as %s", item["port_id"], uuid,
                 item["devname"])
        return item

    def detach_interface(self, ctxt, instance, port_id):  # since 1.8
        """os-interface detach: the NIC unplugged, its port released (deleted if
        compute made it, unbound if the user gave it)."""
        uuid = instance["uuid"]
        item = next((v for v in instance.get("network_info") or ()
                     if v["port_id"] == port_id), None)
        if item is None or self._networking is None:
            LOG.info("detach of port %s from %s: not one of its NICs", port_id, uuid)
            return
        with self._vifs_lock:  # (network-changed: see _on_network_changed)
            try:
                with self._event(ctxt, instance, "compute_detach_interface"):
                    self._driver.detach_interface(instance, item)
                    self._networking.detach(instance, item)
            except Exception:
                LOG.exception("detaching port %s from %s failed", port_id, uuid)
                return
            self._conductor.vif_update(ctxt, uuid, self._host, port_id, None)

    def external_instance_event(self, ctxt, instance, events):  # since 1.7
        """Events from other services, through the API: a waiting build takes
        its own (network-vif-plugged); others go to ``_on_<name>`` handlers
        (``volume-extended`` -> ``_on_volume_extended``); unknown ones are
        logged."""
        uuid = instance["uuid"]
        for event in events:
            name, tag = event["name"], event.get("tag")
            status = event.get("status") or instance_events.COMPLETED
            if self.events.deliver(uuid, name, tag, status):
                continue
            handler = getattr(self, "_on_" + name.replace("-", "_"), None)
            if handler is None:
                LOG.info("event %s (tag %s, %s) of %s: nothing here handles it",
                         name, tag, status, uuid)
                continue
            try:
                handler(ctxt, instance, event)
            except Exception:
                LOG.exception("event %s of %s failed", name, uuid)

    def _on_network_changed(self, ctxt, instance, event):
        """The network service changed a port of this server (``tag``: its id;
        none: every port): its fixed IPs, or the floating IPs mapped to them.
        Each of the server's VIFs concerned is read again and reported
        (conductor ``vif_update``: the API's ``addresses``), even if it looks
        unchanged: ``instance`` may be older than another event's report. One
        at a time, and not during a detach, so the last read is the last
        reported and a NIC detached is not brought back. The guest is not
        touched."""
        uuid, tag = instance["uuid"], event.get("tag")
        vifs = [v for v in instance.get("network_info") or ()
                if tag is None or v["port_id"] == tag]
        if not vifs or self._networking is None:
            LOG.info("network-changed for %s: port %s is not one of its NICs here",
                     uuid, tag)
            return
        with self._vifs_lock:
            for item in vifs:
                fresh = self._networking.refresh(instance, item)
                if fresh is None:
                    LOG.info("network-changed for %s: port %s is no more its own",
                             uuid, item["port_id"])
                    continue
                self._conductor.vif_update(ctxt, uuid, self._host, item["port_id"],
                                           fresh)
                LOG.info("port %s of %s: fixed %s, floating %s", item["port_id"], uuid,
                         [ip["ip_address"] for ip in fresh["fixed_ips"]],
                         [f["ip_address"] for f in fresh["floating_ips"]])

    def _on_network_vif_deleted(self, ctxt, instance, event):
        """The network service deleted a port of this server (``tag``: its id):
        its NIC is unplugged from the guest and its VIF dropped from the server
        (conductor ``vif_update`` with none: gone from ``addresses``), as a
        detach does, with no port left to release. The VIF goes even if the
        guest refuses the unplug (the port is gone either way). One at a time
        with detaches and network-changed reads."""
        uuid, port_id = instance["uuid"], event.get("tag")
        item = next((v for v in instance.get("network_info") or ()
                     if v["port_id"] == port_id), None)
        if item is None:
            LOG.info("network-vif-deleted for %s: port %s is not one of its NICs",
                     uuid, port_id)
            return
        with self._vifs_lock:
            try:
                self._driver.detach_interface(instance, item)
            except virt.InstanceNotFound:
                pass  # no guest here: only the record is left to drop
            except Exception:
                LOG.exception("unplugging deleted port %s from %s failed; its VIF "
                              "is dropped all the same", port_id, uuid)
            self._conductor.vif_update(ctxt, uuid, self._host, port_id, None)
        LOG.info("port %s of %s was deleted: its NIC is gone", port_id, uuid)

    def _on_volume_extended(self, ctxt, instance, event):
        """Block storage grew a volume of this server (``tag``: its id): the
        guest is told its disk's new size, the volume's as block storage shows."""
        bdm = next((b for b in instance.get("block_devices") or ()
                    if b.get("volume_id") == event.get("tag")
                    and b.get("connection_info")), None)
        if bdm is None:
            LOG.info("volume-extended for %s: no volume %s plugged", instance["uuid"],
                     event.get("tag"))
            return
        size = block_api.get_volume(self._block(ctxt), bdm["volume_id"])["size"]
        self._driver.extend_volume(instance, bdm["connection_info"],
                                   bdm["device_name"], size * 1024 ** 3)
        LOG.info("volume %s of %s extended to %s GiB", bdm["volume_id"],
                 instance["uuid"], size)

    def terminate_instance(self, ctxt, instance):
        step = {}
        try:
            with self._event(ctxt, instance, instance_action.TERMINATE_STEP,
                             success=step):
                self._driver.destroy(instance)
                self._release_networks(ctxt, instance)
        except Exception as exc:
            LOG.exception("destroy of %s failed", instance["uuid"])
            self._conductor.instance_update(
                ctxt, instance["uuid"], self._host,
                {"vm_state": states.ERROR, "task_state": None}, fault=_fault(exc))
            return
        self._conductor.instance_destroyed(ctxt, instance["uuid"], self._host,
                                           event=step)

    def _power_op(self, ctxt, instance, operation, vm_state, event):
        try:
            with self._event(ctxt, instance, event):
                operation()
                power_state = self._driver.get_info(instance).power_state
        except Exception as exc:
            LOG.warning("%s of %s failed: %s", operation.__name__, instance["uuid"], exc)
            self._conductor.instance_update(ctxt, instance["uuid"], self._host,
                                            {"task_state": None}, fault=_fault(exc))
            return
        self._conductor.instance_update(
            ctxt, instance["uuid"], self._host,
            {"vm_state": vm_state, "task_state": None, "power_state": power_state})

    def start_instance(self, ctxt, instance):
        self._power_op(ctxt, instance, lambda: self._driver.power_on(instance),
                       states.ACTIVE, "compute_start_instance")

    def stop_instance(self, ctxt, instance):
        self._power_op(ctxt, instance, lambda: self._driver.power_off(instance),
                       states.STOPPED, "compute_stop_instance")

    def reboot_instance(self, ctxt, instance, reboot_type="SOFT"):
        self._power_op(ctxt, instance,
                       lambda: self._driver.reboot(instance, reboot_type), states.ACTIVE,
                       "compute_reboot_instance")

    def pause_instance(self, ctxt, instance):  # since 1.1
        self._power_op(ctxt, instance, lambda: self._driver.pause(instance),
                       states.PAUSED, "compute_pause_instance")

    def unpause_instance(self, ctxt, instance):  # since 1.1
        self._power_op(ctxt, instance, lambda: self._driver.unpause(instance),
                       states.ACTIVE, "compute_unpause_instance")

    def suspend_instance(self, ctxt, instance):  # since 1.1
        self._power_op(ctxt, instance, lambda: self._driver.suspend(instance),
                       states.SUSPENDED, "compute_suspend_instance")

    def resume_instance(self, ctxt, instance):  # since 1.1
        self._power_op(ctxt, instance, lambda: self._driver.resume(instance),
                       states.ACTIVE, "compute_resume_instance")

    def rebuild_instance(self, ctxt, instance, image_ref, key_data=None,
                         user_data=None, stopped=False):  # since 1.3
        uuid = instance["uuid"]
        try:
            with self._event(ctxt, instance, "compute_rebuild_instance"):
                image = self._image_source(ctxt, image_ref)
                self._driver.rebuild(instance, image, key_data=key_data,
                                     user_data=user_data)
                if stopped:
                    self._driver.power_off(instance)
                power_state = self._driver.get_info(instance).power_state
        except Exception as exc:  # the old guest is gone: the server is in ERROR
            LOG.warning("rebuild of %s failed on %s: %s", uuid, self._host, exc)
            self._conductor.instance_update(
                ctxt, uuid, self._host, {"vm_state": states.ERROR, "task_state": None},
                fault=_fault(exc))
            return
        self._conductor.instance_update(
            ctxt, uuid, self._host,
            {"vm_state": states.STOPPED if stopped else states.ACTIVE,
             "task_state": None, "power_state": power_state})

    def resize_instance(self, ctxt, instance, flavor):  # since 1.4
        uuid = instance["uuid"]
        try:
            with self._event(ctxt, instance, "compute_resize_instance"):
                self._driver.resize(instance, flavor)
                power_state = self._driver.get_info(instance).power_state
        except Exception as exc:  # the guest is as it was: the conductor undoes
            LOG.warning("resize of %s failed on %s: %s", uuid, self._host, exc)
            self._conductor.resize_failed(ctxt, uuid, self._host, str(exc))
            return
        self._conductor.resize_done(ctxt, uuid, self._host, flavor, power_state)

    def confirm_resize(self, ctxt, instance):  # since 1.4
        try:
            with self._event(ctxt, instance, "compute_confirm_resize"):
                self._driver.confirm_resize(instance)
        except Exception:  # what was kept for a revert stays on disk: only space
            LOG.exception("confirming the resize of %s failed", instance["uuid"])

    def revert_resize(self, ctxt, instance, flavor):  # since 1.4
        uuid = instance["uuid"]
        try:
            with self._event(ctxt, instance, "compute_revert_resize"):
                self._driver.revert_resize(instance, flavor)
                power_state = self._driver.get_info(instance).power_state
        except Exception as exc:
            LOG.warning("revert of the resize of %s failed: %s", uuid, exc)
            self._conductor.instance_update(
                ctxt, uuid, self._host, {"vm_state": states.ERROR, "task_state": None},
                fault=_fault(exc))
            return
        self._conductor.revert_done(ctxt, uuid, self._host, power_state)

    def snapshot_instance(self, ctxt, instance, image_id):  # since 1.2
        uuid = instance["uuid"]
        client = self._images(ctxt)
        try:
            with self._event(ctxt, instance, "compute_snapshot_instance"):
                self._driver.snapshot(
                    instance,
                    lambda data, fmt: self._upload(client, image_id, data, fmt))
        except Exception as exc:
            LOG.warning("snapshot of %s failed: %s", uuid, exc)
            try:  # a queued image that will never get data is only clutter
                client.delete_image(image_id)
            except Exception:
                LOG.warning("could not delete image %s of a failed snapshot", image_id)
            self._conductor.instance_update(ctxt, uuid, self._host, {"task_state": None},
                                            fault=_fault(exc))
            return
        LOG.info("snapshot of %s uploaded as image %s", uuid, image_id)
        self._conductor.instance_update(ctxt, uuid, self._host, {"task_state": None})

    @staticmethod
    def _upload(client, image_id, data, disk_format):
        # the API made the image before the disk's format was known
        if client.get_image(image_id).get("disk_format") != disk_format:
            client.update_image(image_id, disk_format=disk_format)
        client.upload(image_id, data)

    @rpc.expected_errors(virt.InstanceNotFound)
    def get_power_state(self, ctxt, instance):  # since 1.5
        return self._driver.get_info(instance).power_state

    @rpc.expected_errors(virt.InstanceNotFound)
    def get_console_output(self, ctxt, instance):
        return self._driver.get_console_output(instance)
