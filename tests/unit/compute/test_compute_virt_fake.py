"""The fake driver passes the virt driver conformance suite, and injects faults."""

import pytest
from virt_conformance import DriverConformance, instance

from sovra_common import conf as sovra_conf
from sovra_compute import conf as compute_conf
from sovra_compute import virt
from sovra_compute.virt import driver as virt_driver
from sovra_compute.virt import fake


class TestFakeDriver(DriverConformance):
    @pytest.fixture
    def driver(self):
        return fake.FakeDriver(vcpus=4, memory_mb=2048, local_gb=20)

    @pytest.fixture
    def image(self):
        return None

    def make_failing(self, driver, operation):
        driver.fail_operations.add(operation)


def test_abstract_contract_fails_at_instantiation():
    class Partial(virt_driver.VirtDriver):
        def spawn(self, instance, image, **kwargs):
            pass
    with pytest.raises(TypeError):
        Partial()


def test_configured_from_conf():
    conf = sovra_conf.new_conf()
    compute_conf.register_opts(conf)
    conf([], project="sovra", default_config_files=[])
    conf.set_override("vcpus", 3, group="fake_driver")
    conf.set_override("fail_operations", ["spawn"], group="fake_driver")
    driver = virt.load(conf)
    assert driver.get_inventory()["VCPU"] == 3
    with pytest.raises(virt_driver.VirtDriverError):
        driver.spawn(instance(), None)


def test_unknown_fault_is_refused():
    with pytest.raises(ValueError):
        fake.FakeDriver(fail_operations=["explode"])
