"""The agent's halves of a move to another host (cold migration, a resize that
changes host), and the destination of an evacuation (``evacuate_instance``: the
server made afresh from its image, its source being down). A move's disk travels
through the image service, as a hidden private image of the requesting user's:
the source uploads it (``migrate_disk``), the destination spawns from it
(``finish_migration``); whichever side ends the move (confirm on the source,
revert on the source) deletes it.

The source keeps its guest, stopped, until the move is confirmed (destroyed) or
reverted or failed (started again if it ran).

Volumes follow the guest: the host a guest arrives on (the destination when it
spawns it, the source when a revert or a failure brings it back) takes each of
the server's volumes over before the guest starts: a new attachment of the
server's, connected with this node's connector (block storage shows it on this
host), the server's other attachments of that volume (the host it left) deleted,
and completed once the guest runs. Sovra's block service and Cinder let a
server hold a second attachment of a volume while it moves, so the new one is
made first and the volume stays in-use throughout; a block service that refuses
it (an older Sovra's, during an upgrade) has the old one deleted first, the
volume ``available`` in between. A volume-backed server has no root disk to
upload: only its volumes travel (no image).
"""

from __future__ import annotations

import contextlib
import logging

from sovra_common import exception
from sovra_compute import block_api
from sovra_compute.service import block_device
from sovra_compute.service import instance as states
from sovra_compute.virt import driver as virt

LOG = logging.getLogger(__name__)


class MoveEndpoint:
    """The move half of ComputeAgentEndpoint (its ``_driver``, ``_host``,
    ``_conductor``, ``_images``, ``_networking``, ``_event``, ``_image_source``,
    ``_upload``; ``_block``, ``_complete_volumes`` from agent/volumes.py)."""

    def migrate_disk(self, ctxt, instance, flavor):  # since 1.9
        uuid, client, image_id = instance["uuid"], None, None
        volume_backed = block_device.is_volume_backed(instance)
        try:
            running = self._driver.get_info(instance).power_state == virt.RUNNING
        except virt.InstanceNotFound as exc:
            self._conductor.resize_failed(ctxt, uuid, self._host, str(exc))
            return
        try:
            with self._event(ctxt, instance, "compute_resize_instance"):
                if volume_backed:  # its root disk is a volume: nothing to upload
                    self._driver.migrate_disk_and_power_off(instance, _no_upload)
                else:
                    if self._images is None:
                        raise virt.VirtDriverError(
                            reason="this agent has no image client: no disk can "
                                   "leave it")
                    client = self._images(ctxt)
                    image_id = client.create_image(
                        name=f"migration of {uuid}", disk_format="qcow2",
                        container_format="bare", visibility="private", os_hidden=True,
                        instance_uuid=uuid, image_type="migration")["id"]
                    self._driver.migrate_disk_and_power_off(
                        instance,
                        lambda data, fmt: self._upload(client, image_id, data, fmt))
        except Exception as exc:  # the guest stays here, running again if it ran
            LOG.warning("move of %s off %s failed: %s", uuid, self._host, exc)
            self._delete_image(client, image_id)
            lost = uuid not in self._driver.list_instances()
            if running and not lost:
                with contextlib.suppress(Exception):
                    self._driver.power_on(instance)
            self._conductor.resize_failed(ctxt, uuid, self._host, str(exc))
            if lost:  # nothing left to run: upstream's ERROR with a fault
                self._conductor.instance_update(
                    ctxt, uuid, self._host, {"vm_state": states.ERROR},
                    fault={"code": 500, "message": f"guest lost: {exc}"[:255]})
            return
        self._conductor.migration_disk_ready(ctxt, uuid, self._host, flavor, image_id)

    def finish_migration(self, ctxt, instance, flavor, image_id, power_on=True,
                         key_data=None, user_data=None):  # since 1.9
        uuid = instance["uuid"]
        moved = dict(instance, flavor=flavor)
        try:
            power_state = self._arrive(ctxt, moved, "compute_finish_resize", image_id,
                                       power_on, key_data, user_data)
        except Exception as exc:
            # (volumes taken here: the source takes them back before it starts
            # its guest again, finish_revert_migration)
            LOG.warning("move of %s onto %s failed: %s", uuid, self._host, exc)
            self._conductor.migration_failed(ctxt, uuid, self._host, str(exc))
            return
        self._conductor.resize_done(ctxt, uuid, self._host, flavor, power_state)

    def evacuate_instance(self, ctxt, instance, power_on=True, key_data=None,
                          user_data=None):  # since 1.12
        """Destination of an evacuation (the server's host is down): the server
        spawned here afresh from its image (a volume-backed one from its volume),
        its ports and volumes taken over."""
        uuid = instance["uuid"]
        try:
            power_state = self._arrive(ctxt, instance, "compute_rebuild_instance",
                                       instance.get("image_ref") or None, power_on,
                                       key_data, user_data)
        except Exception as exc:
            LOG.warning("evacuation of %s onto %s failed: %s", uuid, self._host, exc)
            self._conductor.evacuate_failed(ctxt, uuid, self._host, str(exc))
            return
        self._conductor.evacuate_done(ctxt, uuid, self._host, power_state)

    def _arrive(self, ctxt, instance, event, image_id, power_on, key_data,
                user_data) -> int:
        """A guest of the server spawned on this host (a move's destination, an
        evacuation's) from ``image_id``, its ports bound here and its volumes
        taken over, stopped unless ``power_on``; its power state. On a failure
        nothing of it is left here (the volumes taken stay: whoever runs the
        server next takes them back) and the step is recorded as failed."""
        with self._event(ctxt, instance, event):
            try:
                self._bind_ports_here(instance)
                image = self._image_source(ctxt, image_id)
                instance = self._take_volumes(ctxt, instance)
                self._driver.spawn(instance, image, key_data=key_data,
                                   user_data=user_data)
                if not power_on:
                    self._driver.power_off(instance)
                self._complete_volumes(ctxt, instance)
                return self._driver.get_info(instance).power_state
            except Exception:
                with contextlib.suppress(Exception):
                    self._driver.destroy(instance)
                raise

    def confirm_migration(self, ctxt, instance, image_id):  # since 1.9
        try:
            with self._event(ctxt, instance, "compute_confirm_resize"):
                self._driver.destroy(instance)
        except Exception:  # a guest left stopped here: only space
            LOG.exception("destroying the moved-away guest of %s failed",
                          instance["uuid"])
        self._delete_image(self._images(ctxt) if self._images else None, image_id)

    def revert_migration(self, ctxt, instance):  # since 1.9
        uuid = instance["uuid"]
        try:
            with self._event(ctxt, instance, "compute_revert_resize"):
                self._driver.destroy(instance)
        except Exception as exc:
            LOG.warning("revert of the move of %s failed on %s: %s", uuid, self._host,
                        exc)
            self._conductor.instance_update(
                ctxt, uuid, self._host, {"vm_state": states.ERROR, "task_state": None},
                fault={"code": 500, "message": str(exc)[:255]})
            return
        self._conductor.migration_reverted(ctxt, uuid, self._host)

    def finish_revert_migration(self, ctxt, instance, image_id,
                                power_on=True):  # since 1.9
        uuid = instance["uuid"]
        try:
            with self._event(ctxt, instance, "compute_finish_revert_resize"):
                self._bind_ports_here(instance)
                instance = self._take_volumes(ctxt, instance)
                if power_on:
                    self._driver.power_on(instance)
                self._complete_volumes(ctxt, instance)
                power_state = self._driver.get_info(instance).power_state
        except Exception as exc:
            LOG.warning("starting %s again on %s failed: %s", uuid, self._host, exc)
            self._conductor.instance_update(
                ctxt, uuid, self._host, {"vm_state": states.ERROR, "task_state": None},
                fault={"code": 500, "message": str(exc)[:255]})
        else:
            self._conductor.instance_update(
                ctxt, uuid, self._host,
                {"vm_state": states.ACTIVE if power_on else states.STOPPED,
                 "task_state": None, "power_state": power_state})
        self._delete_image(self._images(ctxt) if self._images else None, image_id)

    def _take_volumes(self, ctxt, instance) -> dict:
        """Attach each volume of the server to this host (see the module's
        docstring); returns ``instance`` with the new attachments and their
        connection info. Each new attachment is reported at once (a failure
        later must not lose track of it)."""
        bdms = [dict(b) for b in instance.get("block_devices") or ()]
        if not any(b.get("volume_id") for b in bdms):
            return instance
        uuid, client = instance["uuid"], self._block(ctxt)
        for bdm in bdms:
            if not bdm.get("volume_id"):
                continue
            attachment = _attachment_here(client, bdm["volume_id"], uuid)
            bdm["attachment_id"] = attachment["id"]
            self._conductor.block_device_update(ctxt, uuid, self._host, bdm["uuid"],
                                                {"attachment_id": attachment["id"]})
            with block_api.translated():
                connected = client.update_attachment(
                    attachment["id"], block_api.connector(self._host, bdm["device_name"]))
            bdm["connection_info"] = connected["connection_info"]
        LOG.info("volumes of %s attached to %s", uuid, self._host)
        return dict(instance, block_devices=bdms)

    def _bind_ports_here(self, instance):
        if self._networking is not None and instance.get("network_info"):
            self._networking.rebind(instance)

    @staticmethod
    def _delete_image(client, image_id):
        if client is None or not image_id:
            return
        try:
            client.delete_image(image_id)
        except Exception:
            LOG.warning("could not delete image %s of a move", image_id, exc_info=True)


def _no_upload(data, disk_format):
    raise virt.VirtDriverError(reason="a volume-backed server has no root disk to "
                                      "upload")


def _attachment_here(client, volume_id: str, server: str) -> dict:
    """A new (reserved) attachment of ``volume_id`` to ``server``, its other
    attachments to the server deleted: the new one made first (block storage
    allows a server a second attachment of its volume), else, if refused, after
    them (the volume is then ``available`` for as long as that takes)."""
    with block_api.translated():
        old = [a["id"] for a in client.list_attachments(
            volume_id=volume_id, instance_id=server, all_tenants=1)]
    try:
        with block_api.translated():
            made = client.create_attachment(volume_id, server)
    except exception.Invalid:  # one attachment per volume (and server) there
        if not old:
            raise
        made = None
    for attachment_id in old:
        with block_api.translated(), contextlib.suppress(exception.NotFound):
            client.delete_attachment(attachment_id)
    if made is None:
        with block_api.translated():
            made = client.create_attachment(volume_id, server)
    return made
