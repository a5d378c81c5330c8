"""The config drive: a read-only ISO 9660 disk labelled ``config-2`` holding the
server's metadata in the OpenStack layout, so a guest gets its name, keys and user
data with no metadata service (cloud-init's ConfigDrive datasource reads it)::

    openstack/latest/meta_data.json     uuid, name, hostname, public_keys, meta...
    openstack/latest/user_data          the user data, decoded (if any)
    openstack/latest/network_data.json  links, networks, services
    openstack/latest/vendor_data.json   {}
    openstack/latest/vendor_data2.json  {}
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import subprocess
import tempfile

from sovra_compute.virt import driver as virt

LABEL = "config-2"
_VERSIONS = ("latest",)


def hostname(display_name: str) -> str:
    """A DNS label made from a server's name (as the Compute API derives it)."""
    name = re.sub(r"[^a-z0-9-]+", "-", display_name.lower()).strip("-")
    return name[:63].rstrip("-") or "server"


def meta_data(instance: dict, key_data: str | None) -> dict:
    key_name = instance.get("key_name") or "key"
    keys = {key_name: key_data} if key_data else {}
    return {
        "uuid": instance["uuid"],
        "name": instance["name"],
        "hostname": instance.get("hostname") or hostname(instance["name"]),
        "launch_index": 0,
        "availability_zone": instance.get("availability_zone") or "nova",
        "project_id": instance.get("project_id"),
        "meta": dict(instance.get("metadata") or {}),
        "public_keys": keys,
        "keys": [{"name": name, "type": "ssh", "data": data}
                 for name, data in keys.items()],
        "devices": [],
        "random_seed": base64.b64encode(os.urandom(512)).decode(),
    }


def decode_user_data(user_data: str | None) -> bytes | None:
    """The API carries user data base64-encoded; the guest gets the bytes."""
    if not user_data:
        return None
    try:
        return base64.b64decode(user_data, validate=True)
    except (binascii.Error, ValueError):
        raise virt.VirtDriverError(reason="user_data is not valid base64") from None


def build(path: str, instance: dict, *, key_data: str | None = None,
          user_data: str | None = None, network_data: dict | None = None) -> None:
    """Write the config drive of ``instance`` to the ISO file ``path``."""
    files = {
        "meta_data.json": json.dumps(meta_data(instance, key_data)).encode(),
        "network_data.json": json.dumps(
            network_data or {"links": [], "networks": [], "services": []}).encode(),
        "vendor_data.json": b"{}",
        "vendor_data2.json": b"{}",
    }
    data = decode_user_data(user_data)
    if data is not None:
        files["user_data"] = data
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
