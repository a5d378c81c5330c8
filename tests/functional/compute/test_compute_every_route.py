"""Every route of the compute API (walked from its route table, so a new route is
covered by itself): no request body, server action argument or query string,
however broken, gets a 500, at the oldest and the newest microversion."""

import uuid

import pytest
import requests
from active_servers import boot_active
from functional import route_walk

from sovra_compute.api.handlers.server_action import _ACTIONS
from sovra_compute.api.routes import ROUTES

WRITES = ("POST", "PUT")
VERSIONS = ("2.1", "latest")

pytestmark = [
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning"),
]


@pytest.fixture(scope="module")
def admin(cloud):
    session = requests.Session()
    session.headers["X-Auth-Token"] = cloud.admin_token()
    yield session
    session.close()


@pytest.fixture(scope="module")
def resources(cloud, conn, image, flavor):
    """One of each resource a route names, so that requests reach their body."""
    tag = uuid.uuid4().hex[:6]
    server = boot_active(conn, image, flavor, f"every-route-{tag}")
    conn.compute.set_server_metadata(server, k="v")
    conn.compute.add_tag_to_server(server, "t1")
    keypair = conn.compute.create_keypair(name=f"every-route-{tag}")
    group = conn.compute.create_server_group(name=f"every-route-{tag}",
                                             policy="anti-affinity")
    aggregate = conn.compute.create_aggregate(name=f"every-route-{tag}")
    flavor_id = f"every-route-{tag}"
    conn.compute.create_flavor(name=flavor_id, id=flavor_id, ram=64, vcpus=1, disk=1)
    conn.compute.create_flavor_extra_specs(flavor_id, {"hw:cpu_policy": "shared"})
    service = conn.compute.get("/os-services", microversion="2.53").json()["services"][0]
    hypervisor = conn.compute.get("/os-hypervisors", microversion="2.53").json()[
        "hypervisors"][0]
    action = conn.compute.get(f"/servers/{server.id}/os-instance-actions").json()[
        "instanceActions"][0]
    return {"server_id": server.id, "tag": "t1", "key": "k", "port_id": str(uuid.uuid4()),
            "volume_id": str(uuid.uuid4()), "request_id": action["request_id"],
            "flavor_id": flavor_id, "name": keypair.name, "hypervisor_id": hypervisor["id"],
            "pattern": hypervisor["hypervisor_hostname"], "project_id": server.project_id,
            "group_id": group.id, "aggregate_id": aggregate.id,
            "tenant_id": server.project_id, "service_id": service["id"]}


def _url(cloud, path, ids):
    base = cloud.compute_url.rstrip("/").removesuffix("/v2.1")
    return base + route_walk.fill(path, ids)


#: writes that a later microversion brought: before it, the route is not there (404)
NEWER_WRITES = {("PUT", "/v2.1/servers/<server_id>/tags"): "2.26",
                ("PUT", "/v2.1/servers/<server_id>/tags/<tag>"): "2.26",
                ("PUT", "/v2.1/flavors/<flavor_id>"): "2.55"}


def _takes_body(path, method):
    """Whether the route reads a JSON body (PUT of one tag names all in its path)."""
    return method in WRITES and not path.endswith("/tags/<tag>")


def _call(admin, method, url, version, **kwargs):
    headers = {"OpenStack-API-Version": f"compute {version}",
               "Content-Type": "application/json"}
    return admin.request(method, url, headers=headers, timeout=30, **kwargs)


def _fault_code(resp):
    """The code of a compute fault body ({"badRequest": {"code": 400, ...}})."""
    (fault,) = resp.json().values()
    return fault["code"]


BAD_BODIES = {
    **route_walk.BAD_BODIES,
    "wrong member types": b'{"server": [], "flavor": 5, "keypair": "x", "quota_set": 1,'
                          b' "aggregate": null, "metadata": [], "tags": {}}',
}


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("kind", sorted(BAD_BODIES))
def test_bad_bodies_are_400_on_every_write(cloud, admin, resources, kind, version):
    wrong = []
    for path, methods in ROUTES.items():
        for method in methods:
            if method not in WRITES:
                continue
            resp = _call(admin, method, _url(cloud, path, resources), version,
                         data=BAD_BODIES[kind])
            if version == "2.1" and (method, path) in NEWER_WRITES:
                if resp.status_code != 404:
                    wrong.append(f"{method} {path} before its microversion: "
                                 f"{resp.status_code}")
            elif resp.status_code >= 500 or (
                    _takes_body(path, method) and resp.status_code != 400):
                wrong.append(f"{method} {path}: {resp.status_code} {resp.text[:160]}")
            elif resp.status_code == 400:
                assert _fault_code(resp) == 400
    assert not wrong, wrong


#: arguments of the wrong shape for any action (most take an object, some null)
BAD_ARGUMENTS = [[], "text", 12, True, {"unknown": 1}, {"name": ["x"], "type": {},
                 "host": 5, "adminPass": None, "imageRef": [], "flavorRef": {},
                 "length": "many", "metadata": "m", "onSharedStorage": "perhaps",
                 "force": "sure", "state": "melted", "reboot_type": 3}]


@pytest.mark.parametrize("version", VERSIONS)
def test_bad_action_arguments_are_never_a_500(cloud, conn, image, flavor, admin, version):
    # a server of its own: an action may take an argument it need not read
    # (os-stop, lock...), and forceDelete deletes with any
    server = boot_active(conn, image, flavor, f"every-action-{version}")
    url = _url(cloud, "/v2.1/servers/<server_id>/action", {"server_id": server.id})
    wrong = []
    # forceDelete and restore go last: they end the server
    names = sorted(_ACTIONS, key=lambda name: (name in ("forceDelete", "restore"), name))
    for name in names:
        for argument in BAD_ARGUMENTS:
            resp = _call(admin, "POST", url, version, json={name: argument})
            if resp.status_code >= 500:
                wrong.append(f"{name} {argument!r}: {resp.status_code} {resp.text[:160]}")
            elif resp.status_code >= 400:
                assert _fault_code(resp) == resp.status_code
    assert not wrong, wrong


BAD_QUERY = {"limit": "many", "marker": "nobody", "sort_key": "\x00", "sort_dir": "up",
             "changes-since": "yesterday", "changes-before": "2020-13-45",
             "all_tenants": "perhaps", "deleted": "maybe", "detailed": "2",
             "start": "then", "end": "now", "flavor": "[]", "image": "{}",
             "status": "melted", "ip": "(", "ip6": "[", "name": "*(", "minDisk": "x",
             "minRam": "-1", "is_public": "sometimes", "with_servers": "x",
             "hypervisor_hostname_pattern": "%", "migration_type": "x",
             "instance_uuid": "nope", "user_id": "\u2603", "tags": ",",
             "not-tags-any": ",,", "locked": "x", "availability_zone": "\x01"}


@pytest.mark.parametrize("version", VERSIONS)
def test_bad_query_strings_are_never_a_500(cloud, admin, resources, version):
    assert not route_walk.server_errors_of_queries(
        lambda path, params: _call(admin, "GET", _url(cloud, path, resources), version,
                                   params=params),
        ROUTES, BAD_QUERY)
