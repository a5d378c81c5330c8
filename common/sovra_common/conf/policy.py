"""[oslo_policy] options, registered on our ConfigOpts (oslo.policy owns them)."""

from oslo_config import cfg
from oslo_policy import opts as policy_opts


def register_opts(conf: cfg.ConfigOpts) -> None:
    # policy.yaml is the upstream default name; a missing file means "defaults only".
    policy_opts.set_defaults(conf, policy_file="policy.yaml")


def list_opts():
    return policy_opts.list_opts()
