"""How images and members look on the wire (Image API v2 shapes)."""

from __future__ import annotations

_CORE = ("id", "name", "status", "visibility", "protected", "os_hidden", "owner",
         "disk_format", "container_format", "size", "virtual_size", "checksum",
         "os_hash_algo", "os_hash_value", "min_disk", "min_ram")


def timestamp(value) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def image(image) -> dict:
    return image_body(image, tags=[t.value for t in image.tags],
                      stores=[loc.store for loc in image.locations],
                      properties=[(p.name, p.value) for p in image.properties])


def image_body(image, *, tags, stores, properties) -> dict:
    """The image body from ``image``'s columns (an Image, or a Core row of the images
    table), its tags, its locations' stores and its properties [(name, value)]."""
    shown = {key: getattr(image, key) for key in _CORE}
    shown["tags"] = sorted(tags)
    shown["created_at"] = timestamp(image.created_at)
    shown["updated_at"] = timestamp(image.updated_at)
    shown["self"] = f"/v2/images/{image.id}"
    shown["file"] = f"/v2/images/{image.id}/file"
    shown["schema"] = "/v2/schemas/image"
    if image.status in ("active", "deactivated") and stores:
        shown["stores"] = ",".join(sorted(set(stores)))
    for name, value in properties:
        shown.setdefault(name, value)
    return shown


def member(member) -> dict:
    return {"created_at": timestamp(member.created_at),
            "updated_at": timestamp(member.updated_at),
            "image_id": member.image_id, "member_id": member.member_id,
            "schema": "/v2/schemas/member", "status": member.status}
