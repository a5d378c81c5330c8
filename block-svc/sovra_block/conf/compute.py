"""[compute] options: telling compute that an attached volume grew."""

from oslo_config import cfg

from sovra_common.conf import groups

GROUP = cfg.OptGroup("compute", title="How block storage reaches compute")

OPTS = [
    cfg.BoolOpt("send_volume_extended", default=True,
                help="After an attached (in-use) volume is extended, send compute a "
                     "volume-extended event for each server it is attached to (the "
                     "guest is told its disk's new size), with the service's own "
                     "credentials ([service_auth])."),
    cfg.StrOpt("interface", default="public",
               choices=["public", "internal", "admin"],
               help="Which catalog endpoint of the compute API to call."),
    cfg.StrOpt("endpoint",
               help="The compute API's URL, instead of the catalog's."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    groups.register(conf, GROUP, OPTS)


def list_opts():
    return [(GROUP, OPTS)]
