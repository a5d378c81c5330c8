"""Registering an option group on one ConfigOpts without touching any other.

``ConfigOpts.register_group`` keeps a *shallow* copy of the OptGroup it is given, so
every ConfigOpts registered with the same module-level OptGroup shares one option
table: an override or default set on one conf (one service, one test) shows up in
all of them. Each registration therefore gets a new OptGroup.
"""

from oslo_config import cfg


def fresh(group: cfg.OptGroup) -> cfg.OptGroup:
    """A new OptGroup with ``group``'s name, title and help."""
    return cfg.OptGroup(group.name, title=group.title, help=group.help)


def register(conf: cfg.ConfigOpts, group: cfg.OptGroup, opts) -> None:
    """Register ``opts`` under ``group`` on ``conf`` only."""
    conf.register_group(fresh(group))
    conf.register_opts(opts, group=group.name)
