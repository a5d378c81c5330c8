"""Image commands for the ``sovra`` CLI (``sovra.cli`` entry points)."""


def client(cloud):
    """An ImageClient on the invocation's session (imported on first use)."""
    from sovra_image.client import ImageClient

    return ImageClient(cloud.session, interface=cloud.interface,
                       region_name=cloud.region_name)
