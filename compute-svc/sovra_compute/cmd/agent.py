"""sovra-compute-agent: one per compute node ([compute] host), running the virt
driver; as a component of a Sovra process (alone, or in sovra-allinone)."""

from __future__ import annotations

import datetime
import logging
import sys
import threading
import time

from sovra_common import component, context, process, rpc
from sovra_common.auth import sessions
from sovra_compute import block_api, image_api, network_api, placement_client, virt
from sovra_compute import conf as compute_conf
from sovra_compute import rpc as compute_rpc
from sovra_compute.agent import network, node
from sovra_compute.agent.endpoint import ComputeAgentEndpoint
from sovra_compute.service import compute_service
from sovra_compute.virt import driver as virt_driver

LOG = logging.getLogger(__name__)


def image_cache_interval(conf) -> float | None:
    """Seconds between image cache manager runs ([image_cache] manager_interval,
    upstream's meaning: 0 is every 60 s, -1 never); None: never."""
    interval = conf.image_cache.manager_interval
    if interval < 0:
        return None
    return interval or 60


class RunningAgent:
    """A started agent. Its node joins the cloud in the background: registered in
    placement (retried until placement answers: in lite mode it may start after the
    agent), then announced by its heartbeat, which makes it schedulable. Then it
    reports its guests' power states at once and every [compute]
    sync_power_state_interval seconds, and soon after the driver tells of a
    guest that changed by itself; and has the driver tidy its image cache every
    [image_cache] manager_interval seconds."""

    RETRY_MAX = 5.0
    EVENT_DEBOUNCE = 0.2

    def __init__(self, conf, host, driver, placement, server, transport, coordinator,
                 conductor):
        self.host, self.driver = host, driver
        self._conductor = conductor
        self._conf, self._placement = conf, placement
        self._server, self._transport, self._coordinator = server, transport, coordinator
        self._stopping = threading.Event()
        self._wake = threading.Event()
        self.joined = threading.Event()
        driver.set_event_listener(lambda _uuid: self._wake.set())
        self._thread = threading.Thread(target=self._join, name=f"agent-{host}",
                                        daemon=True)
        self._thread.start()

    def _join(self):
        delay = 0.1
        while not self._stopping.is_set():
            try:
                node.register(self._conf, self._placement, self.host, self.driver)
                self._coordinator.heartbeat(
                    compute_service.AGENTS_GROUP, self.host,
                    {"binary": compute_service.AGENT_BINARY,
                     "started_at": datetime.datetime.now(datetime.UTC).isoformat()})
            except Exception as exc:  # placement or coordination not there yet
                LOG.warning("%s: cannot join the cloud yet (%s); retrying in %.1f s",
                            self.host, exc, delay)
                self._stopping.wait(delay)
                delay = min(delay * 2, self.RETRY_MAX)
                continue
            LOG.info("compute node %s registered and up", self.host)
            self.joined.set()
            break
        sync_every = self._conf.compute.sync_power_state_interval or None
        cache_every = image_cache_interval(self._conf)
        now = time.monotonic()
        # the first report at once: what the node did while it was away (guests
        # of servers deleted or evacuated meanwhile) is settled without delay
        next_sync = now if sync_every else None
        next_cache = now + cache_every if cache_every else None
        while not self._stopping.is_set():
            due = [at for at in (next_sync, next_cache) if at is not None]
            timeout = max(0.0, min(due) - time.monotonic()) if due else None
            woken = self._wake.wait(timeout)
            if woken:  # an event: let its siblings arrive too
                self._stopping.wait(self.EVENT_DEBOUNCE)
            self._wake.clear()
            if self._stopping.is_set():
                break
            now = time.monotonic()
            if woken or (next_sync is not None and now >= next_sync):
                self.sync_power_states()
                next_sync = time.monotonic() + sync_every if sync_every else None
            if next_cache is not None and now >= next_cache:
                self.manage_image_cache()
                next_cache = time.monotonic() + cache_every

    def sync_power_states(self):
        """Report every guest's power state to the conductor."""
        try:
            states = {}
            for uuid in self.driver.list_instances():
                try:
                    states[uuid] = self.driver.get_info({"uuid": uuid}).power_state
                except virt_driver.InstanceNotFound:
                    continue  # gone meanwhile
            self._conductor.sync_power_states(context.get_internal_context(),
                                              self.host, states)
        except Exception:  # the next round tries again
            LOG.exception("power state sync of %s failed", self.host)

    def manage_image_cache(self):
        """The driver's image cache housekeeping (removing unused bases)."""
        try:
            self.driver.manage_image_cache()
        except Exception:  # the next round tries again
            LOG.exception("image cache manager of %s failed", self.host)

    def stop(self):
        self._stopping.set()
        self._wake.set()
        self.driver.set_event_listener(None)
        self._thread.join()
        self._server.stop()
        if self._coordinator.started and self.joined.is_set():
            self._coordinator.leave(compute_service.AGENTS_GROUP, self.host)
        self._transport.cleanup()


class AgentComponent(component.Component):
    name = "compute-agent"
    config_project = "sovra-compute"

    def register_opts(self, conf):
        compute_conf.register_opts(conf)

    def start(self, conf, resources, driver=None, placement=None):
        """``driver``: a virt driver instance to run instead of [compute]
        virt_driver's; ``placement``: a placement client to share (tests and
        simulations running many agents in one process)."""
        host = conf.compute.host
        driver = driver or virt.load(conf)
        placement = placement or placement_client.PlacementClient(
            sessions.service_session(conf), interface=conf.compute.placement_interface)
        transport = rpc.build_rpc_transport(conf)
        try:
            conductor = compute_rpc.ConductorAPI(transport)
            endpoint = ComputeAgentEndpoint(
                host, driver, conductor, images=image_api.client_factory(conf),
                volumes=block_api.client_factory(conf),
                volume_timeout=conf.compute.volume_create_timeout,
                networking=network.Networking(
                    network_api.client_factory(conf),
                    network_api.service_client_factory(conf),
                    conf.compute.network_host or host),
                vif_plugging_timeout=conf.compute.vif_plugging_timeout,
                vif_plugging_is_fatal=conf.compute.vif_plugging_is_fatal)
            server = rpc.RPCServer(transport, compute_rpc.AGENT_TOPIC, host,
                                   [endpoint]).start()
        except Exception:
            transport.cleanup()
            raise
        return RunningAgent(conf, host, driver, placement, server, transport,
                            resources.coordinator, conductor)


COMPONENT = AgentComponent()


def main(argv=None) -> int:
    return process.run_one(COMPONENT, argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
