"""The placement service's own option groups (the common ones come from sovra_common)."""

from sovra_placement.conf import placement

MODULES = (placement,)


def register_opts(conf):
    for module in MODULES:
        module.register_opts(conf)


def list_opts():
    return [item for module in MODULES for item in module.list_opts()]
