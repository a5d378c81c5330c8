"""Errors of the coordination layer.

They derive from ``sovra_common.exception`` so the fault module renders them like any
other domain error; ``error_code`` values are stable once released.
"""

from sovra_common import exception


class CoordinationError(exception.SovraError):
    """Base of every coordination error; also raised for misuse (e.g. not started)."""

    message = "Coordination failed."
    error_code = "sovra.coordination.error"


class NotStarted(CoordinationError):
    """The coordinator is not started (never started, stopped, or abandoned)."""

    message = "The coordinator is not started."
    error_code = "sovra.coordination.not_started"


class CoordinationUnavailable(CoordinationError, exception.ServiceUnavailable):
    """The coordination backend (etcd) cannot be reached or failed the request."""

    message = "The coordination backend is unavailable: %(reason)s"
    error_code = "sovra.coordination.unavailable"


class LockTimeout(CoordinationError):
    """A lock was still held by someone else when the acquire timeout ran out."""

    message = "Could not acquire lock %(name)s within %(timeout)s s: it is held by another."
    error_code = "sovra.coordination.lock_timeout"

    def __init__(self, *, name: str, timeout: float):
        super().__init__(name=name, timeout=timeout)
        self.name = name
        self.timeout = timeout


class LockLost(CoordinationError):
    """A lock's lease ended while its holder was still inside the critical section.

    Another process may have held the lock at the same time: work done under it must
    be treated as unprotected.
    """

    message = "Lock %(name)s was lost before release (its lease expired or was revoked)."
    error_code = "sovra.coordination.lock_lost"

    def __init__(self, *, name: str):
        super().__init__(name=name)
        self.name = name
