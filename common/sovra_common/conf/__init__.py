"""Configuration: one module per option group, each with register_opts/list_opts.

There is no global CONF. A service builds its own ``ConfigOpts`` with ``new_conf()``,
loads it with ``load()``, and passes it down explicitly.
"""

from oslo_config import cfg

from sovra_common.conf import api, auth, coordination, database, logging, messaging, policy

# Every option group of the common layer, in the order the sample config lists them.
MODULES = (api, auth, coordination, database, logging, messaging, policy)


def new_conf() -> cfg.ConfigOpts:
    """A fresh ConfigOpts with every common option group registered."""
    conf = cfg.ConfigOpts()
    for module in MODULES:
        module.register_opts(conf)
    return conf


def load(conf: cfg.ConfigOpts, project: str, args=None, config_files=None) -> cfg.ConfigOpts:
    """Parse command-line ``args`` and ``config_files`` into ``conf``.

    ``config_files=None`` searches oslo.config's default locations for
    ``<project>.conf``; pass a list (possibly empty) to pin exactly which are read.
    """
    conf(args=list(args or []), project=project, default_config_files=config_files,
         validate_default_values=True)
    check_values(conf)
    return conf


def check_values(conf: cfg.ConfigOpts) -> None:
    """Read every registered option once, so a bad value fails at start-up, naming
    its option, rather than on first use (oslo.config converts lazily).

    :raises ValueError: ``[group] option: what is wrong``.
    """
    for name in conf:
        try:
            value = conf[name]
        except ValueError as exc:
            raise ValueError(f"[DEFAULT] {name}: {exc}") from None
        if isinstance(value, cfg.ConfigOpts.GroupAttr):
            for opt in value:
                try:
                    value[opt]
                except ValueError as exc:
                    raise ValueError(f"[{name}] {opt}: {exc}") from None
