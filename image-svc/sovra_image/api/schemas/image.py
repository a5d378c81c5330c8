"""Image schemas: request validation, and the documents /v2/schemas/image(s) serve.

The accepted disk and container formats come from configuration, so the schemas
are built once per app by ``ImageSchemas(conf)`` rather than being constants.
"""

from __future__ import annotations

import copy

_UUID_PATTERN = ("^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}"
                 "-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$")
_INT32_MAX = 2 ** 31 - 1


def _core_properties(disk_formats, container_formats) -> dict:
    """The image's attributes as the published schema describes them."""
    return {
        "id": {"type": "string", "pattern": _UUID_PATTERN,
               "description": "An identifier for the image"},
        "name": {"type": ["null", "string"], "maxLength": 255,
                 "description": "Descriptive name for the image"},
        "status": {"type": "string", "readOnly": True,
                   "enum": ["queued", "saving", "active", "killed", "deleted",
                            "uploading", "importing", "pending_delete", "deactivated"],
                   "description": "Status of the image"},
        "visibility": {"type": "string",
                       "enum": ["community", "public", "private", "shared"],
                       "description": "Scope of image accessibility"},
        "protected": {"type": "boolean",
                      "description": "If true, image will not be deletable."},
        "os_hidden": {"type": "boolean",
                      "description": "If true, image will not appear in default "
                                     "image list response."},
        "checksum": {"type": ["null", "string"], "readOnly": True, "maxLength": 32,
                     "description": "md5 hash of image contents."},
        "os_hash_algo": {"type": ["null", "string"], "readOnly": True, "maxLength": 64,
                         "description": "Algorithm to calculate the os_hash_value"},
        "os_hash_value": {"type": ["null", "string"], "readOnly": True,
                          "maxLength": 128,
                          "description": "Hexdigest of the image contents using the "
                                         "algorithm specified by the os_hash_algo"},
        "owner": {"type": ["null", "string"], "maxLength": 255,
                  "description": "Owner of the image"},
        "size": {"type": ["null", "integer"], "readOnly": True,
                 "description": "Size of image file in bytes"},
        "virtual_size": {"type": ["null", "integer"], "readOnly": True,
                         "description": "Virtual size of image in bytes"},
        "container_format": {"type": ["null", "string"],
                             "enum": [None, *container_formats],
                             "description": "Format of the container"},
        "disk_format": {"type": ["null", "string"], "enum": [None, *disk_formats],
                        "description": "Format of the disk"},
        "created_at": {"type": "string", "readOnly": True,
                       "description": "Date and time of image registration"},
        "updated_at": {"type": "string", "readOnly": True,
                       "description": "Date and time of the last image modification"},
        "tags": {"type": "array", "items": {"type": "string", "maxLength": 255},
                 "description": "List of strings related to the image"},
        "direct_url": {"type": "string", "readOnly": True,
                       "description": "URL to access the image file kept in external "
                                      "store"},
        "min_ram": {"type": "integer", "minimum": 0, "maximum": _INT32_MAX,
                    "description": "Amount of ram (in MB) required to boot image."},
        "min_disk": {"type": "integer", "minimum": 0, "maximum": _INT32_MAX,
                     "description": "Amount of disk space (in GB) required to boot "
                                    "image."},
        "self": {"type": "string", "readOnly": True,
                 "description": "An image self url"},
        "file": {"type": "string", "readOnly": True,
                 "description": "An image file url"},
        "stores": {"type": "string", "readOnly": True,
                   "description": "Store in which image data resides."},
        "schema": {"type": "string", "readOnly": True,
                   "description": "An image schema url"},
    }


_CUSTOM_VALUE = {"type": "string", "maxLength": 65535}

PATCH = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "op": {"type": "string", "enum": ["add", "replace", "remove"]},
            "path": {"type": "string", "pattern": "^/"},
            "value": {},
        },
        "required": ["op", "path"],
    },
}

# A create body is an object; its members are checked by ImageSchemas (formats come
# from configuration) after read-only and reserved names are refused.
CREATE_BODY = {"type": "object"}

MEDIA_TYPE_PATCH = "application/openstack-images-v2.1-json-patch"

_BOOL = {"type": "string", "enum": ["true", "false", "True", "False"]}
_INT = {"type": "string", "pattern": "^[0-9]+$"}

LIST_QUERY = {
    "type": "object",
    "properties": {
        "limit": {"type": "string", "pattern": "^-?[0-9]+$"},
        "marker": {"type": "string", "maxLength": 255},
        "sort": {"type": "string"},
        "sort_key": {"type": "array", "items": {"type": "string"}},
        "sort_dir": {"type": "array", "items": {"type": "string"}},
        "name": {"type": "string"},
        "id": {"type": "string"},
        "status": {"type": "string"},
        "visibility": {"type": "string",
                       "enum": ["public", "private", "shared", "community", "all"]},
        "owner": {"type": "string"},
        "member_status": {"type": "string",
                          "enum": ["pending", "accepted", "rejected", "all"]},
        "tag": {"type": "array", "items": {"type": "string"}},
        "size_min": _INT,
        "size_max": _INT,
        "disk_format": {"type": "string"},
        "container_format": {"type": "string"},
        "protected": _BOOL,
        "os_hidden": _BOOL,
        "created_at": {"type": "array", "items": {"type": "string"}},
        "updated_at": {"type": "array", "items": {"type": "string"}},
    },
    # Any other parameter filters on a custom property.
    "additionalProperties": {"type": "string"},
}

_LINKS = [{"rel": "self", "href": "{self}"}, {"rel": "enclosure", "href": "{file}"},
          {"rel": "describedby", "href": "{schema}"}]


class ImageSchemas:
    """The image schemas of one app (formats from ``conf.image``)."""

    def __init__(self, conf):
        core = _core_properties(list(conf.image.disk_formats),
                                list(conf.image.container_formats))
        self.document = {
            "name": "image",
            "properties": core,
            "additionalProperties": dict(_CUSTOM_VALUE),
            "links": copy.deepcopy(_LINKS),
        }
        self.documents = {
            "name": "images",
            "properties": {
                "images": {"type": "array", "items": copy.deepcopy(self.document)},
                "schema": {"type": "string"},
                "first": {"type": "string"},
                "next": {"type": "string"},
            },
            "links": [{"rel": "first", "href": "{first}"},
                      {"rel": "next", "href": "{next}"},
                      {"rel": "describedby", "href": "{schema}"}],
        }
        # What create bodies and patched values must satisfy (read-only and reserved
        # names are refused by the service, with a 403, before this).
        writable = {k: v for k, v in core.items() if not v.get("readOnly")}
        self.writable = writable
        # Built once per app: sovra_common's validator cache is keyed by the schema
        # object, so a schema dict made per request would pile up in it.
        self.core_values = {"type": "object", "properties": writable}
        self.custom_values = {"type": "object", "additionalProperties": dict(_CUSTOM_VALUE)}
