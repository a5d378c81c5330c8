"""The image service as the volume agent uses it: downloads for volumes created
from an image, uploads of volumes (upload-to-image), and the image metadata a
bootable volume keeps (``volume_image_metadata``)."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator

from sovra_block.drivers import base

#: What the Image API shows of an image besides its properties: not copied into
#: volume_image_metadata, except the ones IMAGE_FIELDS names.
_CORE_ATTRIBUTES = {
    "id", "name", "status", "visibility", "protected", "os_hidden", "owner",
    "created_at", "updated_at", "tags", "file", "schema", "self", "direct_url",
    "locations", "os_hash_algo", "os_hash_value", "virtual_size", "stores",
    "checksum", "size", "disk_format", "container_format", "min_disk", "min_ram",
}
#: The image's own attributes a volume keeps, besides its properties.
IMAGE_FIELDS = ("disk_format", "container_format", "min_disk", "min_ram", "size",
                "checksum")
#: Container formats whose data is the disk itself.
DISK_CONTAINERS = {None, "bare"}


def client_factory(conf) -> Callable:
    """``for_context(context) -> ImageClient`` acting for ``context``'s user, on
    [block] image_interface."""
    from sovra_image.client import context_factory

    return context_factory(conf, interface=conf.block.image_interface)


#: What the agent stages in [block] image_conversion_dir (downloads, uploads and
#: the drivers' temporaries of uploads): removed at start, when nothing runs.
STAGED_PREFIXES = ("image-", "upload-", ".tmp-upload-")


def clean_conversion_dir(directory: str) -> list[str]:
    """Remove what an earlier run of the agent left staged in ``directory`` (one
    agent per host uses it); returns the names removed."""
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return []
    removed = []
    for name in names:
        if name.startswith(STAGED_PREFIXES):
            with contextlib.suppress(FileNotFoundError, IsADirectoryError):
                os.unlink(os.path.join(directory, name))
                removed.append(name)
    return removed


def image_metadata(image: dict) -> dict:
    """A bootable volume's ``volume_image_metadata``: the image's custom properties
    and IMAGE_FIELDS, plus image_id and image_name; values as strings, as the
    Block Storage API shows them."""
    meta = {key: value for key, value in image.items()
            if key not in _CORE_ATTRIBUTES and not key.startswith("os_glance")}
    meta.update({key: image.get(key) for key in IMAGE_FIELDS})
    meta["image_id"] = image["id"]
    meta["image_name"] = image.get("name")
    return {key: value if isinstance(value, str) else str(value)
            for key, value in meta.items() if value is not None}


def check_usable(image: dict, size_gb: int) -> None:
    """BackendError unless ``image`` can fill a volume of ``size_gb`` GiB."""
    image_id = image.get("id")
    if image.get("status") != "active":
        raise base.BackendError(f"image {image_id} is {image.get('status')}, not active")
    if not image.get("disk_format"):
        raise base.BackendError(f"image {image_id} has no disk_format")
    if image.get("container_format") not in DISK_CONTAINERS:
        raise base.BackendError(
            f"image {image_id} has container_format {image['container_format']}: only "
            "bare images can be copied to a volume")
    if (image.get("min_disk") or 0) > size_gb:
        raise base.BackendError(
            f"image {image_id} needs a disk of {image['min_disk']} GiB (min_disk), the "
            f"volume has {size_gb}")


@contextlib.contextmanager
def downloaded(client, image: dict, directory: str) -> Iterator[str]:
    """Download ``image`` into ``directory``; yield the file's path; remove it after.
    The data is checked against the image's hash (ImageClient.download)."""
    os.makedirs(directory, exist_ok=True)
    size = image.get("size") or 0
    free = shutil.disk_usage(directory).free
    if size > free:
        raise base.BackendError(
            f"image {image['id']} ({size} bytes) does not fit in {directory} "
            f"({free} bytes free)")
    fd, path = tempfile.mkstemp(dir=directory, prefix=f"image-{image['id']}-",
                                suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            client.download(image["id"], out, image=image)
        yield path
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def upload(client, image_id: str, path: str, disk_format: str) -> None:
    """Upload the file at ``path`` as the data of the queued image ``image_id``."""
    if client.get_image(image_id).get("disk_format") != disk_format:
        client.update_image(image_id, disk_format=disk_format)
    with open(path, "rb") as data:
        client.upload(image_id, data)
