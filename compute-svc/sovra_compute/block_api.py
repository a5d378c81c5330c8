"""How compute reaches block storage: a Block Storage API client per request
context (the user's token, relayed with the service's own), shared by the API
(volume checks, reservations), the conductor (cleanup when a server goes) and the
agents (connections, volumes made at boot).

The connector is what an agent tells block storage about its node when it asks
for a volume's connection info.
"""

from __future__ import annotations

import contextlib
import platform
import socket
from collections.abc import Callable

from keystoneauth1 import exceptions as ks_exc

from sovra_common import exception
from sovra_common.auth import sessions

_ERRORS = {400: exception.Invalid, 401: exception.NotAuthenticated,
           403: exception.Forbidden, 404: exception.NotFound, 409: exception.Conflict,
           413: exception.OverQuota, 503: exception.ServiceUnavailable}


class VolumeNotFound(exception.NotFound):
    message = "Volume %(volume_id)s could not be found."


class BlockStorageError(exception.ServiceUnavailable):
    message = "Block storage failed: %(reason)s"


@contextlib.contextmanager
def translated():
    """keystoneauth's HTTP errors as sovra_common exceptions (the API's message
    kept); unreachable block storage as BlockStorageError."""
    try:
        yield
    except ks_exc.HttpError as exc:
        kind = _ERRORS.get(exc.http_status)
        if kind is None:
            raise BlockStorageError(reason=exc.message or str(exc)) from exc
        raise kind(exc.message or str(exc)) from exc
    except ks_exc.ClientException as exc:  # connection refused, timeouts...
        raise BlockStorageError(reason=str(exc)) from exc


def get_volume(client, volume_id: str) -> dict:
    """The volume as the client's user sees it; VolumeNotFound (404) if none."""
    try:
        with translated():
            return client.get_volume(volume_id)
    except exception.NotFound:
        raise VolumeNotFound(volume_id=volume_id) from None


def client_factory(conf) -> Callable:
    """``for_context(context) -> BlockClient`` acting for ``context``'s user."""
    from sovra_block.client import BlockClient

    return sessions.for_contexts(conf, lambda sess: BlockClient(
        sess, interface=conf.compute.placement_interface))


def _host_ip(host: str) -> str:
    try:
        return socket.gethostbyname(host)
    except OSError:
        return "127.0.0.1"


def connector(host: str, mountpoint: str | None = None) -> dict:
    """This node as block storage's connector: ``host`` is the compute node's name
    ([compute] host), which is also where the backend exports the volume to;
    ``mountpoint``: the guest device the volume becomes (``/dev/vdb``)."""
    shown = {"host": host, "ip": _host_ip(host), "platform": platform.machine(),
             "os_type": platform.system().lower(), "multipath": False,
             "do_local_attach": False}
    if mountpoint:
        shown["mountpoint"] = mountpoint
    return shown
