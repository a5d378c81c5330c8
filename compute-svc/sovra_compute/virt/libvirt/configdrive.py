"""The config drive: a read-only ISO 9660 disk labelled ``config-2`` holding the
server's metadata in the OpenStack layout, so a guest gets its name, keys and user
data with no metadata service (cloud-init's ConfigDrive datasource reads it)::

    openstack/latest/meta_data.json     uuid, name, hostname, public_keys, meta...
    openstack/latest/user_data          the user data, decoded (if any)
    openstack/latest/network_data.json  links, networks, services
    openstack/latest/vendor_data.json   {}
    openstack/latest/vendor_data2.json  {}

The files are those the metadata API serves: ``sovra_compute.metadata.content``
builds them for both.
"""

from __future__ import annotations

import os
import subprocess
import tempfile

from sovra_compute.metadata import content as metadata_content
from sovra_compute.virt import driver as virt

LABEL = "config-2"
_VERSIONS = ("latest",)


def build(path: str, instance: dict, *, key_data: str | None = None,
          user_data: str | None = None, network_data: dict | None = None) -> None:
    """Write the config drive of ``instance`` to the ISO file ``path``."""
    try:
        files = metadata_content.openstack_files(
            instance, key_data=key_data, user_data=user_data, network_data=network_data)
    except metadata_content.InvalidUserData as exc:
        raise virt.VirtDriverError(reason=str(exc)) from None
    with tempfile.TemporaryDirectory(prefix="configdrive-") as tree:
        for version in _VERSIONS:
            folder = os.path.join(tree, "openstack", version)
            os.makedirs(folder)
            for name, content in files.items():
                with open(os.path.join(folder, name), "wb") as fh:
                    fh.write(content)
        try:
            proc = subprocess.run(
                ["genisoimage", "-o", path, "-quiet", "-ldots", "-allow-lowercase",
                 "-allow-multidot", "-l", "-J", "-r", "-V", LABEL,
                 "-publisher", "Sovra", tree],
                capture_output=True, text=True, timeout=120, check=False)
        except FileNotFoundError:
            raise virt.VirtDriverError(
                reason="genisoimage is not installed (Debian package genisoimage)") \
                from None
        if proc.returncode != 0:
            raise virt.VirtDriverError(
                reason=f"making the config drive failed: {proc.stderr.strip()[:300]}")
    os.chmod(path, 0o644)
