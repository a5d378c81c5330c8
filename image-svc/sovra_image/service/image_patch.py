"""Applying a JSON patch (``application/openstack-images-v2.1-json-patch``) to an
image: pure computation on the image's current attributes, no database.

Operations: ``add`` (sets, or replaces an existing attribute), ``replace`` (the
attribute must exist: a missing custom property is a 409), ``remove`` (custom
properties only; a missing one is a 409). Paths are one JSON-pointer segment
(``/name``, ``/hw_disk_bus``; ``~1`` is ``/`` and ``~0`` is ``~``). Read-only and
reserved attributes are refused (403), whatever the operation.
"""

from __future__ import annotations

import dataclasses

from sovra_common import exception
from sovra_image.service import image as image_service


@dataclasses.dataclass
class PatchResult:
    core: dict
    properties: dict
    removed: set
    tags: list | None


class PropertyMissing(exception.Conflict):
    message = "Property %(name)s does not exist."


def _name(path: str) -> str:
    segments = path[1:].split("/")
    if len(segments) != 1 or not segments[0]:
        raise exception.Invalid(f"Invalid JSON pointer for this resource: '{path}'")
    return segments[0].replace("~1", "/").replace("~0", "~")


def apply(image, operations: list[dict]) -> PatchResult:
    """The changes ``operations`` make to ``image`` (values not yet validated)."""
    core_now = {k: getattr(image, k) for k in image_service.WRITABLE if k != "tags"}
    props_now = image_service.properties_of(image)
    core, props, removed, tags = {}, {}, set(), None
    for op in operations:
        name, kind = _name(op["path"]), op["op"]
        image_service.check_attribute_names([name])
        if kind in ("add", "replace") and "value" not in op:
            raise exception.Invalid(f"Operation '{kind}' on {op['path']} needs a value.")
        if name == "tags" or name in core_now:
            if kind == "remove":
                raise exception.Forbidden(
                    f"Property '{name}' is a base property and cannot be removed.")
            if name == "tags":
                tags = op["value"]
            else:
                core[name] = op["value"]
            continue
        exists = (name in props_now or name in props) and name not in removed
        if kind == "remove":
            if not exists:
                raise PropertyMissing(name=name)
            props.pop(name, None)
            removed.add(name)
        elif kind == "replace" and not exists:
            raise PropertyMissing(name=name)
        else:
            props[name] = op["value"]
            removed.discard(name)
    core = {k: v for k, v in core.items() if v != core_now[k]}
    return PatchResult(core=core, properties=props, removed=removed, tags=tags)
