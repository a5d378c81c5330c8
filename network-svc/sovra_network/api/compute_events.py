"""Telling compute about its servers' ports: external events, as Neutron tells nova.

A port is a server's when its device_owner starts with ``compute:``; its device_id
is the server. After the change is committed, the handlers queue:

| change | event (tag: the port id) |
|---|---|
| status turns ACTIVE | ``network-vif-plugged``, status ``completed`` |
| status turns ERROR | ``network-vif-plugged``, status ``failed`` |
| status DOWN after ACTIVE | ``network-vif-unplugged``, status ``completed`` |
| port deleted | ``network-vif-deleted``, status ``completed`` |

One thread per API process sends them: what gathers within ``[compute]
send_events_interval`` goes in one ``POST /os-server-external-events``, with the
service's own credentials. Nothing here blocks or fails an API request: a compute
that cannot be reached is retried briefly, then the events are dropped with a
warning (compute's own timeouts cover a lost vif-plugged); an event for a server
compute does not know (404) is logged at debug level.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable

from keystoneauth1 import exceptions as ks_exc
from oslo_config import cfg

from sovra_common.auth import sessions

LOG = logging.getLogger(__name__)

COMPUTE_OWNER_PREFIX = "compute:"
MAX_BATCH = 100
RETRIES = 2
RETRY_DELAY = 1.0
_STOP = object()


def _event(port, name: str, status: str = "completed") -> dict | None:
    if not (port.device_owner or "").startswith(COMPUTE_OWNER_PREFIX) or \
            not port.device_id:
        return None
    return {"name": name, "server_uuid": port.device_id, "tag": port.id,
            "status": status}


def status_event(port, previous: str) -> dict | None:
    """The event for ``port`` (its status now set) having had ``previous``."""
    if port.status == previous:
        return None
    if port.status == "ACTIVE":
        return _event(port, "network-vif-plugged")
    if port.status == "ERROR":
        return _event(port, "network-vif-plugged", "failed")
    if port.status == "DOWN" and previous == "ACTIVE":
        return _event(port, "network-vif-unplugged")
    return None


def deleted_event(port) -> dict | None:
    return _event(port, "network-vif-deleted")


class ComputeEvents:
    """Sends queued events in batches from one daemon thread (started on first use).

    ``make_client()`` returns an object with ``create_server_external_events``
    (sovra_compute.client.ComputeClient); it is called in that thread, once it
    succeeded."""

    def __init__(self, make_client: Callable, *, interval: float = 0.5,
                 retries: int = RETRIES, retry_delay: float = RETRY_DELAY):
        self._make_client = make_client
        self._interval, self._retries, self._retry_delay = interval, retries, retry_delay
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._client = None
        self._disabled = False
        self._closing = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def send(self, event: dict | None) -> None:
        """Queue ``event`` (None: nothing); returns at once."""
        if event is None or self._disabled or self._closing.is_set():
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, daemon=True,
                                                name="compute-events")
                self._thread.start()
        self._queue.put(event)

    def close(self, timeout: float = 5.0) -> None:
        """Send what is queued (no more retries), then stop the thread."""
        self._closing.set()
        with self._lock:
            thread = self._thread
        if thread is not None:
            self._queue.put(_STOP)
            thread.join(timeout)

    # -- the sending thread -------------------------------------------------------------

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            batch, stop = self._gather(first)
            try:
                self._deliver(batch)
            except Exception:  # never let the thread die: later events still go
                LOG.exception("compute not told of %d port events", len(batch))
            if stop:
                return

    def _gather(self, first) -> tuple[list[dict], bool]:
        batch = [first]
        deadline = time.monotonic() + self._interval
        while len(batch) < MAX_BATCH:
            wait = deadline - time.monotonic()
            try:
                if wait > 0 and not self._closing.is_set():
                    item = self._queue.get(timeout=wait)
                else:  # what is queued already still goes in this batch
                    item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is _STOP:
                return batch, True
            batch.append(item)
        return batch, False

    def _deliver(self, batch: list[dict]) -> None:
        if self._disabled:
            return
        for attempt in range(self._retries + 1):
            try:
                if self._client is None:
                    self._client = self._make_client()
                results = self._client.create_server_external_events(batch)
            except cfg.RequiredOptError as exc:
                self._disabled = True
                LOG.error("compute will not be told of port events: %s", exc)
                return
            except (ks_exc.ClientException, OSError) as exc:
                retry = _retriable(exc) and attempt < self._retries
                if retry and not self._closing.wait(self._retry_delay):
                    continue
                LOG.warning("compute not told of %d port events (%s): %s",
                            len(batch), _names(batch), exc)
                return
            _log_results(results)
            return


def _retriable(exc) -> bool:
    """Compute unreachable or failing (5xx), not a request it refused (4xx)."""
    status = getattr(exc, "http_status", None)
    return status is None or status >= 500


def _names(batch) -> str:
    return ", ".join(sorted({e["name"] for e in batch}))


def _log_results(results: list[dict]) -> None:
    for result in results:
        code = result.get("code", 200)
        if code == 200:
            continue
        level = logging.DEBUG if code == 404 else logging.WARNING
        LOG.log(level, "compute answered %s to %s of server %s (port %s)", code,
                result.get("name"), result.get("server_uuid"), result.get("tag"))


def from_conf(conf) -> ComputeEvents | None:
    """The sender ``[compute]`` asks for, or None when compute is not to be told."""
    opts = conf.compute
    if not opts.notify_compute_on_port_status_changes:
        return None

    def make_client():
        from sovra_compute.client import ComputeClient

        return ComputeClient(sessions.service_session(conf),
                             endpoint_override=opts.endpoint, interface=opts.interface)
    return ComputeEvents(make_client, interval=opts.send_events_interval)


def port_status_changed(req, port, previous: str) -> None:
    """For the handlers: ``port`` (committed) had status ``previous`` before."""
    sender = req.state.extras.get("compute_events")
    if sender is not None:
        sender.send(status_event(port, previous))


def port_deleted(req, port) -> None:
    sender = req.state.extras.get("compute_events")
    if sender is not None:
        sender.send(deleted_event(port))
