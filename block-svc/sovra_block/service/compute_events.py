"""Telling compute that an attached volume grew, as Cinder tells nova: after an
in-use volume's extend completed, one ``volume-extended`` event per server it is
attached to (``server_uuid``: the server, ``tag``: the volume id), in one
``POST /os-server-external-events``, with the service's own credentials. Compute's
agent then tells the guest its disk's new size.

The report endpoint queues them on compute's ``external_events.EventSender`` and
returns; one thread per API process sends them, so neither an API request nor an
agent's report waits for compute. A compute that cannot be reached (or answers
5xx) is retried briefly, then the event is dropped with a warning: the volume is
extended either way, and the guest sees the new size when it next opens the disk
(restart, re-attach).
"""

from __future__ import annotations

from collections.abc import Iterable

from sovra_compute import external_events

EVENT = "volume-extended"


def volume_extended_events(volume_id: str, server_uuids: Iterable[str]) -> list[dict]:
    return [{"name": EVENT, "server_uuid": server, "tag": volume_id}
            for server in sorted(set(server_uuids))]


def from_conf(conf) -> external_events.EventSender | None:
    """The sender ``[compute]`` asks for, or None when compute is not to be told."""
    opts = conf.compute
    if not opts.send_volume_extended:
        return None
    return external_events.service_sender(conf, endpoint=opts.endpoint,
                                          interface=opts.interface)
