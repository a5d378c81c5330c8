"""The libvirt driver: real guests under QEMU (KVM where it works, else TCG).

Split by concern:

- ``host.py``: the connection to the libvirt daemon, its event loop, what the host
  is (domain type, capacity, CPU traits);
- ``guest.py``: one libvirt domain and its power operations;
- ``config.py``: the domain XML of a server;
- ``imagebackend.py``: the node's verified image cache and each server's disks;
- ``configdrive.py``: the config drive (OpenStack metadata layout);
- ``driver.py``: ``LibvirtDriver``, the VirtDriver contract on top of them.

libvirt-python is imported only when a connection is opened (``host.libvirt()``),
so everything else imports and unit-tests without it.
"""
