"""Every route of the Block Storage API (walked from its route table, so a new
route is covered by itself): no request body, volume action argument or query
string, however broken, gets a 500, at the oldest and the newest microversion; a
broken body is a 400 in Cinder's fault format."""

import uuid

import pytest
from conftest import reset
from functional import route_walk

from sovra_block.api.handlers.volume_action import _ACTIONS
from sovra_block.api.routes import ROUTES

WRITES = ("POST", "PUT")
VERSIONS = ("3.0", "latest")
#: resources this walk does not make (a backup needs a backup store): their
#: routes may answer 404 before they read the body
UNMADE = ("/v3/backups/<backup_id>", "/v3/os-volume-transfer/<transfer_id>")
#: routes a later microversion brought (attachments: 3.27): before, not there (404)
NEWER = "/v3/attachments"


@pytest.fixture(scope="module")
def resources(_shared_block):
    """One of each resource a route names, so that requests reach their body."""
    api = _shared_block
    reset(api)
    volume = api.create_volume(project="admin", name="every-route")
    snapshot = api.ok("POST", "/v3/snapshots", 202, project="admin", json={
        "snapshot": {"volume_id": volume["id"], "name": "every-route"}})["snapshot"]
    api.wait_snapshot(snapshot["id"], "available", project="admin")
    attachment = api.ok("POST", "/v3/attachments", 200, project="admin", version="3.27",
                        json={"attachment": {"volume_uuid": volume["id"],
                                             "instance_uuid": str(uuid.uuid4())}})
    volume_type = api.ok("POST", "/v3/types", project="admin", json={
        "volume_type": {"name": "every-route"}})["volume_type"]
    api.ok("POST", f"/v3/types/{volume_type['id']}/extra_specs", project="admin",
           json={"extra_specs": {"k": "v"}})
    qos = api.ok("POST", "/v3/qos-specs", project="admin", json={
        "qos_specs": {"name": "every-route", "consumer": "back-end"}})["qos_specs"]
    api.ok("POST", f"/v3/volumes/{volume['id']}/metadata", project="admin",
           json={"metadata": {"k": "v"}})
    api.ok("POST", f"/v3/snapshots/{snapshot['id']}/metadata", project="admin",
           json={"metadata": {"k": "v"}})
    return {"volume_id": volume["id"], "snapshot_id": snapshot["id"],
            "attachment_id": attachment["attachment"]["id"],
            "volume_type_id": volume_type["id"], "qos_id": qos["id"], "key": "k",
            "project_id": "a" * 32, "action": "enable", "backup_id": str(uuid.uuid4()),
            "transfer_id": str(uuid.uuid4())}


def _fault_code(resp):
    """The code of a Cinder fault body ({"badRequest": {"code": 400, ...}})."""
    (fault,) = resp.json().values()
    return fault["code"]


BAD_BODIES = {
    **route_walk.BAD_BODIES,
    "wrong member types": b'{"volume": [], "snapshot": 5, "attachment": "x",'
                          b' "volume_type": 1, "qos_specs": null, "metadata": [],'
                          b' "quota_set": "q", "extra_specs": 3, "backup": [],'
                          b' "transfer": 0, "accept": "a", "restore": 9}',
}


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("kind", sorted(BAD_BODIES))
def test_bad_bodies_are_400_on_every_write(_shared_block, resources, kind, version):
    api = _shared_block
    wrong = []
    for path, methods in ROUTES.items():
        for method in methods:
            if method not in WRITES:
                continue
            resp = api.request(method, route_walk.fill(path, resources), project="admin",
                               version=version, data=BAD_BODIES[kind],
                               headers={"Content-Type": "application/json"})
            unmade = path.startswith(UNMADE) and resp.status_code == 404
            if version == "3.0" and path.startswith(NEWER):
                if resp.status_code != 404:
                    wrong.append(f"{method} {path} before its microversion: "
                                 f"{resp.status_code}")
            elif resp.status_code >= 500 or (resp.status_code != 400 and not unmade):
                wrong.append(f"{method} {path}: {resp.status_code} {resp.text[:160]}")
            elif resp.status_code >= 400:
                assert _fault_code(resp) == resp.status_code
    assert not wrong, wrong


#: arguments of the wrong shape for any volume action
BAD_ARGUMENTS = [[], "text", 12, True, {"unknown": 1}, {
    "new_size": "big", "status": ["x"], "bootable": "perhaps", "readonly": {},
    "new_type": 5, "image_name": [], "metadata": "m", "key": {}, "connector": "c",
    "instance_uuid": 1, "mountpoint": [], "attachment_id": {}, "force": "sure"}]


@pytest.mark.parametrize("version", VERSIONS)
def test_bad_volume_action_arguments_are_never_a_500(_shared_block, resources, version):
    api = _shared_block
    volume = api.create_volume(project="admin", name=f"every-action-{version}")
    wrong = []
    # os-force_delete goes last: it ends the volume
    for name in sorted(_ACTIONS, key=lambda name: (name == "os-force_delete", name)):
        for argument in BAD_ARGUMENTS:
            resp = api.request("POST", f"/v3/volumes/{volume['id']}/action",
                               project="admin", version=version, json={name: argument})
            if resp.status_code >= 500:
                wrong.append(f"{name} {argument!r}: {resp.status_code} {resp.text[:160]}")
            elif resp.status_code >= 400:
                assert _fault_code(resp) == resp.status_code
    assert not wrong, wrong


BAD_QUERY = {"limit": "many", "marker": "nobody", "sort": "\x00:up", "sort_key": "(",
             "sort_dir": "sideways", "offset": "-1", "all_tenants": "perhaps",
             "name": "*(", "status": "melted", "metadata": "{not json",
             "bootable": "x", "with_count": "maybe", "created_at": "gt:yesterday",
             "updated_at": "lte:2020-13-45", "is_public": "sometimes",
             "volume_id": "\u2603", "project_id": "%", "host": "\x01",
             "binary": "[", "usage": "x", "detail": "2", "glance_metadata": "]"}


@pytest.mark.parametrize("version", VERSIONS)
def test_bad_query_strings_are_never_a_500(_shared_block, resources, version):
    assert not route_walk.server_errors_of_queries(
        lambda path, params: _shared_block.request(
            "GET", route_walk.fill(path, resources), project="admin", version=version,
            params=params),
        ROUTES, BAD_QUERY)
