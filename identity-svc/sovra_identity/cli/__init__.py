"""Identity's commands for the ``sovra`` CLI (``sovra.cli`` entry points): token,
catalog, project, user, role, role assignment, endpoint, service."""


def client(cloud):
    """An IdentityClient on the invocation's session (imported on first use)."""
    from sovra_identity.client import IdentityClient

    return IdentityClient(cloud.session, interface=cloud.interface,
                          region_name=cloud.region_name)
