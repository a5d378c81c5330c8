"""Telling compute about its servers' ports: external events, as Neutron tells nova.

A port is a server's when its device_owner starts with ``compute:``; its device_id
is the server. After the change is committed, the handlers queue:

| change | event (tag: the port id) |
|---|---|
| status turns ACTIVE | ``network-vif-plugged``, status ``completed`` |
| status turns ERROR | ``network-vif-plugged``, status ``failed`` |
| status DOWN after ACTIVE | ``network-vif-unplugged``, status ``completed`` |
| port deleted | ``network-vif-deleted``, status ``completed`` |
| its fixed IPs changed (port update) | ``network-changed``, status ``completed`` |
| a floating IP mapped to it or no more | ``network-changed``, status ``completed`` |

(A floating IP maps to it no more when moved away, disassociated or deleted.)
A port deleted with a floating IP only sends ``network-vif-deleted``: its
floating IPs are disassociated with it.

They go through compute's ``external_events.EventSender`` (one thread per API
process; what gathers within ``[compute] send_events_interval`` goes in one
request, with the service's own credentials; never blocking or failing an API
request: see that module).
"""

from __future__ import annotations

from sovra_compute import external_events

COMPUTE_OWNER_PREFIX = "compute:"


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


def changed_event(port) -> dict | None:
    """``network-changed``: compute re-reads the port and its floating IPs."""
    return _event(port, "network-changed")


def from_conf(conf) -> external_events.EventSender | None:
    """The sender ``[compute]`` asks for, or None when compute is not to be told."""
    opts = conf.compute
    if not opts.notify_compute_on_port_status_changes:
        return None
    return external_events.service_sender(conf, endpoint=opts.endpoint,
                                          interface=opts.interface,
                                          interval=opts.send_events_interval)


def port_status_changed(req, port, previous: str) -> None:
    """For the handlers: ``port`` (committed) had status ``previous`` before."""
    sender = req.state.extras.get("compute_events")
    if sender is not None:
        sender.send(status_event(port, previous))


def port_deleted(req, port) -> None:
    sender = req.state.extras.get("compute_events")
    if sender is not None:
        sender.send(deleted_event(port))


def ports_changed(req, ports) -> None:
    """For the handlers: the fixed IPs or floating IPs of ``ports`` (committed;
    None ones skipped) changed."""
    sender = req.state.extras.get("compute_events")
    if sender is None:
        return
    for port in ports:
        if port is not None:
            sender.send(changed_event(port))
