"""[coordination] options: where liveness and distributed locks live."""

from oslo_config import cfg

from sovra_common.conf import groups

GROUP = cfg.OptGroup("coordination", title="Liveness and distributed locks")

OPTS = [
    cfg.StrOpt("backend_url", default="inprocess://",
               regex=r"^(inprocess://$|etcd3\+https?://)",
               help="Coordination backend. 'inprocess://' (lite mode): in the memory "
                    "of the one all-in-one process. "
                    "'etcd3+http://HOST[:PORT]' (full mode, default port 2379), or "
                    "'etcd3+https://...', for an etcd v3 cluster through its HTTP/JSON "
                    "gateway. Query parameters of an etcd URL: 'prefix' (key prefix, "
                    "default /sovra; give each cloud sharing an etcd its own), "
                    "'ca_cert', 'cert_cert', 'cert_key' (file paths, for https)."),
    cfg.IntOpt("heartbeat_ttl", default=10, min=1,
               help="Seconds after its last successful refresh that an agent is "
                    "reported down. Refreshes run every third of it. etcd may raise "
                    "it to its minimum lease TTL (2 s with etcd's default timing)."),
    cfg.IntOpt("lock_ttl", default=30, min=1,
               help="Seconds after which a lock held by a process that died (or lost "
                    "the backend) frees itself. A live holder keeps it as long as it "
                    "needs."),
    cfg.FloatOpt("lock_timeout", default=60.0, min=0,
                 help="Default longest wait, in seconds, for a lock held by another; "
                      "then the caller gets a LockTimeout error. Callers may pass "
                      "their own."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    groups.register(conf, GROUP, OPTS)


def list_opts():
    return [(GROUP, OPTS)]
