"""[identity]: local users' passwords."""

from oslo_config import cfg

from sovra_common.conf import groups

GROUP = cfg.OptGroup("identity", title="Local users")

MIN_BCRYPT_ROUNDS = 12

OPTS = [
    cfg.IntOpt("password_hash_rounds", default=MIN_BCRYPT_ROUNDS,
               min=MIN_BCRYPT_ROUNDS, max=16,
               help="bcrypt cost factor (log2 of the rounds) of stored passwords. "
                    "Never below 12; each step doubles the time of a password login."),
    cfg.IntOpt("max_password_length", default=72, min=8, max=72,
               help="Longest password accepted, in bytes (bcrypt reads 72)."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    groups.register(conf, GROUP, OPTS)


def list_opts():
    return [(GROUP, OPTS)]
