"""The conductor's evacuations: a server whose host is down rebuilt on another.

The API has checked that the server's host is down (its agent's heartbeat gone,
or the service forced down) and put the server in task ``rebuilding``. The
conductor claims a destination as a cold migration does (any schedulable host
but the source, or the one asked for) and records an ``evacuation`` migration;
the source's allocations go to the migration consumer, the destination's are the
server's. The server is pointed at the destination at once (``rebuild_spawning``)
and that agent spawns it (agent/move.py ``evacuate_instance``): its ports bound
there, its volumes attached there (their attachments on the dead host deleted),
a root disk made afresh from the server's image (what was written to the old
local disk is lost: it stays on the dead host); a volume-backed server boots
from its volume as it was.

- done: the server is ACTIVE (or SHUTOFF: it was stopped, or 2.95 asked for
  it) on the destination; the migration ``done``.
- failed (the destination could not spawn it, or went down meanwhile): the
  server is ERROR on its source again, with a fault, its allocations as before
  (it may be evacuated again); the migration ``failed``.

When the source comes back, its agent's first power-state report (sent when it
joins) lets go of what it held: the migration consumer's allocations are
removed (``completed``) and the guest it still has of the server is destroyed,
as any guest a finished move left behind (endpoint ``_foreign_guests``). A
server deleted before that has them removed with it (its source may never come
back); its old guest is reaped as a deleted server's when the source does.
"""

from __future__ import annotations

import logging
import uuid as uuidlib

from sovra_compute.conductor import move
from sovra_compute.service import availability_zone, instance_action
from sovra_compute.service import instance as instance_service
from sovra_compute.service import migration as migration_service

LOG = logging.getLogger(__name__)

#: the conductor's step of an evacuation (upstream's name: a rebuild)
REBUILD_EVENT = "conductor_rebuild_server"


class EvacuateEndpoint:
    """The evacuation part of ConductorEndpoint (with MoveEndpoint's
    ``_hold_and_claim``, ``_move_overtaken``, ``_back_to_old_allocations``,
    ``_drop_guest``)."""

    # --- from the API ----------------------------------------------------------------
    def evacuate_server(self, ctxt, instance_uuid, host=None,
                        power_on=None):  # since 1.9
        """Rebuild the server (task rebuilding, its host down) on another host:
        ``host``, or one the scheduler chooses. ``power_on``: whether the guest
        is started there (None: if it ran, i.e. unless the server was SHUTOFF)."""
        try:
            instance = instance_service.get(self._db, instance_uuid)
        except instance_service.InstanceNotFound:
            return
        source, migration = instance["host"], str(uuidlib.uuid4())
        self._event(ctxt, instance_uuid, REBUILD_EVENT)
        dest = self._hold_and_claim(
            instance, instance["flavor"], host, migration, resize=False,
            failed="Evacuation failed",
            refuse=lambda message: self._evacuation_refused(ctxt, instance, message))
        if dest is None:
            return
        migration_service.create(
            self._db, uuid=migration, instance=instance, old_flavor=instance["flavor"],
            new_flavor=instance["flavor"], source=source, dest=dest,
            migration_type=migration_service.EVACUATION,
            status=migration_service.REBUILDING)
        try:
            moved = instance_service.update(
                self._db, instance_uuid,
                expected_task_state=(instance_service.REBUILDING,),
                task_state=instance_service.REBUILD_SPAWNING, host=dest, node=dest,
                availability_zone=availability_zone.zone_of(self._db, dest),
                migration_uuid=migration)
        except (instance_service.InstanceNotFound, instance_service.InstanceInvalidState):
            self._move_overtaken(instance, migration, migration_service.FAILED)
            return
        self._event(ctxt, instance_uuid, REBUILD_EVENT, result=instance_action.SUCCESS)
        if power_on is None:
            power_on = instance["vm_state"] != instance_service.STOPPED
        LOG.info("evacuating %s from %s (down) to %s", instance_uuid, source, dest)
        self._agents.evacuate_instance(
            ctxt, dest, instance_service.for_agent(moved), power_on=power_on,
            key_data=moved["key_data"], user_data=moved["user_data"])

    def _evacuation_refused(self, ctxt, instance, message):
        """No evacuation: the server stays as it was (on its host, down), with a
        fault and the conductor's step recorded as failed."""
        self._event(ctxt, instance["uuid"], REBUILD_EVENT,
                    result=instance_action.ERROR, details=message)
        try:
            with self._db.writer():
                instance = instance_service.update(
                    self._db, instance["uuid"],
                    expected_task_state=(instance_service.REBUILDING,), task_state=None)
                instance_service.add_fault(self._db, instance["uuid"], code=400,
                                           message=message)
        except (instance_service.InstanceNotFound,
                instance_service.InstanceInvalidState):
            return
        self._notify(ctxt, "compute.instance.evacuate.error", instance)

    # --- from the destination's agent ------------------------------------------------
    def evacuate_done(self, ctxt, instance_uuid, host, power_state):  # since 1.9
        """The destination runs the server (or holds it stopped)."""
        try:
            instance = instance_service.get(self._db, instance_uuid)
        except instance_service.InstanceNotFound:  # deleted while it was rebuilt
            self._drop_guest(ctxt, host, instance_uuid, None)
            return
        if instance["host"] != host or \
                instance["task_state"] == instance_service.DELETING:
            # settled without this host (it went down meanwhile), or being
            # deleted (the delete may have reached this host before the guest)
            self._drop_guest(ctxt, host, instance_uuid, instance["flavor"])
            return
        migration = instance["migration_uuid"]
        try:
            instance = instance_service.update(
                self._db, instance_uuid,
                expected_task_state=(instance_service.REBUILD_SPAWNING,),
                task_state=None, power_state=power_state, migration_uuid=None,
                vm_state=move.settled_vm_state(power_state))
        except (instance_service.InstanceNotFound,
                instance_service.InstanceInvalidState):
            return
        migration_service.update(self._db, migration, status=migration_service.DONE)
        LOG.info("%s evacuated to %s (migration %s)", instance_uuid, host, migration)
        self._notify(ctxt, "compute.instance.evacuate.end", instance)

    def evacuate_failed(self, ctxt, instance_uuid, host, reason):  # since 1.9
        """The destination could not spawn the server (nothing is left of it
        there): ERROR on its source again, allocations as before. True if the
        evacuation ended so (False: the server is not in that step)."""
        LOG.warning("evacuation of %s failed on %s: %s", instance_uuid, host, reason)
        found = self._server_and_migration(instance_uuid)
        if found is None:
            return False
        instance, migration = found
        if not move.in_step(instance, host, instance_service.REBUILD_SPAWNING) or \
                migration is None:
            return False
        zone = availability_zone.zone_of(self._db, migration["source_compute"])
        try:
            with self._db.writer():  # ERROR and its fault seen together
                failed = instance_service.update(
                    self._db, instance_uuid,
                    expected_task_state=(instance_service.REBUILD_SPAWNING,),
                    vm_state=instance_service.ERROR, task_state=None,
                    host=migration["source_compute"], node=migration["source_node"],
                    availability_zone=zone, migration_uuid=None)
                instance_service.add_fault(self._db, instance_uuid, host=host, code=500,
                                           message=f"Evacuation failed: {reason}"[:255])
        except (instance_service.InstanceNotFound,
                instance_service.InstanceInvalidState):
            return False
        self._back_to_old_allocations(instance)
        migration_service.update(self._db, migration["uuid"],
                                 status=migration_service.FAILED)
        self._notify(ctxt, "compute.instance.evacuate.error", failed)
        return True

    # --- the source comes back, or the server goes -----------------------------------
    def _finish_evacuations(self, *, source=None, instance_uuid=None) -> None:
        """Let go of what evacuations that are done still hold on their source:
        the migration consumer's allocations there, removed (``completed``).
        When the source is up again (the guest it has of the server is destroyed
        by ``_foreign_guests``), or when the server is deleted (its source may
        never come back)."""
        for migration in migration_service.evacuations_done(
                self._db, source=source, instance_uuid=instance_uuid):
            LOG.info("releasing what %s held of %s, evacuated off it",
                     migration["source_compute"], migration["instance_uuid"])
            self._release(migration["uuid"])
            migration_service.update(self._db, migration["uuid"],
                                     status=migration_service.COMPLETED)

