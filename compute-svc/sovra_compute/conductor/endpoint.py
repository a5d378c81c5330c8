"""The conductor's RPC endpoint: builds (schedule, claim, cast, reschedule), deletes,
and what agents report back. It alone writes the state agents report.

Allocation rule: a server has allocations in placement only on the host it runs on
(or is being built on). Every path that takes a server off a host (a failed build,
a reschedule, a delete, running out of hosts) releases them first.

Volume rule: when a server goes, so do its block storage attachments (its volumes
are available again), and the volumes it was to delete on termination, whether
it ever ran or not.

Port rule: when a server goes, the ports compute made for it are deleted and the
ones its user gave are unbound (its agent does it; the conductor does it again,
with the service's credentials, so a server whose host is down leaks none).
"""

from __future__ import annotations

import contextlib
import logging
import threading

import oslo_messaging

from sovra_common import exception, rpc
from sovra_common.db import retry_on_deadlock, schema
from sovra_compute import block_api, network_api
from sovra_compute.conductor import evacuate, filters, move, scheduler, settle
from sovra_compute.service import aggregate as aggregate_service
from sovra_compute.service import (
    availability_zone,
    block_device,
    compute_service,
    instance_action,
)
from sovra_compute.service import instance as instance_service
from sovra_compute.service import migration as migration_service
from sovra_compute.virt import driver as virt

LOG = logging.getLogger(__name__)

# the instance action events of the conductor's own steps (upstream's names)
_SCHEDULE_EVENT = "conductor_schedule_and_build_instances"
# what an agent's step reported with an outcome may hold (action_event's arguments)
_STEP_FIELDS = frozenset({"event", "start_time", "finish_time", "result", "traceback",
                          "details"})


@retry_on_deadlock
def _write_with_events(db, write, events):
    """``write()`` (a service-layer write), then the instance action events
    ``events`` (record_event's keyword arguments each), in one transaction: a
    step's record costs no write of its own. Returns what ``write`` returns."""
    with db.writer():
        result = write()
        for event in events:
            instance_action.record_event(db, **event)
        return result


class ConductorEndpoint(move.MoveEndpoint, evacuate.EvacuateEndpoint,
                        settle.SettleEndpoint, rpc.RPCEndpoint):
    """``volumes(context)``: a block storage client acting for the context's
    user (attachments and volumes of deleted servers are removed with it);
    ``networks()``: a network client with the service's credentials (ports of
    deleted servers are released with it). Resizes and migrations: move.py;
    evacuations: evacuate.py."""

    target = oslo_messaging.Target(version="1.9")

    def __init__(self, conf, db, placement, coordinator, agent_api, notifier=None,
                 volumes=None, networks=None):
        self._volumes = volumes
        self._networks = networks
        self._conf = conf
        self._db = db
        self._placement = placement
        self._coordinator = coordinator
        self._agents = agent_api
        self._notifier = notifier
        #: agents that joined are recorded by one build at a time: the first
        #: records them, the others find them recorded
        self._agents_lock = threading.Lock()

    # --- builds --------------------------------------------------------------------
    def build_instance(self, ctxt, instance_uuid, image=None):
        """``image`` (since 1.7): the server's image as the API read it, handed
        to the agent with the build (which then does not read it again)."""
        # the server and what its scheduling reads first: one read transaction
        with self._db.reader():
            try:
                instance = instance_service.get(self._db, instance_uuid)
            except instance_service.InstanceNotFound:  # deleted before it was scheduled
                return
            task_state = instance["task_state"]
            reads = (self._scheduling_reads(instance_uuid)
                     if task_state == instance_service.SCHEDULING else None)
        if task_state == instance_service.DELETING:
            self._finish_delete(ctxt, instance)
        elif task_state != instance_service.SCHEDULING:
            # the message came late (a bus outage: the sweep of stuck builds
            # settled the server in ERROR meanwhile, and it stays so) or twice
            # (redelivered after a broker restart: the first is under way)
            LOG.info("build of %s not started: it was scheduled or settled "
                     "meanwhile (%s)",
                     instance_uuid, instance_service.status(instance))
        else:
            self._schedule(ctxt, instance, reads=reads, image=image)

    def build_done(self, ctxt, instance_uuid, host, power_state, event=None):
        """``event`` (since 1.8): the agent's finished build step, recorded with
        the server's ACTIVE."""
        events = self._agent_events(ctxt, instance_uuid, host, event)
        try:
            instance = _write_with_events(self._db, lambda: instance_service.update(
                self._db, instance_uuid, expected_task_state=(instance_service.SPAWNING,),
                vm_state=instance_service.ACTIVE, task_state=None,
                power_state=power_state, launched_at=schema.utcnow()), events)
        except instance_service.InstanceNotFound:
            self._record(events)
            return
        except instance_service.InstanceInvalidState:  # deleted while it was built
            self._record(events)
            try:
                instance = instance_service.get(self._db, instance_uuid)
            except instance_service.InstanceNotFound:
                return
            self._agents.terminate_instance(ctxt, host,
                                            instance_service.for_agent(instance))
            return
        self._notify(ctxt, "compute.instance.create.end", instance)

    def build_failed(self, ctxt, instance_uuid, host, reason):
        LOG.warning("build of %s failed on %s: %s", instance_uuid, host, reason)
        try:
            instance = instance_service.update(
                self._db, instance_uuid, expected_task_state=(instance_service.SPAWNING,),
                host=None, node=None)
        except instance_service.InstanceNotFound:
            self._release(instance_uuid)
            return
        except instance_service.InstanceInvalidState:
            self._build_overtaken(ctxt, instance_uuid)
            return
        self._release(instance_uuid)
        self._schedule(ctxt, instance, last_error=reason)

    def _build_overtaken(self, ctxt, instance_uuid):
        """A build's next step found the server no longer building: deleted
        meanwhile (the delete is finished), or settled in ERROR by the sweep of
        stuck builds (it stays so, without the allocations a late claim made)."""
        try:
            instance = instance_service.get(self._db, instance_uuid)
        except instance_service.InstanceNotFound:
            self._release(instance_uuid)
            return
        if instance["task_state"] == instance_service.DELETING:
            self._finish_delete(ctxt, instance)
            return
        LOG.info("build of %s overtaken: the server is %s now", instance_uuid,
                 instance_service.status(instance))
        if instance["host"] is None:  # not placed: no allocation may stay
            self._release(instance_uuid)

    def build_aborted(self, ctxt, instance_uuid, host, reason):  # since 1.4
        """A build not to retry elsewhere: ERROR with ``reason`` as the fault."""
        LOG.warning("build of %s aborted on %s: %s", instance_uuid, host, reason)
        try:
            instance = instance_service.get(self._db, instance_uuid)
        except instance_service.InstanceNotFound:
            self._release(instance_uuid)
            return
        self._fail_build(ctxt, instance, reason[:255], details=reason)

    def network_info_update(self, ctxt, instance_uuid, host,
                            network_info):  # since 1.4
        """The server's VIFs, as its agent made, bound or released them."""
        try:
            instance_service.update(self._db, instance_uuid, network_info=network_info)
        except instance_service.InstanceNotFound:
            # the server went meanwhile (its ports were released): a port made
            # since is nobody's, so it goes too (as a late attachment does)
            LOG.info("news of the ports of gone server %s from %s", instance_uuid, host)
            # (found by device_id; the given ones among them are unbound)
            self._release_ports({"uuid": instance_uuid, "network_info": network_info})

    def vif_update(self, ctxt, instance_uuid, host, port_id, vif):  # since 1.5
        """One VIF of the server plugged (``vif``) or unplugged (None)."""
        try:
            instance_service.update_vif(self._db, instance_uuid, port_id, vif)
        except instance_service.InstanceNotFound:
            LOG.info("news of port %s of gone server %s from %s", port_id,
                     instance_uuid, host)

    def _event(self, ctxt, instance_uuid, event, **finish):
        """Record a step the conductor runs (see :meth:`_step`)."""
        self._record([self._step(ctxt, instance_uuid, event, **finish)])

    def _step(self, ctxt, instance_uuid, event, host=None, **finish) -> dict:
        """record_event's arguments for a step of the context's action, run on
        ``host`` (default: this conductor's); finished if ``finish`` has a
        result (``start_time`` in it: when it started, default now)."""
        if finish.get("result"):
            finish.setdefault("finish_time", schema.utcnow())
        return dict(finish, instance_uuid=instance_uuid,
                    request_id=getattr(ctxt, "request_id", None), event=event,
                    host=host or self._conf.compute.host)

    def _agent_events(self, ctxt, instance_uuid, host, event) -> list[dict]:
        """The record_event arguments of an agent's step reported with an
        outcome (action_event's: none if it reported none)."""
        if not event:
            return []
        fields = {k: v for k, v in event.items() if k in _STEP_FIELDS}
        return [self._step(ctxt, instance_uuid, host=host, **fields)]

    def _record(self, events) -> None:
        """Record steps on their own (a failure is logged: the audit trail must
        not break the operation)."""
        for event in events:
            try:
                instance_action.record_event(self._db, **event)
            except Exception:
                LOG.exception("recording event %s of %s failed", event["event"],
                              event["instance_uuid"])

    def _scheduling_reads(self, instance_uuid) -> tuple:
        """What a scheduling reads before asking placement, in one read transaction
        (the caller's, if it has one open): the recorded agents (``{host: usable}``),
        the lock of the server's group (None: it is in no group) and the hosts'
        zones (``{host: zone}``: a host in none is in the default zone)."""
        with self._db.reader():
            return (compute_service.agent_hosts(self._db),
                    filters.group_lock_name(self._db, instance_uuid),
                    aggregate_service.host_zones(self._db))

    def _schedule(self, ctxt, instance, last_error=None, reads=None, image=None):
        """``reads``: what :meth:`_scheduling_reads` gave, if the caller read it;
        ``image``: the server's image, if the caller has it (for the agent)."""
        # the event is recorded once, when the scheduling is over (with its start)
        started = schema.utcnow()
        tried = instance["build_hosts"]
        attempts = self._conf.compute.max_build_attempts
        if len(tried) >= attempts:
            message = ("Exceeded maximum number of retries. Exhausted all hosts "
                       f"available for retrying build failures for instance "
                       f"{instance['uuid']}.")
            self._fail_build(ctxt, instance, message, details=last_error,
                             started=started)
            return
        known, lock, host_zones = reads or self._scheduling_reads(instance["uuid"])
        live = set(self._coordinator.members(compute_service.AGENTS_GROUP))
        hosts = self._schedulable_hosts(live, known) - set(tried)
        # a group's members are placed one at a time: each sees where the others went
        with self._coordinator.lock(lock) if lock else contextlib.nullcontext():
            choice = filters.choose(self._db, instance, hosts, grouped=lock is not None)
            try:
                if not choice.hosts and choice.reason:
                    raise scheduler.NoValidHost(reason=choice.reason)
                chosen = scheduler.select_and_claim(
                    self._placement, instance, hosts=choice.hosts,
                    limit=self._conf.compute.max_candidates, order=choice.order,
                    zone=scheduler.zone_request(self._db, instance))
            except scheduler.NoValidHost as exc:
                self._fail_build(ctxt, instance, exc.msg, details=last_error,
                                 started=started)
                return
            except Exception as exc:  # placement unreachable, timed out...
                LOG.exception("scheduling %s failed", instance["uuid"])
                self._fail_build(ctxt, instance, f"Scheduling failed: {exc}"[:255],
                                 details=last_error, started=started)
                return
            # the scheduling's step, and the build's started on the chosen host
            # (unless its agent is too old to leave that to the conductor),
            # recorded with the server's host
            uuid = instance["uuid"]
            steps = [self._step(ctxt, uuid, _SCHEDULE_EVENT, start_time=started,
                                result=instance_action.SUCCESS)]
            step_started = self._agents.can_send_version("1.11")
            if step_started:
                steps.append(self._step(ctxt, uuid, instance_action.BUILD_STEP,
                                        host=chosen.host))
            try:
                instance = _write_with_events(self._db, lambda: instance_service.update(
                    self._db, uuid,
                    expected_task_state=(instance_service.SCHEDULING,
                                         instance_service.SPAWNING),
                    host=chosen.host, node=chosen.node,
                    # the server is in its host's zone (its aggregates'), as upstream
                    availability_zone=host_zones.get(chosen.host,
                                                     availability_zone.DEFAULT_ZONE),
                    task_state=instance_service.SPAWNING,
                    build_hosts=[*tried, chosen.host]), steps)
            except instance_service.InstanceNotFound:  # deleted meanwhile
                self._release(uuid)
                return
            except instance_service.InstanceInvalidState:  # deleted or settled
                self._build_overtaken(ctxt, uuid)
                return
        self._agents.build_instance(ctxt, chosen.host,
                                    instance_service.for_agent(instance),
                                    key_data=instance["key_data"],
                                    user_data=instance["user_data"], image=image,
                                    step_started=step_started)

    def _schedulable_hosts(self, live: set[str],
                           known: dict[str, bool] | None = None) -> set[str]:
        """compute_service.schedulable_hosts, with the agents not recorded yet
        recorded by one build at a time (not by every concurrent one); ``known``:
        compute_service.agent_hosts, if the caller read it."""
        if known is None:
            known = compute_service.agent_hosts(self._db)
        if live - known.keys():
            with self._agents_lock:
                return compute_service.schedulable_hosts(self._db, live)
        return {host for host, usable in known.items() if usable and host in live}

    def _release(self, instance_uuid):
        """Remove the server's allocations, retried: a leak is worse than a wait."""
        for attempt in range(3):
            try:
                self._placement.release(instance_uuid)
                return
            except Exception:
                LOG.warning("releasing the allocations of %s failed (attempt %d)",
                            instance_uuid, attempt + 1, exc_info=True)
        LOG.error("allocations of %s could not be released", instance_uuid)

    def _fail_build(self, ctxt, instance, message, details=None, started=None):
        self._release(instance["uuid"])
        self._event(ctxt, instance["uuid"], _SCHEDULE_EVENT, start_time=started,
                    result=instance_action.ERROR, details=message,
                    traceback=details)
        instance_service.add_fault(self._db, instance["uuid"], code=500, message=message,
                                   details=details)
        if instance["task_state"] == instance_service.DELETING:
            self._finish_delete(ctxt, instance)
            return
        instance = instance_service.update(self._db, instance["uuid"],
                                           vm_state=instance_service.ERROR,
                                           task_state=None, host=None, node=None)
        self._notify(ctxt, "compute.instance.create.error", instance)

    # --- deletes -------------------------------------------------------------------
    def delete_instance(self, ctxt, instance_uuid):
        try:
            instance = instance_service.get(self._db, instance_uuid)
        except instance_service.InstanceNotFound:
            return
        host = instance["host"]
        if host and self._coordinator.is_alive(compute_service.AGENTS_GROUP, host):
            self._agents.terminate_instance(ctxt, host,
                                            instance_service.for_agent(instance))
        else:  # on no host (a build being scheduled notices), or its host is down
            self._finish_delete(ctxt, instance)

    def instance_destroyed(self, ctxt, instance_uuid, host, event=None):
        """``event`` (since 1.8): the agent's finished terminate step, recorded
        with the server's deletion."""
        events = self._agent_events(ctxt, instance_uuid, host, event)
        try:
            instance = instance_service.get(self._db, instance_uuid)
        except instance_service.InstanceNotFound:
            self._record(events)
            return
        if instance["host"] != host and \
                instance["task_state"] != instance_service.DELETING:
            # a guest that was not the server's (a move taken back from that
            # host, a build settled without it): the server lives on
            LOG.info("%s destroyed a guest of %s, which is not there", host,
                     instance_uuid)
            self._record(events)
            return
        self._finish_delete(ctxt, instance, events)

    def _finish_delete(self, ctxt, instance, events=()):
        """``events``: steps recorded with the deletion (record_event's
        arguments)."""
        uuid = instance["uuid"]
        self._release(uuid)
        self._abandon_move(ctxt, instance)
        self._finish_evacuations(instance_uuid=uuid)
        self._release_volumes(ctxt, uuid, instance.get("block_devices"))
        self._release_ports(instance)
        _write_with_events(self._db,
                           lambda: instance_service.mark_deleted(self._db, uuid), events)
        self._notify(ctxt, "compute.instance.delete.end", instance)

    def _release_volumes(self, ctxt, instance_uuid, bdms=None):
        """Delete the server's attachments, then its delete-on-termination
        volumes, then its mappings. A failure is logged and the rest goes on (the
        server is deleted whatever happens to its volumes). ``bdms``: its mappings
        as the caller read them (a server being deleted takes no new volume);
        None: read here."""
        if bdms is None:
            bdms = block_device.list_for(self._db, instance_uuid)
        if not bdms:
            return
        client = self._volumes(ctxt) if self._volumes is not None else None
        for bdm in bdms:
            try:
                if client is None:
                    raise block_api.BlockStorageError(reason="no block storage client")
                with block_api.translated():
                    if bdm["attachment_id"]:
                        with contextlib.suppress(exception.NotFound):
                            client.delete_attachment(bdm["attachment_id"])
                    if bdm["delete_on_termination"] and bdm["volume_id"]:
                        with contextlib.suppress(exception.NotFound):
                            client.delete_volume(bdm["volume_id"])
            except Exception:
                LOG.exception("releasing volume %s of deleted server %s failed",
                              bdm["volume_id"], instance_uuid)
            block_device.delete(self._db, bdm["uuid"])

    def _release_ports(self, instance):
        """The server's ports: made ones deleted, given ones unbound (a failure
        is logged: the server is deleted whatever happens to its ports)."""
        if not instance.get("requested_networks") and not instance.get("network_info"):
            return
        try:
            if self._networks is None:
                raise network_api.NoNetworkService(reason="no network client")
            network_api.release_ports(self._networks(), instance)
        except Exception:
            LOG.exception("releasing the ports of deleted server %s failed",
                          instance["uuid"])

    # --- volumes (what agents report) -----------------------------------------------
    def block_device_update(self, ctxt, instance_uuid, host, bdm_uuid,
                            changes):  # since 1.3
        changes = {k: v for k, v in changes.items() if k in block_device.AGENT_FIELDS}
        if block_device.update(self._db, bdm_uuid, **changes) is not None:
            return
        # the server went meanwhile (its volumes were released): an attachment
        # made since is nobody's, so it goes too; a volume made since is left
        # available, in its owner's sight
        LOG.info("mapping %s of %s is gone; news from %s: %s", bdm_uuid,
                 instance_uuid, host, sorted(changes))
        if changes.get("attachment_id") and self._volumes is not None:
            try:
                with block_api.translated(), \
                        contextlib.suppress(exception.NotFound):
                    self._volumes(ctxt).delete_attachment(changes["attachment_id"])
            except Exception:
                LOG.exception("could not delete attachment %s of gone mapping %s",
                              changes["attachment_id"], bdm_uuid)

    def block_device_removed(self, ctxt, instance_uuid, host, bdm_uuid):  # since 1.3
        block_device.delete(self._db, bdm_uuid)

    # --- other reports ---------------------------------------------------------------
    def action_event(self, ctxt, instance_uuid, host, event, start_time,
                     finish_time=None, result=None, traceback=None,
                     details=None):  # since 1.2
        """An agent's step of the action of the context's request id: started (no
        ``finish_time``) or finished with ``result``."""
        self._record([self._step(ctxt, instance_uuid, event, host=host,
                                 start_time=start_time, finish_time=finish_time,
                                 result=result, traceback=traceback, details=details)])

    def instance_update(self, ctxt, instance_uuid, host, updates, fault=None):
        allowed = {"vm_state", "task_state", "power_state"}
        try:
            if fault:
                instance_service.add_fault(self._db, instance_uuid, host=host,
                                           code=fault.get("code", 500),
                                           message=fault["message"],
                                           details=fault.get("details"))
            instance = instance_service.update(
                self._db, instance_uuid,
                **{k: v for k, v in updates.items() if k in allowed})
        except instance_service.InstanceNotFound:
            return
        self._notify(ctxt, "compute.instance.update", instance)

    def sync_power_states(self, ctxt, host, power_states):
        """Record the power states an agent reports for the servers on its node.

        Servers with a task in progress are left alone (the task reports its own
        outcome). An active server whose guest stopped by itself becomes stopped
        (SHUTOFF); a guest missing from its node is NOSTATE. A guest of a deleted
        server (deleted while its host was down) is destroyed, as [compute]
        running_deleted_instance_action says, and so is one a move that is over
        left on this host (a destination that went down mid-move, the source of
        an evacuation back up: what it held of the evacuated server is let go).
        """
        self._finish_evacuations(source=host)
        servers = instance_service.list_(self._db, filters={"host": host})
        self._foreign_guests(ctxt, host,
                             set(power_states) - {i["uuid"] for i in servers})
        for instance in servers:
            if instance["task_state"] is not None or \
                    instance["vm_state"] not in (instance_service.ACTIVE,
                                                 instance_service.STOPPED,
                                                 instance_service.PAUSED,
                                                 instance_service.SUSPENDED):
                continue
            power_state = power_states.get(instance["uuid"], virt.NOSTATE)
            changes = {}
            if power_state != instance["power_state"]:
                changes["power_state"] = power_state
            if instance["vm_state"] == instance_service.ACTIVE and \
                    power_state in (virt.SHUTDOWN, virt.CRASHED):
                changes["vm_state"] = instance_service.STOPPED
            if changes:
                try:
                    instance = instance_service.update(
                        self._db, instance["uuid"], expected_task_state=(None,),
                        action="sync_power_state", **changes)
                except (instance_service.InstanceNotFound,
                        instance_service.InstanceInvalidState):
                    continue  # deleted, or a task started meanwhile
                self._notify(ctxt, "compute.instance.power_sync", instance)

    def _foreign_guests(self, ctxt, host, uuids):
        """The guests ``host`` has of servers that are not its own: those of
        deleted servers are reaped (or logged, as [compute]
        running_deleted_instance_action says), and those of servers a move that
        is over took off ``host``; others (a move's kept guest on its source, a
        guest of no server Sovra knows) are left alone."""
        if not uuids:
            return
        for uuid, flavor in migration_service.left_behind(self._db, host,
                                                          uuids).items():
            LOG.warning("%s has a guest of server %s, which a move took off it: "
                        "destroying it", host, uuid)
            self._drop_guest(ctxt, host, uuid, flavor)
        action = self._conf.compute.running_deleted_instance_action
        if action == "noop":
            return
        deleted = instance_service.deleted_among(self._db, uuids)
        for uuid, flavor in deleted.items():
            if action == "log":
                LOG.warning("%s has a guest of deleted server %s; left "
                            "(running_deleted_instance_action = log)", host, uuid)
                continue
            LOG.warning("%s has a guest of deleted server %s: destroying it", host,
                        uuid)
            self._drop_guest(ctxt, host, uuid, flavor)

    def _notify(self, ctxt, event_type, instance):
        if self._notifier is None:
            return
        self._notifier.info(ctxt, event_type, {
            "instance_id": instance["uuid"], "state": instance["vm_state"],
            "task_state": instance["task_state"], "host": instance["host"],
            "tenant_id": instance["project_id"], "user_id": instance["user_id"]})
