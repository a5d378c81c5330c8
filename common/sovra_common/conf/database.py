"""[database] options. (Placeholder: filled in with the database layer.)"""

from oslo_config import cfg

GROUP = cfg.OptGroup("database")
OPTS: list = []


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(GROUP)
    conf.register_opts(OPTS, group=GROUP)


def list_opts():
    return [(GROUP, OPTS)]
