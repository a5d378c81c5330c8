"""Compute's commands for the ``sovra`` CLI (``sovra.cli`` entry points): server,
flavor, keypair, compute service."""


def client(cloud):
    """A ComputeClient on the invocation's session (imported on first use)."""
    from sovra_compute.client import ComputeClient

    return ComputeClient(cloud.session, interface=cloud.interface,
                         region_name=cloud.region_name)


def image_client(cloud):
    """An ImageClient on the same session, to resolve image names."""
    from sovra_image import cli as image_cli

    return image_cli.client(cloud)
