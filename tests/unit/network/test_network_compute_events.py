"""What the network API tells compute about its servers' ports: which port changes
make which external event, and whether a sender is made (the sender itself:
tests/unit/compute/test_compute_external_events.py)."""

from types import SimpleNamespace

import pytest

from sovra_compute import external_events
from sovra_network import conf as network_conf
from sovra_network.api import compute_events

SERVER = "5c1b7e8e-6d8b-4ad8-a0c3-1f0c1d7a1c11"


def port(status="ACTIVE", owner="compute:nova", device_id=SERVER, port_id="p1"):
    return SimpleNamespace(id=port_id, status=status, device_owner=owner,
                           device_id=device_id)


@pytest.mark.parametrize("previous,now,expected", [
    ("DOWN", "ACTIVE", ("network-vif-plugged", "completed")),
    ("BUILD", "ACTIVE", ("network-vif-plugged", "completed")),
    ("DOWN", "ERROR", ("network-vif-plugged", "failed")),
    ("ACTIVE", "DOWN", ("network-vif-unplugged", "completed")),
    ("BUILD", "DOWN", None),
    ("ACTIVE", "ACTIVE", None),
    ("DOWN", "DOWN", None),
])
def test_status_changes_and_their_events(previous, now, expected):
    event = compute_events.status_event(port(status=now), previous)
    if expected is None:
        assert event is None
    else:
        assert event == {"name": expected[0], "status": expected[1],
                         "server_uuid": SERVER, "tag": "p1"}


@pytest.mark.parametrize("owner,device_id", [
    ("network:dhcp", SERVER), ("network:router_interface", SERVER), ("", SERVER),
    ("compute:nova", ""), ("baremetal:none", SERVER)])
def test_only_servers_ports_make_events(owner, device_id):
    row = port(owner=owner, device_id=device_id)
    assert compute_events.status_event(row, "DOWN") is None
    assert compute_events.deleted_event(row) is None
    assert compute_events.changed_event(row) is None


def test_a_deleted_port_of_a_server():
    assert compute_events.deleted_event(port(owner="compute:zone-b")) == {
        "name": "network-vif-deleted", "server_uuid": SERVER, "tag": "p1",
        "status": "completed"}


def test_a_changed_port_of_a_server():
    assert compute_events.changed_event(port(status="DOWN")) == {
        "name": "network-changed", "server_uuid": SERVER, "tag": "p1",
        "status": "completed"}


def new_conf(**compute_opts):
    conf = network_conf.new_conf()
    conf([], default_config_files=[])
    for key, value in compute_opts.items():
        conf.set_override(key, value, group="compute")
    return conf


def test_options_default_to_telling_compute():
    conf = new_conf()
    assert conf.compute.notify_compute_on_port_status_changes is True
    assert conf.compute.send_events_interval == 0.5
    assert conf.compute.endpoint is None
    sender = compute_events.from_conf(conf)
    assert isinstance(sender, external_events.EventSender)
    sender.close()


def test_compute_is_not_told_when_switched_off():
    conf = new_conf(notify_compute_on_port_status_changes=False)
    assert compute_events.from_conf(conf) is None
