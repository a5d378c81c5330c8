"""The conductor's periodic settling of work nobody finishes: builds (a server in
BUILD with no news for [compute] build_timeout, or spawning on a host whose agent
went down or restarted since) and the tasks an agent carries out in place (a
delete sent again, a power action's task cleared, after [compute] task_timeout
or at once on such a host). The conductor process runs them one conductor at a
time (cmd/conductor.py); each change is a compare-and-swap on the task state.
A mixin of ConductorEndpoint (endpoint.py), whose reports and deletes it uses."""

from __future__ import annotations

import datetime
import logging

from sovra_common.db import schema
from sovra_compute.service import compute_service
from sovra_compute.service import instance as instance_service
from sovra_compute.virt import driver as virt

LOG = logging.getLogger(__name__)

#: the vm_state of a server whose guest is in a power state (a task settled by it)
_VM_STATE_OF = {virt.RUNNING: instance_service.ACTIVE, virt.PAUSED: instance_service.PAUSED,
                virt.SUSPENDED: instance_service.SUSPENDED,
                virt.SHUTDOWN: instance_service.STOPPED,
                virt.CRASHED: instance_service.STOPPED}


class SettleEndpoint:
    # --- builds nobody finishes --------------------------------------------------------
    def _sweep_stuck_builds(self, ctxt) -> int:
        """Settle servers in BUILD with no news for [compute] build_timeout seconds
        (a build whose messages were lost: the bus restarted, a host died), and,
        at once, those spawning on a host whose agent is down or restarted since
        it was given the build (the build died with it); returns how many. Not
        an RPC method: the conductor process runs it periodically. Safe in
        several conductors at once (each change is a compare-and-swap on the
        task state)."""
        timeout = self._conf.compute.build_timeout
        stuck = {}
        if timeout:
            cutoff = schema.utcnow() - datetime.timedelta(seconds=timeout)
            stuck = {instance["uuid"]: (
                instance, f"timed out, no news of it for {timeout} s (its messages "
                          "were lost, or its host died)")
                for instance in instance_service.stuck_builds(self._db, cutoff)}
        agents = self._coordinator.members(compute_service.AGENTS_GROUP)
        for instance in instance_service.spawning(self._db):
            host = instance["host"]
            if instance["uuid"] not in stuck and \
                    compute_service.work_lost(agents, host, instance["updated_at"]):
                stuck[instance["uuid"]] = (instance, f"its host {host} went down")
        for instance, why in stuck.values():
            self._settle_stuck_build(ctxt, instance, why)
        return len(stuck)

    def _settle_stuck_build(self, ctxt, instance, why):
        uuid, host = instance["uuid"], instance["host"]
        if instance["task_state"] == instance_service.SPAWNING and host:
            # the agent may have built it, its report lost
            if self._guest_power_state(ctxt, instance) == virt.RUNNING:
                LOG.warning("build of %s on %s was never reported: it runs",
                            uuid, host)
                self.build_done(ctxt, uuid, host, virt.RUNNING)
                return
        LOG.warning("build of %s settled (%s, host %s): %s", uuid,
                    instance["task_state"], host, why)
        try:
            instance = instance_service.update(
                self._db, uuid, expected_task_state=(instance["task_state"],),
                vm_state=instance_service.ERROR, task_state=None, host=None,
                node=None)
        except (instance_service.InstanceNotFound,
                instance_service.InstanceInvalidState):
            return  # it moved on meanwhile
        self._release(uuid)
        instance_service.add_fault(
            self._db, uuid, code=500, host=host,
            message=f"Build of instance {uuid} did not finish: {why}.")
        self._notify(ctxt, "compute.instance.create.error", instance)

    def _guest_power_state(self, ctxt, instance):
        """The power state the agent of the server's host reports for its guest;
        None if that agent is down, has no such guest, or does not answer."""
        if not self._coordinator.is_alive(compute_service.AGENTS_GROUP,
                                          instance["host"]):
            return None
        try:
            return self._agents.get_power_state(ctxt, instance["host"],
                                                instance_service.for_agent(instance))
        except Exception:  # not there (InstanceNotFound), or no answer
            return None

    # --- in-place tasks nobody finishes -----------------------------------------------
    def _settle_stuck_tasks(self, ctxt) -> int:
        """Act on the tasks an agent carries out in place that nobody finishes:
        of servers in such a task (deleting, or one of GUEST_TASKS) with no news
        for [compute] task_timeout seconds (the message, or the agent's report,
        was lost: the bus restarted) and, at once, of those on a host whose agent
        is down or restarted since the task began (it died with the agent). A
        delete is sent again (a host down: finished here); it is safe to repeat,
        as the user's second DELETE is. Any other task is cleared, the server
        taking the state its guest reports. Returns how many. Not an RPC method:
        the conductor process runs it periodically."""
        timeout = self._conf.compute.task_timeout
        cutoff = schema.utcnow() - datetime.timedelta(seconds=timeout) if timeout \
            else None
        agents = self._coordinator.members(compute_service.AGENTS_GROUP)
        acted = 0
        for instance in instance_service.in_task(
                self._db, (instance_service.DELETING, *instance_service.GUEST_TASKS)):
            host = instance["host"]
            changed = instance["updated_at"] or instance["created_at"]
            if host and compute_service.work_lost(agents, host, changed):
                why = f"its host {host} went down or restarted"
            elif cutoff is not None and changed < cutoff:
                why = f"no news of it for {timeout} s"
            else:
                continue
            if instance["task_state"] == instance_service.DELETING:
                acted += self._delete_again(ctxt, instance, why)
            else:
                acted += self._settle_guest_task(ctxt, instance, why)
        return acted

    def _delete_again(self, ctxt, instance, why) -> int:
        uuid = instance["uuid"]
        try:  # bumps its last change (the guard: it may have finished meanwhile)
            instance_service.update(self._db, uuid,
                                    expected_task_state=(instance_service.DELETING,))
        except (instance_service.InstanceNotFound,
                instance_service.InstanceInvalidState):
            return 0
        LOG.warning("delete of %s sent again (host %s): %s", uuid, instance["host"],
                    why)
        self.delete_instance(ctxt, uuid)
        return 1

    def _settle_guest_task(self, ctxt, instance, why) -> int:
        uuid, host, task = instance["uuid"], instance["host"], instance["task_state"]
        changes = {"task_state": None}
        power_state = self._guest_power_state(ctxt, instance)
        if power_state in _VM_STATE_OF:
            changes.update(vm_state=_VM_STATE_OF[power_state], power_state=power_state)
        try:
            instance = instance_service.update(self._db, uuid,
                                               expected_task_state=(task,), **changes)
        except (instance_service.InstanceNotFound,
                instance_service.InstanceInvalidState):
            return 0  # it finished meanwhile
        LOG.warning("task %s of %s settled (host %s): %s; the server is %s", task,
                    uuid, host, why, instance_service.status(instance))
        self._notify(ctxt, "compute.instance.update", instance)
        return 1
