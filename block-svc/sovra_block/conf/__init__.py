"""The block storage service's own option groups (the common ones come from
sovra_common). Per-backend groups ([<backend>]) are registered by the volume agent
for each of [block] enabled_backends (``backend.register_opts(conf, name)``); the
sample config shows them once, as [backend]."""

from sovra_block.conf import backend, backup, block, compute

DEFAULT_PORT = 8776

MODULES = (block, backup, compute)


def register_opts(conf):
    for module in MODULES:
        module.register_opts(conf)


def list_opts():
    return [item for module in (*MODULES, backend) for item in module.list_opts()]
