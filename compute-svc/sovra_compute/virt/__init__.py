"""Hypervisor drivers: the contract (driver.py) and its implementations."""


def load(conf):
    """The driver [compute] virt_driver names, for this agent's node."""
    from sovra_compute.virt import fake

    drivers = {"fake": fake.FakeDriver}
    return drivers[conf.compute.virt_driver].from_conf(conf)
