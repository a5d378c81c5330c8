"""The volume half of the agent's endpoint: the agent connects volumes through
block storage (its connector names this node), with the requesting user's
rights, plugs them through the driver, and reports each mapping's news to the
conductor. A failed attach is undone (the attachment deleted: the volume is
available again, the mapping removed)."""

from __future__ import annotations

import contextlib
import logging

from sovra_common import exception
from sovra_compute import block_api
from sovra_compute.service import block_device
from sovra_compute.virt import driver as virt

LOG = logging.getLogger(__name__)


class VolumeEndpoint:
    """Of ComputeAgentEndpoint (its ``_driver``, ``_host``, ``_conductor``,
    ``_volumes``, ``_volume_timeout``, ``_event``)."""

    def _block(self, ctxt):
        if self._volumes is None:
            raise virt.VirtDriverError(reason="this agent has no block storage client")
        return self._volumes(ctxt)

    def _connect_volumes(self, ctxt, instance, connected: list) -> dict:
        """Make the volumes the server asks for (from an image, or blank), reserve
        and connect each of its volumes; returns ``instance`` with their connection
        info. Each mapping's new volume and attachment are reported at once (a
        failure later must not lose track of them); ``connected`` collects the
        mappings connected here, for an undo."""
        bdms = instance.get("block_devices") or []
        if not bdms:
            return instance
        uuid, client = instance["uuid"], self._block(ctxt)
        ready = []
        for bdm in bdms:
            bdm = dict(bdm)
            with block_api.translated():
                if not bdm["volume_id"]:
                    attrs = {"name": f"{instance['name']}-"
                                     f"{block_device.short_name(bdm['device_name'])}"}
                    if bdm["source_type"] == "image":
                        attrs["image_id"] = bdm["image_id"]
                    if bdm.get("volume_type"):
                        attrs["volume_type"] = bdm["volume_type"]
                    made = client.create_volume(size=bdm["volume_size"], **attrs)
                    bdm["volume_id"] = made["id"]
                    self._conductor.block_device_update(
                        ctxt, uuid, self._host, bdm["uuid"], {"volume_id": made["id"]})
                    client.wait_volume(made["id"], "available",
                                       timeout=self._volume_timeout)
                if not bdm["attachment_id"]:
                    attachment = client.create_attachment(bdm["volume_id"], uuid)
                    bdm["attachment_id"] = attachment["id"]
                    self._conductor.block_device_update(
                        ctxt, uuid, self._host, bdm["uuid"],
                        {"attachment_id": attachment["id"]})
                attachment = client.update_attachment(
                    bdm["attachment_id"],
                    block_api.connector(self._host, bdm["device_name"]))
            connected.append(bdm)
            bdm["connection_info"] = attachment["connection_info"]
            ready.append(bdm)
        return dict(instance, block_devices=ready)

    def _complete_volumes(self, ctxt, instance) -> None:
        bdms = instance.get("block_devices") or []
        if not bdms:
            return
        client = self._block(ctxt)
        for bdm in bdms:
            with block_api.translated():
                client.complete_attachment(bdm["attachment_id"])
            self._conductor.block_device_update(
                ctxt, instance["uuid"], self._host, bdm["uuid"],
                {"connection_info": bdm["connection_info"],
                 "attach_status": block_device.ATTACHED})

    def _disconnect_volumes(self, ctxt, instance_uuid, bdms) -> None:
        """Undo the connections of a failed build: their attachments deleted (a
        retry elsewhere makes new ones)."""
        if not bdms:
            return
        client = self._block(ctxt)
        for bdm in bdms:
            try:
                with block_api.translated():
                    client.delete_attachment(bdm["attachment_id"])
            except Exception:
                LOG.exception("could not delete attachment %s of %s",
                              bdm["attachment_id"], instance_uuid)
                continue
            self._conductor.block_device_update(
                ctxt, instance_uuid, self._host, bdm["uuid"],
                {"attachment_id": None, "connection_info": None,
                 "attach_status": block_device.ATTACHING})

    def attach_volume(self, ctxt, instance, bdm):  # since 1.6
        uuid, client = instance["uuid"], None
        plugged = False
        try:
            with self._event(ctxt, instance, "compute_attach_volume"):
                client = self._block(ctxt)
                with block_api.translated():
                    attachment = client.update_attachment(
                        bdm["attachment_id"],
                        block_api.connector(self._host, bdm["device_name"]))
                info = attachment["connection_info"]
                self._driver.attach_volume(instance, info, bdm["device_name"])
                plugged = True
                with block_api.translated():
                    client.complete_attachment(bdm["attachment_id"])
        except Exception as exc:
            LOG.warning("attaching volume %s to %s failed: %s", bdm["volume_id"], uuid,
                        exc)
            if plugged:
                with contextlib.suppress(Exception):
                    self._driver.detach_volume(instance, info, bdm["device_name"])
            try:  # the volume is available again
                if client is not None:
                    with block_api.translated():
                        client.delete_attachment(bdm["attachment_id"])
            except Exception:
                LOG.exception("could not delete attachment %s of volume %s",
                              bdm["attachment_id"], bdm["volume_id"])
            self._conductor.block_device_removed(ctxt, uuid, self._host, bdm["uuid"])
            return
        LOG.info("volume %s attached to %s as %s", bdm["volume_id"], uuid,
                 bdm["device_name"])
        self._conductor.block_device_update(
            ctxt, uuid, self._host, bdm["uuid"],
            {"connection_info": info, "attach_status": block_device.ATTACHED})

    def detach_volume(self, ctxt, instance, bdm):  # since 1.6
        uuid = instance["uuid"]
        try:
            with self._event(ctxt, instance, "compute_detach_volume"):
                if bdm.get("connection_info"):
                    self._driver.detach_volume(instance, bdm["connection_info"],
                                               bdm["device_name"])
                if bdm.get("attachment_id"):
                    client = self._block(ctxt)
                    try:
                        with block_api.translated():
                            client.delete_attachment(bdm["attachment_id"])
                    except exception.NotFound:
                        pass  # gone already: what a detach wants
        except Exception as exc:  # still attached: it may be detached again
            LOG.warning("detaching volume %s from %s failed: %s", bdm["volume_id"],
                        uuid, exc)
            self._conductor.block_device_update(
                ctxt, uuid, self._host, bdm["uuid"],
                {"attach_status": block_device.ATTACHED})
            return
        LOG.info("volume %s detached from %s", bdm["volume_id"], uuid)
        self._conductor.block_device_removed(ctxt, uuid, self._host, bdm["uuid"])
