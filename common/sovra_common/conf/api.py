"""[api] options: how a service's REST API listens and what it accepts."""

from oslo_config import cfg

from sovra_common.conf import groups

GROUP = cfg.OptGroup("api", title="REST API options")

OPTS = [
    cfg.HostAddressOpt("bind_host", default="127.0.0.1",
                       help="Address the API server listens on."),
    cfg.PortOpt("bind_port", help="Port the API server listens on; each service has "
                                  "its own default (identity 5000, compute 8774, ...)."),
    cfg.IntOpt("threads", default=8, min=1,
               help="Requests the API server works on at once; more wait in its "
                    "queue (their connections open). A Python process runs one "
                    "thread at a time: past a few threads, more only share the "
                    "same CPU out more thinly (and in lite mode, with every other "
                    "service of the process). Raise it when requests spend their "
                    "time waiting on something other than this process: a remote "
                    "database, another service, a slow agent."),
    cfg.IntOpt("max_request_body_size", default=114688, min=1024,
               help="Largest request body accepted, in bytes; a larger one gets 413. "
                    "Upload endpoints that stream (image data) are exempt."),
    cfg.BoolOpt("enforce_policy_checked", default=True,
                help="Fail any request whose handler returned without a policy check "
                     "(500, logged). Turn off only to debug a broken deployment."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    groups.register(conf, GROUP, OPTS)


def list_opts():
    return [(GROUP, OPTS)]
