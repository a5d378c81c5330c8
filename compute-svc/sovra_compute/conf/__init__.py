"""The compute service's own option groups (the common ones come from sovra_common)."""

from sovra_compute.conf import compute, image_cache, libvirt, metadata, quota

DEFAULT_PORT = 8774
MODULES = (compute, libvirt, image_cache, quota, metadata)


def register_opts(conf):
    for module in MODULES:
        module.register_opts(conf)


def list_opts():
    return [item for module in MODULES for item in module.list_opts()]

