"""The real `openstack` CLI against the image API (kept to a few calls: ~1.5 s each)."""

import hashlib
import json
import os
import shutil
import subprocess

import pytest
from conftest import PROJECT_A

OPENSTACK = shutil.which("openstack")
QEMU_IMG = shutil.which("qemu-img")
pytestmark = pytest.mark.skipif(OPENSTACK is None or QEMU_IMG is None,
                                reason="needs the openstack CLI and qemu-img")


def _cli(api, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    cmd = [OPENSTACK, "--os-auth-type", "admin_token", "--os-token", f"cli:{PROJECT_A}",
           "--os-endpoint", f"{api.url}/v2", *args]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_create_list_save_qcow2(image_api, tmp_path):
    raw, disk = tmp_path / "seed.raw", tmp_path / "disk.qcow2"
    raw.write_bytes(os.urandom(3 * 1024 * 1024))
    subprocess.run([QEMU_IMG, "convert", "-q", "-f", "raw", "-O", "qcow2", str(raw),
                    str(disk)], check=True)
    data = disk.read_bytes()

    created = json.loads(_cli(image_api, "image", "create", "--file", str(disk),
                              "--disk-format", "qcow2", "--container-format", "bare",
                              "--property", "os_distro=cirros", "cli-image",
                              "-f", "json"))
    assert created["status"] == "active"
    assert created["checksum"] == hashlib.md5(data).hexdigest()
    assert created["size"] == len(data)
    assert created["virtual_size"] == 3 * 1024 * 1024

    listed = json.loads(_cli(image_api, "image", "list", "-f", "json"))
    assert [(i["Name"], i["Status"]) for i in listed] == [("cli-image", "active")]

    out = tmp_path / "saved.qcow2"
    _cli(image_api, "image", "save", "--file", str(out), created["id"])
    assert hashlib.sha512(out.read_bytes()).hexdigest() == \
        hashlib.sha512(data).hexdigest()
