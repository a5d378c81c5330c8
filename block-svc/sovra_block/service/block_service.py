"""Block storage services as the Block Storage API's os-services shows them: one
``cinder-volume`` service per backend a volume agent reports (``<host>@<backend>``).
The scheduler runs inside the API (it has no service of its own), so only volume
services are listed.

Disabling a service marks its backend disabled: the scheduler places no new
volume there; volumes already on it keep working.
"""

from __future__ import annotations

from sovra_block.db import models
from sovra_block.service import backend as backend_service
from sovra_common import exception

VOLUME_BINARY = "cinder-volume"
BINARIES = (VOLUME_BINARY,)


class ServiceNotFound(exception.NotFound):
    message = "Service %(binary)s on host %(host)s could not be found."


def _host_matches(row: models.Backend, host: str) -> bool:
    """``host`` names the backend (``node@lvm``) or its storage host (``node``)."""
    return host in (row.name, row.host)


def list_services(session, *, host: str | None = None,
                  binary: str | None = None) -> list[models.Backend]:
    if binary and binary not in BINARIES:
        return []
    return [row for row in backend_service.list_backends(session)
            if not host or _host_matches(row, host)]


def set_disabled(session, *, host: str, binary: str, disabled: bool,
                 reason: str | None = None) -> list[models.Backend]:
    """Disable (with an optional reason) or enable the services ``host`` names,
    inside a writer; 404 if it names none. Enabling clears the reason."""
    rows = list_services(session, host=host, binary=binary)
    if not rows:
        raise ServiceNotFound(binary=binary, host=host)
    for row in rows:
        row.disabled = disabled
        row.disabled_reason = reason if disabled else None
    return rows
