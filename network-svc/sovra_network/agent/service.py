"""The running agent: liveness, and the reconcile loop that syncs coalesced.

One thread does every sync, so syncs never overlap. A sync runs

- at start, then every ``resync_interval`` seconds (a full resync: whatever drifted
  on the node, or changed while the agent was down, is fixed; whatever no longer
  exists is removed);
- soon after ``schedule()`` (the API's ``state_changed`` casts): casts that arrive
  while a sync runs, or within ``DEBOUNCE`` seconds, are served by one more sync;
- when the tap of one of its ports appears or a plugged one vanishes (looked for
  every ``tap_poll_interval`` seconds while there are such ports): compute creates
  a guest's tap after binding its port, and no cast tells of that.

A failed sync (API or node unreachable) is retried after ``RETRY`` seconds, doubling
up to the resync interval; it changes nothing on the node when the API could not
be read (see sync.py), nor before the live agents (the other nodes' VXLAN
endpoints) were read once from the coordination service; later, if that service
cannot be read, the last known agents are used.

Liveness: the agent heartbeats in the coordination service's ``agents_group`` as
member ``<host>`` with ``sync.heartbeat_data`` (its tunneling_ip among it), which
is what ``GET /v2.0/agents`` lists and what the other agents read their tunnel
endpoints from. Once registered it casts ``state_changed(host=<host>)`` so that the
others add its VXLAN endpoint at once rather than at their next resync.
"""

from __future__ import annotations

import concurrent.futures
import datetime
import logging
import threading
import time

from sovra_common import context
from sovra_network.agent import ip_lib, sync
from sovra_network.agent.settings import AgentSettings

LOG = logging.getLogger(__name__)


class NetworkAgent:
    DEBOUNCE = 0.1
    RETRY = 0.5
    #: concurrent status reports to the API
    REPORTERS = 8
    #: seconds between looks for new taps of the node's ports
    tap_poll_interval = 1.0

    def __init__(self, settings: AgentSettings, client, coordinator, agents_group: str,
                 *, resync_interval: float = 60, announcer=None):
        """``client``: a NetworkClient with service credentials; ``announcer``: a
        NetworkAgentAPI to tell the other agents this one joined (optional)."""
        self.settings = settings
        self.client = client
        self.coordinator = coordinator
        self.agents_group = agents_group
        self.resync_interval = resync_interval or None
        self.announcer = announcer
        self.data_plane = sync.DataPlane(ip_lib.Netns(settings.node_namespace), settings)
        self.joined = threading.Event()
        #: set after each successful sync (tests and health checks wait on it)
        self.synced = threading.Event()
        self.sync_count = 0
        self.last_error: str | None = None
        self._agents: dict | None = None
        #: (taps of the node's ports not plugged yet, taps plugged)
        self._watched_taps: tuple[frozenset, frozenset] = (frozenset(), frozenset())
        self._started_at = datetime.datetime.now(datetime.UTC).isoformat()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name=f"network-agent-{settings.host}")

    # --- control ---------------------------------------------------------------------
    def start(self) -> NetworkAgent:
        self._thread.start()
        return self

    def schedule(self, reason: str = "") -> None:
        """Ask for a sync soon (coalesced with the others asked meanwhile)."""
        LOG.debug("%s: sync asked (%s)", self.settings.host, reason)
        self._wake.set()

    def stop(self) -> None:
        """Stop syncing and leave the agents group. The data plane stays as it is:
        guests keep their traffic while no agent runs (but no metadata: the proxy
        is the agent's)."""
        self._stopping.set()
        self._wake.set()
        self._thread.join()
        self.data_plane.close()
        if self.joined.is_set() and self.coordinator.started:
            try:
                self.coordinator.leave(self.agents_group, self.settings.host)
            except Exception:  # it expires by itself
                LOG.warning("%s: could not leave %s", self.settings.host,
                            self.agents_group)

    # --- the loop --------------------------------------------------------------------
    def _run(self) -> None:
        delay = self.RETRY
        next_sync = time.monotonic()
        while not self._stopping.is_set():
            now = time.monotonic()
            if self._wake.is_set() or now >= next_sync:
                self._wake.clear()
                try:
                    ok = self.sync_once()
                except Exception:  # a bug must not end the loop: retry later
                    LOG.exception("%s: sync crashed", self.settings.host)
                    ok = False
                if ok:
                    delay = self.RETRY
                    next_sync = now + (self.resync_interval or float("inf"))
                else:
                    self._watched_taps = (frozenset(), frozenset())
                    next_sync = now + delay
                    delay = min(delay * 2, self.resync_interval or 30)
                continue
            timeout = next_sync - now
            polling = self._watched_taps != (frozenset(), frozenset())
            if polling:
                timeout = min(timeout, self.tap_poll_interval)
            if self._wake.wait(None if timeout == float("inf") else timeout):
                if not self._stopping.is_set():
                    self._stopping.wait(self.DEBOUNCE)  # the siblings of a cast
            elif polling and self._taps_changed():
                self._wake.set()

    def _taps_changed(self) -> bool:
        """Whether a tap of one of the node's ports appeared (compute created the
        guest's tap after the last sync) or a plugged one vanished: cheap (one
        ``ip link``), checked every ``tap_poll_interval`` while there are any."""
        waiting, plugged = self._watched_taps
        if not waiting and not plugged:
            return False
        try:
            links = self.data_plane.node.links()
        except ip_lib.CommandFailed:
            return False
        return bool(waiting & links.keys()) or not plugged <= links.keys()

    def _join(self) -> None:
        if self.joined.is_set():
            return
        data = dict(sync.heartbeat_data(self.settings), binary="sovra-network-agent",
                    started_at=self._started_at)
        self.coordinator.heartbeat(self.agents_group, self.settings.host, data)
        self.joined.set()
        LOG.info("network agent %s is up (VXLAN endpoint %s)", self.settings.host,
                 self.settings.tunneling_ip)
        if self.announcer is not None:
            try:
                self.announcer.state_changed(context.get_internal_context(),
                                             host=self.settings.host)
            except Exception:  # the others find it at their next resync
                LOG.warning("could not announce %s to the other agents",
                            self.settings.host)

    def _live_agents(self) -> dict | None:
        """The live agents; the last known ones if the coordination service cannot
        be read now (keep the tunnels rather than drop them); None if never read."""
        try:
            self._agents = self.coordinator.members(self.agents_group)
        except Exception as exc:
            if self._agents is None:
                self.last_error = f"reading the live agents: {exc}"
                LOG.warning("%s: sync skipped, %s", self.settings.host, self.last_error)
                return None
            LOG.warning("agents unknown (%s); keeping the last known tunnel endpoints",
                        exc)
        return self._agents

    def _report(self, changes: list[tuple[str, str]]) -> None:
        """Tell the API the ports' new statuses, ``REPORTERS`` requests at a time (a
        node's first sync may report hundreds). A failure is logged; the next sync
        reports again what is still not right."""
        def report(change):
            port_id, status = change
            try:
                self.client.set_port_status(port_id, status)
                LOG.info("port %s is %s", port_id, status)
            except Exception as exc:  # deleted meanwhile, or the API went away
                LOG.warning("port %s: status %s not reported (%s)", port_id, status, exc)
        if len(changes) <= 1:
            for change in changes:
                report(change)
            return
        with concurrent.futures.ThreadPoolExecutor(
                min(self.REPORTERS, len(changes)),
                thread_name_prefix=f"network-agent-{self.settings.host}-report") as pool:
            list(pool.map(report, changes))

    def sync_once(self) -> bool:
        """One full pass; True if it succeeded."""
        started = time.monotonic()
        try:
            self._join()
        except Exception as exc:
            LOG.warning("%s: cannot heartbeat yet (%s)", self.settings.host, exc)
        try:
            snapshot = sync.read_api(self.client)
        except Exception as exc:
            self.last_error = f"reading the network API: {exc}"
            LOG.warning("%s: sync skipped, %s", self.settings.host, self.last_error)
            return False
        agents = self._live_agents()
        if agents is None:  # without the other nodes' endpoints, tunnels would go
            return False
        try:
            state = sync.plan(self.settings, snapshot, agents)
            plugged = self.data_plane.apply(state)
        except Exception as exc:
            self.last_error = f"applying the state: {exc}"
            LOG.exception("%s: sync failed", self.settings.host)
            return False
        self._report(sync.status_changes(self.settings.host, snapshot.ports, state,
                                         plugged))
        self._watched_taps = (
            frozenset(p.tap for p in state.ports.values()
                      if p.id not in plugged and p.is_vm and p.admin_state_up),
            frozenset(p.tap for p in state.ports.values() if p.id in plugged))
        self.sync_count += 1
        self.last_error = None
        self.synced.set()
        LOG.debug("%s: sync %d done in %.3f s (%d networks, %d ports)",
                  self.settings.host, self.sync_count, time.monotonic() - started,
                  len(state.networks), len(state.ports))
        return True
