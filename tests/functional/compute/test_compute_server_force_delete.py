"""forceDelete and restore through openstacksdk: Sovra has no soft delete, so
forceDelete deletes at once (its allocation released, as a delete's) and restore
is always a 409, as upstream with reclaim_instance_interval off."""

import openstack
import pytest

from sovra_compute import placement_client

pytestmark = [
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning"),
]


def test_force_delete_deletes_and_restore_is_refused(conn, image, flavor):
    created = conn.compute.create_server(name="doomed", image_id=image.id,
                                         flavor_id=flavor.id, networks="none")
    server = conn.compute.wait_for_server(created, status="ACTIVE", failures=["ERROR"],
                                          interval=0.05, wait=20)
    with pytest.raises(openstack.exceptions.ConflictException) as exc:
        conn.compute.restore_server(server)
    assert "soft-deleted" in str(exc.value)
    rp = placement_client.node_uuid(conn.compute.get_server(server.id).compute_host)
    usages = conn.placement.get(f"/resource_providers/{rp}/usages").json()["usages"]
    assert usages["VCPU"] >= 1
    conn.compute.delete_server(server, force=True)
    conn.compute.wait_for_delete(server, interval=0.05, wait=20)
    assert conn.placement.get(f"/allocations/{server.id}").json()["allocations"] == {}
    resp = conn.compute.post(f"/servers/{server.id}/action", json={"forceDelete": None})
    assert resp.status_code == 404
