"""[compute] options: telling compute about its servers' ports (external events)."""

from oslo_config import cfg

from sovra_common.conf import groups

GROUP = cfg.OptGroup("compute", title="How the network API reaches compute")

OPTS = [
    cfg.BoolOpt("notify_compute_on_port_status_changes", default=True,
                help="Send compute network-vif-plugged when a server's port "
                     "(device_owner compute:*) turns ACTIVE (or fails: ERROR), "
                     "network-vif-unplugged when it goes DOWN after being ACTIVE, "
                     "network-vif-deleted when it is deleted, network-changed "
                     "when its fixed IPs or the floating IPs mapped to them "
                     "change, with the service's own credentials ([service_auth])."),
    cfg.FloatOpt("send_events_interval", default=0.5, min=0,
                 help="Seconds to gather events before sending them to compute in "
                      "one request."),
    cfg.StrOpt("interface", default="public",
               choices=["public", "internal", "admin"],
               help="Which catalog endpoint of the compute API to call."),
    cfg.StrOpt("endpoint",
               help="The compute API's URL, instead of the catalog's (tests, "
                    "single-node setups)."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    groups.register(conf, GROUP, OPTS)


def list_opts():
    return [(GROUP, OPTS)]
