"""Server group policies decide where members go (openstacksdk, two fake nodes)."""

import pytest

pytestmark = [
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning"),
]


def _boot_in(conn, image, flavor, group, name):
    server = conn.compute.create_server(name=name, image_id=image.id,
                                        flavor_id=flavor.id, networks="none",
                                        scheduler_hints={"group": group.id})
    return conn.compute.wait_for_server(server, status="ACTIVE", failures=["ERROR"],
                                        interval=0.05, wait=20)


def _host(conn, server):
    return conn.compute.get(f"/servers/{server.id}").json()["server"][
        "OS-EXT-SRV-ATTR:host"]


@pytest.mark.parametrize("policy", ["anti-affinity", "affinity"])
def test_group_policy_places_members(conn, image, flavor, policy):
    group = conn.compute.create_server_group(name=f"sched-{policy}", policy=policy)
    servers = [_boot_in(conn, image, flavor, group, f"{policy}-{i}") for i in range(2)]
    hosts = [_host(conn, s) for s in servers]
    if policy == "affinity":
        assert hosts[0] == hosts[1]
    else:
        assert hosts[0] != hosts[1]
        # both nodes hold a member: a third has nowhere to go
        third = conn.compute.create_server(name="no-room", image_id=image.id,
                                           flavor_id=flavor.id, networks="none",
                                           scheduler_hints={"group": group.id})
        third = conn.compute.wait_for_server(third, status="ERROR", interval=0.05,
                                             wait=20)
        assert "anti-affinity" in third.fault["message"]
        servers.append(third)
    for server in servers:
        conn.compute.delete_server(server)
        conn.compute.wait_for_delete(server, interval=0.05, wait=20)
    conn.compute.delete_server_group(group)
