"""What a new cloud needs to be tried at once, through the APIs (idempotent):

- the demo project and user (member role);
- flavors m1.tiny, m1.small, m1.medium, when compute is in the catalog;
- a public image ``test-image`` (a 1 MiB raw disk), when image is in the catalog.
  It boots on the fake virt driver only; a bootable guest image comes with the
  libvirt driver.

Run by stack.sh with the virtualenv's python once the APIs answer. Reads
SOVRA_AUTH_URL, SOVRA_ADMIN_PASSWORD and SOVRA_DEMO_PASSWORD from the environment,
so no password is on a command line.
"""

import os
import sys

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import session
from keystoneauth1.identity import v3

IDENTITY = {"service_type": "identity", "interface": "public"}
COMPUTE = {"service_type": "compute", "interface": "public"}
IMAGE = {"service_type": "image", "interface": "public"}
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


def seed_image(sess):
    found = sess.get(f"/v2/images?name={TEST_IMAGE}", endpoint_filter=IMAGE).json()["images"]
    if found and found[0]["status"] == "active":
        return
    image = found[0] if found else sess.post("/v2/images", endpoint_filter=IMAGE, json={
        "name": TEST_IMAGE, "disk_format": "raw", "container_format": "bare",
        "visibility": "public"}).json()
    sess.put(f"/v2/images/{image['id']}/file", endpoint_filter=IMAGE,
             data=b"\0" * (1024 * 1024),
             headers={"Content-Type": "application/octet-stream"})


def main() -> int:
    auth = v3.Password(auth_url=os.environ["SOVRA_AUTH_URL"], username="admin",
                       password=os.environ["SOVRA_ADMIN_PASSWORD"],
                       user_domain_id="default", project_name="admin",
                       project_domain_id="default")
    sess = session.Session(auth=auth)
    seed_demo(sess, os.environ["SOVRA_DEMO_PASSWORD"])
    if _has(sess, COMPUTE):
        seed_flavors(sess)
    if _has(sess, IMAGE):
        seed_image(sess)
    return 0


if __name__ == "__main__":
    sys.exit(main())
