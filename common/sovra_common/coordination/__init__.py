"""Coordination: liveness of agents (heartbeats in groups) and distributed locks.

    coordinator = coordination.get_coordinator(conf)
    coordinator.start()
    coordinator.heartbeat("compute-agents", "node1", {"version": "0.1.0"})
    coordinator.members("compute-agents")     # {"node1": {"version": "0.1.0"}}
    with coordinator.lock("instance-<uuid>", timeout=10):
        ...
    coordinator.stop()

The contract is in ``base.py``; backends: ``inprocess`` (lite mode), ``etcd`` (full).
"""

from sovra_common.coordination.base import Coordinator, LockToken
from sovra_common.coordination.exception import (
    CoordinationError,
    CoordinationUnavailable,
    LockLost,
    LockTimeout,
    NotStarted,
)
from sovra_common.coordination.factory import coordinator_from_url, get_coordinator

__all__ = [
    "Coordinator", "LockToken", "CoordinationError", "CoordinationUnavailable",
    "LockLost", "LockTimeout", "NotStarted", "coordinator_from_url", "get_coordinator",
]
