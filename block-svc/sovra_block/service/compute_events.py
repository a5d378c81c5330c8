"""Telling compute that an attached volume grew, as Cinder tells nova: after an
in-use volume's extend completed, one ``volume-extended`` event per server it is
attached to (``server_uuid``: the server, ``tag``: the volume id), in one
``POST /os-server-external-events``, with the service's own credentials. Compute's
agent then tells the guest its disk's new size.

The report endpoint queues them and returns; one thread per API process sends
them, so neither an API request nor an agent's report waits for compute. A
compute that cannot be reached (or answers 5xx) is retried briefly, then the
event is dropped with a warning: the volume is extended either way, and the guest
sees the new size when it next opens the disk (restart, re-attach).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterable

from keystoneauth1 import exceptions as ks_exc
from oslo_config import cfg

from sovra_common.auth import sessions

LOG = logging.getLogger(__name__)

EVENT = "volume-extended"
RETRIES = 2
RETRY_DELAY = 1.0
_STOP = object()


def volume_extended_events(volume_id: str, server_uuids: Iterable[str]) -> list[dict]:
    return [{"name": EVENT, "server_uuid": server, "tag": volume_id}
            for server in sorted(set(server_uuids))]


class ComputeEvents:
    """Sends queued event lists from one daemon thread (started on first use).

    ``make_client()`` returns an object with ``create_server_external_events``
    (sovra_compute.client.ComputeClient); it is called in that thread, once it
    succeeded."""

    def __init__(self, make_client: Callable, *, retries: int = RETRIES,
                 retry_delay: float = RETRY_DELAY):
        self._make_client = make_client
        self._retries, self._retry_delay = retries, retry_delay
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._client = None
        self._closing = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def volume_extended(self, volume_id: str, server_uuids: Iterable[str]) -> None:
        """Queue the events of ``volume_id`` grown while attached to
        ``server_uuids``; returns at once."""
        events = volume_extended_events(volume_id, server_uuids)
        if not events or self._closing.is_set():
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, daemon=True,
                                                name="compute-events")
                self._thread.start()
        self._queue.put(events)

    def close(self, timeout: float = 5.0) -> None:
        """Send what is queued (no more retries), then stop the thread."""
        self._closing.set()
        with self._lock:
            thread = self._thread
        if thread is not None:
            self._queue.put(_STOP)
            thread.join(timeout)

    def _run(self) -> None:
        while True:
            events = self._queue.get()
            if events is _STOP:
                return
            try:
                self._deliver(events)
            except Exception:  # the thread lives on: later events still go
                LOG.exception("compute not told of %s", events)

    def _deliver(self, events: list[dict]) -> None:
        for attempt in range(self._retries + 1):
            try:
                if self._client is None:
                    self._client = self._make_client()
                results = self._client.create_server_external_events(events)
            except cfg.RequiredOptError as exc:  # no [service_auth]
                LOG.error("compute not told that volume %s grew: %s",
                          events[0]["tag"], exc)
                return
            except (ks_exc.ClientException, OSError) as exc:
                status = getattr(exc, "http_status", None)
                if (status is None or status >= 500) and attempt < self._retries \
                        and not self._closing.wait(self._retry_delay):
                    continue
                LOG.warning("compute not told that volume %s grew: %s",
                            events[0]["tag"], exc)
                return
            for result in results:
                if result.get("code", 200) != 200:
                    LOG.warning("compute answered %s to volume-extended of volume %s "
                                "for server %s", result.get("code"), result.get("tag"),
                                result.get("server_uuid"))
            return


def from_conf(conf) -> ComputeEvents | None:
    """The sender ``[compute]`` asks for, or None when compute is not to be told."""
    opts = conf.compute
    if not opts.send_volume_extended:
        return None

    def make_client():
        from sovra_compute.client import ComputeClient

        return ComputeClient(sessions.service_session(conf),
                             endpoint_override=opts.endpoint, interface=opts.interface)
    return ComputeEvents(make_client)
