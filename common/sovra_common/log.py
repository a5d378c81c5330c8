"""Logging for Sovra processes.

oslo.log, so that logs look like every other OpenStack service's: each line of a
request carries its request id and the caller's user and project (oslo.context keeps
the current context per thread; the auth middleware creates it). ``--debug``,
``--log-file``, ``--log-dir`` and ``use_json`` come with it.
"""

from oslo_log import log

# Libraries whose INFO lines are noise in a service's log.
QUIET = ("cheroot=WARN", "alembic=WARN", "kombu=WARN", "etcd3gw=WARN", "werkzeug=WARN",
         "openstack=WARN")


def setup(conf, program: str) -> None:
    """Configure the process's logging from ``conf`` (call once, after loading it)."""
    log.set_defaults(default_log_levels=log.get_default_log_levels() + list(QUIET))
    log.setup(conf, program)
