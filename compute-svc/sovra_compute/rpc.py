"""RPC between compute's processes: API -> conductor -> agent, agent -> conductor.

Instances travel as plain dicts (``uuid``, ``name``, ``flavor``, ``image_ref``...):
agents hold no database, so what they need comes with the message.
"""

from sovra_common.rpc import RPCAPI

CONDUCTOR_TOPIC = "compute-conductor"
AGENT_TOPIC = "compute-agent"


class ConductorAPI(RPCAPI):
    """Client of the compute conductor (the API and the agents call it).

    Version history:

        1.0 - Initial version: build_instance, delete_instance, build_done,
              build_failed, instance_update, instance_destroyed,
              sync_power_states.
        1.1 - resize_instance, confirm_resize, revert_resize (from the API);
              resize_done, resize_failed, revert_done (from agents).
        1.2 - action_event (from agents: the steps of an instance action).
        1.3 - block_device_update, block_device_removed (from agents: volumes
              made, connected, attached, detached).
        1.4 - network_info_update (from agents: a server's ports made, bound,
              released), build_aborted (a build that must not be retried
              elsewhere: its ports never plugged).
        1.5 - vif_update (from agents: one VIF plugged or unplugged by
              os-interface).
        1.6 - migrate_server (from the API: cold migration);
              migration_disk_ready, migration_failed, migration_reverted (from
              agents: the halves of a move to another host); resize_instance may
              move the server to another host.
        1.7 - build_instance's ``image``: the Image API's view of the server's
              image, as the API read it (with the user's credentials) for the
              create; passed on to the agent, which then does not read it again.
        1.8 - build_done's and instance_destroyed's ``event``: the agent's
              finished step (compute__do_build_and_run_instance,
              compute_terminate_instance), recorded in the same transaction as
              the outcome (a 1.7 conductor is sent it apart, as action_event).
        1.9 - evacuate_server (from the API: a server whose host is down rebuilt
              on another); evacuate_done, evacuate_failed (from agents).
    """

    TOPIC = CONDUCTOR_TOPIC
    VERSION = "1.9"

    def build_instance(self, ctxt, instance_uuid, image=None):
        """Schedule and build a server that the API recorded in BUILD; ``image``:
        its image as the API read it (a 1.6 conductor is not given it)."""
        if image is not None and self.can_send_version("1.7"):
            self.prepare("1.7").cast(ctxt, "build_instance",
                                     instance_uuid=instance_uuid, image=image)
            return
        self.prepare("1.0").cast(ctxt, "build_instance", instance_uuid=instance_uuid)

    def delete_instance(self, ctxt, instance_uuid):
        self.prepare("1.0").cast(ctxt, "delete_instance", instance_uuid=instance_uuid)

    def build_done(self, ctxt, instance_uuid, host, power_state, event=None):
        """The server runs on ``host``; ``event``: the build's finished step
        (action_event's keyword arguments: event, start_time, finish_time,
        result)."""
        event = self._event_along(ctxt, instance_uuid, host, event)
        if event:
            self.prepare("1.8").cast(ctxt, "build_done", instance_uuid=instance_uuid,
                                     host=host, power_state=power_state, event=event)
            return
        self.prepare("1.0").cast(ctxt, "build_done", instance_uuid=instance_uuid,
                                 host=host, power_state=power_state)

    def build_failed(self, ctxt, instance_uuid, host, reason):
        self.prepare("1.0").cast(ctxt, "build_failed", instance_uuid=instance_uuid,
                                 host=host, reason=reason)

    def instance_update(self, ctxt, instance_uuid, host, updates, fault=None):
        """An agent's report of a finished operation: ``updates`` of vm_state,
        task_state, power_state; ``fault`` if it failed."""
        self.prepare("1.0").cast(ctxt, "instance_update", instance_uuid=instance_uuid,
                                 host=host, updates=updates, fault=fault)

    def instance_destroyed(self, ctxt, instance_uuid, host, event=None):
        """The guest is gone from ``host``; ``event``: the terminate's finished
        step, as for build_done."""
        event = self._event_along(ctxt, instance_uuid, host, event)
        if event:
            self.prepare("1.8").cast(ctxt, "instance_destroyed",
                                     instance_uuid=instance_uuid, host=host,
                                     event=event)
            return
        self.prepare("1.0").cast(ctxt, "instance_destroyed", instance_uuid=instance_uuid,
                                 host=host)

    def _event_along(self, ctxt, instance_uuid, host, event):
        """``event`` if it may travel with an outcome (1.8); else it is sent on
        its own, as action_event, and None is returned."""
        if event and not self.can_send_version("1.8"):
            self.action_event(ctxt, instance_uuid, host, **event)
            return None
        return event

    def resize_instance(self, ctxt, instance_uuid, flavor):
        """Resize a server (in task resize_prep) to ``flavor`` (a flavor dict)."""
        self.prepare(self.choose_version("1.1")).cast(
            ctxt, "resize_instance", instance_uuid=instance_uuid, flavor=flavor)

    def migrate_server(self, ctxt, instance_uuid, host=None):
        """Move a server (in task resize_prep) to another host with its flavor:
        ``host``, or one the scheduler chooses."""
        self.prepare(self.choose_version("1.6")).cast(
            ctxt, "migrate_server", instance_uuid=instance_uuid, host=host)

    def evacuate_server(self, ctxt, instance_uuid, host=None, power_on=None):
        """Rebuild a server (in task rebuilding; its host is down) on another
        host: ``host``, or one the scheduler chooses; ``power_on``: whether its
        guest is started there (None: unless the server was stopped)."""
        self.prepare(self.choose_version("1.9")).cast(
            ctxt, "evacuate_server", instance_uuid=instance_uuid, host=host,
            power_on=power_on)

    def evacuate_done(self, ctxt, instance_uuid, host, power_state):
        """The destination of an evacuation spawned the server."""
        self.prepare(self.choose_version("1.9")).cast(
            ctxt, "evacuate_done", instance_uuid=instance_uuid, host=host,
            power_state=power_state)

    def evacuate_failed(self, ctxt, instance_uuid, host, reason):
        """The destination of an evacuation could not spawn the server."""
        self.prepare(self.choose_version("1.9")).cast(
            ctxt, "evacuate_failed", instance_uuid=instance_uuid, host=host,
            reason=reason)

    def migration_disk_ready(self, ctxt, instance_uuid, host, flavor, image_id):
        """The source of a move stopped the guest and uploaded its root disk as
        the hidden image ``image_id``; the destination is to spawn it with
        ``flavor``."""
        self.prepare(self.choose_version("1.6")).cast(
            ctxt, "migration_disk_ready", instance_uuid=instance_uuid, host=host,
            flavor=flavor, image_id=image_id)

    def migration_failed(self, ctxt, instance_uuid, host, reason):
        """The destination of a move could not spawn the guest."""
        self.prepare(self.choose_version("1.6")).cast(
            ctxt, "migration_failed", instance_uuid=instance_uuid, host=host,
            reason=reason)

    def migration_reverted(self, ctxt, instance_uuid, host):
        """The destination of a reverted move destroyed its guest."""
        self.prepare(self.choose_version("1.6")).cast(
            ctxt, "migration_reverted", instance_uuid=instance_uuid, host=host)

    def confirm_resize(self, ctxt, instance_uuid):
        self.prepare(self.choose_version("1.1")).cast(
            ctxt, "confirm_resize", instance_uuid=instance_uuid)

    def revert_resize(self, ctxt, instance_uuid):
        self.prepare(self.choose_version("1.1")).cast(
            ctxt, "revert_resize", instance_uuid=instance_uuid)

    def resize_done(self, ctxt, instance_uuid, host, flavor, power_state):
        self.prepare(self.choose_version("1.1")).cast(
            ctxt, "resize_done", instance_uuid=instance_uuid, host=host, flavor=flavor,
            power_state=power_state)

    def resize_failed(self, ctxt, instance_uuid, host, reason):
        self.prepare(self.choose_version("1.1")).cast(
            ctxt, "resize_failed", instance_uuid=instance_uuid, host=host,
            reason=reason)

    def revert_done(self, ctxt, instance_uuid, host, power_state):
        self.prepare(self.choose_version("1.1")).cast(
            ctxt, "revert_done", instance_uuid=instance_uuid, host=host,
            power_state=power_state)

    def action_event(self, ctxt, instance_uuid, host, event, start_time,
                     finish_time=None, result=None, traceback=None, details=None):
        """Record a step ``event`` (e.g. ``compute_stop_instance``) of the instance
        action of ``ctxt.request_id``: started, or finished with ``result``
        (Success, Error). Times are ISO 8601 strings. Not sent to a 1.1 conductor
        (the step goes unrecorded: the operation itself is not affected)."""
        if not self.can_send_version("1.2"):
            return
        self.prepare("1.2").cast(
            ctxt, "action_event", instance_uuid=instance_uuid, host=host, event=event,
            start_time=start_time, finish_time=finish_time, result=result,
            traceback=traceback, details=details)

    def block_device_update(self, ctxt, instance_uuid, host, bdm_uuid, changes):
        """An agent's news of a server's volume mapping: ``changes`` of volume_id
        (a volume made at boot), attachment_id, connection_info, attach_status."""
        self.prepare(self.choose_version("1.3")).cast(
            ctxt, "block_device_update", instance_uuid=instance_uuid, host=host,
            bdm_uuid=bdm_uuid, changes=changes)

    def block_device_removed(self, ctxt, instance_uuid, host, bdm_uuid):
        """A volume mapping is gone from the server: detached, or its attach
        failed and was undone (its block storage attachment deleted)."""
        self.prepare(self.choose_version("1.3")).cast(
            ctxt, "block_device_removed", instance_uuid=instance_uuid, host=host,
            bdm_uuid=bdm_uuid)

    def network_info_update(self, ctxt, instance_uuid, host, network_info):
        """An agent's news of a server's VIFs (its ports, as network_api's
        module docstring shows them): the whole list, replacing the last."""
        self.prepare(self.choose_version("1.4")).cast(
            ctxt, "network_info_update", instance_uuid=instance_uuid, host=host,
            network_info=network_info)

    def vif_update(self, ctxt, instance_uuid, host, port_id, vif):
        """One VIF of the server made or bound (``vif``), or gone (None), leaving
        its others as they are."""
        self.prepare(self.choose_version("1.5")).cast(
            ctxt, "vif_update", instance_uuid=instance_uuid, host=host,
            port_id=port_id, vif=vif)

    def build_aborted(self, ctxt, instance_uuid, host, reason):
        """A build failed in a way another host would not fix (its ports never
        became ACTIVE): the server goes to ERROR with ``reason`` as its fault."""
        self.prepare(self.choose_version("1.4")).cast(
            ctxt, "build_aborted", instance_uuid=instance_uuid, host=host,
            reason=reason)

    def sync_power_states(self, ctxt, host, power_states):
        """An agent's periodic report: ``{instance uuid: power state}`` of every
        guest on its node."""
        self.prepare("1.0").cast(ctxt, "sync_power_states", host=host,
                                 power_states=power_states)


class ComputeAgentAPI(RPCAPI):
    """Client of the compute agents (one per node, on ``compute-agent.<host>``).

    Version history:

        1.0 - Initial version: build_instance, terminate_instance, start_instance,
              stop_instance, reboot_instance, get_console_output.
        1.1 - pause_instance, unpause_instance, suspend_instance, resume_instance.
        1.2 - snapshot_instance.
        1.3 - rebuild_instance.
        1.4 - resize_instance, confirm_resize, revert_resize.
        1.5 - get_power_state.
        1.6 - attach_volume, detach_volume; build_instance's ``instance`` may
              carry ``block_devices`` (volume-backed servers, volumes at boot),
              which a 1.5 agent ignores: volume builds need 1.6.
        1.7 - external_instance_event; build_instance's ``instance`` may carry
              ``requested_networks`` (ports to make or bind), which a 1.6 agent
              ignores; terminate_instance's releases the server's ports.
        1.8 - attach_interface, detach_interface (os-interface).
        1.9 - migrate_disk, finish_migration, confirm_migration,
              revert_migration, finish_revert_migration (moves to another host).
        1.10 - build_instance's ``image``: the Image API's view of the server's
               image, as the API read it for the create (the agent reads it
               itself when it is not given, as a 1.9 agent always does).
        1.11 - build_instance's ``step_started``: the conductor recorded the
               start of the build's step (compute__do_build_and_run_instance)
               for this host, so the agent does not (a 1.10 agent always does).
        1.12 - evacuate_instance (the destination of an evacuation).
    """

    TOPIC = AGENT_TOPIC
    VERSION = "1.12"

    def build_instance(self, ctxt, host, instance, key_data=None, user_data=None,
                       image=None, step_started=False):
        """``step_started``: the caller recorded the build step's start (which it
        may do only if ``can_send_version("1.11")``: an older agent records it)."""
        if step_started:
            self.prepare("1.11", server=host).cast(
                ctxt, "build_instance", instance=instance, key_data=key_data,
                user_data=user_data, image=image, step_started=True)
            return
        if image is not None and self.can_send_version("1.10"):
            self.prepare("1.10", server=host).cast(
                ctxt, "build_instance", instance=instance, key_data=key_data,
                user_data=user_data, image=image)
            return
        self.prepare("1.0", server=host).cast(ctxt, "build_instance", instance=instance,
                                              key_data=key_data, user_data=user_data)

    def terminate_instance(self, ctxt, host, instance):
        self.prepare("1.0", server=host).cast(ctxt, "terminate_instance",
                                              instance=instance)

    def start_instance(self, ctxt, host, instance):
        self.prepare("1.0", server=host).cast(ctxt, "start_instance", instance=instance)

    def stop_instance(self, ctxt, host, instance):
        self.prepare("1.0", server=host).cast(ctxt, "stop_instance", instance=instance)

    def reboot_instance(self, ctxt, host, instance, reboot_type):
        self.prepare("1.0", server=host).cast(ctxt, "reboot_instance", instance=instance,
                                              reboot_type=reboot_type)

    def pause_instance(self, ctxt, host, instance):
        self._power_cast(ctxt, host, instance, "pause_instance")

    def unpause_instance(self, ctxt, host, instance):
        self._power_cast(ctxt, host, instance, "unpause_instance")

    def suspend_instance(self, ctxt, host, instance):
        self._power_cast(ctxt, host, instance, "suspend_instance")

    def resume_instance(self, ctxt, host, instance):
        self._power_cast(ctxt, host, instance, "resume_instance")

    def _power_cast(self, ctxt, host, instance, method):
        # 1.1 only: a 1.0 agent cannot do these (RPCVersionCapError for the caller)
        version = self.choose_version("1.1")
        self.prepare(version, server=host).cast(ctxt, method, instance=instance)

    def snapshot_instance(self, ctxt, host, instance, image_id):
        """Upload the server's root disk into the (queued) image ``image_id``."""
        version = self.choose_version("1.2")
        self.prepare(version, server=host).cast(ctxt, "snapshot_instance",
                                                instance=instance, image_id=image_id)

    def rebuild_instance(self, ctxt, host, instance, image_ref, key_data=None,
                         user_data=None, stopped=False):
        """Rebuild the server from ``image_ref``; ``stopped``: leave it stopped
        (it was stopped before)."""
        version = self.choose_version("1.3")
        self.prepare(version, server=host).cast(
            ctxt, "rebuild_instance", instance=instance, image_ref=image_ref,
            key_data=key_data, user_data=user_data, stopped=stopped)

    def resize_instance(self, ctxt, host, instance, flavor):
        """Give the server's guest ``flavor`` (``instance`` has its current one)."""
        self.prepare(self.choose_version("1.4"), server=host).cast(
            ctxt, "resize_instance", instance=instance, flavor=flavor)

    def confirm_resize(self, ctxt, host, instance):
        self.prepare(self.choose_version("1.4"), server=host).cast(
            ctxt, "confirm_resize", instance=instance)

    def revert_resize(self, ctxt, host, instance, flavor):
        """Undo the resize: back to ``flavor`` (the one before)."""
        self.prepare(self.choose_version("1.4"), server=host).cast(
            ctxt, "revert_resize", instance=instance, flavor=flavor)

    def migrate_disk(self, ctxt, host, instance, flavor):
        """Source of a move: stop the guest (kept) and upload its root disk as a
        hidden image; the conductor hears ``migration_disk_ready`` (or
        ``resize_failed``)."""
        self.prepare(self.choose_version("1.9"), server=host).cast(
            ctxt, "migrate_disk", instance=instance, flavor=flavor)

    def finish_migration(self, ctxt, host, instance, flavor, image_id, power_on=True,
                         key_data=None, user_data=None):
        """Destination of a move: spawn the guest with ``flavor`` from the image
        of its disk (stopped unless ``power_on``)."""
        self.prepare(self.choose_version("1.9"), server=host).cast(
            ctxt, "finish_migration", instance=instance, flavor=flavor,
            image_id=image_id, power_on=power_on, key_data=key_data,
            user_data=user_data)

    def evacuate_instance(self, ctxt, host, instance, power_on=True, key_data=None,
                          user_data=None):
        """Destination of an evacuation: spawn the server here from its image
        (or its boot volume), its ports and volumes taken over (stopped unless
        ``power_on``)."""
        self.prepare(self.choose_version("1.12"), server=host).cast(
            ctxt, "evacuate_instance", instance=instance, power_on=power_on,
            key_data=key_data, user_data=user_data)

    def confirm_migration(self, ctxt, host, instance, image_id):
        """Source of a confirmed move: destroy the kept guest, delete the image."""
        self.prepare(self.choose_version("1.9"), server=host).cast(
            ctxt, "confirm_migration", instance=instance, image_id=image_id)

    def revert_migration(self, ctxt, host, instance):
        """Destination of a reverted move: destroy its guest."""
        self.prepare(self.choose_version("1.9"), server=host).cast(
            ctxt, "revert_migration", instance=instance)

    def finish_revert_migration(self, ctxt, host, instance, image_id, power_on=True):
        """Source of a reverted (or failed) move: the kept guest started again if
        ``power_on``, the image deleted."""
        self.prepare(self.choose_version("1.9"), server=host).cast(
            ctxt, "finish_revert_migration", instance=instance, image_id=image_id,
            power_on=power_on)

    def get_power_state(self, ctxt, host, instance, timeout=30):
        """The guest's power state on ``host`` (InstanceNotFound: it has none)."""
        return self.prepare(self.choose_version("1.5"), server=host,
                            timeout=timeout).call(ctxt, "get_power_state",
                                                  instance=instance)

    def attach_volume(self, ctxt, host, instance, bdm):
        """Connect the volume of mapping ``bdm`` (reserved: it has an attachment
        id) to the node and plug it into the guest."""
        self.prepare(self.choose_version("1.6"), server=host).cast(
            ctxt, "attach_volume", instance=instance, bdm=bdm)

    def detach_volume(self, ctxt, host, instance, bdm):
        """Unplug the volume of mapping ``bdm`` and delete its attachment."""
        self.prepare(self.choose_version("1.6"), server=host).cast(
            ctxt, "detach_volume", instance=instance, bdm=bdm)

    def external_instance_event(self, ctxt, host, instance, events):
        """News of the server from another service (os-server-external-events):
        ``events`` are ``{"name", "tag", "status"}`` (network-vif-plugged,
        volume-extended...)."""
        self.prepare(self.choose_version("1.7"), server=host).cast(
            ctxt, "external_instance_event", instance=instance, events=events)

    def attach_interface(self, ctxt, host, instance, requested, timeout=120):
        """Make (or bind) the port of ``requested`` (one entry as in the server's
        requested_networks) and plug it into the guest; returns its VIF."""
        return self.prepare(self.choose_version("1.8"), server=host,
                            timeout=timeout).call(ctxt, "attach_interface",
                                                  instance=instance,
                                                  requested=requested)

    def detach_interface(self, ctxt, host, instance, port_id):
        """Unplug the guest's NIC of ``port_id`` and release the port."""
        self.prepare(self.choose_version("1.8"), server=host).cast(
            ctxt, "detach_interface", instance=instance, port_id=port_id)

    def get_console_output(self, ctxt, host, instance):
        return self.prepare("1.0", server=host).call(ctxt, "get_console_output",
                                                     instance=instance)
