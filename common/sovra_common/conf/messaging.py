"""[messaging] options: the bus every service talks RPC and notifications on.

This group is the only source of truth for Sovra's bus settings. oslo.messaging also
registers options of its own in [DEFAULT] (``transport_url``, ``rpc_response_timeout``)
and in [oslo_messaging_notifications] (``transport_url``, ``driver``, ``topics``);
Sovra never reads those: ``sovra_common.rpc`` passes the values below to oslo.messaging
explicitly, and warns at start-up when [DEFAULT] transport_url is set to something else.
Driver tuning that is not Sovra's business (heartbeats, TLS, HA queues...) stays in
oslo.messaging's own groups such as [oslo_messaging_rabbit].
"""

from oslo_config import cfg

from sovra_common.conf import groups

GROUP = cfg.OptGroup(
    "messaging",
    title="Message bus",
    help="RPC and notifications between Sovra's services and agents.")

OPTS = [
    cfg.StrOpt(
        "transport_url",
        default="sovra-inproc://",
        secret=True,
        help="The bus, as an oslo.messaging transport URL. ``sovra-inproc://`` (lite "
             "mode) delivers inside this one process and needs no broker; every "
             "service of the process must use the same URL, and a virtual host "
             "(``sovra-inproc:///name``) makes a separate bus. Full mode uses "
             "RabbitMQ: ``rabbit://user:password@host:5672/vhost``."),
    cfg.StrOpt(
        "notification_transport_url",
        secret=True,
        help="Where notifications (audit events) go, if not on ``transport_url``."),
    cfg.BoolOpt(
        "notifications_enabled",
        default=True,
        help="Publish a notification for every state change. When false they are "
             "dropped at the sender."),
    cfg.IntOpt(
        "notification_retry",
        default=3,
        min=-1,
        help="How many times sending a notification is retried when the bus cannot "
             "take it, before it is logged and dropped. -1 retries forever, which "
             "blocks the request that caused the notification for as long as the "
             "broker is down."),
    cfg.IntOpt(
        "rpc_response_timeout",
        default=60,
        min=1,
        help="Seconds an RPC call waits for its reply before it fails with "
             "MessagingTimeout."),
    cfg.DictOpt(
        "version_caps",
        default={},
        help="Per-topic RPC version caps for rolling upgrades, e.g. "
             "``compute-agent:1.4,network-agent:2.0``: a client sends nothing newer "
             "than the cap of its topic, so that peers not yet upgraded understand "
             "it. Remove a cap once every peer of that topic is upgraded."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    groups.register(conf, GROUP, OPTS)


def list_opts():
    return [(GROUP, OPTS)]
