"""The network service's parts of the ``sovra`` CLI."""


def client(cloud):
    """A NetworkClient on the invocation's session (imported on first use)."""
    from sovra_network.client import NetworkClient

    return NetworkClient(cloud.session, interface=cloud.interface,
                         region_name=cloud.region_name)
