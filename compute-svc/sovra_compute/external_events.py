"""How other services tell compute about its servers: external events
(``POST /os-server-external-events``), sent as Neutron and Cinder tell nova.

The network API sends ``network-vif-plugged`` / ``-unplugged`` / ``-deleted``
when a server's port changes, block storage ``volume-extended`` when an attached
volume grew. Either queues events on an ``EventSender`` and returns: one daemon
thread per process sends them, what gathers within ``interval`` in one request
(at most MAX_BATCH events), with the service's own credentials. Nothing here
blocks or fails the caller: a compute that cannot be reached (or answers 5xx) is
retried briefly, then the events are dropped with a warning (compute's own
timeouts cover a lost event); a request compute refused (4xx) is not retried; a
per-event 404 (a server compute does not know) is logged at debug level. Without
service credentials the sender logs once and drops everything.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable

from keystoneauth1 import exceptions as ks_exc
from oslo_config import cfg

LOG = logging.getLogger(__name__)

MAX_BATCH = 100
RETRIES = 2
RETRY_DELAY = 1.0
_STOP = object()


class EventSender:
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
        if event is not None:
            self.send_all([event])

    def send_all(self, events: list[dict]) -> None:
        """Queue ``events`` (in order); returns at once."""
        if not events or self._disabled or self._closing.is_set():
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, daemon=True,
                                                name="compute-events")
                self._thread.start()
        for event in events:
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
                LOG.exception("compute not told of %d events", len(batch))
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
                LOG.error("compute will not be told of events: %s", exc)
                return
            except (ks_exc.ClientException, OSError) as exc:
                retry = _retriable(exc) and attempt < self._retries
                if retry and not self._closing.wait(self._retry_delay):
                    continue
                LOG.warning("compute not told of %d events (%s): %s",
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
        LOG.log(level, "compute answered %s to %s of server %s (tag %s)", code,
                result.get("name"), result.get("server_uuid"), result.get("tag"))


def service_sender(conf, *, endpoint: str | None, interface: str,
                   interval: float = 0.0) -> EventSender:
    """A sender acting with ``conf``'s service credentials (``[service_auth]``),
    compute found in the catalog (or at ``endpoint``)."""
    from sovra_common.auth import sessions

    def make_client():
        from sovra_compute.client import ComputeClient

        return ComputeClient(sessions.service_session(conf),
                             endpoint_override=endpoint, interface=interface)
    return EventSender(make_client, interval=interval)
