"""Build the RPC and notification transports of a process from its ConfigOpts.

A transport holds the bus connection(s): build one of each per process, share it
between every client, server and notifier of that process, and ``cleanup()`` it
at shutdown. The URL comes from [messaging] (see ``sovra_common.conf.messaging``).
"""

import copy
import importlib
import logging

import oslo_messaging
import oslo_messaging.opts
from oslo_config import cfg

LOG = logging.getLogger(__name__)

# Exceptions from these modules, raised by a remote endpoint, are raised again on
# the caller as their own class (oslo.messaging builds a ``<Name>_Remote`` subclass,
# which the client base turns back into the class itself). Anything else arrives as
# oslo_messaging.RemoteError. Services add their own exception modules, if any.
ALLOWED_REMOTE_EXMODS = ("sovra_common.exception",)

# Sovra's exchange, instead of oslo.messaging's default "openstack": Sovra and an
# OpenStack cloud sharing a broker do not see each other's topics. An operator can
# still override [DEFAULT] control_exchange.
CONTROL_EXCHANGE = "sovra"

# Option groups that oslo.messaging reads on every call() but registers only on its
# own global cfg.CONF, not on the ConfigOpts it is handed (measured: 18.3.1 raises
# NoSuchOptError for these two). Imported where the library keeps them; a version
# without one of these modules does not read that group either.
_UNREGISTERED_LIBRARY_GROUPS = (
    ("oslo_messaging._tracing.client", "oslo_messaging_tracing"),
    ("oslo_messaging._metrics.client", "oslo_messaging_metrics"),
)


def register_library_opts(conf: cfg.ConfigOpts) -> None:
    """Register oslo.messaging's own options on ``conf``; safe to call repeatedly.

    Needed because Sovra passes a private ConfigOpts, never the global cfg.CONF.
    """
    for group, opts in oslo_messaging.opts.list_opts():
        conf.register_opts(opts, group=group)
    for module_name, group in _UNREGISTERED_LIBRARY_GROUPS:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        conf.register_opts(copy.deepcopy(getattr(module, group)), group=group)
    conf.set_default("control_exchange", CONTROL_EXCHANGE)


def _warn_if_ignored_url_set(conf: cfg.ConfigOpts, used_url: str) -> None:
    location = conf.get_location("transport_url")
    if location is not None and location.location != cfg.Locations.opt_default:
        if conf.transport_url != used_url:
            LOG.warning("[DEFAULT] transport_url is set but ignored: Sovra uses "
                        "[messaging] transport_url.")


def build_rpc_transport(conf: cfg.ConfigOpts, *,
                        allowed_remote_exmods=()) -> oslo_messaging.Transport:
    """The RPC transport for [messaging] transport_url.

    ``allowed_remote_exmods`` adds exception modules (beyond ALLOWED_REMOTE_EXMODS)
    whose exceptions a remote endpoint may raise on this process's callers.
    """
    register_library_opts(conf)
    url = conf.messaging.transport_url
    _warn_if_ignored_url_set(conf, url)
    exmods = list(dict.fromkeys((*ALLOWED_REMOTE_EXMODS, *allowed_remote_exmods)))
    return oslo_messaging.get_rpc_transport(conf, url=url,
                                            allowed_remote_exmods=exmods)


def build_notification_transport(conf: cfg.ConfigOpts) -> oslo_messaging.Transport:
    """The notification transport: [messaging] notification_transport_url, else
    the RPC bus's transport_url."""
    register_library_opts(conf)
    url = conf.messaging.notification_transport_url or conf.messaging.transport_url
    return oslo_messaging.get_notification_transport(conf, url=url)
