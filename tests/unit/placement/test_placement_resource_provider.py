import pytest

from sovra_common import exception
from sovra_placement.service import resource_provider as rp_service


def test_tree(db):
    root = rp_service.create(db, "root")
    child = rp_service.create(db, "child", parent_uuid=root["uuid"])
    grandchild = rp_service.create(db, "gc", parent_uuid=child["uuid"])
    assert grandchild["root_provider_uuid"] == root["uuid"]
    assert grandchild["parent_provider_uuid"] == child["uuid"]
    assert {r["name"] for r in rp_service.list_providers(db, in_tree=grandchild["uuid"])} \
        == {"root", "child", "gc"}


def test_duplicate_name(db):
    rp_service.create(db, "cn")
    with pytest.raises(exception.Conflict) as err:
        rp_service.create(db, "cn")
    assert err.value.error_code == "placement.duplicate_name"


def test_reparent_moves_the_subtree(db):
    a = rp_service.create(db, "a")
    b = rp_service.create(db, "b")
    c = rp_service.create(db, "c", parent_uuid=b["uuid"])
    with pytest.raises(exception.Invalid):  # re-parenting before 1.37
        rp_service.update(db, c["uuid"], "c", a["uuid"], set_parent=True)
    rp_service.update(db, b["uuid"], "b", a["uuid"], set_parent=True)  # a root may
    assert rp_service.show(db, c["uuid"])["root_provider_uuid"] == a["uuid"]
    with pytest.raises(exception.Invalid):  # a loop
        rp_service.update(db, a["uuid"], "a", c["uuid"], set_parent=True,
                          allow_reparent=True)


def test_delete_refuses_parents(db):
    root = rp_service.create(db, "root")
    rp_service.create(db, "child", parent_uuid=root["uuid"])
    with pytest.raises(exception.Conflict) as err:
        rp_service.delete(db, root["uuid"])
    assert err.value.error_code == "placement.resource_provider.cannot_delete_parent"


def test_unknown_provider(db):
    with pytest.raises(exception.NotFound):
        rp_service.show(db, "11111111-1111-1111-1111-111111111111")
