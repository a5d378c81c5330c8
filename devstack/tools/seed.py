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
  the moment stack.sh returns would otherwise find no backend);
- when network is in the catalog, DevStack's networks: ``public`` (external, flat
  on physical network $SOVRA_PUBLIC_PHYSNET, subnet ``public-subnet``
  $SOVRA_FLOATING_RANGE without DHCP, gateway $SOVRA_PUBLIC_NETWORK_GATEWAY: the
  host's end of the uplink), and as the demo user ``private`` (subnet
  ``private-subnet`` $SOVRA_FIXED_RANGE), ``router1`` (gateway on public, an
  interface on private-subnet) and ICMP and SSH (IPv4) allowed in by demo's
  ``default`` security group; then, when $SOVRA_NETWORK_AGENT_HOST names this
  node's network agent, it waits until the network API lists it alive.

Run by stack.sh with the virtualenv's python once the APIs answer. Reads
SOVRA_AUTH_URL, SOVRA_ADMIN_PASSWORD and SOVRA_DEMO_PASSWORD (and the network
settings above) from the environment, so no password is on a command line.

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
NETWORK = {"service_type": "network", "interface": "public"}
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


def _one(sess, collection, query, where=lambda item: True):
    """The first ``collection`` item (e.g. networks) matching ``query`` and
    ``where``, or None."""
    found = sess.get(f"/v2.0/{collection}?{query}", endpoint_filter=NETWORK).json()[
        collection.replace("-", "_")]
    return next((item for item in found if where(item)), None)


def _create(sess, resource, body):
    """POST ``body`` as a new ``resource`` (network, security_group_rule...)."""
    path = "/v2.0/" + resource.replace("_", "-") + "s"
    return sess.post(path, endpoint_filter=NETWORK, json={resource: body}).json()[resource]


def seed_networks(admin, demo, settings):
    """DevStack's public, private and router1 (see the module's docstring); what
    exists already (found by name) is kept as it is."""
    public = _one(admin, "networks", "name=public",
                  lambda n: n.get("router:external")) or _create(
        admin, "network", {"name": "public", "router:external": True,
                           "provider:network_type": "flat",
                           "provider:physical_network": settings["physnet"]})
    if not _one(admin, "subnets", f"network_id={public['id']}"):
        _create(admin, "subnet", {
            "name": "public-subnet", "network_id": public["id"], "ip_version": 4,
            "cidr": settings["floating_range"], "gateway_ip": settings["gateway"],
            "enable_dhcp": False})
    demo_project = demo.get_project_id()
    private = _one(demo, "networks", f"name=private&project_id={demo_project}") or \
        _create(demo, "network", {"name": "private"})
    subnet = _one(demo, "subnets", f"network_id={private['id']}") or _create(
        demo, "subnet", {"name": "private-subnet", "network_id": private["id"],
                         "ip_version": 4, "cidr": settings["fixed_range"]})
    router = _one(demo, "routers", f"name=router1&project_id={demo_project}") or \
        _create(demo, "router", {"name": "router1",
                                 "external_gateway_info": {"network_id": public["id"]}})
    if not _one(demo, "ports", f"device_id={router['id']}&network_id={private['id']}"):
        demo.put(f"/v2.0/routers/{router['id']}/add_router_interface",
                 endpoint_filter=NETWORK, json={"subnet_id": subnet["id"]})
    # listing makes demo's default group; then ICMP and SSH in, as DevStack allows
    group = _one(demo, "security-groups", f"name=default&project_id={demo_project}")
    rules = {(r["direction"], r["ethertype"], r["protocol"], r["port_range_min"])
             for r in demo.get(
                 f"/v2.0/security-group-rules?security_group_id={group['id']}",
                 endpoint_filter=NETWORK).json()["security_group_rules"]
             if r["remote_ip_prefix"] in (None, "0.0.0.0/0") and not r["remote_group_id"]}
    for protocol, port in (("icmp", None), ("tcp", 22)):
        if ("ingress", "IPv4", protocol, port) not in rules:
            ports = {"port_range_min": port, "port_range_max": port} if port else {}
            _create(demo, "security_group_rule", {
                "security_group_id": group["id"], "direction": "ingress",
                "ethertype": "IPv4", "protocol": protocol,
                "remote_ip_prefix": "0.0.0.0/0", **ports})
    print(f"networks: public {settings['floating_range']}, private "
          f"{settings['fixed_range']}, router1", flush=True)


def wait_network_agent(sess, host, timeout=60.0):
    """Wait until the network API lists ``host``'s network agent alive."""
    deadline = time.monotonic() + timeout
    while True:
        agents = sess.get("/v2.0/agents", endpoint_filter=NETWORK).json()["agents"]
        if any(a["host"] == host and a.get("alive") for a in agents):
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"network agent {host} not alive after {timeout:.0f} s")
        time.sleep(0.2)


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
    if _has(sess, NETWORK):
        demo = session.Session(auth=v3.Password(
            auth_url=os.environ["SOVRA_AUTH_URL"], username="demo",
            password=os.environ["SOVRA_DEMO_PASSWORD"], user_domain_id="default",
            project_name="demo", project_domain_id="default"))
        seed_networks(sess, demo, {
            "physnet": os.environ.get("SOVRA_PUBLIC_PHYSNET", "public"),
            "floating_range": os.environ.get("SOVRA_FLOATING_RANGE", "172.24.4.0/24"),
            "gateway": os.environ.get("SOVRA_PUBLIC_NETWORK_GATEWAY", "172.24.4.1"),
            "fixed_range": os.environ.get("SOVRA_FIXED_RANGE", "10.0.0.0/26")})
        host = os.environ.get("SOVRA_NETWORK_AGENT_HOST")
        if host:
            try:
                wait_network_agent(sess, host)
            except TimeoutError as exc:
                print(f"seed.py: {exc}", file=sys.stderr)
                return 1
            print(f"network agent up: {host}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
