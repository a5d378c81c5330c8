"""forceDelete and restore through openstacksdk: Sovra has no soft delete, so
forceDelete deletes at once (its allocation released, as a delete's) and restore
is always a 409, as upstream with reclaim_instance_interval off."""

import openstack
import pytest
from active_servers import boot_active, delete_and_wait

from sovra_compute import placement_client

pytestmark = [
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning"),
]


def test_force_delete_deletes_and_restore_is_refused(conn, image, flavor):
    server = boot_active(conn, image, flavor, "doomed")
    with pytest.raises(openstack.exceptions.ConflictException) as exc:
        conn.compute.restore_server(server)
    assert "soft-deleted" in str(exc.value)
    rp = placement_client.node_uuid(conn.compute.get_server(server.id).compute_host)
    usages = conn.placement.get(f"/resource_providers/{rp}/usages").json()["usages"]
    assert usages["VCPU"] >= 1
    delete_and_wait(conn, server, force=True)
    assert conn.placement.get(f"/allocations/{server.id}").json()["allocations"] == {}
    resp = conn.compute.post(f"/servers/{server.id}/action", json={"forceDelete": None})
    assert resp.status_code == 404
