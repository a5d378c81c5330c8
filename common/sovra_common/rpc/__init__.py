"""RPC and notifications over oslo.messaging, the layer every service uses.

- ``transport``: build the RPC / notification transports from a ConfigOpts.
- ``client``: ``RPCAPI``, the base of the versioned ``<X>API`` clients.
- ``server``: ``RPCEndpoint``, the base of ``<X>Endpoint``; ``RPCServer`` and
  ``NotificationListener`` to run them.
- ``notifier``: ``Notifier``, audit events of state changes.
- ``serializer``: the request context across the bus.
- ``contract``: ``fingerprint``, the contract-test helper that catches an unversioned change.
- ``inproc_driver``: the ``sovra-inproc://`` bus of lite mode.
"""

from sovra_common.rpc.client import RPCAPI, PreparedCall
from sovra_common.rpc.contract import check_fingerprint, fingerprint
from sovra_common.rpc.notifier import NOTIFICATION_TOPIC, Notifier
from sovra_common.rpc.serializer import RequestContextSerializer
from sovra_common.rpc.server import (
    NotificationListener,
    RPCEndpoint,
    RPCServer,
    expected_errors,
)
from sovra_common.rpc.transport import build_notification_transport, build_rpc_transport

__all__ = [
    "NOTIFICATION_TOPIC",
    "NotificationListener",
    "Notifier",
    "PreparedCall",
    "RPCAPI",
    "RPCEndpoint",
    "RPCServer",
    "RequestContextSerializer",
    "build_notification_transport",
    "build_rpc_transport",
    "check_fingerprint",
    "expected_errors",
    "fingerprint",
]
