"""Placement commands for the ``sovra`` CLI (``sovra.cli`` entry points)."""


def client(cloud):
    """A PlacementClient on the invocation's session (imported on first use)."""
    from sovra_placement.client import PlacementClient

    return PlacementClient(cloud.session, interface=cloud.interface,
                           region_name=cloud.region_name)
