"""How images and members look on the wire (Image API v2 shapes)."""

from __future__ import annotations

_CORE = ("id", "name", "status", "visibility", "protected", "os_hidden", "owner",
         "disk_format", "container_format", "size", "virtual_size", "checksum",
         "os_hash_algo", "os_hash_value", "min_disk", "min_ram")


def timestamp(value) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def image(image) -> dict:
    shown = {key: getattr(image, key) for key in _CORE}
    shown["tags"] = sorted(t.value for t in image.tags)
    shown["created_at"] = timestamp(image.created_at)
    shown["updated_at"] = timestamp(image.updated_at)
    shown["self"] = f"/v2/images/{image.id}"
    shown["file"] = f"/v2/images/{image.id}/file"
    shown["schema"] = "/v2/schemas/image"
    if image.status in ("active", "deactivated") and image.locations:
        shown["stores"] = ",".join(sorted({loc.store for loc in image.locations}))
    for prop in image.properties:
        shown.setdefault(prop.name, prop.value)
    return shown


def member(member) -> dict:
    return {"created_at": timestamp(member.created_at),
            "updated_at": timestamp(member.updated_at),
            "image_id": member.image_id, "member_id": member.member_id,
            "schema": "/v2/schemas/member", "status": member.status}
