"""A new server's volumes: block_device_mapping_v2 at create.

Understood mappings (anything else is a 400 that says so):

- ``image`` -> ``local``, boot_index 0: the image-backed root disk clients send
  along with imageRef (no volume);
- ``image`` -> ``volume``, boot_index 0: boot from a volume made from the image
  (``volume_size`` GB) when the server is built;
- ``volume`` -> ``volume``: an existing volume (``uuid``), the boot volume with
  boot_index 0, else a data volume;
- ``blank`` -> ``volume``: an empty data volume of ``volume_size`` GB.

Existing volumes are reserved here with the caller's rights (a volume the caller
cannot use is a 400 before anything is made); volumes to make are made by the
agent that builds the server.
"""

from __future__ import annotations

import contextlib
import dataclasses

from sovra_common import exception
from sovra_compute import block_api
from sovra_compute.service import block_device
from sovra_compute.service import instance as instance_service

_INVALID = "Block Device Mapping is Invalid: "


@dataclasses.dataclass
class Parsed:
    local_image: str | None = None   # image -> local boot disk
    volumes: list = dataclasses.field(default_factory=list)

    @property
    def volume_backed(self) -> bool:
        return any(v["boot_index"] == 0 for v in self.volumes)


def _boot_index(bdm: dict) -> int | None:
    value = bdm.get("boot_index")
    if value is None or value == "":
        return None
    try:
        index = int(value)
    except (TypeError, ValueError):
        raise exception.Invalid(f"{_INVALID}boot_index {value!r} is not an "
                                "integer.") from None
    return index if index >= 0 else None


def _size(bdm: dict, required: bool) -> int | None:
    value = bdm.get("volume_size")
    if value is None or value == "":
        if required:
            raise exception.Invalid(f"{_INVALID}a volume made from an image or blank "
                                    "needs a volume_size (GB).")
        return None
    try:
        size = int(value)
    except (TypeError, ValueError):
        size = 0
    if size < 1:
        raise exception.Invalid(f"{_INVALID}volume_size must be a positive integer, "
                                f"not {value!r}.")
    return size


def _truth(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "t", "yes", "y", "on")
    return bool(value)


def parse(bdms: list, version) -> Parsed:
    """The mappings of a create request at microversion ``version``
    (``volume_type`` from 2.67)."""
    parsed = Parsed()
    boots = 0
    for bdm in bdms:
        source = bdm.get("source_type")
        destination = bdm.get("destination_type") or (
            "local" if source in ("image", "blank") else "volume")
        index = _boot_index(bdm)
        boots += index == 0
        if source == "image" and destination == "local":
            if index != 0:
                raise exception.Invalid(f"{_INVALID}an image to a local disk is only "
                                        "supported as the boot disk (boot_index 0).")
            parsed.local_image = bdm.get("uuid")
            continue
        if destination != "volume" or source not in ("image", "volume", "blank"):
            raise exception.Invalid(
                f"{_INVALID}source_type {source!r} with destination_type "
                f"{destination!r} is not supported (image, volume or blank to a "
                "volume; an image to the local boot disk).")
        if source in ("image", "volume") and not bdm.get("uuid"):
            raise exception.Invalid(f"{_INVALID}source_type {source} needs the "
                                    f"{source}'s uuid.")
        if "volume_type" in bdm and not version.matches("2.67"):
            raise exception.Invalid(f"{_INVALID}volume_type needs microversion 2.67 "
                                    "or later.")
        if bdm.get("volume_type") and source == "volume":
            raise exception.Invalid(f"{_INVALID}volume_type is for a volume made at "
                                    "create, not an existing one.")
        if source == "blank" and index == 0:
            raise exception.Invalid(f"{_INVALID}a blank volume cannot be the boot "
                                    "disk.")
        if source == "image" and index != 0:
            raise exception.Invalid(f"{_INVALID}a volume made from an image is only "
                                    "supported as the boot disk (boot_index 0).")
        parsed.volumes.append({
            "source_type": source, "boot_index": index,
            "volume_id": bdm["uuid"] if source == "volume" else None,
            "image_id": bdm["uuid"] if source == "image" else None,
            "volume_size": _size(bdm, required=source != "volume"),
            "volume_type": bdm.get("volume_type") or None,
            "delete_on_termination": _truth(bdm.get("delete_on_termination", False)),
            "device_name": bdm.get("device_name"), "tag": bdm.get("tag")})
    if boots > 1:
        raise exception.Invalid(f"{_INVALID}only one device may have boot_index 0.")
    ids = [v["volume_id"] for v in parsed.volumes if v["volume_id"]]
    if len(ids) != len(set(ids)):
        raise exception.Invalid(f"{_INVALID}a volume is mapped twice.")
    return parsed


def boot_image(volumes: list) -> str | None:
    """The image a boot volume is to be made from, if any."""
    return next((v["image_id"] for v in volumes
                 if v["boot_index"] == 0 and v["image_id"]), None)


def check(req, volumes: list) -> None:
    """400 unless each existing volume is the caller's and available."""
    existing = [v for v in volumes if v["volume_id"]]
    if not existing:
        return
    client = req.state.extras["volumes"](req.context)
    for spec in existing:
        try:
            volume = block_api.get_volume(client, spec["volume_id"])
        except exception.NotFound:
            raise exception.Invalid(f"{_INVALID}failed to get volume "
                                    f"{spec['volume_id']}.") from None
        if volume["status"] != "available":
            raise exception.Invalid(
                f"Invalid volume: volume '{volume['id']}' status must be 'available'. "
                f"Currently in '{volume['status']}'")


def record(req, instance: dict, volumes: list) -> None:
    """Record the server's mappings and reserve its existing volumes. If that
    fails, what was reserved is released and the server deleted (it was never
    built), and the error raised."""
    if not volumes:
        return
    db, uuid = req.state.extras["db"], instance["uuid"]
    client = req.state.extras["volumes"](req.context)
    reserved = []
    try:
        for spec in sorted(volumes, key=lambda v: v["boot_index"] != 0):
            bdm = block_device.create(db, uuid, **{
                k: spec[k] for k in ("source_type", "volume_id", "image_id",
                                     "volume_size", "volume_type", "device_name",
                                     "boot_index", "delete_on_termination", "tag")})
            if spec["volume_id"]:
                with block_api.translated():
                    attachment = client.create_attachment(spec["volume_id"], uuid)
                reserved.append(attachment["id"])
                block_device.update(db, bdm["uuid"], attachment_id=attachment["id"])
    except Exception:
        for attachment_id in reserved:
            with contextlib.suppress(Exception), block_api.translated():
                client.delete_attachment(attachment_id)
        for bdm in block_device.list_for(db, uuid):
            block_device.delete(db, bdm["uuid"])
        instance_service.mark_deleted(db, uuid)
        raise
