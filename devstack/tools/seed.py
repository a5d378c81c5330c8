"""What a new cloud needs to be tried at once, through the APIs (idempotent):

- the demo project and user (member role);
- flavors m1.tiny, m1.small, m1.medium (upstream's sizes), when compute is in the
  catalog;
- a public image ``test-image``, when image is in the catalog: the bootable test
  guest that devstack/tools/build-test-image.sh built (qcow2, 256 MiB RAM is enough)
  when $SOVRA_TEST_IMAGE names it (the libvirt driver), replacing a test-image that
  differs from it; else a 1 MiB raw disk (the fake driver boots anything, and that
  needs neither root nor a download to make);
- a volume backend that is up, when block-storage is in the catalog: it waits
  until the volume agent's first capacity report reached the API (a volume created
  the moment stack.sh returns would otherwise find no backend).

Run by stack.sh with the virtualenv's python once the APIs answer. Reads
SOVRA_AUTH_URL, SOVRA_ADMIN_PASSWORD and SOVRA_DEMO_PASSWORD from the environment,
so no password is on a command line.

``seed.py --delete-servers`` (unstack.sh, while the cloud is up) instead deletes
every server of every project and waits until they are gone, so that their guests
are destroyed and their allocations freed before the cloud stops.
"""

import contextlib
import hashlib
import os
import sys
import time

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import session
from keystoneauth1.identity import v3

IDENTITY = {"service_type": "identity", "interface": "public"}
COMPUTE = {"service_type": "compute", "interface": "public"}
IMAGE = {"service_type": "image", "interface": "public"}
BLOCK = {"service_type": "block-storage", "interface": "public"}
FLAVORS = [("m1.tiny", 1, 512, 1), ("m1.small", 1, 2048, 20), ("m1.medium", 2, 4096, 40)]
TEST_IMAGE = "test-image"


def _find(sess, path, key, name):
    found = sess.get(f"{path}?name={name}", endpoint_filter=IDENTITY).json()[key]
    return found[0] if found else None


def _has(sess, endpoint_filter) -> bool:
    try:
        return bool(sess.get_endpoint(**endpoint_filter))
    except ks_exc.EndpointNotFound:
        return False


def seed_demo(sess, password):
    project = _find(sess, "/projects", "projects", "demo") or sess.post(
        "/projects", endpoint_filter=IDENTITY,
        json={"project": {"name": "demo", "domain_id": "default",
                          "description": "the demo project of devstack"}}).json()["project"]
    user = _find(sess, "/users", "users", "demo")
    if user is None:
        user = sess.post("/users", endpoint_filter=IDENTITY, json={"user": {
            "name": "demo", "domain_id": "default", "password": password,
            "default_project_id": project["id"]}}).json()["user"]
    else:  # keep the password stack.sh prints true on a second run
        sess.patch(f"/users/{user['id']}", endpoint_filter=IDENTITY,
                   json={"user": {"password": password}})
    member = _find(sess, "/roles", "roles", "member")
    sess.put(f"/projects/{project['id']}/users/{user['id']}/roles/{member['id']}",
             endpoint_filter=IDENTITY)


def seed_flavors(sess):
    existing = {f["name"] for f in sess.get("/flavors", endpoint_filter=COMPUTE).json()[
        "flavors"]}
    for name, vcpus, ram, disk in FLAVORS:
        if name not in existing:
            sess.post("/flavors", endpoint_filter=COMPUTE, json={"flavor": {
                "name": name, "vcpus": vcpus, "ram": ram, "disk": disk}})


def _sha512(path) -> str:
    digest = hashlib.sha512()
    with open(path, "rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def seed_image(sess, guest_image=None):
    """``guest_image``: the path of a bootable qcow2 to upload as test-image."""
    found = sess.get(f"/v2/images?name={TEST_IMAGE}&visibility=public",
                     endpoint_filter=IMAGE).json()["images"]
    wanted = _sha512(guest_image) if guest_image else None
    for image in found:
        if image["status"] == "active" and (wanted is None or (
                image.get("os_hash_algo"), image.get("os_hash_value")) == ("sha512", wanted)):
            return  # the fake driver boots any image: an earlier libvirt run's too
    for image in found:
        # not the guest the driver needs (the 1 MiB disk of the fake driver, an older
        # build, a failed upload): servers booted from it keep their own copy
        sess.delete(f"/v2/images/{image['id']}", endpoint_filter=IMAGE)
    if guest_image:
        meta = {"disk_format": "qcow2", "min_ram": 256}
    else:
        meta = {"disk_format": "raw"}
    image = sess.post("/v2/images", endpoint_filter=IMAGE, json={
        "name": TEST_IMAGE, "container_format": "bare", "visibility": "public",
        **meta}).json()
    with open(guest_image, "rb") if guest_image else contextlib.nullcontext(
            b"\0" * (1024 * 1024)) as data:
        sess.put(f"/v2/images/{image['id']}/file", endpoint_filter=IMAGE, data=data,
                 headers={"Content-Type": "application/octet-stream"})


def wait_volume_backends(sess, timeout=60.0) -> list[str]:
    """Wait until a volume backend (a ``cinder-volume`` service) is up; return the
    names of those that are. Raises TimeoutError saying which are down."""
    deadline = time.monotonic() + timeout
    while True:
        services = sess.get("/os-services?binary=cinder-volume",
                            endpoint_filter=BLOCK).json()["services"]
        up = [s["host"] for s in services if s["state"] == "up"]
        if up:
            return up
        if time.monotonic() > deadline:
            down = ", ".join(s["host"] for s in services) or "none reported"
            raise TimeoutError(f"no volume backend up after {timeout:.0f} s ({down})")
        time.sleep(0.3)


def delete_servers(sess, timeout=120.0) -> int:
    """Delete every server of every project; wait until they are gone. Returns how
    many there were; raises TimeoutError if some are still there after ``timeout``."""
    deadline = time.monotonic() + timeout
    deleted = set()
    while True:
        servers = sess.get("/servers?all_tenants=1", endpoint_filter=COMPUTE).json()[
            "servers"]
        if not servers:
            return len(deleted)
        for server in servers:
            if server["id"] not in deleted:
                print(f"deleting server {server['name']} ({server['id']})", flush=True)
                sess.delete(f"/servers/{server['id']}", endpoint_filter=COMPUTE,
                            raise_exc=False)
                deleted.add(server["id"])
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(servers)} server(s) still there after {timeout} s")
        time.sleep(0.5)


def main(argv) -> int:
    auth = v3.Password(auth_url=os.environ["SOVRA_AUTH_URL"], username="admin",
                       password=os.environ["SOVRA_ADMIN_PASSWORD"],
                       user_domain_id="default", project_name="admin",
                       project_domain_id="default")
    sess = session.Session(auth=auth)
    if argv == ["--delete-servers"]:
        if _has(sess, COMPUTE):
            print(f"deleted {delete_servers(sess)} server(s)")
        return 0
    if argv:
        print("usage: seed.py [--delete-servers]", file=sys.stderr)
        return 2
    seed_demo(sess, os.environ["SOVRA_DEMO_PASSWORD"])
    if _has(sess, COMPUTE):
        seed_flavors(sess)
    if _has(sess, IMAGE):
        seed_image(sess, os.environ.get("SOVRA_TEST_IMAGE") or None)
    if _has(sess, BLOCK):
        try:
            up = wait_volume_backends(sess)
        except TimeoutError as exc:
            print(f"seed.py: the volume agent did not report: {exc}", file=sys.stderr)
            return 1
        print(f"volume backends up: {', '.join(up)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
