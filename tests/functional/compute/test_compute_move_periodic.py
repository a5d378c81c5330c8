"""The conductor's periodic work on moves (a cloud with a 2 s [compute]
resize_confirm_window, its two fake-driver agents, openstacksdk): a move left in
VERIFY_RESIZE is confirmed once the window has passed, as its user's confirm
would; a move whose host went down is settled."""

import time

import pytest
from compute_cloud import start_cloud, wait_for
from test_compute_server_migrate import (
    OTHER,
    TINY,
    _boot,
    _delete,
    _guest_state,
    _held,
    _moving_images,
    _server,
    _settled,
    action_events,
)

from sovra_compute.virt import driver as virt

pytestmark = [
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning"),
]
WINDOW = 2


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    cloud = start_cloud(tmp_path_factory.mktemp("cloud"),
                        compute_extra=f"resize_confirm_window = {WINDOW}\n")
    try:
        yield cloud
    finally:
        cloud.stop()


def _actions(conn, server_id) -> list[str]:
    return [a["action"] for a in conn.compute.get(
        f"/servers/{server_id}/os-instance-actions").json()["instanceActions"]]


def test_a_migration_nobody_confirms_is_confirmed_after_the_window(
        cloud, conn, image, flavor):
    server, source = _boot(conn, image, flavor, "confirm-window")
    dest = OTHER[source]
    conn.compute.migrate_server(server)
    _settled(conn, server.id, "VERIFY_RESIZE")
    assert len(_moving_images(conn)) == 1
    seen = time.monotonic()
    assert _guest_state(cloud, source, server.id) is not None  # kept for a revert
    # nobody confirms: the conductor does, once the window has passed
    shown = _settled(conn, server.id, "ACTIVE")
    assert time.monotonic() - seen < WINDOW + 10
    assert shown["OS-EXT-SRV-ATTR:host"] == dest
    wait_for(lambda: _guest_state(cloud, source, server.id) is None)
    # the disk it travelled in, its user's image, deleted with the service's
    # credentials (a periodic task has no user token)
    wait_for(lambda: _moving_images(conn) == [])
    _held(conn, dest, {server.id: TINY})
    _held(conn, source, {})  # the migration's hold released
    assert _actions(conn, server.id)[:2] == ["confirmResize", "migrate"]
    _delete(conn, server)


def test_a_move_its_user_reverts_in_time_is_reverted(cloud, conn, image, flavor):
    server, source = _boot(conn, image, flavor, "revert-in-window")
    conn.compute.migrate_server(server)
    _settled(conn, server.id, "VERIFY_RESIZE")
    conn.compute.revert_server_resize(server)
    shown = _settled(conn, server.id, "ACTIVE")
    assert shown["OS-EXT-SRV-ATTR:host"] == source
    time.sleep(WINDOW + 2)  # the periodic work ran since: nothing to confirm
    assert _server(conn, server.id)["OS-EXT-SRV-ATTR:host"] == source
    assert "confirmResize" not in _actions(conn, server.id)
    _delete(conn, server)


def test_a_move_whose_destination_went_down_goes_back_to_its_source(
        cloud, conn, image, flavor):
    server, source = _boot(conn, image, flavor, "destination-down")
    dest = OTHER[source]
    cloud.drivers[dest].spawn_delay = 4  # the destination is slow to spawn it...
    coordinator = cloud.resources.coordinator
    try:
        conn.compute.migrate_server(server)
        wait_for(lambda: _server(conn, server.id)["OS-EXT-SRV-ATTR:host"] == dest)
        coordinator.leave("compute-agents", dest)  # ...and is cut off meanwhile
        shown = _settled(conn, server.id, "ACTIVE")
        assert shown["OS-EXT-SRV-ATTR:host"] == source
        assert _guest_state(cloud, source, server.id) == virt.RUNNING
        _held(conn, source, {server.id: TINY})
        _held(conn, dest, {})
        # why, for its user (no fault is shown on an ACTIVE server): the
        # destination's step failed
        assert ("compute_finish_resize", "Error") in [
            (e["event"], e["result"]) for e in action_events(conn, server.id,
                                                             "migrate")]
        wait_for(lambda: _moving_images(conn) == [])
        # it spawned the guest after all: that guest is not the server's, and goes
        wait_for(lambda: _guest_state(cloud, dest, server.id) is None, timeout=15)
        time.sleep(1)  # (the destination's report of it reached the conductor)
        shown = _server(conn, server.id)  # the server is not deleted with it
        assert (shown["status"], shown["OS-EXT-SRV-ATTR:host"]) == ("ACTIVE", source)
        assert _guest_state(cloud, source, server.id) == virt.RUNNING
    finally:
        cloud.drivers[dest].spawn_delay = 0
        coordinator.heartbeat("compute-agents", dest, {"binary": "nova-compute"})
    migration, = conn.compute.get(f"/os-migrations?instance_uuid={server.id}").json()[
        "migrations"]
    assert (migration["status"], migration["dest_compute"]) == ("error", dest)
    _delete(conn, server)
