"""[quota] options: the default per-project limits (os-quota-sets overrides them)."""

from oslo_config import cfg

from sovra_common.conf import groups

GROUP = cfg.OptGroup("quota", title="Default compute quotas (-1: unlimited)")

OPTS = [
    cfg.IntOpt("instances", default=10, min=-1, help="Servers per project."),
    cfg.IntOpt("cores", default=20, min=-1, help="vCPUs per project."),
    cfg.IntOpt("ram", default=51200, min=-1, help="MiB of RAM per project."),
    cfg.IntOpt("key_pairs", default=100, min=-1, help="Key pairs per user."),
    cfg.IntOpt("metadata_items", default=128, min=-1,
               help="Metadata items per server."),
    cfg.IntOpt("server_groups", default=10, min=-1, help="Server groups per project."),
    cfg.IntOpt("server_group_members", default=10, min=-1,
               help="Servers per server group."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    groups.register(conf, GROUP, OPTS)


def list_opts():
    return [(GROUP, OPTS)]
