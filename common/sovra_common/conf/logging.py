"""Logging options: oslo.log's own ([DEFAULT] debug, log_file, log_dir, use_json,
...), registered on our ConfigOpts. They are [DEFAULT] options, so they are private
to each ConfigOpts already."""

from oslo_config import cfg
from oslo_log import log


def register_opts(conf: cfg.ConfigOpts) -> None:
    log.register_options(conf)


def list_opts():
    # oslo.log documents its options under its own generator namespace, "oslo.log".
    return []
