"""Whether a server gets a config drive: decided at create (asked for, forced by
``[compute] force_config_drive``, or no NIC), stored, shown as upstream ("True" or
""), handed to the agent, and obeyed by the libvirt driver's domain XML."""

import pytest
from compute_api import ALICE, at, boot, create_flavor

from sovra_common import exception
from sovra_compute.service import config_drive
from sovra_compute.service import instance as instance_service
from sovra_compute.virt.libvirt import driver as libvirt_driver

NET = "aaaaaaaa-0000-0000-0000-000000000001"
UUID = "4a3e0f43-6f0d-4d1e-9a59-0c1b5b0c9d21"


@pytest.mark.parametrize("value", [True, "True", "true", "TRUE", "1", "on", "yes"])
def test_true_forms(value):
    assert config_drive.parse(value) is True


@pytest.mark.parametrize("value", [False, "False", "false", "0", "off", "no"])
def test_false_forms(value):
    assert config_drive.parse(value) is False


def test_anything_else_is_refused():
    with pytest.raises(exception.ValidationError):
        config_drive.parse("maybe")


@pytest.mark.parametrize("asked,force,networks,expected", [
    (False, False, [{"network_id": NET}], False),  # a NIC: the metadata service
    (True, False, [{"network_id": NET}], True),
    (False, True, [{"network_id": NET}], True),
    (False, False, [], True),                        # no NIC: no metadata service
])
def test_decision(asked, force, networks, expected):
    assert config_drive.wanted(asked, force=force,
                               requested_networks=networks) is expected


def test_shown_as_upstream():
    assert config_drive.shown({"config_drive": True}) == "True"
    assert config_drive.shown({"config_drive": False}) == ""


@pytest.fixture
def networks(api):
    create_flavor(api)
    nets = api.extras["networks"]
    nets.add_network(NET)
    return nets


def _made(api, db, **extra):
    resp = boot(api, **extra)
    assert resp.status_code == 202, resp.json
    return instance_service.get(db, resp.json["server"]["id"])


def _shown(api, server_id, version="2.37"):
    resp = api.get(f"/v2.1/servers/{server_id}", headers=at(ALICE, version))
    assert resp.status_code == 200, resp.json
    return resp.json["server"]["config_drive"]


def test_a_server_on_a_network_has_one_only_when_asked(api, db, networks):
    plain = _made(api, db, networks=[{"uuid": NET}])
    asked = _made(api, db, networks=[{"uuid": NET}], config_drive="true")
    assert (plain["config_drive"], asked["config_drive"]) == (False, True)
    assert (_shown(api, plain["uuid"]), _shown(api, asked["uuid"])) == ("", "True")
    assert instance_service.for_agent(plain)["config_drive"] is False
    assert instance_service.for_agent(asked)["config_drive"] is True
    resp = api.get("/v2.1/servers/detail?config_drive=True", headers=at(ALICE, "2.83"))
    assert [s["id"] for s in resp.json["servers"]] == [asked["uuid"]]


def test_a_server_without_nic_always_has_one(api, db, networks):
    server = _made(api, db, networks="none", config_drive=False)
    assert server["config_drive"] is True
    assert _shown(api, server["uuid"]) == "True"


def test_force_config_drive_gives_every_server_one(api, db, networks):
    api.app_under_test.extensions["sovra"].conf.set_override(
        "force_config_drive", True, group="compute")
    server = _made(api, db, networks=[{"uuid": NET}], config_drive=False)
    assert server["config_drive"] is True


def test_a_bad_value_is_a_400(api, networks):
    resp = boot(api, networks=[{"uuid": NET}], config_drive="maybe")
    assert resp.status_code == 400
    assert "config_drive" in resp.json["badRequest"]["message"]


def test_rebuild_keeps_it(api, db, networks):
    server = _made(api, db, networks=[{"uuid": NET}], config_drive=True)
    instance_service.update(db, server["uuid"], host="node1", node="node1",
                            vm_state="active", task_state=None, power_state=1)
    resp = api.post(f"/v2.1/servers/{server['uuid']}/action",
                    json={"rebuild": {"imageRef": "img-1"}}, headers=at(ALICE, "2.37"))
    assert resp.status_code == 202, resp.json
    (_, _, sent, *_), _ = api.extras["agents"].named("rebuild_instance")[0]
    assert sent["config_drive"] is True
    assert instance_service.get(db, server["uuid"])["config_drive"] is True


def _libvirt_disks(instance):
    drv = object.__new__(libvirt_driver.LibvirtDriver)
    drv.instances_path, drv.node, drv.disk_cachemode = "/i", "node1", "none"
    drv.virt_type, drv.machine_type, drv.cpu_mode = "qemu", "pc", None
    guest = drv.guest_config({"uuid": UUID, "name": "vm", "flavor": {
        "vcpus": 1, "memory_mb": 256, "root_gb": 1}, **instance})
    return [(d.device, d.target) for d in guest.disks]


def test_the_libvirt_domain_has_the_cdrom_only_with_a_config_drive():
    assert _libvirt_disks({"config_drive": True}) == [("disk", "vda"), ("cdrom", "hdd")]
    assert _libvirt_disks({"config_drive": False}) == [("disk", "vda")]
