"""Quota sets over HTTP: show (with usage), defaults, update, delete; who may do
what; per-type quotas; and the limits view of the same numbers."""

import json
import shutil
import subprocess

import pytest
from block_cloud import USER_PASSWORD, add_project_member, start_cloud
from conftest import PROJECT_A, PROJECT_B

QUOTAS = f"/v3/os-quota-sets/{PROJECT_A}"
PROJECT_WIDE = {"volumes": 10, "snapshots": 10, "gigabytes": 1000, "backups": 10,
                "backup_gigabytes": 1000, "per_volume_gigabytes": -1, "groups": 10}


def _set(api, project=PROJECT_A, **values):
    return api.ok("PUT", f"/v3/os-quota-sets/{project}", project="admin",
                  json={"quota_set": values})["quota_set"]


def test_show_defaults_then_override_then_reset(block_api):
    shown = block_api.ok("GET", QUOTAS)["quota_set"]
    assert shown == {"id": PROJECT_A, **PROJECT_WIDE, "volumes___DEFAULT__": -1,
                     "gigabytes___DEFAULT__": -1, "snapshots___DEFAULT__": -1}
    assert block_api.ok("GET", QUOTAS + "/defaults")["quota_set"] == shown

    updated = _set(block_api, volumes=3, gigabytes="50", volumes___DEFAULT__=2)
    assert "id" not in updated
    assert updated["volumes"] == 3 and updated["gigabytes"] == 50
    assert updated["volumes___DEFAULT__"] == 2
    assert block_api.ok("GET", QUOTAS)["quota_set"]["volumes"] == 3
    # another project keeps the defaults
    assert block_api.ok("GET", f"/v3/os-quota-sets/{PROJECT_B}",
                        project=PROJECT_B)["quota_set"]["volumes"] == 10
    # defaults stay defaults
    assert block_api.ok("GET", QUOTAS + "/defaults")["quota_set"]["volumes"] == 10

    resp = block_api.request("DELETE", QUOTAS, project="admin")
    assert resp.status_code == 200
    assert block_api.ok("GET", QUOTAS)["quota_set"]["volumes"] == 10


def test_usage_counts_what_the_project_holds(block_api):
    block_api.create_volume(size=2)
    shown = block_api.ok("GET", QUOTAS + "?usage=true")["quota_set"]
    assert shown["id"] == PROJECT_A
    assert shown["volumes"] == {"limit": 10, "in_use": 1, "reserved": 0, "allocated": 0}
    assert shown["gigabytes"]["in_use"] == 2
    assert shown["volumes___DEFAULT__"] == {"limit": -1, "in_use": 1, "reserved": 0,
                                            "allocated": 0}
    assert shown["snapshots"]["in_use"] == 0
    # usage=false is the plain view
    assert block_api.ok("GET", QUOTAS + "?usage=false")["quota_set"]["volumes"] == 10
    block_api.fault("GET", QUOTAS + "?usage=lots", 400)


def test_limits_below_usage_and_bad_keys_are_refused(block_api):
    block_api.create_volume(size=2)
    message = block_api.fault("PUT", QUOTAS, 400, project="admin",
                              json={"quota_set": {"volumes": 0,
                                                  "skip_validation": False}})
    assert "Current usage is 1" in message
    block_api.fault("PUT", QUOTAS, 400, project="admin",
                    json={"quota_set": {"gigabytes": 1, "skip_validation": "false"}})
    # without skip_validation: false (the API's default) the limit is taken, and
    # only new volumes are held back
    _set(block_api, gigabytes=1)
    block_api.fault("POST", "/v3/volumes", 413, json={"volume": {"size": 1}})
    _set(block_api, volumes=1, gigabytes=2)  # exactly the usage is fine
    message = block_api.fault("PUT", QUOTAS, 400, project="admin",
                              json={"quota_set": {"bogus": 1}})
    assert "bogus" in message
    block_api.fault("PUT", QUOTAS, 400, project="admin",
                    json={"quota_set": {"volumes_no_such_type": 1}})
    for body in ({}, {"quota_set": {"volumes": -2}}, {"quota_set": {"volumes": "-5"}},
                 {"quota_set": {"volumes": "ten"}}, {"quota_set": {"volumes": 1.5}},
                 {"quota_set": {"volumes": None}}, {"quota_set": []},
                 {"quota_set": {"volumes": 2 ** 31}},
                 {"quota_set": {"volumes": "9999999999"}},
                 {"quota_set": {"volumes": "1" * 30}}):
        block_api.fault("PUT", QUOTAS, 400, project="admin", json=body)
    assert block_api.ok("GET", QUOTAS)["quota_set"]["volumes"] == 1
    block_api.fault("PUT", "/v3/os-quota-sets/" + "p" * 65, 400, project="admin",
                    json={"quota_set": {"volumes": 1}})


def test_members_see_their_own_quotas_only(block_api):
    block_api.ok("GET", QUOTAS, roles="reader")
    block_api.fault("GET", f"/v3/os-quota-sets/{PROJECT_B}", 403)
    block_api.fault("GET", f"/v3/os-quota-sets/{PROJECT_B}/defaults", 403)
    block_api.fault("PUT", QUOTAS, 403, json={"quota_set": {"volumes": 100}})
    block_api.fault("DELETE", QUOTAS, 403)
    assert block_api.ok("GET", f"/v3/os-quota-sets/{PROJECT_B}",
                        project="admin")["quota_set"]["id"] == PROJECT_B


def test_quotas_are_enforced_on_create(block_api):
    _set(block_api, volumes=1)
    block_api.create_volume()
    message = block_api.fault("POST", "/v3/volumes", 413,
                              json={"volume": {"size": 1}})
    assert "volumes" in message
    # raising the limit lets the next one through
    _set(block_api, volumes=2)
    block_api.create_volume()


def test_per_type_quotas_follow_the_types(block_api):
    gold = block_api.ok("POST", "/v3/types", project="admin",
                        json={"volume_type": {"name": "gold"}})["volume_type"]
    assert block_api.ok("GET", QUOTAS)["quota_set"]["volumes_gold"] == -1
    _set(block_api, volumes_gold=0)
    message = block_api.fault("POST", "/v3/volumes", 413,
                              json={"volume": {"size": 1, "volume_type": "gold"}})
    assert "volumes_gold" in message
    block_api.create_volume()  # the default type is not limited
    block_api.ok("DELETE", f"/v3/types/{gold['id']}", 202, project="admin")
    quotas = block_api.ok("GET", QUOTAS)["quota_set"]
    assert not any(key.endswith("_gold") for key in quotas)


def test_limits_show_the_absolute_limits_and_usage(block_api):
    _set(block_api, volumes=7, gigabytes=70)
    block_api.create_volume(size=3)
    limits = block_api.ok("GET", "/v3/limits")["limits"]
    assert limits["rate"] == []
    assert limits["absolute"] == {
        "maxTotalVolumes": 7, "totalVolumesUsed": 1,
        "maxTotalVolumeGigabytes": 70, "totalGigabytesUsed": 3,
        "maxTotalSnapshots": 10, "totalSnapshotsUsed": 0,
        "maxTotalBackups": 10, "totalBackupsUsed": 0,
        "maxTotalBackupGigabytes": 1000, "totalBackupGigabytesUsed": 0}
    other = block_api.ok("GET", "/v3/limits", project=PROJECT_B)["limits"]["absolute"]
    assert other["maxTotalVolumes"] == 10 and other["totalVolumesUsed"] == 0


def test_admins_ask_for_another_projects_limits_from_3_39(block_api):
    _set(block_api, volumes=4)
    path = f"/v3/limits?project_id={PROJECT_A}"
    assert block_api.ok("GET", path, project="admin", version="3.39")["limits"][
        "absolute"]["maxTotalVolumes"] == 4
    # before 3.39 the parameter is ignored: the caller's own project
    assert block_api.ok("GET", path, project="admin", version="3.38")["limits"][
        "absolute"]["maxTotalVolumes"] == 10
    # members may not look at another project
    block_api.fault("GET", path, 403, project=PROJECT_B, version="3.39")
    assert block_api.ok("GET", path, version="3.39")["limits"]["absolute"][
        "maxTotalVolumes"] == 4


# --- openstacksdk -------------------------------------------------------------------

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


@pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning")
@pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning")
def test_sdk_quota_sets_and_limits(block_api, sdk):
    admin = sdk()
    block_api.create_volume(size=2)
    quotas = admin.get_quota_set(PROJECT_A, usage=True)
    assert quotas.volumes == 10
    assert quotas.usage["volumes"] == 1 and quotas.usage["gigabytes"] == 2
    assert admin.update_quota_set(PROJECT_A, volumes=4, gigabytes=40).volumes == 4
    assert admin.get_quota_set(PROJECT_A).gigabytes == 40
    assert admin.get_quota_set_defaults(PROJECT_A).volumes == 10

    member = sdk(f"u-aaaa:{PROJECT_A}")
    limits = member.get_limits()
    assert limits.absolute.max_total_volumes == 4
    assert limits.absolute.total_volumes_used == 1
    assert limits.absolute.total_gigabytes_used == 2
    assert limits.rate == []
    assert admin.get_limits(PROJECT_A).absolute.max_total_volume_gigabytes == 40

    admin.revert_quota_set(PROJECT_A)
    assert admin.get_quota_set(PROJECT_A).volumes == 10


# --- the openstack CLI, against real identity ----------------------------------------

OPENSTACK = shutil.which("openstack")


@pytest.fixture(scope="module")
def cli_cloud(tmp_path_factory):
    cloud = start_cloud(tmp_path_factory.mktemp("block-quota-cli"))
    conn = cloud.connect()
    add_project_member(conn, "demo", "demo")
    admin_project = conn.identity.find_project("admin").id
    conn.close()
    yield cloud, admin_project
    cloud.stop()


def _cli(cloud, *args, user="admin", ok=True):
    env = cloud.client_env() if user == "admin" else cloud.client_env(
        user=user, password=USER_PASSWORD, project=user)
    done = subprocess.run([OPENSTACK, *args], capture_output=True, text=True,
                          env=env, timeout=120)
    if ok:
        assert done.returncode == 0, done.stderr
        return done.stdout
    return done


@pytest.mark.skipif(OPENSTACK is None, reason="needs the openstack CLI")
@pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning")
@pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning")
def test_cli_quota_set_show_and_limits(cli_cloud):
    """openstack quota set/show --volume and limits show --absolute (each call ~2 s)."""
    cli_cloud, admin_project = cli_cloud
    _cli(cli_cloud, "quota", "set", "--volumes", "7", "--gigabytes", "70",
         "--per-volume-gigabytes", "5", "demo")
    _cli(cli_cloud, "quota", "set", "--volume-type", "__DEFAULT__", "--volumes", "3",
         "demo")
    # a member names no project (it may not look projects up): its own
    rows = json.loads(_cli(cli_cloud, "quota", "show", "--volume", "--usage", "-f",
                           "json", user="demo"))
    shown = {row["Resource"]: row for row in rows}
    assert shown["volumes"]["Limit"] == 7 and shown["gigabytes"]["Limit"] == 70
    assert shown["volumes"]["In Use"] == 0
    assert shown["per-volume-gigabytes"]["Limit"] == 5
    assert shown["volumes___DEFAULT__"]["Limit"] == 3
    # a member sees its own project's quotas only
    refused = _cli(cli_cloud, "quota", "show", "--volume", admin_project, user="demo",
                   ok=False)
    assert refused.returncode != 0 and "403" in refused.stderr

    limits = {row["Name"]: row["Value"] for row in json.loads(_cli(
        cli_cloud, "limits", "show", "--absolute", "-f", "json", user="demo"))}
    assert limits["max_total_volumes"] == 7
    assert limits["max_total_volume_gigabytes"] == 70
    assert limits["total_volumes_used"] == 0
