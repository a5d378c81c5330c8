"""Image member schemas: request bodies, and the /v2/schemas/member(s) documents."""

import copy

CREATE = {
    "type": "object",
    "properties": {"member": {"type": "string", "minLength": 1, "maxLength": 255}},
    "required": ["member"],
    "additionalProperties": False,
}

UPDATE = {
    "type": "object",
    "properties": {"status": {"type": "string",
                              "enum": ["pending", "accepted", "rejected"]}},
    "required": ["status"],
    # Clients send the whole member back (openstacksdk does); only status counts.
}

DOCUMENT = {
    "name": "member",
    "properties": {
        "created_at": {"type": "string",
                       "description": "Date and time of image member creation"},
        "image_id": {"type": "string", "description": "An identifier for the image",
                     "pattern": "^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}"
                                "-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$"},
        "member_id": {"type": "string", "description": "An identifier for the image "
                                                       "member (tenantId)"},
        "status": {"type": "string", "enum": ["pending", "accepted", "rejected"],
                   "description": "The status of this image member"},
        "updated_at": {"type": "string",
                       "description": "Date and time of last modification of image "
                                      "member"},
        "schema": {"type": "string", "readOnly": True},
    },
}

DOCUMENTS = {
    "name": "members",
    "properties": {
        "members": {"type": "array", "items": copy.deepcopy(DOCUMENT)},
        "schema": {"type": "string"},
    },
    "links": [{"rel": "describedby", "href": "{schema}"}],
}
