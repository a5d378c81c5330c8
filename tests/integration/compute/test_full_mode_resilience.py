"""Full mode under failure: two compute agent processes (fake driver) on a real
RabbitMQ with etcd liveness, the controller in this process. A SIGKILLed agent
goes down and new servers go to the other; one killed (and restarted) while it
builds a server has that build end in ERROR at once, and one killed while it
deletes a server has the delete sent again at once; one killed while a server
moves to it sends the server back to its source; the server of one killed is
evacuated to the other, and its host lets go of it on return; a RabbitMQ restart
in the middle of a batch of boots leaves every server ACTIVE or in ERROR with a
fault (none stuck in BUILD: the conductor settles builds whose messages the
restart lost) and no allocation for a server that does not run."""

import concurrent.futures
import gc
import signal
import time
import uuid
import warnings

import pytest
import requests
from functional.compute.compute_cloud import start_cloud, wait_for
from integration import servers
from integration.compute.agent_process import AgentProcess

from sovra_compute import placement_client

BUILD_TIMEOUT = 20
# kombu leaves the sockets of the AMQP connections a broker restart broke to the
# garbage collector (ResourceWarning): expected here, and collected before the
# next module so that its tests do not inherit them
pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture(scope="module")
def rabbit():
    server = servers.RabbitMQServer().start()  # its own: this module restarts it
    yield server
    server.stop()


@pytest.fixture(scope="module")
def full_cloud(tmp_path_factory, rabbit, etcd_endpoint):
    tmp = tmp_path_factory.mktemp("cloud")
    host, port = etcd_endpoint
    cloud = start_cloud(tmp, hosts=(), bus=rabbit.url,
                        coordination_url=f"etcd3+http://{host}:{port}"
                                         f"?prefix=/sovra-it-{uuid.uuid4().hex[:8]}",
                        compute_extra=f"build_timeout = {BUILD_TIMEOUT}\n")
    nodes = [f"fa{i}-{uuid.uuid4().hex[:4]}" for i in (1, 2)]
    agents = {}
    for node in nodes:
        (tmp / f"sovra-compute-{node}.conf").write_text(
            f"[compute]\nhost = {node}\nvirt_driver = fake\n"
            "[fake_driver]\nspawn_delay = 2.0\ndestroy_delay = 3.0\n")
        agents[node] = AgentProcess(tmp, node, tmp / f"agent-{node}.log").start()
    try:
        session = requests.Session()
        session.headers["X-Auth-Token"] = cloud.admin_token()
        cloud.http = session
        for node in nodes:
            wait_for(lambda n=node: _service_state(cloud, n) == "up", timeout=90,
                     interval=0.5)
        yield cloud, agents
    finally:
        for agent in agents.values():
            agent.kill()
        if hasattr(cloud, "http"):
            cloud.http.close()
        cloud.stop()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            gc.collect()


def _service_state(cloud, node):
    for service in cloud.http.get(f"{cloud.compute_url}/os-services",
                                  timeout=30).json()["services"]:
        if service["host"] == node:
            return service["state"]
    return None


@pytest.fixture(scope="module")
def boot(full_cloud):
    cloud, _ = full_cloud
    resp = cloud.http.post(f"{cloud.image_url}/v2/images", timeout=30, json={
        "name": "img", "disk_format": "raw", "container_format": "bare",
        "visibility": "public"})
    image_id = resp.json()["id"]
    cloud.http.put(f"{cloud.image_url}/v2/images/{image_id}/file", data=b"\0" * 1024,
                   headers={"Content-Type": "application/octet-stream"}, timeout=30)
    flavor = cloud.http.post(f"{cloud.compute_url}/flavors", timeout=30, json={
        "flavor": {"name": "fa.tiny", "ram": 64, "vcpus": 1, "disk": 1}}).json()

    def create(name):
        resp = cloud.http.post(f"{cloud.compute_url}/servers", timeout=120, json={
            "server": {"name": name, "imageRef": image_id,
                       "flavorRef": flavor["flavor"]["id"], "networks": "none"}})
        assert resp.status_code == 202, resp.text
        return resp.json()["server"]["id"]
    return create


def _server(cloud, server_id):
    resp = cloud.http.get(f"{cloud.compute_url}/servers/{server_id}", timeout=30,
                          headers={"OpenStack-API-Version": "compute 2.37"})
    assert resp.status_code == 200, (server_id, resp.status_code, resp.text)
    return resp.json()["server"]


def _settled(cloud, server_ids, timeout):
    def done():
        shown = [_server(cloud, s) for s in server_ids]
        return shown if all(s["status"] in ("ACTIVE", "ERROR") for s in shown) else None
    return wait_for(done, timeout=timeout, interval=0.5)


def _allocations(cloud, consumer):
    return cloud.http.get(f"{cloud.placement_url}/allocations/{consumer}", timeout=30,
                          headers={"OpenStack-API-Version": "placement 1.28"}).json()[
        "allocations"]


def _delete_all(cloud, server_ids):
    for server_id in server_ids:
        cloud.http.delete(f"{cloud.compute_url}/servers/{server_id}", timeout=60)
    wait_for(lambda: all(cloud.http.get(f"{cloud.compute_url}/servers/{s}",
                                        timeout=30).status_code == 404
                         for s in server_ids), timeout=60, interval=0.5)
    assert all(_allocations(cloud, s) == {} for s in server_ids)


def test_a_killed_agent_goes_down_and_servers_go_to_the_other(full_cloud, boot):
    cloud, agents = full_cloud
    victim, survivor = list(agents)
    agents[victim].kill(signal.SIGKILL)
    wait_for(lambda: _service_state(cloud, victim) == "down", timeout=30, interval=0.5)
    ids = [boot(f"after-kill-{i}") for i in range(3)]
    shown = _settled(cloud, ids, timeout=60)
    assert {(s["status"], s["OS-EXT-SRV-ATTR:host"]) for s in shown} == {
        ("ACTIVE", survivor)}
    _delete_all(cloud, ids)
    agents[victim].start()
    wait_for(lambda: _service_state(cloud, victim) == "up", timeout=90, interval=0.5)


def test_a_build_on_an_agent_killed_and_restarted_ends_in_error_at_once(full_cloud,
                                                                        boot):
    cloud, agents = full_cloud
    server_id = boot("mid-build")
    # it spawns on its host for 2 s: the agent is killed, and restarted at once
    host = wait_for(lambda: _server(cloud, server_id)["OS-EXT-SRV-ATTR:host"],
                    timeout=30, interval=0.05)
    agents[host].kill(signal.SIGKILL)
    agents[host].start()
    (shown,) = _settled(cloud, [server_id], timeout=BUILD_TIMEOUT * 2)
    assert shown["status"] == "ERROR"
    # settled for its host, not by the build timeout
    assert f"its host {host} went down" in shown["fault"]["message"]
    assert _allocations(cloud, server_id) == {}
    _delete_all(cloud, [server_id])
    wait_for(lambda: _service_state(cloud, host) == "up", timeout=90, interval=0.5)


def test_a_delete_on_an_agent_killed_and_restarted_is_finished_at_once(full_cloud,
                                                                       boot):
    cloud, agents = full_cloud
    (server,) = _settled(cloud, [boot("mid-delete")], timeout=60)
    host = server["OS-EXT-SRV-ATTR:host"]
    resp = cloud.http.delete(f"{cloud.compute_url}/servers/{server['id']}", timeout=60)
    assert resp.status_code == 204, resp.text
    # its agent destroys the guest for 3 s: it is killed meanwhile, and restarted
    time.sleep(1.0)
    agents[host].kill(signal.SIGKILL)
    agents[host].start()
    # the delete died with it; the conductor sends it again once the agent is
    # back (or finishes it, if the host is seen down first), not after
    # [compute] task_timeout (600 s here)
    wait_for(lambda: cloud.http.get(f"{cloud.compute_url}/servers/{server['id']}",
                                    timeout=30).status_code == 404,
             timeout=60, interval=0.5)
    assert _allocations(cloud, server["id"]) == {}
    wait_for(lambda: _service_state(cloud, host) == "up", timeout=90, interval=0.5)


@pytest.mark.parametrize("restarted", [False, True], ids=["stays-down", "restarted"])
def test_a_destination_killed_mid_move_sends_the_server_back(full_cloud, boot,
                                                             restarted):
    """Killed: its heartbeat expires. Restarted at once (as a service manager
    would): it is up again with the move forgotten."""
    cloud, agents = full_cloud
    (server,) = _settled(cloud, [boot("mid-move")], timeout=60)
    source = server["OS-EXT-SRV-ATTR:host"]
    (dest,) = set(agents) - {source}
    resp = cloud.http.post(f"{cloud.compute_url}/servers/{server['id']}/action",
                           json={"migrate": {"host": dest}}, timeout=30,
                           headers={"OpenStack-API-Version": "compute 2.56"})
    assert resp.status_code == 202, resp.text
    # the disk is handed over: the destination spawns for 2 s, and dies
    wait_for(lambda: _server(cloud, server["id"])["OS-EXT-SRV-ATTR:host"] == dest,
             timeout=30, interval=0.05)
    agents[dest].kill(signal.SIGKILL)
    if restarted:
        agents[dest].start()
    else:
        wait_for(lambda: _service_state(cloud, dest) == "down", timeout=30,
                 interval=0.5)

    def back():
        shown = _server(cloud, server["id"])
        return shown if shown["OS-EXT-SRV-ATTR:host"] == source and \
            shown["status"] == "ACTIVE" else None
    wait_for(back, timeout=BUILD_TIMEOUT * 2, interval=0.5)
    assert list(_allocations(cloud, server["id"])) == [
        placement_client.node_uuid(source)]
    migration, = cloud.http.get(
        f"{cloud.compute_url}/os-migrations?instance_uuid={server['id']}",
        timeout=30).json()["migrations"]
    assert (migration["status"], migration["dest_compute"]) == ("error", dest)
    _delete_all(cloud, [server["id"]])
    if not restarted:
        agents[dest].start()
    wait_for(lambda: _service_state(cloud, dest) == "up", timeout=90, interval=0.5)


def _migration(cloud, server_id):
    (migration,) = cloud.http.get(
        f"{cloud.compute_url}/os-migrations?instance_uuid={server_id}", timeout=30,
        headers={"OpenStack-API-Version": "compute 2.80"}).json()["migrations"]
    return migration


def test_a_server_of_a_killed_agent_is_evacuated_and_its_host_lets_go_on_return(
        full_cloud, boot):
    cloud, agents = full_cloud
    (server,) = _settled(cloud, [boot("evacuee")], timeout=60)
    source = server["OS-EXT-SRV-ATTR:host"]
    (dest,) = set(agents) - {source}
    url = f"{cloud.compute_url}/servers/{server['id']}/action"
    headers = {"OpenStack-API-Version": "compute 2.94"}
    resp = cloud.http.post(url, json={"evacuate": {}}, headers=headers, timeout=30)
    assert resp.status_code == 400, resp.text  # its host is up
    agents[source].kill(signal.SIGKILL)
    wait_for(lambda: _service_state(cloud, source) == "down", timeout=30, interval=0.5)
    resp = cloud.http.post(url, json={"evacuate": {}}, headers=headers, timeout=30)
    assert resp.status_code == 200, resp.text

    def evacuated():
        shown = _server(cloud, server["id"])
        return shown if shown["OS-EXT-SRV-ATTR:host"] == dest and \
            shown["status"] == "ACTIVE" and shown["OS-EXT-STS:task_state"] is None \
            else None
    wait_for(evacuated, timeout=60, interval=0.5)
    migration = _migration(cloud, server["id"])
    assert (migration["migration_type"], migration["status"]) == ("evacuation", "done")
    assert list(_allocations(cloud, server["id"])) == [placement_client.node_uuid(dest)]
    assert list(_allocations(cloud, migration["uuid"])) == [
        placement_client.node_uuid(source)]
    # the source restarts: its first report lets go of the migration's share
    agents[source].start()
    wait_for(lambda: _allocations(cloud, migration["uuid"]) == {}, timeout=90,
             interval=0.5)
    assert _migration(cloud, server["id"])["status"] == "completed"
    assert _server(cloud, server["id"])["OS-EXT-SRV-ATTR:host"] == dest
    _delete_all(cloud, [server["id"]])
    wait_for(lambda: _service_state(cloud, source) == "up", timeout=90, interval=0.5)


def test_a_bus_restart_during_boots_leaves_nothing_building(full_cloud, boot, rabbit):
    cloud, agents = full_cloud
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(boot, f"storm-{i}") for i in range(8)]
        time.sleep(1.0)  # builds are in flight: agents spawn for 2 s each
        rabbit.restart(down_for=3)
        ids = [f.result() for f in futures]
    # everything the restart lost is settled within the build timeout and a sweep
    shown = _settled(cloud, ids, timeout=BUILD_TIMEOUT * 4)
    statuses = [s["status"] for s in shown]
    print(f"\nafter the bus restart: {statuses.count('ACTIVE')} ACTIVE, "
          f"{statuses.count('ERROR')} ERROR")
    for server in shown:
        allocations = _allocations(cloud, server["id"])
        if server["status"] == "ACTIVE":
            node = placement_client.node_uuid(server["OS-EXT-SRV-ATTR:host"])
            assert list(allocations) == [node]
        else:
            assert server["fault"]["message"]
            assert allocations == {}
    _delete_all(cloud, ids)
    # the cloud works again: a new server boots
    (again,) = _settled(cloud, [boot("after-storm")], timeout=60)
    assert again["status"] == "ACTIVE"
    _delete_all(cloud, [again["id"]])
