"""A compute agent as its own process (sovra-compute-agent, libvirt driver) in full
mode: RabbitMQ for the bus, etcd for liveness, the controller's services in this
process. Killed with SIGKILL while its server runs, the agent goes down and the
guest runs on; restarted, it is up again, the server is still ACTIVE and in sync,
and the new agent serves it (console, stop, delete). A server deleted while its
agent is dead loses its still-running guest when the agent is back."""

import contextlib
import os
import signal
import sys
import uuid

import libvirt
import pytest
from functional.compute.compute_cloud import start_cloud, wait_for
from integration.compute.agent_process import AgentProcess

from sovra_compute.virt.libvirt import config

READY = "sovra-test-image: ready"
pytestmark = [
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning"),
]


@pytest.fixture(scope="module")
def full_cloud(tmp_path_factory, rabbitmq_url, etcd_endpoint, libvirt_uri,
               instances_path):
    tmp = tmp_path_factory.mktemp("cloud")
    host, port = etcd_endpoint
    cloud = start_cloud(tmp, hosts=(), bus=rabbitmq_url,
                        coordination_url=f"etcd3+http://{host}:{port}"
                                         f"?prefix=/sovra-it-{uuid.uuid4().hex[:8]}")
    node = f"proc-{uuid.uuid4().hex[:6]}"
    (tmp / f"sovra-compute-{node}.conf").write_text(
        f"[compute]\nhost = {node}\nvirt_driver = libvirt\n"
        "sync_power_state_interval = 5\n"
        f"[libvirt]\nconnection_uri = {libvirt_uri}\n"
        f"instances_path = {os.path.join(instances_path, node)}\n"
        "clean_shutdown_timeout = 20\n")
    agent = AgentProcess(tmp, node, tmp / f"agent-{node}.log")
    try:
        yield cloud, node, agent
    finally:
        agent.kill()
        cloud.stop()
        connection = libvirt.open(libvirt_uri)  # whatever a failed test left behind
        for domain in connection.listAllDomains(0):
            if config.owner_host(domain.XMLDesc(0)) == node:
                if domain.isActive():
                    domain.destroy()
                domain.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE)
        connection.close()


def _service_state(conn, node):
    for service in conn.compute.get("/os-services").json()["services"]:
        if service["host"] == node and service["binary"] == "nova-compute":
            return service["state"]
    return None


def _server(conn, server_id):
    return conn.compute.get(f"/servers/{server_id}", microversion="2.37").json()[
        "server"]


@pytest.fixture(scope="module")
def image_and_flavor(full_cloud, guest_image):
    cloud, _, _ = full_cloud
    conn = cloud.connect()
    with open(guest_image, "rb") as data:
        image = conn.image.create_image(
            name="test-image", data=data, disk_format="qcow2",
            container_format="bare", visibility="public", allow_duplicates=True)
    flavor = conn.compute.create_flavor(name="proc.tiny", ram=256, vcpus=1, disk=1)
    conn.close()
    return image, flavor


@contextlib.contextmanager
def _clients(cloud, agent, libvirt_uri):
    """(openstacksdk connection, libvirt connection); the agent's log tail on
    stderr if the test fails; the agent stopped cleanly after it passes."""
    conn = cloud.connect()
    virsh = libvirt.open(libvirt_uri)
    try:
        yield conn, virsh
    except BaseException:
        sys.stderr.write(agent.log.read_text()[-4000:] if agent.log.exists() else "")
        raise
    finally:
        virsh.close()
        conn.close()
    agent.kill(signal.SIGTERM)


def _agent_up_with_a_server(conn, node, agent, image_and_flavor, name):
    """Start the agent, wait for it to be up, boot a server on it (ACTIVE)."""
    image, flavor = image_and_flavor
    agent.start()
    wait_for(lambda: _service_state(conn, node) == "up", timeout=90, interval=0.5)
    server = conn.compute.create_server(name=name, image_id=image.id,
                                        flavor_id=flavor.id, networks="none")
    conn.compute.wait_for_server(server, status="ACTIVE", failures=["ERROR"],
                                 interval=0.2, wait=120)
    return server


def _killed(conn, node, agent):
    """SIGKILL the agent; wait until its etcd lease runs out (the node down)."""
    agent.kill(signal.SIGKILL)
    wait_for(lambda: _service_state(conn, node) == "down", timeout=30, interval=0.5)


def test_agent_killed_and_restarted_keeps_its_guest_in_sync(full_cloud, image_and_flavor,
                                                           libvirt_uri):
    cloud, node, agent = full_cloud
    with _clients(cloud, agent, libvirt_uri) as (conn, virsh):
        server = _agent_up_with_a_server(conn, node, agent, image_and_flavor, "vm-proc")
        wait_for(lambda: READY in conn.compute.get_server_console_output(server)[
            "output"], timeout=90, interval=1)

        _killed(conn, node, agent)  # the guest does not notice
        domain = virsh.lookupByName(config.domain_name(server.id))
        assert domain.state()[0] == libvirt.VIR_DOMAIN_RUNNING
        assert _server(conn, server.id)["status"] == "ACTIVE"

        agent.start()
        wait_for(lambda: _service_state(conn, node) == "up", timeout=90, interval=0.5)
        shown = _server(conn, server.id)
        assert shown["status"] == "ACTIVE" and shown["OS-EXT-STS:power_state"] == 1
        # the new agent serves the server: console, a clean stop, a delete
        assert READY in conn.compute.get_server_console_output(server)["output"]
        conn.compute.stop_server(server)
        conn.compute.wait_for_server(server, status="SHUTOFF", interval=0.2, wait=60)
        assert domain.state()[0] == libvirt.VIR_DOMAIN_SHUTOFF
        conn.compute.delete_server(server)
        conn.compute.wait_for_delete(server, interval=0.2, wait=60)
        with pytest.raises(libvirt.libvirtError):
            virsh.lookupByName(config.domain_name(server.id))
        assert conn.placement.get(f"/allocations/{server.id}").json()[
            "allocations"] == {}


def test_a_server_deleted_while_its_agent_was_dead_loses_its_guest_on_return(
        full_cloud, image_and_flavor, libvirt_uri, instances_path):
    cloud, node, agent = full_cloud
    with _clients(cloud, agent, libvirt_uri) as (conn, virsh):
        server = _agent_up_with_a_server(conn, node, agent, image_and_flavor,
                                         "vm-orphan")
        _killed(conn, node, agent)
        # deleted while its host is down: at once, by the conductor alone
        conn.compute.delete_server(server)
        conn.compute.wait_for_delete(server, interval=0.2, wait=60)
        domain = virsh.lookupByName(config.domain_name(server.id))
        assert domain.state()[0] == libvirt.VIR_DOMAIN_RUNNING  # the guest runs on

        agent.start()  # back: its power-state report names the guest, which goes
        wait_for(lambda: _service_state(conn, node) == "up", timeout=90, interval=0.5)

        def gone():
            try:
                virsh.lookupByName(config.domain_name(server.id))
            except libvirt.libvirtError:
                return True
            return False
        wait_for(gone, timeout=60, interval=0.5)
        # its files too
        assert not os.path.exists(os.path.join(instances_path, node, server.id))
