"""Servers that are real guests: a lite-mode cloud (identity, placement, image,
compute) whose agent runs the libvirt driver against the host's libvirtd, driven
with the real `openstack` CLI and openstacksdk; each state checked in libvirt."""

import json
import os
import shutil
import subprocess
import time
import uuid

import libvirt
import pytest
from functional.compute.compute_cloud import _load, start_cloud, wait_for
from integration.compute.libvirt_cloud import stop_with_guests

from sovra_common.auth import sessions
from sovra_compute import placement_client
from sovra_compute.cmd import agent as compute_agent
from sovra_compute.virt.libvirt import config
from sovra_compute.virt.libvirt.driver import LibvirtDriver

OPENSTACK = shutil.which("openstack")
READY = "sovra-test-image: ready"
pytestmark = [
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning"),
    pytest.mark.skipif(OPENSTACK is None, reason="needs the openstack CLI"),
]


@pytest.fixture(scope="module")
def node():
    return f"lv-{uuid.uuid4().hex[:6]}"


@pytest.fixture(scope="module")
def cloud(tmp_path_factory, libvirt_uri, instances_path, node):
    def make_driver(host):
        return LibvirtDriver(host=host, connection_uri=libvirt_uri,
                             instances_path=os.path.join(instances_path, host),
                             clean_shutdown_timeout=20)
    cloud = start_cloud(tmp_path_factory.mktemp("cloud"), hosts=(node,),
                        make_driver=make_driver)
    try:
        yield cloud
    finally:
        stop_with_guests(cloud)


def cli(cloud, *args, timeout=180):
    done = subprocess.run([OPENSTACK, *args], capture_output=True, text=True,
                          env=cloud.client_env(), timeout=timeout)
    assert done.returncode == 0, f"openstack {' '.join(args)}: {done.stderr}"
    return done.stdout


def cli_json(cloud, *args, **kwargs):
    return json.loads(cli(cloud, *args, "-f", "json", **kwargs))


@pytest.fixture(scope="module")
def test_image(cloud, guest_image):
    return cli_json(cloud, "image", "create", "--file", str(guest_image),
                    "--disk-format", "qcow2", "--container-format", "bare", "--public",
                    "test-image")


@pytest.fixture(scope="module")
def flavor(cloud):
    return cli_json(cloud, "flavor", "create", "--ram", "256", "--disk", "1",
                    "--vcpus", "1", "lv.tiny")


def console(cloud, server, text, timeout=90):
    deadline = time.monotonic() + timeout
    while True:
        out = cli(cloud, "console", "log", "show", server)
        if text in out:
            return out
        assert time.monotonic() < deadline, f"{text!r} not in the console:\n{out[-1500:]}"
        time.sleep(1)


def domain_state(virsh, server_id):
    """(state, has managed save) of the server's domain in libvirt."""
    domain = virsh.lookupByName(config.domain_name(server_id))
    return domain.state()[0], bool(domain.hasManagedSaveImage(0))


def server_field(cloud, server, field):
    return cli_json(cloud, "server", "show", server)[field]


def wait_status(cloud, server, status, timeout=120):
    def settled():
        shown = cli_json(cloud, "server", "show", server)
        return shown["status"] == status and shown["OS-EXT-STS:task_state"] is None
    wait_for(settled, timeout=timeout, interval=0.5)


def test_a_server_is_a_real_guest_through_its_whole_life(cloud, conn, virsh, test_image,
                                                         flavor, tmp_path, node):
    key = tmp_path / "id.pub"
    key.write_text("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGZha2VrZXlmb3J0ZXN0cw== t@sovra\n")
    cli(cloud, "keypair", "create", "--public-key", str(key), "k1")
    user_data = tmp_path / "user-data"
    user_data.write_text("#cloud-config\nmessage: hello from the user\n")
    started = time.monotonic()
    server = cli_json(cloud, "server", "create", "--image", "test-image", "--flavor",
                      "lv.tiny", "--key-name", "k1", "--user-data", str(user_data),
                      "--no-network", "--wait", "vm1")
    active_after = time.monotonic() - started
    assert server["status"] == "ACTIVE" and server["OS-EXT-SRV-ATTR:host"] == node
    out = console(cloud, "vm1", READY)
    print(f"\ncreate -> ACTIVE {active_after:.1f} s, -> boot marker "
          f"{time.monotonic() - started:.1f} s")
    assert f"sovra-test-image: instance-uuid={server['id']}" in out
    assert "sovra-test-image: public-keys=1" in out
    assert "message: hello from the user" in out
    assert domain_state(virsh, server["id"]) == (libvirt.VIR_DOMAIN_RUNNING, False)

    cli(cloud, "server", "stop", "vm1")
    wait_status(cloud, "vm1", "SHUTOFF")
    assert domain_state(virsh, server["id"]) == (libvirt.VIR_DOMAIN_SHUTOFF, False)
    assert "sovra-test-image: powering off" in cli(cloud, "console", "log", "show", "vm1")
    cli(cloud, "server", "start", "vm1")
    wait_status(cloud, "vm1", "ACTIVE")
    assert domain_state(virsh, server["id"])[0] == libvirt.VIR_DOMAIN_RUNNING
    for kind in ("--soft", "--hard"):
        cli(cloud, "server", "reboot", kind, "--wait", "vm1")
        wait_status(cloud, "vm1", "ACTIVE")
        assert domain_state(virsh, server["id"])[0] == libvirt.VIR_DOMAIN_RUNNING
    console(cloud, "vm1", READY)
    cli(cloud, "server", "pause", "vm1")
    wait_status(cloud, "vm1", "PAUSED")
    assert domain_state(virsh, server["id"])[0] == libvirt.VIR_DOMAIN_PAUSED
    cli(cloud, "server", "unpause", "vm1")
    wait_status(cloud, "vm1", "ACTIVE")
    cli(cloud, "server", "suspend", "vm1")
    wait_status(cloud, "vm1", "SUSPENDED")
    assert domain_state(virsh, server["id"]) == (libvirt.VIR_DOMAIN_SHUTOFF, True)
    cli(cloud, "server", "resume", "vm1")
    wait_status(cloud, "vm1", "ACTIVE")
    assert domain_state(virsh, server["id"]) == (libvirt.VIR_DOMAIN_RUNNING, False)

    # snapshot while it runs, then boot a second server from the snapshot
    snap = cli_json(cloud, "server", "image", "create", "--name", "vm1-snap", "--wait",
                    "vm1")
    assert snap["status"] == "active" and snap["disk_format"] == "qcow2"
    assert server_field(cloud, "vm1", "status") == "ACTIVE"
    second = cli_json(cloud, "server", "create", "--image", "vm1-snap", "--flavor",
                      "lv.tiny", "--no-network", "--wait", "vm2")
    out = console(cloud, "vm2", READY)
    assert f"instance-uuid={second['id']}" in out

    driver = cloud.drivers[node]
    for name, info in (("vm1", server), ("vm2", second)):
        cli(cloud, "server", "delete", "--wait", name)
        with pytest.raises(libvirt.libvirtError):
            virsh.lookupByName(config.domain_name(info["id"]))
        assert not os.path.exists(driver.instance_dir(info["id"]))
        assert conn.placement.get(f"/allocations/{info['id']}").json()[
            "allocations"] == {}
    cli(cloud, "image", "delete", "vm1-snap")


def test_agent_restart_keeps_the_guest_and_events_reach_the_api(cloud, conn, virsh,
                                                                test_image, flavor,
                                                                node, libvirt_uri,
                                                                instances_path):
    server = cli_json(cloud, "server", "create", "--image", "test-image", "--flavor",
                      "lv.tiny", "--no-network", "--wait", "vm3")
    console(cloud, "vm3", READY)
    # the agent goes away (as a restarted process would) and comes back with a new
    # driver and connection; the guest runs on, outside the agent
    index = next(i for i, h in enumerate(cloud.running) if getattr(h, "host", None) == node)
    cloud.running[index].stop()
    cloud.drivers[node].close()
    assert domain_state(virsh, server["id"])[0] == libvirt.VIR_DOMAIN_RUNNING
    tmp = cloud.tmp
    agent_conf = _load(compute_agent.COMPONENT, tmp / "sovra.conf",
                       tmp / "sovra-compute.conf", tmp / f"sovra-compute-{node}.conf")
    driver = LibvirtDriver(host=node, connection_uri=libvirt_uri,
                           instances_path=os.path.join(instances_path, node))
    cloud.drivers[node] = driver
    placement = placement_client.PlacementClient(sessions.service_session(agent_conf),
                                                 interface="public")
    cloud.running[index] = compute_agent.COMPONENT.start(
        agent_conf, cloud.resources, driver=driver, placement=placement)
    assert cloud.running[index].joined.wait(60)
    shown = cli_json(cloud, "server", "show", "vm3")
    assert shown["status"] == "ACTIVE" and shown["OS-EXT-STS:power_state"] == 1
    assert server["id"] in driver.list_instances()

    # the guest powers itself off (its power button, from outside the cloud): the
    # driver's lifecycle event makes the agent report it, long before the periodic
    # sync would
    virsh.lookupByName(config.domain_name(server["id"])).shutdown()
    wait_status(cloud, "vm3", "SHUTOFF", timeout=30)
    cli(cloud, "server", "delete", "--wait", "vm3")


def test_resize_and_rebuild_change_the_real_guest(cloud, conn, virsh, test_image, flavor):
    cli_json(cloud, "flavor", "create", "--ram", "384", "--disk", "2", "--vcpus", "2",
             "lv.small")
    server = cli_json(cloud, "server", "create", "--image", "test-image", "--flavor",
                      "lv.tiny", "--no-network", "--wait", "vm4")
    console(cloud, "vm4", READY)
    cli(cloud, "server", "resize", "--flavor", "lv.small", "--wait", "vm4")
    assert server_field(cloud, "vm4", "status") == "VERIFY_RESIZE"
    domain = virsh.lookupByName(config.domain_name(server["id"]))
    _state, max_kib, _mem, vcpus, _cpu = domain.info()
    assert (vcpus, max_kib // 1024) == (2, 384)
    # the guest booted again on its grown disk (the console log keeps history)
    console(cloud, "vm4", f"sovra-test-image: disk vda size={2 * 1024 ** 3}")
    cli(cloud, "server", "resize", "revert", "vm4")
    wait_status(cloud, "vm4", "ACTIVE")
    domain = virsh.lookupByName(config.domain_name(server["id"]))
    assert domain.info()[3] == 1
    cli(cloud, "server", "resize", "--flavor", "lv.small", "--wait", "vm4")
    cli(cloud, "server", "resize", "confirm", "vm4")
    wait_status(cloud, "vm4", "ACTIVE")
    assert not os.path.exists(os.path.join(cloud.drivers[next(iter(cloud.drivers))]
                                           .instance_dir(server["id"]),
                                           "disk.resize-backup"))

    # rebuild: a fresh disk from the image, a fresh boot, the same server
    cli(cloud, "server", "rebuild", "--image", "test-image", "--wait", "vm4")
    wait_status(cloud, "vm4", "ACTIVE")
    out = console(cloud, "vm4", READY)
    assert out.count("sovra-test-image: booted") == 1  # a new guest, a new log
    assert f"instance-uuid={server['id']}" in out
    cli(cloud, "server", "delete", "--wait", "vm4")
