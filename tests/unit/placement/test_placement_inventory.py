import pytest

from sovra_common import exception
from sovra_placement.service import inventory
from sovra_placement.service import resource_provider as rp_service


def test_defaults():
    assert inventory.with_defaults({"total": 4}, reserved_may_equal_total=True) == {
        "total": 4, "reserved": 0, "min_unit": 1, "max_unit": 2147483647, "step_size": 1,
        "allocation_ratio": 1.0}


def test_reserved_equal_total_depends_on_version():
    record = {"total": 4, "reserved": 4}
    assert inventory.with_defaults(record, reserved_may_equal_total=True)["reserved"] == 4
    with pytest.raises(exception.Invalid):
        inventory.with_defaults(record, reserved_may_equal_total=False)
    with pytest.raises(exception.Invalid):
        inventory.with_defaults({"total": 4, "reserved": 5}, reserved_may_equal_total=True)


def test_min_unit_above_max_unit():
    with pytest.raises(exception.Invalid):
        inventory.with_defaults({"total": 4, "min_unit": 3, "max_unit": 2},
                                reserved_may_equal_total=True)


def test_set_bumps_the_generation_and_checks_it(db):
    rp = rp_service.create(db, "cn")
    full = inventory.with_defaults({"total": 8}, reserved_may_equal_total=True)
    provider, records = inventory.set_inventories(db, rp["uuid"], 0, {"VCPU": full})
    assert provider.generation == 1 and records == {"VCPU": full}
    with pytest.raises(exception.Conflict) as err:
        inventory.set_inventories(db, rp["uuid"], 0, {"VCPU": full})
    assert err.value.error_code == "placement.concurrent_update"
