"""Volume types and QoS specs over HTTP: administration, visibility of private types
and of extra specs, the default type, access lists, associations, errors."""

import concurrent.futures
import json
import queue
import shutil
import subprocess
import uuid

import pytest
from block_cloud import start_cloud
from conftest import PROJECT_A, PROJECT_B

from sovra_common import rpc


def _create_type(api, name="gold", **fields):
    return api.ok("POST", "/v3/types", project="admin",
                  json={"volume_type": {"name": name, **fields}})["volume_type"]


def _names(api, path="/v3/types", **kwargs):
    return sorted(t["name"] for t in api.ok("GET", path, **kwargs)["volume_types"])


# --- types ---------------------------------------------------------------------

def test_create_show_update_delete_a_type(block_api):
    created = _create_type(block_api, description="fast",
                           extra_specs={"volume_backend_name": "file1"})
    assert created["name"] == "gold" and created["description"] == "fast"
    assert created["is_public"] is True
    assert created["os-volume-type-access:is_public"] is True
    assert created["extra_specs"] == {"volume_backend_name": "file1"}
    assert created["qos_specs_id"] is None

    path = f"/v3/types/{created['id']}"
    assert block_api.ok("GET", path)["volume_type"]["name"] == "gold"
    updated = block_api.ok("PUT", path, project="admin", json={
        "volume_type": {"name": "platinum", "description": None}})["volume_type"]
    assert updated["name"] == "platinum" and updated["description"] is None
    assert _names(block_api) == ["__DEFAULT__", "platinum"]

    assert block_api.request("DELETE", path, project="admin").status_code == 202
    block_api.fault("GET", path, 404)
    block_api.fault("DELETE", path, 404, project="admin")


def test_the_default_type(block_api):
    default = block_api.ok("GET", "/v3/types/default")["volume_type"]
    assert default["name"] == "__DEFAULT__"
    message = block_api.fault("DELETE", f"/v3/types/{default['id']}", 400,
                              project="admin")
    assert "Default volume type can not be deleted" in message
    block_api.fault("PUT", f"/v3/types/{default['id']}", 400, project="admin",
                    json={"volume_type": {"name": "renamed"}})
    # its description may change
    block_api.ok("PUT", f"/v3/types/{default['id']}", project="admin",
                 json={"volume_type": {"description": "the usual"}})
    assert block_api.ok("GET", "/v3/types/default")["volume_type"][
        "description"] == "the usual"


def test_a_type_in_use_cannot_be_deleted(block_api):
    gold = _create_type(block_api)
    volume = block_api.create_volume(volume_type="gold")
    assert volume["volume_type"] == "gold"
    message = block_api.fault("DELETE", f"/v3/types/{gold['id']}", 400, project="admin")
    assert "volumes present" in message
    block_api.ok("DELETE", f"/v3/volumes/{volume['id']}", 202)
    block_api.wait_gone(f"/v3/volumes/{volume['id']}")
    block_api.ok("DELETE", f"/v3/types/{gold['id']}", 202, project="admin")


def test_names_are_unique(block_api):
    _create_type(block_api)
    message = block_api.fault("POST", "/v3/types", 409, project="admin",
                              json={"volume_type": {"name": "gold"}})
    assert "gold" in message
    silver = _create_type(block_api, name="silver")
    block_api.fault("PUT", f"/v3/types/{silver['id']}", 409, project="admin",
                    json={"volume_type": {"name": "gold"}})


def test_concurrent_creates_of_one_name_make_one_type(block_api):
    def create(_):
        return block_api.request("POST", "/v3/types", project="admin",
                                 json={"volume_type": {"name": "race"}}).status_code

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        statuses = sorted(pool.map(create, range(16)))
    assert statuses == [200] + [409] * 15
    assert _names(block_api) == ["__DEFAULT__", "race"]


def test_only_admins_manage_types(block_api):
    gold = _create_type(block_api)
    block_api.fault("POST", "/v3/types", 403, json={"volume_type": {"name": "x"}})
    block_api.fault("PUT", f"/v3/types/{gold['id']}", 403,
                    json={"volume_type": {"name": "y"}})
    block_api.fault("DELETE", f"/v3/types/{gold['id']}", 403)
    block_api.fault("POST", f"/v3/types/{gold['id']}/extra_specs", 403,
                    json={"extra_specs": {"a": "b"}})


def test_bad_bodies_are_400s(block_api):
    for body in ({}, {"volume_type": {}}, {"volume_type": {"name": ""}},
                 {"volume_type": {"name": "   "}},
                 {"volume_type": {"name": "x" * 256}},
                 {"volume_type": {"name": "x", "bogus": 1}},
                 {"volume_type": {"name": "x", "extra_specs": {"k": 1}}},
                 {"volume_type": {"name": "x", "extra_specs": {"bad key!": "v"}}},
                 {"volume_type": {"name": "x", "os-volume-type-access:is_public": "maybe"}},
                 [], "text"):
        block_api.fault("POST", "/v3/types", 400, project="admin", json=body)
    gold = _create_type(block_api)
    for body in ({"volume_type": {}}, {"volume_type": {"is_public": "perhaps"}},
                 {"volume_type": {"extra_specs": {}}}):
        block_api.fault("PUT", f"/v3/types/{gold['id']}", 400, project="admin",
                        json=body)
    block_api.fault("GET", "/v3/types?is_public=sometimes", 400, project="admin")


def test_private_types_are_seen_by_admins_and_projects_with_access(block_api):
    private = _create_type(block_api, name="secret",
                           **{"os-volume-type-access:is_public": False})
    assert private["is_public"] is False
    path = f"/v3/types/{private['id']}"
    assert _names(block_api) == ["__DEFAULT__"]
    block_api.fault("GET", path, 404)

    block_api.ok("POST", path + "/action", 202, project="admin",
                 json={"addProjectAccess": {"project": PROJECT_A}})
    assert _names(block_api) == ["__DEFAULT__", "secret"]
    assert block_api.ok("GET", path)["volume_type"]["name"] == "secret"
    assert _names(block_api, project=PROJECT_B) == ["__DEFAULT__"]
    block_api.fault("GET", path, 404, project=PROJECT_B)
    access = block_api.ok("GET", path + "/os-volume-type-access", project="admin")
    assert access == {"volume_type_access": [
        {"volume_type_id": private["id"], "project_id": PROJECT_A}]}
    # A project with access may create volumes of the type; others may not.
    volume = block_api.create_volume(volume_type=private["id"])
    assert volume["volume_type"] == "secret"
    block_api.fault("POST", "/v3/volumes", 404, project=PROJECT_B,
                    json={"volume": {"size": 1, "volume_type": private["id"]}})

    block_api.fault("POST", path + "/action", 409, project="admin",
                    json={"addProjectAccess": {"project": PROJECT_A}})
    block_api.ok("POST", path + "/action", 202, project="admin",
                 json={"removeProjectAccess": {"project": PROJECT_A}})
    block_api.fault("POST", path + "/action", 404, project="admin",
                    json={"removeProjectAccess": {"project": PROJECT_A}})
    block_api.fault("GET", path, 404)
    block_api.fault("POST", path + "/action", 403,
                    json={"addProjectAccess": {"project": PROJECT_A}})
    block_api.fault("GET", path + "/os-volume-type-access", 403)


def test_access_lists_are_for_private_types_only(block_api):
    public = _create_type(block_api)
    path = f"/v3/types/{public['id']}"
    block_api.fault("GET", path + "/os-volume-type-access", 404, project="admin")
    block_api.fault("POST", path + "/action", 400, project="admin",
                    json={"addProjectAccess": {"project": PROJECT_A}})
    for body in ({}, {"addProjectAccess": {}}, {"dance": {"project": PROJECT_A}},
                 {"addProjectAccess": {"project": "p" * 65}},
                 {"addProjectAccess": {"project": PROJECT_A},
                  "removeProjectAccess": {"project": PROJECT_A}}):
        block_api.fault("POST", path + "/action", 400, project="admin", json=body)


def test_admins_filter_by_is_public(block_api):
    _create_type(block_api, name="open")
    _create_type(block_api, name="closed", **{"os-volume-type-access:is_public": False})
    assert _names(block_api, project="admin") == ["__DEFAULT__", "open"]
    assert _names(block_api, "/v3/types?is_public=false", project="admin") == ["closed"]
    assert _names(block_api, "/v3/types?is_public=None", project="admin") == [
        "__DEFAULT__", "closed", "open"]
    # others always get the public ones (and their own private ones)
    assert _names(block_api, "/v3/types?is_public=None") == ["__DEFAULT__", "open"]


def test_list_sorts_and_pages(block_api):
    for name in ("b", "c", "a"):
        _create_type(block_api, name=name)
    names = [t["name"] for t in block_api.ok(
        "GET", "/v3/types?sort_key=name&sort_dir=asc")["volume_types"]]
    assert names == ["__DEFAULT__", "a", "b", "c"]
    page = block_api.ok("GET", "/v3/types?sort=name:asc&limit=2")
    assert [t["name"] for t in page["volume_types"]] == ["__DEFAULT__", "a"]
    next_href = page["volume_type_links"][0]["href"]
    assert "marker=" in next_href
    marker = page["volume_types"][-1]["id"]
    rest = block_api.ok("GET", f"/v3/types?sort=name:asc&marker={marker}")
    assert [t["name"] for t in rest["volume_types"]] == ["b", "c"]
    block_api.fault("GET", "/v3/types?sort_key=color", 400)


def test_rename_carries_the_types_quotas_over(block_api):
    gold = _create_type(block_api)
    block_api.ok("PUT", f"/v3/os-quota-sets/{PROJECT_A}", project="admin",
                 json={"quota_set": {"volumes_gold": 3}})
    block_api.ok("PUT", f"/v3/types/{gold['id']}", project="admin",
                 json={"volume_type": {"name": "platinum"}})
    quotas = block_api.ok("GET", f"/v3/os-quota-sets/{PROJECT_A}")["quota_set"]
    assert quotas["volumes_platinum"] == 3
    assert "volumes_gold" not in quotas


# --- extra specs ------------------------------------------------------------------

def test_extra_specs_lifecycle(block_api):
    gold = _create_type(block_api, extra_specs={"volume_backend_name": "file1"})
    specs = f"/v3/types/{gold['id']}/extra_specs"
    added = block_api.ok("POST", specs, project="admin",
                         json={"extra_specs": {"multiattach": "<is> True", "k": "v"}})
    assert added == {"extra_specs": {"multiattach": "<is> True", "k": "v"}}
    assert block_api.ok("GET", specs, project="admin")["extra_specs"] == {
        "volume_backend_name": "file1", "multiattach": "<is> True", "k": "v"}
    assert block_api.ok("PUT", specs + "/k", project="admin", json={"k": "w"}) == {
        "k": "w"}
    assert block_api.ok("GET", specs + "/k", project="admin") == {"k": "w"}
    block_api.fault("PUT", specs + "/k", 400, project="admin", json={"other": "w"})
    block_api.fault("PUT", specs + "/k", 400, project="admin",
                    json={"k": "w", "l": "x"})
    assert block_api.request("DELETE", specs + "/k", project="admin").status_code == 202
    block_api.fault("GET", specs + "/k", 404, project="admin")
    block_api.fault("DELETE", specs + "/k", 404, project="admin")
    block_api.fault("POST", specs, 400, project="admin", json={"extra_specs": {}})
    block_api.fault("POST", specs, 400, project="admin", json={"extra_specs": {"k": 2}})
    block_api.fault("GET", "/v3/types/nope/extra_specs", 404, project="admin")


def test_users_see_only_user_visible_extra_specs(block_api):
    gold = _create_type(block_api, extra_specs={
        "volume_backend_name": "file1", "multiattach": "<is> True",
        "RESKEY:availability_zones": "nova", "replication_enabled": "<is> False"})
    visible = {"multiattach": "<is> True", "RESKEY:availability_zones": "nova",
               "replication_enabled": "<is> False"}
    shown = block_api.ok("GET", f"/v3/types/{gold['id']}")["volume_type"]
    assert shown["extra_specs"] == visible
    assert "qos_specs_id" not in shown
    specs = f"/v3/types/{gold['id']}/extra_specs"
    assert block_api.ok("GET", specs)["extra_specs"] == visible
    assert block_api.ok("GET", specs + "/multiattach") == {"multiattach": "<is> True"}
    block_api.fault("GET", specs + "/volume_backend_name", 404)
    listed = {t["name"]: t for t in block_api.ok("GET", "/v3/types")["volume_types"]}
    assert listed["gold"]["extra_specs"] == visible
    admin_view = block_api.ok("GET", f"/v3/types/{gold['id']}",
                              project="admin")["volume_type"]
    assert admin_view["extra_specs"]["volume_backend_name"] == "file1"


def test_extra_specs_steer_the_scheduler(block_api):
    """A type whose volume_backend_name no backend has gets its volumes in error;
    fixing the spec makes the next volume land on the backend."""
    odd = _create_type(block_api, name="odd",
                       extra_specs={"volume_backend_name": "no-such-backend"})
    failed = block_api.create_volume(volume_type="odd", wait="error")
    assert failed["status"] == "error"
    block_api.ok("PUT", f"/v3/types/{odd['id']}/extra_specs/volume_backend_name",
                 project="admin", json={"volume_backend_name": "file1"})
    volume = block_api.create_volume(volume_type="odd")
    assert volume["status"] == "available"


# --- QoS specs --------------------------------------------------------------------

def _create_qos(api, name="limited", **specs):
    return api.ok("POST", "/v3/qos-specs", project="admin",
                  json={"qos_specs": {"name": name, **specs}})


def test_qos_spec_lifecycle(block_api):
    created = _create_qos(block_api, consumer="front-end", total_iops_sec="500")
    spec = created["qos_specs"]
    assert spec["name"] == "limited" and spec["consumer"] == "front-end"
    assert spec["specs"] == {"total_iops_sec": "500"}
    assert created["links"][0]["rel"] == "self"
    assert created["links"][0]["href"].endswith(f"/qos-specs/{spec['id']}")
    path = f"/v3/qos-specs/{spec['id']}"

    assert block_api.ok("GET", path, project="admin")["qos_specs"] == spec
    listed = block_api.ok("GET", "/v3/qos-specs", project="admin")["qos_specs"]
    assert [s["id"] for s in listed] == [spec["id"]]

    assert block_api.ok("PUT", path, project="admin", json={"qos_specs": {
        "read_bytes_sec": "1024", "consumer": "both"}}) == {
        "qos_specs": {"read_bytes_sec": "1024", "consumer": "both"}}
    shown = block_api.ok("GET", path, project="admin")["qos_specs"]
    assert shown["consumer"] == "both"
    assert shown["specs"] == {"total_iops_sec": "500", "read_bytes_sec": "1024"}

    block_api.ok("PUT", path + "/delete_keys", 202, project="admin",
                 json={"keys": ["total_iops_sec"]})
    assert block_api.ok("GET", path, project="admin")["qos_specs"]["specs"] == {
        "read_bytes_sec": "1024"}
    block_api.fault("PUT", path + "/delete_keys", 400, project="admin",
                    json={"keys": ["total_iops_sec"]})
    block_api.fault("PUT", "/v3/qos-specs/nope/delete_keys", 404, project="admin",
                    json={"keys": ["total_iops_sec"]})

    block_api.ok("DELETE", path, 202, project="admin")
    block_api.fault("GET", path, 404, project="admin")


def test_qos_spec_errors(block_api):
    _create_qos(block_api)
    block_api.fault("POST", "/v3/qos-specs", 409, project="admin",
                    json={"qos_specs": {"name": "limited"}})
    for body in ({}, {"qos_specs": {}}, {"qos_specs": {"name": ""}},
                 {"qos_specs": {"name": "x", "total_iops_sec": 5}},
                 {"qos_specs": {"name": "x", "consumer": "sideways"}}):
        block_api.fault("POST", "/v3/qos-specs", 400, project="admin", json=body)
    block_api.fault("GET", "/v3/qos-specs", 403)
    block_api.fault("POST", "/v3/qos-specs", 403, json={"qos_specs": {"name": "y"}})
    block_api.fault("GET", "/v3/qos-specs/nope", 404, project="admin")
    block_api.fault("PUT", "/v3/qos-specs/nope/delete_keys", 400, project="admin",
                    json={"keys": []})


def test_qos_associations(block_api):
    spec = _create_qos(block_api, total_iops_sec="100")["qos_specs"]
    other = _create_qos(block_api, name="other")["qos_specs"]
    gold = _create_type(block_api)
    silver = _create_type(block_api, name="silver")
    path = f"/v3/qos-specs/{spec['id']}"

    block_api.ok("GET", f"{path}/associate?vol_type_id={gold['id']}", 202,
                 project="admin")
    block_api.ok("GET", f"{path}/associate?vol_type_id={silver['id']}", 202,
                 project="admin")
    associations = block_api.ok("GET", path + "/associations", project="admin")
    assert associations == {"qos_associations": [
        {"association_type": "volume_type", "name": "gold", "id": gold["id"]},
        {"association_type": "volume_type", "name": "silver", "id": silver["id"]}]}
    assert block_api.ok("GET", f"/v3/types/{gold['id']}", project="admin")[
        "volume_type"]["qos_specs_id"] == spec["id"]
    # one spec per type
    block_api.fault("GET", f"/v3/qos-specs/{other['id']}/associate?vol_type_id="
                           f"{gold['id']}", 400, project="admin")
    block_api.fault("GET", f"{path}/associate", 400, project="admin")
    block_api.fault("GET", f"{path}/associate?vol_type_id=nope", 404, project="admin")

    block_api.ok("GET", f"{path}/disassociate?vol_type_id={gold['id']}", 202,
                 project="admin")
    assert [a["name"] for a in block_api.ok(
        "GET", path + "/associations", project="admin")["qos_associations"]] == [
        "silver"]
    # in use: no delete without force
    block_api.fault("DELETE", path, 400, project="admin")
    block_api.ok("GET", f"{path}/disassociate_all", 202, project="admin")
    assert block_api.ok("GET", path + "/associations", project="admin") == {
        "qos_associations": []}
    block_api.ok("GET", f"{path}/associate?vol_type_id={gold['id']}", 202,
                 project="admin")
    block_api.ok("DELETE", path + "?force=true", 202, project="admin")
    assert block_api.ok("GET", f"/v3/types/{gold['id']}", project="admin")[
        "volume_type"]["qos_specs_id"] is None


# --- openstacksdk -------------------------------------------------------------------

#: openstacksdk warns of its own future removals.
SDK_WARNINGS = [pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
                pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning")]


def sdk_test(func):
    for mark in SDK_WARNINGS:
        func = mark(func)
    return func


@pytest.fixture
def sdk(block_api):
    """openstacksdk against the harness (noauth: the token names user and project)."""
    import openstack

    conns = []

    def connect(token="admin"):
        url = block_api.url + "/v3"
        conn = openstack.connect(auth_type="admin_token",
                                 auth={"token": token, "endpoint": url},
                                 block_storage_endpoint_override=url,
                                 region_name="RegionOne")
        conns.append(conn)
        return conn.block_storage

    yield connect
    for conn in conns:
        conn.close()


@sdk_test
def test_sdk_types(sdk):
    admin = sdk()
    gold = admin.create_type(name="gold", description="fast",
                             extra_specs={"volume_backend_name": "file1"})
    assert gold.is_public is True and gold.extra_specs == {"volume_backend_name": "file1"}
    assert sorted(t.name for t in admin.types()) == ["__DEFAULT__", "gold"]
    assert admin.find_type("gold").id == gold.id

    admin.update_type_extra_specs(gold, multiattach="<is> True", k="v")
    admin.delete_type_extra_specs(gold, ["k"])
    assert admin.get_type(gold.id).extra_specs == {"volume_backend_name": "file1",
                                                   "multiattach": "<is> True"}
    assert admin.update_type(gold, name="platinum").name == "platinum"

    private = admin.create_type(name="secret", is_public=False)
    member = sdk(f"u-aaaa:{PROJECT_A}")
    assert sorted(t.name for t in member.types()) == ["__DEFAULT__", "platinum"]
    admin.add_type_access(private, PROJECT_A)
    assert admin.get_type_access(private) == [
        {"volume_type_id": private.id, "project_id": PROJECT_A}]
    assert sorted(t.name for t in member.types()) == ["__DEFAULT__", "platinum",
                                                      "secret"]
    assert member.get_type(gold.id).extra_specs == {"multiattach": "<is> True"}
    admin.remove_type_access(private, PROJECT_A)
    assert "secret" not in [t.name for t in member.types()]

    admin.delete_type(private)
    admin.delete_type(gold)
    assert admin.find_type("platinum") is None


@sdk_test
def test_sdk_qos_specs(sdk):
    admin = sdk()
    spec = admin.create_qos_spec(name="limited", consumer="front-end",
                                 total_iops_sec="300")
    assert spec.consumer == "front-end" and spec.specs == {"total_iops_sec": "300"}
    assert [s.name for s in admin.qos_specs()] == ["limited"]
    gold = admin.create_type(name="gold")
    admin.associate_qos_spec(spec, gold.id)
    assert [a.name for a in admin.qos_spec_associations(spec)] == ["gold"]
    admin.disassociate_qos_spec(spec, gold.id)
    assert list(admin.qos_spec_associations(spec)) == []
    admin.update_qos_spec(spec, read_iops_sec="50")
    admin.delete_qos_spec_metadata(spec, ["total_iops_sec"])
    assert admin.get_qos_spec(spec.id).specs == {"read_iops_sec": "50"}
    admin.delete_qos_spec(spec)
    assert admin.find_qos_spec("limited") is None


# --- the openstack CLI, against real identity ----------------------------------------

OPENSTACK = shutil.which("openstack")


@pytest.fixture(scope="module")
def cli_cloud(tmp_path_factory):
    cloud = start_cloud(tmp_path_factory.mktemp("block-types-cli"))
    yield cloud
    cloud.stop()


def _cli(cloud, *args, ok=True):
    done = subprocess.run([OPENSTACK, *args], capture_output=True, text=True,
                          env=cloud.client_env(), timeout=120)
    if ok:
        assert done.returncode == 0, done.stderr
        return done.stdout
    return done


def _cli_json(cloud, *args):
    return json.loads(_cli(cloud, *args, "-f", "json"))


@pytest.mark.skipif(OPENSTACK is None, reason="needs the openstack CLI")
def test_cli_volume_types_and_qos(cli_cloud):
    """openstack volume type create/set/unset/show/list/delete and volume qos
    create/associate/show/delete (each call costs ~2 s: kept few)."""
    created = _cli_json(cli_cloud, "volume", "type", "create", "--description", "fast",
                        "--property", "volume_backend_name=file1", "--private",
                        "--project", "admin", "cli-gold")
    assert created["name"] == "cli-gold" and created["is_public"] is False
    assert created["properties"] == {"volume_backend_name": "file1"}
    _cli(cli_cloud, "volume", "type", "set", "--name", "cli-platinum", "--property",
         "multiattach=<is> True", "--property", "k=v", "cli-gold")
    _cli(cli_cloud, "volume", "type", "unset", "--property", "k", "cli-platinum")
    shown = _cli_json(cli_cloud, "volume", "type", "show", "cli-platinum")
    assert shown["id"] == created["id"] and shown["description"] == "fast"
    assert shown["properties"] == {"volume_backend_name": "file1",
                                   "multiattach": "<is> True"}
    assert len(shown["access_project_ids"]) == 1  # the admin project
    listed = {t["Name"]: t for t in _cli_json(cli_cloud, "volume", "type", "list",
                                              "--long")}
    assert sorted(listed) == ["__DEFAULT__", "cli-platinum"]
    assert listed["cli-platinum"]["Is Public"] is False

    qos = _cli_json(cli_cloud, "volume", "qos", "create", "--consumer", "front-end",
                    "--property", "total_iops_sec=200", "cli-qos")
    assert qos["consumer"] == "front-end"
    assert qos["properties"] == {"total_iops_sec": "200"}
    _cli(cli_cloud, "volume", "qos", "associate", "cli-qos", "cli-platinum")
    shown = _cli_json(cli_cloud, "volume", "qos", "show", "cli-qos")
    assert shown["associations"] == ["cli-platinum"]
    _cli(cli_cloud, "volume", "qos", "delete", "--force", "cli-qos")
    _cli(cli_cloud, "volume", "type", "delete", "cli-platinum")
    refused = _cli(cli_cloud, "volume", "type", "show", "cli-platinum", ok=False)
    assert refused.returncode != 0


# --- notifications ------------------------------------------------------------------

class NotificationRecorder:
    def __init__(self):
        self.events = queue.Queue()

    def info(self, ctxt, publisher_id, event_type, payload, metadata):
        self.events.put((event_type, payload))


def test_changes_are_notified(block_api):
    transport = rpc.build_notification_transport(block_api.conf)
    recorder = NotificationRecorder()
    listener = rpc.NotificationListener(transport, [recorder],
                                        pool=f"test-{uuid.uuid4().hex}").start()
    try:
        gold = _create_type(block_api)
        block_api.ok("PUT", f"/v3/types/{gold['id']}/extra_specs/k", project="admin",
                     json={"k": "v"})
        spec = _create_qos(block_api)["qos_specs"]
        block_api.ok("GET", f"/v3/qos-specs/{spec['id']}/associate?vol_type_id="
                            f"{gold['id']}", 202, project="admin")
        block_api.ok("DELETE", f"/v3/qos-specs/{spec['id']}?force=1", 202,
                     project="admin")
        block_api.ok("DELETE", f"/v3/types/{gold['id']}", 202, project="admin")
        events = [recorder.events.get(timeout=5) for _ in range(6)]
    finally:
        listener.stop()
        transport.cleanup()
    assert [name for name, _ in events] == [
        "volume_type.create.end", "volume_type_extra_specs.create.end", "qos_specs.create.end",
        "qos_specs.associate.end", "qos_specs.delete.end", "volume_type.delete.end"]
    assert events[0][1]["volume_types"]["name"] == "gold"
    assert events[1][1] == {"type_id": gold["id"], "specs": {"k": "v"}}
    assert events[3][1] == {"id": spec["id"], "type_id": gold["id"]}
    assert events[5][1] == {"volume_types": {"id": gold["id"]}}
