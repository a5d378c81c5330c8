"""The block storage service's own option groups (the common ones come from
sovra_common). Per-backend groups ([<backend>]) are registered by the volume agent
for each of [block] enabled_backends (sovra_block.conf.backend, when present)."""

import importlib

from sovra_block.conf import block

DEFAULT_PORT = 8776


def _optional(name):
    try:
        return importlib.import_module(f"sovra_block.conf.{name}")
    except ImportError:  # the backend and backup option modules come with drivers
        return None


MODULES = tuple(m for m in (block, _optional("backup")) if m is not None)


def register_opts(conf):
    for module in MODULES:
        module.register_opts(conf)


def list_opts():
    return [item for module in MODULES for item in module.list_opts()]
