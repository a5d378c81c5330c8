"""[metadata] options: the metadata API (``compute-metadata``), which answers guests'
requests relayed by the network agent's proxy (http://169.254.169.254)."""

from oslo_config import cfg

from sovra_common.conf import groups

DEFAULT_PORT = 8775

GROUP = cfg.OptGroup("metadata", title="The metadata API (compute-metadata)")

OPTS = [
    cfg.StrOpt("proxy_shared_secret", secret=True, default="",
               help="The secret shared with the network agent's metadata proxy: it "
                    "signs each request's X-Instance-ID (hex HMAC-SHA256 in "
                    "X-Instance-ID-Signature). Required: without it every request "
                    "is refused (403). Set the same value as the network agent's "
                    "[network_agent] metadata_proxy_shared_secret."),
    cfg.HostAddressOpt("bind_host", default="127.0.0.1",
                       help="Address the metadata API listens on (where the metadata "
                            "proxies reach it)."),
    cfg.PortOpt("bind_port", default=DEFAULT_PORT,
                help="Port the metadata API listens on."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    groups.register(conf, GROUP, OPTS)


def list_opts():
    return [(GROUP, OPTS)]
