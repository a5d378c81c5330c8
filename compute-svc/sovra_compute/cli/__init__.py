"""Compute's commands for the ``sovra`` CLI (``sovra.cli`` entry points): server
(and its actions, events, images, groups), flavor, keypair, compute service,
hypervisor, availability zone, usage, limits (the last two with block storage's
and network's parts, where the cloud has them)."""

import argparse


def client(cloud):
    """A ComputeClient on the invocation's session (imported on first use)."""
    from sovra_compute.client import ComputeClient

    return ComputeClient(cloud.session, interface=cloud.interface,
                         region_name=cloud.region_name)


def image_client(cloud):
    """An ImageClient on the same session, to resolve image names."""
    from sovra_image import cli as image_cli

    return image_cli.client(cloud)


def key_value(text: str) -> tuple[str, str]:
    """argparse type of ``--property key=value`` (a usage error otherwise)."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected <key=value>, not {text!r}")
    return key, value


def project_id(cloud, name_or_id: str | None) -> str:
    """``name_or_id`` looked up in identity, or the token's own project."""
    if not name_or_id:
        return cloud.access().project_id
    from sovra_identity import cli as identity_cli

    return identity_cli.client(cloud).find_project(name_or_id)["id"]


def if_served(cloud, call):
    """``call()``, or None when the catalog has no endpoint for its service (a
    cached catalog that lacks it is trusted only after a fresh login: the command
    runs again then)."""
    from keystoneauth1 import exceptions as ks_exc

    try:
        return call()
    except ks_exc.EndpointNotFound:
        if cloud.from_cache:
            raise
        return None
