"""Fixtures of the compute integration tests: the test guest image and a place for
guests' files that QEMU (running as its own user) can reach.

  guest_image      path of the test guest qcow2 (devstack/tools/build-test-image.sh;
                   its cache makes every session after the first one fast)
  guest_image_source  a virt ImageSource for it (what the agent hands to spawn)
  instances_path   a fresh directory for one test module's guests, removed after
"""

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from sovra_compute.virt import driver as virt

TOP = Path(__file__).resolve().parents[3]
BUILD_IMAGE = TOP / "devstack" / "tools" / "build-test-image.sh"


def traversable_tempdir(prefix: str) -> str:
    """A new directory under /tmp that other users may traverse (pytest's own tmp
    dirs are 0700: QEMU could not open a disk in them)."""
    path = tempfile.mkdtemp(prefix=prefix, dir="/tmp")
    os.chmod(path, 0o755)
    return path


@pytest.fixture(scope="session")
def guest_image():
    folder = traversable_tempdir("sovra-guest-image-")
    path = Path(folder) / "test-image.qcow2"
    done = subprocess.run(["bash", str(BUILD_IMAGE), str(path)], capture_output=True,
                          text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    yield path
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def guest_image_source(guest_image):
    data = guest_image.read_bytes()
    meta = {"id": "test-image-" + hashlib.sha256(data).hexdigest()[:16],
            "disk_format": "qcow2", "container_format": "bare", "size": len(data),
            "os_hash_algo": "sha512", "os_hash_value": hashlib.sha512(data).hexdigest()}

    def fetch(out):
        out.write(data)
        return len(data)
    return virt.ImageSource(meta=meta, fetch=fetch)


@pytest.fixture(scope="module")
def instances_path():
    path = traversable_tempdir("sovra-instances-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def conn(cloud):
    """An openstacksdk connection to the module's ``cloud``."""
    connection = cloud.connect()
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def virsh(libvirt_uri):
    """A libvirt connection of the test's own, to look at guests as libvirt sees them."""
    import libvirt
    connection = libvirt.open(libvirt_uri)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def image(conn, guest_image):
    """The test guest, uploaded (public) to the module's cloud."""
    return conn.image.create_image(name="test-image", data=guest_image.read_bytes(),
                                   disk_format="qcow2", container_format="bare",
                                   visibility="public", allow_duplicates=True)
