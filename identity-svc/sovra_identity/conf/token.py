"""[token] (lifetime of tokens) and [fernet_tokens] (the key repository)."""

from oslo_config import cfg

from sovra_common.conf import groups

GROUP = cfg.OptGroup("token", title="Token options")
FERNET_GROUP = cfg.OptGroup("fernet_tokens", title="Fernet token keys")
CREDENTIAL_GROUP = cfg.OptGroup("credential", title="Credential encryption keys")

OPTS = [
    cfg.IntOpt("expiration", default=3600, min=60, max=7 * 24 * 3600,
               help="Seconds a token is valid after it is issued."),
]

FERNET_OPTS = [
    cfg.StrOpt("key_repository", default="/etc/sovra/fernet-keys/",
               help="Directory of Fernet keys: 0 is the staged key, the highest "
                    "number the primary (encrypts), the others secondaries (decrypt "
                    "only). Create it with `sovra-manage identity fernet setup`; the "
                    "API refuses to start without keys."),
    cfg.IntOpt("max_active_keys", default=3, min=1,
               help="Keys kept by `sovra-manage identity fernet rotate` (staged + "
                    "primary + secondaries). Rotate more often than "
                    "[token] expiration / (max_active_keys - 2) and tokens still "
                    "valid would become unreadable."),
]


CREDENTIAL_OPTS = [
    cfg.StrOpt("key_repository", default="/etc/sovra/credential-keys/",
               help="Directory of the Fernet keys that encrypt stored credential "
                    "blobs (/v3/credentials); separate from the token keys, which "
                    "rotate. Create it with `sovra-manage identity credential-keys "
                    "setup`; without it /v3/credentials answers 503."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    groups.register(conf, GROUP, OPTS)
    groups.register(conf, FERNET_GROUP, FERNET_OPTS)
    groups.register(conf, CREDENTIAL_GROUP, CREDENTIAL_OPTS)


def list_opts():
    return [(GROUP, OPTS), (FERNET_GROUP, FERNET_OPTS),
            (CREDENTIAL_GROUP, CREDENTIAL_OPTS)]
