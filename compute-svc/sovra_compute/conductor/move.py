"""The conductor's moves of servers: resize (on the server's own host or to
another) and cold migration (``migrate``: the same flavor, to another host).

Allocation rule of a move: from the moment a destination is claimed until the move
is confirmed or reverted, the source's allocations (the old flavor) are held by a
migration consumer (the migration's uuid) and the destination's (the new flavor)
by the server; confirm releases the first, revert the second (and gives the server
the first back); a move that fails or finds no host puts them back the same way.

A move to another host (the disk travels through the image service, no channel
between nodes): the source agent powers the guest off (keeping it) and uploads its
root disk as a hidden private image (``migrate_disk``); the conductor points the
server at the destination, whose agent spawns it from that image
(``finish_migration``). Confirm: the source destroys its guest; revert: the
destination destroys its own, the source powers the original back on. Both delete
the image. A server's volumes follow its guest: the agent it arrives on (the
destination, or the source again after a revert or a failure) attaches them to
its host before the guest starts, the server's attachments on the host it left
deleted (agent/move.py); a volume-backed server moves no disk image at all.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import uuid as uuidlib

from sovra_common.db import schema
from sovra_compute import placement_client
from sovra_compute.conductor import filters, scheduler
from sovra_compute.service import (
    availability_zone,
    compute_service,
    instance_action,
)
from sovra_compute.service import instance as instance_service
from sovra_compute.service import migration as migration_service
from sovra_compute.virt import driver as virt

LOG = logging.getLogger(__name__)

#: the conductor's step of a move (upstream's name)
MIGRATE_EVENT = "conductor_migrate_server"


class MoveEndpoint:
    """The move half of ConductorEndpoint (its attributes: ``_db``, ``_conf``,
    ``_placement``, ``_coordinator``, ``_agents``; its ``_event``, ``_release``,
    ``_notify``, ``_schedulable_hosts``)."""

    # --- from the API ----------------------------------------------------------------
    def resize_instance(self, ctxt, instance_uuid, flavor):
        self._move(ctxt, instance_uuid, flavor)

    def migrate_server(self, ctxt, instance_uuid, host=None):  # since 1.6
        """Cold migration (the server in task resize_prep) to another host:
        ``host``, or one the scheduler chooses."""
        self._move(ctxt, instance_uuid, None, requested_host=host)

    def _move(self, ctxt, instance_uuid, flavor, requested_host=None):
        try:
            instance = instance_service.get(self._db, instance_uuid)
        except instance_service.InstanceNotFound:
            return
        migration_type = migration_service.RESIZE if flavor else \
            migration_service.MIGRATION
        flavor = flavor or instance["flavor"]
        source, migration = instance["host"], str(uuidlib.uuid4())
        self._event(ctxt, instance_uuid, MIGRATE_EVENT)
        dest = self._hold_and_claim(
            instance, flavor, requested_host, migration,
            resize=migration_type == migration_service.RESIZE, failed="Resize failed",
            refuse=lambda message: self._resize_refused(ctxt, instance, message))
        if dest is None:
            return
        migration_service.create(self._db, uuid=migration, instance=instance,
                                 old_flavor=instance["flavor"], new_flavor=flavor,
                                 source=source, dest=dest, migration_type=migration_type)
        try:
            instance = instance_service.update(
                self._db, instance_uuid, expected_task_state=(instance_service.RESIZE_PREP,),
                task_state=instance_service.RESIZE_MIGRATING, migration_uuid=migration)
        except (instance_service.InstanceNotFound, instance_service.InstanceInvalidState):
            self._move_overtaken(instance, migration, migration_service.ERROR)
            return
        self._event(ctxt, instance_uuid, MIGRATE_EVENT, result=instance_action.SUCCESS)
        if dest == source:
            self._agents.resize_instance(ctxt, source,
                                         instance_service.for_agent(instance), flavor)
        else:
            self._agents.migrate_disk(ctxt, source, instance_service.for_agent(instance),
                                      flavor)

    def _hold_and_claim(self, instance, flavor, requested_host, migration, *, resize,
                        failed, refuse) -> str | None:
        """The server's allocations (its source's) moved to the ``migration``
        consumer, ``flavor`` claimed for it on its destination: that host. None
        if not (no room anywhere, placement failed): the allocations as they
        were, and ``refuse(message)`` called (``failed``: its prefix for an
        error that is not "no valid host")."""
        try:
            self._placement.move_allocations(instance["uuid"], migration,
                                             instance["project_id"], instance["user_id"])
        except Exception as exc:
            LOG.exception("move of %s: moving its allocations failed", instance["uuid"])
            refuse(f"{failed}: {exc}"[:255])
            return None
        try:
            return self._claim_destination(instance, flavor, requested_host,
                                           resize=resize)
        except Exception as exc:  # no room anywhere (or placement failed)
            self._undo_migration(instance, migration)
            refuse(exc.msg if isinstance(exc, scheduler.NoValidHost) else
                   f"{failed}: {exc}"[:255])
            return None

    def _claim_destination(self, instance, flavor, requested_host, *, resize) -> str:
        """Claim ``flavor`` for the server (its own consumer holds nothing now) on
        the host it moves to, and return that host. A resize tries its own host
        first when [compute] allow_resize_to_same_host; a migration never does."""
        source, limit = instance["host"], self._conf.compute.max_candidates
        moving = dict(instance, flavor=flavor, requested_host=None, requested_node=None)
        if resize and self._conf.compute.allow_resize_to_same_host:
            with contextlib.suppress(scheduler.NoValidHost):
                scheduler.select_and_claim(self._placement, moving, hosts={source},
                                           limit=limit,
                                           in_tree=placement_client.node_uuid(source))
                return source
        live = set(self._coordinator.members(compute_service.AGENTS_GROUP))
        hosts = self._schedulable_hosts(live) - {source}
        if requested_host:
            if requested_host not in hosts:
                raise scheduler.NoValidHost(
                    reason=f"The requested host {requested_host} is not available.")
            hosts = {requested_host}
        lock = filters.group_lock_name(self._db, instance["uuid"])
        with self._coordinator.lock(lock) if lock else contextlib.nullcontext():
            choice = filters.choose(self._db, moving, hosts, grouped=lock is not None)
            if not choice.hosts and choice.reason:
                raise scheduler.NoValidHost(reason=choice.reason)
            return scheduler.select_and_claim(
                self._placement, moving, hosts=choice.hosts, limit=limit,
                order=choice.order, zone=scheduler.zone_request(self._db, instance)).host

    def _server_and_migration(self, instance_uuid):
        """(the server, its migration or None), or None if the server is gone."""
        try:
            instance = instance_service.get(self._db, instance_uuid)
        except instance_service.InstanceNotFound:
            return None
        return instance, migration_service.get(self._db, instance["migration_uuid"])

    def _back_to_old_allocations(self, instance):
        """Drop the new flavor's allocations; the old one's go back to the server."""
        self._release(instance["uuid"])
        if instance["migration_uuid"]:
            self._undo_migration(instance, instance["migration_uuid"])

    def _undo_migration(self, instance, migration):
        """Give the server back what its migration consumer holds."""
        try:
            self._placement.move_allocations(migration, instance["uuid"],
                                             instance["project_id"], instance["user_id"])
        except Exception:
            LOG.exception("allocations of migration %s of %s could not be moved back",
                          migration, instance["uuid"])

    def _move_overtaken(self, instance, migration, status):
        """A move (or evacuation) whose server was deleted, or is being deleted,
        after its claims were made: the destination's claim goes, the source's
        allocations go back to the server, and go too if its delete finished
        meanwhile (none may outlive it); the migration ends in ``status``."""
        self._release(instance["uuid"])
        self._undo_migration(instance, migration)
        try:
            instance_service.get(self._db, instance["uuid"])
        except instance_service.InstanceNotFound:
            self._release(instance["uuid"])
        migration_service.update(self._db, migration, status=status)

    def _resize_refused(self, ctxt, instance, message):
        self._event(ctxt, instance["uuid"], MIGRATE_EVENT,
                    result=instance_action.ERROR, details=message)
        instance_service.add_fault(self._db, instance["uuid"], code=400, message=message)
        try:
            instance = instance_service.update(self._db, instance["uuid"], task_state=None,
                                               migration_uuid=None)
        except instance_service.InstanceNotFound:
            return
        self._notify(ctxt, "compute.instance.resize.error", instance)

    # --- from the agents -------------------------------------------------------------
    def migration_disk_ready(self, ctxt, instance_uuid, host, flavor,
                             image_id):  # since 1.6
        """The source agent stopped the guest and uploaded its disk as image
        ``image_id``: the server is the destination's to spawn, with ``flavor``."""
        try:
            instance = instance_service.get(self._db, instance_uuid)
        except instance_service.InstanceNotFound:
            instance = None
        migration = migration_service.get(
            self._db, instance and instance["migration_uuid"])
        if migration is None or \
                instance["task_state"] != instance_service.RESIZE_MIGRATING:
            if instance is not None and \
                    instance["task_state"] != instance_service.DELETING:
                # the move was settled without this host (it was down): the
                # server stays here; its guest runs again if it ran
                LOG.info("disk of settled move of %s ready on %s: the guest stays",
                         instance_uuid, host)
                self._agents.finish_revert_migration(
                    ctxt, host, instance_service.for_agent(instance), image_id,
                    power_on=_running(instance["power_state"]))
                return
            # deleted meanwhile: its allocations went with it; the source's guest
            # is destroyed by the delete, the image nobody's now
            LOG.info("disk of gone move of %s ready on %s: dropped", instance_uuid, host)
            self._agents.confirm_migration(ctxt, host, {"uuid": instance_uuid,
                                                        "name": instance_uuid,
                                                        "flavor": flavor}, image_id)
            return
        dest = migration["dest_compute"]
        migration_service.update(self._db, migration["uuid"], disk_image_id=image_id,
                                 status=migration_service.POST_MIGRATING)
        instance = instance_service.update(
            self._db, instance_uuid, host=dest, node=migration["dest_node"],
            availability_zone=availability_zone.zone_of(self._db, dest))
        self._agents.finish_migration(
            ctxt, dest, instance_service.for_agent(instance), flavor, image_id,
            power_on=instance["vm_state"] == instance_service.ACTIVE,
            key_data=instance["key_data"], user_data=instance["user_data"])

    def migration_failed(self, ctxt, instance_uuid, host, reason):  # since 1.6
        """The destination could not spawn the guest (nothing is left of it
        there): the server goes back to its source, whose guest is started again
        if it ran. True if it did (False: the server is not in that step)."""
        LOG.warning("move of %s failed on %s: %s", instance_uuid, host, reason)
        found = self._server_and_migration(instance_uuid)
        if found is None:
            return False
        instance, migration = found
        if not in_step(instance, host, instance_service.RESIZE_MIGRATING):
            return False  # settled without this host meanwhile (it was down)
        self._back_to_old_allocations(instance)
        instance_service.add_fault(self._db, instance_uuid, host=host, code=500,
                                   message=reason[:255])
        if migration is not None:
            migration_service.update(self._db, migration["uuid"],
                                     status=migration_service.ERROR)
            self._back_to_source(ctxt, instance, migration, flavor=instance["flavor"])
        return True

    def _back_to_source(self, ctxt, instance, migration, *, flavor):
        """Point the server at its source again and have that agent start its
        kept guest (if it ran) and report it (``instance_update``: the task ends
        then)."""
        source = migration["source_compute"]
        instance = instance_service.update(
            self._db, instance["uuid"], host=source, node=migration["source_node"],
            availability_zone=availability_zone.zone_of(self._db, source),
            flavor=flavor, old_flavor=None, migration_uuid=None)
        self._agents.finish_revert_migration(
            ctxt, source, instance_service.for_agent(instance),
            migration["disk_image_id"],
            power_on=_running(instance["power_state"]))

    def resize_done(self, ctxt, instance_uuid, host, flavor, power_state):
        try:
            instance = instance_service.get(self._db, instance_uuid)
            if instance["host"] != host:
                # the move was taken back from this host (it was down): the
                # server is on its source, the guest made here is not its
                self._drop_guest(ctxt, host, instance_uuid, flavor)
                return
            instance = instance_service.update(
                self._db, instance_uuid,
                expected_task_state=(instance_service.RESIZE_MIGRATING,),
                vm_state=instance_service.RESIZED, task_state=None, flavor=flavor,
                old_flavor=instance["flavor"], power_state=power_state)
        except instance_service.InstanceNotFound:  # deleted while it moved here
            self._drop_guest(ctxt, host, instance_uuid, flavor)
            return
        except instance_service.InstanceInvalidState:
            if instance["task_state"] == instance_service.DELETING:
                self._drop_guest(ctxt, host, instance_uuid, flavor)
            return
        migration_service.update(self._db, instance["migration_uuid"],
                                 status=migration_service.FINISHED)
        self._notify(ctxt, "compute.instance.resize.end", instance)

    def resize_failed(self, ctxt, instance_uuid, host, reason):
        """The resize (same host) or the source's half of a move failed: the
        guest is where it was. True if the move ended so (False: the server is
        not in that step)."""
        LOG.warning("resize of %s failed on %s: %s", instance_uuid, host, reason)
        try:
            instance = instance_service.get(self._db, instance_uuid)
            if not in_step(instance, host, instance_service.RESIZE_MIGRATING):
                return False  # being deleted, or settled without this host
            # the move ends here (a compare-and-swap: one of a late report and
            # the conductor's settling of a down host's move does the rest)
            settled = instance_service.update(
                self._db, instance_uuid,
                expected_task_state=(instance_service.RESIZE_MIGRATING,),
                task_state=None, migration_uuid=None)
        except (instance_service.InstanceNotFound,
                instance_service.InstanceInvalidState):
            return False
        self._back_to_old_allocations(instance)
        migration_service.update(self._db, instance["migration_uuid"],
                                 status=migration_service.ERROR)
        instance_service.add_fault(self._db, instance_uuid, host=host, code=500,
                                   message=reason[:255])
        self._notify(ctxt, "compute.instance.resize.error", settled)
        return True

    # --- moves whose host went down ---------------------------------------------------
    def _settle_moves_on_down_hosts(self, ctxt) -> int:
        """Settle the moves whose current step's agent (the one of the server's
        host) is down, or restarted since the step was handed to it (the work
        in flight died with the process), so that no server waits in a move for
        a host that may never come back or that forgot it; returns how many.
        Not an RPC method: the conductor process runs it periodically, one
        conductor at a time.

        - The source's step (it stops the guest and uploads its disk, or resizes
          it in place): the move ends there, as a failure on the source does;
          the server stays on its host (down), its allocations back as before.
        - The destination's step (it spawns the guest): the server goes back to
          its source, which starts its kept guest again, as a failure on the
          destination does.
        - A revert's step on the host the server is on: the server is back in
          VERIFY_RESIZE (its user may revert again, or confirm).
        - The source starting its guest again (after a revert or a failure): the
          task ends, the server on its source.
        - An evacuation's destination (it spawns the guest): the evacuation
          fails, the server ERROR on its source (evacuate.py).

        Each with a fault that names the host. A report that the host sends
        after all (it was cut off, not dead) finds its step settled and is
        undone: the destination's new guest destroyed, the source's guest kept
        and started again if it ran."""
        settled = 0
        agents = self._coordinator.members(compute_service.AGENTS_GROUP)
        for instance in instance_service.moving(self._db):
            host = instance["host"]
            if not compute_service.work_lost(agents, host, instance["updated_at"]):
                continue
            migration = migration_service.get(self._db, instance["migration_uuid"])
            LOG.warning("%s of %s waits for host %s, which is %s: settling it",
                        instance["task_state"], instance["uuid"], host,
                        "restarted since" if host in agents else "down")
            self._settle_move_of_down_host(ctxt, instance, migration, host)
            settled += 1
        return settled

    def _settle_move_of_down_host(self, ctxt, instance, migration, host):
        """(See :meth:`_settle_moves_on_down_hosts`.) The host's step, left
        unfinished, is recorded as failed on the server's last action."""
        uuid, task = instance["uuid"], instance["task_state"]
        status = migration["status"] if migration else None
        message = f"Host {host} went down during the move of instance {uuid}."
        if task == instance_service.REBUILD_SPAWNING:  # an evacuation's destination
            step = "compute_rebuild_instance"
            settled = self.evacuate_failed(ctxt, uuid, host, message)
        elif task == instance_service.RESIZE_MIGRATING and \
                status == migration_service.MIGRATING:
            step = "compute_resize_instance"
            settled = self.resize_failed(ctxt, uuid, host, message)
        elif task == instance_service.RESIZE_MIGRATING and \
                status == migration_service.POST_MIGRATING:
            step = "compute_finish_resize"
            settled = self.migration_failed(ctxt, uuid, host, message)
        elif task == instance_service.RESIZE_REVERTING and migration is not None:
            step = "compute_revert_resize"
            # back to VERIFY_RESIZE
            settled = self._end_task(ctxt, instance, host, message,
                                     "compute.instance.resize.revert.error")
            if settled:
                migration_service.update(self._db, migration["uuid"],
                                         status=migration_service.FINISHED)
        else:  # the source was to start its guest again: the server is there
            step = "compute_finish_revert_resize"
            settled = self._end_task(ctxt, instance, host, message,
                                     "compute.instance.resize.error",
                                     vm_state=settled_vm_state(instance["power_state"]))
        if settled:
            self._event(ctxt, uuid, step, host=host, result=instance_action.ERROR,
                        details=message)

    def _end_task(self, ctxt, instance, host, message, event_type, **changes) -> bool:
        """End the server's task (a compare-and-swap on it) with ``changes`` and
        a fault; False if the task changed meanwhile."""
        try:
            ended = instance_service.update(
                self._db, instance["uuid"],
                expected_task_state=(instance["task_state"],), task_state=None,
                **changes)
        except (instance_service.InstanceNotFound,
                instance_service.InstanceInvalidState):
            return False
        instance_service.add_fault(self._db, instance["uuid"], host=host, code=500,
                                   message=message)
        self._notify(ctxt, event_type, ended)
        return True

    # --- confirm, revert (from the API) ----------------------------------------------
    def _confirm_old_resizes(self, ctxt) -> int:
        """Confirm the moves that waited in VERIFY_RESIZE longer than [compute]
        resize_confirm_window seconds (0: never), each as the API's confirmResize
        does (its action recorded, for the context: the service's); returns
        how many. Not an RPC method: the conductor process runs it periodically.
        Safe in several conductors at once (taking the task is a compare-and-swap)."""
        window = self._conf.compute.resize_confirm_window
        if not window:
            return 0
        cutoff = schema.utcnow() - datetime.timedelta(seconds=window)
        confirmed = 0
        for uuid in migration_service.waiting_for_confirm(self._db, cutoff):
            try:
                instance_service.begin_task(
                    self._db, ctxt, uuid, "confirmResize",
                    instance_service.RESIZE_CONFIRMING,
                    allowed_vm_states=(instance_service.RESIZED,))
            except (instance_service.InstanceNotFound,
                    instance_service.InstanceInvalidState):
                continue  # deleted, confirmed or reverted meanwhile
            LOG.info("confirming the move of %s: it waited more than %d s", uuid,
                     window)
            self.confirm_resize(ctxt, uuid)
            confirmed += 1
        return confirmed

    def confirm_resize(self, ctxt, instance_uuid):
        found = self._server_and_migration(instance_uuid)
        if found is None:
            return
        instance, migration = found
        if instance["migration_uuid"]:
            self._release(instance["migration_uuid"])
        instance = instance_service.update(
            self._db, instance_uuid, vm_state=settled_vm_state(instance["power_state"]),
            task_state=None, old_flavor=None, migration_uuid=None)
        if migration is not None:
            migration_service.update(self._db, migration["uuid"],
                                     status=migration_service.CONFIRMED)
        if migration_service.cross_host(migration):
            self._agents.confirm_migration(
                ctxt, migration["source_compute"],
                instance_service.for_agent(instance), migration["disk_image_id"])
        elif instance["host"]:
            self._agents.confirm_resize(ctxt, instance["host"],
                                        instance_service.for_agent(instance))
        self._notify(ctxt, "compute.instance.resize.confirm.end", instance)

    def revert_resize(self, ctxt, instance_uuid):
        found = self._server_and_migration(instance_uuid)
        if found is None:
            return
        instance, migration = found
        if migration_service.cross_host(migration):
            migration_service.update(self._db, migration["uuid"],
                                     status=migration_service.REVERTING)
            self._agents.revert_migration(ctxt, instance["host"],
                                          instance_service.for_agent(instance))
            return
        self._agents.revert_resize(ctxt, instance["host"],
                                   instance_service.for_agent(instance),
                                   instance["old_flavor"])

    def migration_reverted(self, ctxt, instance_uuid, host):  # since 1.6
        """The destination destroyed its guest (a revert): the server goes back to
        its source with its old flavor and allocations."""
        found = self._server_and_migration(instance_uuid)
        if found is None:
            return
        instance, migration = found
        if migration is None:
            return
        self._back_to_old_allocations(instance)
        migration_service.update(self._db, migration["uuid"],
                                 status=migration_service.REVERTED)
        self._back_to_source(ctxt, instance, migration, flavor=instance["old_flavor"])

    def revert_done(self, ctxt, instance_uuid, host, power_state):
        try:
            instance = instance_service.get(self._db, instance_uuid)
        except instance_service.InstanceNotFound:
            return
        self._back_to_old_allocations(instance)
        migration_service.update(self._db, instance["migration_uuid"],
                                 status=migration_service.REVERTED)
        instance = instance_service.update(
            self._db, instance_uuid, flavor=instance["old_flavor"], old_flavor=None,
            migration_uuid=None, task_state=None, power_state=power_state,
            vm_state=settled_vm_state(power_state))
        self._notify(ctxt, "compute.instance.resize.revert.end", instance)

    def _drop_guest(self, ctxt, host, instance_uuid, flavor):
        """Destroy the guest ``host`` has of server ``instance_uuid``, which
        is not the server's: a move finished there for a server deleted
        meanwhile (its delete may have reached that host before the guest did)
        or taken back from it, a host that was down when its server was deleted
        or moved off it."""
        LOG.info("the guest of %s on %s is not the server's: it goes",
                 instance_uuid, host)
        self._agents.terminate_instance(ctxt, host, {"uuid": instance_uuid,
                                                     "name": instance_uuid,
                                                     "flavor": flavor})

    def _abandon_move(self, ctxt, instance):
        """A server deleted while its move waits: its migration consumer's
        allocations go, and the guest a cross-host move kept on the source."""
        if not instance.get("migration_uuid"):
            return
        self._release(instance["migration_uuid"])
        migration = migration_service.get(self._db, instance["migration_uuid"])
        if migration is None:
            return
        migration_service.update(self._db, migration["uuid"],
                                 status=migration_service.ERROR)
        if migration_service.cross_host(migration) and \
                migration["source_compute"] != instance["host"]:
            self._agents.confirm_migration(ctxt, migration["source_compute"],
                                           instance_service.for_agent(instance),
                                           migration["disk_image_id"])


def in_step(instance: dict, host: str, task_state: str) -> bool:
    """Whether ``host``'s report is about the step ``instance`` is in: the
    server is on that host, in that task."""
    return instance["host"] == host and instance["task_state"] == task_state


def _running(power_state) -> bool:
    return power_state in (virt.RUNNING, virt.PAUSED)


def settled_vm_state(power_state) -> str:
    """The vm_state a server ends a move in, from its guest's power state."""
    return instance_service.ACTIVE if _running(power_state) else instance_service.STOPPED
