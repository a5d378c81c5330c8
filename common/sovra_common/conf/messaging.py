"""[messaging] options. (Placeholder: filled in with the messaging layer.)"""

from oslo_config import cfg

GROUP = cfg.OptGroup("messaging")
OPTS: list = []


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(GROUP)
    conf.register_opts(OPTS, group=GROUP)


def list_opts():
    return [(GROUP, OPTS)]
