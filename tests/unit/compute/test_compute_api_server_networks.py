"""A create's networks (checked with the network API as the caller, recorded for
the agent), the server's addresses, and os-server-external-events."""

import pytest
from compute_api import ADMIN, ALICE, at, boot, boot_active, create_flavor

from sovra_compute.service import instance as instance_service

NET_A = "aaaaaaaa-0000-0000-0000-000000000001"
NET_A2 = "aaaaaaaa-0000-0000-0000-000000000002"
NET_B = "bbbbbbbb-0000-0000-0000-000000000001"
SHARED = "cccccccc-0000-0000-0000-000000000001"
PORT = "dddddddd-0000-0000-0000-000000000001"


@pytest.fixture
def networks(api):
    create_flavor(api)
    return api.extras["networks"]


def _requested(db, resp):
    assert resp.status_code == 202, resp.json
    return instance_service.get(db, resp.json["server"]["id"])["requested_networks"]


def test_networks_list_is_recorded_for_the_agent(api, db, networks):
    networks.add_network(NET_A)
    networks.add_port(PORT, NET_A)
    resp = boot(api, version="2.42", networks=[
        {"uuid": NET_A, "fixed_ip": "10.0.0.5", "tag": "eth0"}, {"port": PORT}])
    assert _requested(db, resp) == [
        {"network_id": NET_A, "port_id": None, "fixed_ip": "10.0.0.5", "tag": "eth0"},
        {"network_id": NET_A, "port_id": PORT, "fixed_ip": None, "tag": None}]
    instance = instance_service.get(db, resp.json["server"]["id"])
    assert instance_service.for_agent(instance)["requested_networks"] == \
        instance["requested_networks"]


@pytest.mark.parametrize("nets,status,message", [
    ([{"uuid": NET_B}], 400, f"Network {NET_B} could not be found"),
    ([{"uuid": "not-a-uuid"}], 400, "network uuid is not in proper format"),
    ([{"uuid": NET_A, "fixed_ip": "10.0.0.300"}], 400, "Invalid fixed IP address"),
    ([{"port": PORT}], 400, f"Port id {PORT} could not be found"),
    ([{"fixed_ip": "10.0.0.5"}], 400, "missing 'uuid'"),
])
def test_networks_that_cannot_be_used_are_refused(api, networks, nets, status,
                                                   message):
    networks.add_network(NET_A)
    networks.add_network(NET_B, project="proj-b")  # not Alice's to see
    resp = boot(api, networks=nets)
    assert resp.status_code == status, resp.json
    assert message in resp.json["badRequest"]["message"]


def test_a_fixed_ip_the_caller_sees_taken_is_refused_up_front(api, db, networks):
    networks.add_network(NET_A)
    networks.add_port(PORT, NET_A, device_id="another-server", addresses=["10.0.0.5"])
    networks.add_port("reserved", NET_A, addresses=["10.0.0.6"])  # no device
    for address, holder in (("10.0.0.5", "another-server"), ("10.0.0.6", "(none)")):
        resp = boot(api, networks=[{"uuid": NET_A, "fixed_ip": address}])
        assert resp.status_code == 400, resp.json
        assert resp.json["badRequest"]["message"] == (
            f"Fixed IP address {address} is already in use on instance {holder}.")
    assert instance_service.list_(db) == []  # nothing made
    # a port the caller cannot see (another project's on a shared network) is
    # not known here: the build finds out
    networks.add_network(SHARED, project="admin-proj", shared=True)
    networks.add_port("theirs", SHARED, project="proj-b", addresses=["10.0.0.7"])
    assert _requested(db, boot(api, networks=[{"uuid": SHARED,
                                               "fixed_ip": "10.0.0.7"}]))[0][
        "fixed_ip"] == "10.0.0.7"
    # the same address on another network is free
    networks.add_network(NET_A2)
    assert _requested(db, boot(api, networks=[{"uuid": NET_A2,
                                               "fixed_ip": "10.0.0.5"}]))[0][
        "network_id"] == NET_A2


def test_a_port_in_use_is_a_conflict(api, networks):
    networks.add_network(NET_A)
    networks.add_port(PORT, NET_A, device_id="another-server")
    resp = boot(api, networks=[{"port": PORT}])
    assert resp.status_code == 409, resp.json
    assert f"Port {PORT} is still in use" in resp.json["conflictingRequest"]["message"]


def test_another_projects_port_is_refused_even_to_an_admin(api, networks):
    networks.add_network(NET_B, project="proj-b")
    networks.add_port(PORT, NET_B, project="proj-b")
    resp = boot(api, headers=ADMIN, networks=[{"port": PORT}])
    assert resp.status_code == 400, resp.json
    assert "belongs to another project" in resp.json["badRequest"]["message"]


def test_a_port_asked_for_twice_is_refused(api, networks):
    networks.add_network(NET_A)
    networks.add_port(PORT, NET_A)
    resp = boot(api, networks=[{"port": PORT}, {"port": PORT}])
    assert resp.status_code == 400
    assert "requested more than once" in resp.json["badRequest"]["message"]


def test_auto_takes_the_projects_one_network_else_the_shared_one(api, db, networks):
    networks.add_network(SHARED, project="admin-proj", shared=True)
    networks.add_network("no-subnet", subnets=())  # not usable: not counted
    networks.add_network("ext", shared=True, **{"router:external": True})
    assert _requested(db, boot(api, networks="auto")) == [
        {"network_id": SHARED, "port_id": None, "fixed_ip": None, "tag": None}]
    networks.add_network(NET_A)
    assert _requested(db, boot(api, networks="auto"))[0]["network_id"] == NET_A
    networks.add_network(NET_A2)  # two: auto cannot choose, so no NIC
    assert _requested(db, boot(api, networks="auto")) == []
    # before 2.37 "networks" may be left out: "auto"
    resp = api.post("/v2.1/servers", json={"server": {
        "name": "vm", "imageRef": "img-1", "flavorRef": "1"}},
        headers=at(ALICE, "2.1"))
    assert _requested(db, resp) == []
    assert _requested(db, boot(api, networks="none")) == []


def test_addresses_show_the_vifs_the_agent_reported(api, db, networks):
    server_id = boot_active(api, db)
    instance_service.update(db, server_id, network_info=[
        {"port_id": PORT, "network_id": NET_A, "network_name": "private",
         "mac": "fa:16:3e:00:00:01", "mtu": 1450, "devname": "tap" + PORT[:11],
         "preexisting": False, "tag": None,
         "fixed_ips": [{"ip_address": "10.0.0.5", "subnet_id": "s", "version": 4},
                       {"ip_address": "fd00::5", "subnet_id": "s6", "version": 6}]}])
    resp = api.get(f"/v2.1/servers/{server_id}", headers=ALICE)
    assert resp.json["server"]["addresses"] == {"private": [
        {"version": 4, "addr": "10.0.0.5", "OS-EXT-IPS:type": "fixed",
         "OS-EXT-IPS-MAC:mac_addr": "fa:16:3e:00:00:01"},
        {"version": 6, "addr": "fd00::5", "OS-EXT-IPS:type": "fixed",
         "OS-EXT-IPS-MAC:mac_addr": "fa:16:3e:00:00:01"}]}


# --- os-server-external-events ----------------------------------------------------------
def _events(api, events, headers=ADMIN, version="2.51"):
    return api.post("/v2.1/os-server-external-events", json={"events": events},
                    headers=at(headers, version))


def test_events_are_cast_to_the_servers_host(api, db, networks):
    server_id = boot_active(api, db, host="node2")
    resp = _events(api, [{"name": "network-vif-plugged", "server_uuid": server_id,
                          "tag": PORT}])
    assert resp.status_code == 200, resp.json
    assert resp.json == {"events": [{"name": "network-vif-plugged",
                                     "server_uuid": server_id, "tag": PORT,
                                     "status": "completed", "code": 200}]}
    (args, _), = api.extras["agents"].named("external_instance_event")
    assert args[1] == "node2" and args[2]["uuid"] == server_id
    assert args[3] == [{"name": "network-vif-plugged", "tag": PORT,
                        "status": "completed"}]


def test_events_of_unknown_or_unplaced_servers_are_207_or_404(api, db, networks):
    placed = boot_active(api, db)
    unplaced = boot(api).json["server"]["id"]  # scheduling: on no host yet
    gone = "eeeeeeee-0000-0000-0000-000000000001"
    resp = _events(api, [
        {"name": "volume-extended", "server_uuid": placed, "tag": "v1"},
        {"name": "network-vif-plugged", "server_uuid": unplaced, "status": "failed"},
        {"name": "network-vif-deleted", "server_uuid": gone}])
    assert resp.status_code == 207, resp.json
    assert [(e["code"], e["status"]) for e in resp.json["events"]] == [
        (200, "completed"), (422, "failed"), (404, "failed")]
    resp = _events(api, [{"name": "network-vif-plugged", "server_uuid": gone}])
    assert resp.status_code == 404
    assert "No instances found for any event" in resp.json["itemNotFound"]["message"]


def test_events_are_for_admins_and_services_only(api, db, networks):
    server_id = boot_active(api, db)
    resp = _events(api, [{"name": "network-vif-plugged", "server_uuid": server_id}],
                   headers=ALICE)
    assert resp.status_code == 403


def test_event_names_and_statuses_follow_the_microversion(api, db, networks):
    server_id = boot_active(api, db)
    resp = _events(api, [{"name": "volume-extended", "server_uuid": server_id}],
                   version="2.50")
    assert resp.status_code == 400
    for bad in ({"name": "power-update", "server_uuid": server_id},
                {"name": "network-vif-plugged", "server_uuid": server_id,
                 "status": "done"},
                {"name": "network-vif-plugged"}):
        assert _events(api, [bad], version="2.93").status_code == 400, bad
    assert api.post("/v2.1/os-server-external-events", json={"events": []},
                    headers=ADMIN).status_code == 400


# --- os-interface -----------------------------------------------------------------------
def _attach(api, server_id, body, headers=ALICE, version="2.70"):
    return api.post(f"/v2.1/servers/{server_id}/os-interface",
                    json={"interfaceAttachment": body}, headers=at(headers, version))


def test_attach_is_checked_before_the_agent_is_called(api, db, networks, coordinator):
    networks.add_network(NET_A)
    networks.add_port(PORT, NET_A, device_id="another-server")
    server_id = boot_active(api, db)
    coordinator.heartbeat("compute-agents", "node1", {})
    assert _attach(api, server_id, {"port_id": PORT}).status_code == 409
    resp = _attach(api, server_id, {"port_id": PORT, "net_id": NET_A})
    assert "both network_id and port_id" in resp.json["badRequest"]["message"]
    resp = _attach(api, server_id, {"fixed_ips": [{"ip_address": "10.0.0.9"}]})
    assert resp.status_code == 400
    assert _attach(api, server_id, {"net_id": NET_B}).status_code == 400
    assert _attach(api, server_id, {"tag": "x"}, version="2.48").status_code == 400
    assert api.extras["agents"].named("attach_interface") == []
    building = boot(api).json["server"]["id"]
    assert _attach(api, building, {"net_id": NET_A}).status_code == 409


def test_detach_of_a_port_the_server_does_not_have_is_404(api, db, networks,
                                                          coordinator):
    server_id = boot_active(api, db)
    coordinator.heartbeat("compute-agents", "node1", {})
    resp = api.delete(f"/v2.1/servers/{server_id}/os-interface/{PORT}", headers=ALICE)
    assert resp.status_code == 404
    instance_service.update_vif(db, server_id, PORT, {"port_id": PORT, "mac": "m",
                                                      "network_name": "n",
                                                      "fixed_ips": []})
    resp = api.delete(f"/v2.1/servers/{server_id}/os-interface/{PORT}", headers=ALICE)
    assert resp.status_code == 202
    (args, _), = api.extras["agents"].named("detach_interface")
    assert (args[1], args[3]) == ("node1", PORT)


def test_update_vif_replaces_appends_and_removes_one_vif(db, api, networks):
    server_id = boot_active(api, db)
    one, two = ({"port_id": p, "mac": p} for p in ("p1", "p2"))
    instance_service.update_vif(db, server_id, "p1", one)
    instance_service.update_vif(db, server_id, "p2", two)
    changed = {"port_id": "p1", "mac": "new"}
    shown = instance_service.update_vif(db, server_id, "p1", changed)
    assert shown["network_info"] == [changed, two]
    assert instance_service.update_vif(db, server_id, "p1", None)["network_info"] == [
        two]


def test_servers_are_listed_by_fixed_ip(api, db, networks):
    first, second = boot_active(api, db), boot_active(api, db)
    for server_id, v4, v6 in ((first, "10.0.0.5", "fd00::5"),
                              (second, "10.0.0.15", "fd00::15")):
        instance_service.update_vif(db, server_id, "p-" + server_id, {
            "port_id": "p-" + server_id, "mac": "m", "network_name": "n",
            "fixed_ips": [{"ip_address": v4, "version": 4},
                          {"ip_address": v6, "version": 6}]})

    def listed(query, version="2.5"):
        resp = api.get(f"/v2.1/servers?{query}", headers=at(ALICE, version))
        assert resp.status_code == 200, resp.json
        return {s["id"] for s in resp.json["servers"]}
    assert listed("ip=10.0.0.") == {first, second}  # a search, as upstream
    assert listed("ip=10.0.0.1") == {second}
    assert listed("ip=^10.0.0.5$") == {first}
    assert listed("ip6=fd00::15") == {second}
    assert listed("ip=192.168.") == set()
