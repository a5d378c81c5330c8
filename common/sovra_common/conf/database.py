"""[database] options: where a service's database is and how its connection pool behaves.

Each service has its own database and its own config file, so these options are the
same for every service; only the values differ.
"""

from oslo_config import cfg

from sovra_common.conf import groups

GROUP = cfg.OptGroup("database", title="Database options")

OPTS = [
    cfg.StrOpt("connection", secret=True,
               help="SQLAlchemy URL of this service's database. Lite mode: "
                    "sqlite:////var/lib/sovra/<service>.sqlite (a file per service). "
                    "Full mode: mysql+pymysql://USER:PASSWORD@HOST/<database> (MariaDB "
                    "or MySQL, a database per service; charset=utf8mb4 is added when "
                    "missing). Required: a service refuses to start without it."),
    cfg.IntOpt("max_pool_size", default=5, min=1,
               help="Connections kept open in the pool (MySQL and SQLite files)."),
    cfg.IntOpt("max_overflow", default=10, min=0,
               help="Connections opened beyond max_pool_size under load, closed "
                    "again when returned."),
    cfg.IntOpt("pool_timeout", default=30, min=1,
               help="Seconds to wait for a free pooled connection before failing."),
    cfg.IntOpt("connection_recycle_time", default=3600, min=1,
               help="Reconnect a pooled connection older than this many seconds. "
                    "Keep it below the server's wait_timeout (and any proxy's idle "
                    "timeout, e.g. haproxy in front of a Galera cluster)."),
    cfg.FloatOpt("sqlite_busy_timeout", default=10.0, min=0.0,
                 help="SQLite only: seconds a writer waits for another writer's lock "
                      "before the transaction fails (and is retried where the code "
                      "allows it)."),
    cfg.BoolOpt("connection_debug", default=False,
                help="Log every SQL statement of this service (logger "
                     "sqlalchemy.engine.Engine.<service>, level INFO). For debugging "
                     "only: it logs parameters, which may hold secrets."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    groups.register(conf, GROUP, OPTS)


def list_opts():
    return [(GROUP, OPTS)]
