"""Hypervisor drivers: the contract (driver.py) and its implementations."""


def load(conf):
    """The driver [compute] virt_driver names, for this agent's node."""
    if conf.compute.virt_driver == "libvirt":
        from sovra_compute.virt.libvirt.driver import LibvirtDriver

        return LibvirtDriver.from_conf(conf)
    from sovra_compute.virt import fake

    return fake.FakeDriver.from_conf(conf)
