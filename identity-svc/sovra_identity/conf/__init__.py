"""Identity's own option groups: [token], [fernet_tokens], [identity]."""

from sovra_identity.conf import identity, token

MODULES = (identity, token)


def register_opts(conf) -> None:
    for module in MODULES:
        module.register_opts(conf)


def list_opts():
    return [item for module in MODULES for item in module.list_opts()]
