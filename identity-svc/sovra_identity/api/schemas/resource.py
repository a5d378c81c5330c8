"""Domains, projects, users, groups, roles."""

from sovra_identity.api.schemas.common import (
    DESCRIPTION,
    ENABLED,
    ID,
    LONG_NAME,
    NAME,
    body,
    query,
)

_TAGS = {"type": "array", "maxItems": 80, "uniqueItems": True,
         "items": {"type": "string", "minLength": 1, "maxLength": 255,
                   "pattern": "^[^,/]*$"}}
_NULLABLE_ID = {"type": ["string", "null"], "maxLength": 64}

_DOMAIN = {"name": NAME, "description": DESCRIPTION, "enabled": ENABLED}
CREATE_DOMAIN = body("domain", _DOMAIN, ["name"])
UPDATE_DOMAIN = body("domain", _DOMAIN)
LIST_DOMAINS = query("name", "enabled")

_PROJECT = {"name": NAME, "description": DESCRIPTION, "enabled": ENABLED,
            "domain_id": _NULLABLE_ID, "parent_id": _NULLABLE_ID,
            "is_domain": {"type": "boolean"}, "tags": _TAGS}
CREATE_PROJECT = body("project", _PROJECT, ["name"])
UPDATE_PROJECT = body("project", {k: v for k, v in _PROJECT.items()
                                  if k in ("name", "description", "enabled", "tags")})
REPLACE_TAGS = {"type": "object", "properties": {"tags": _TAGS}, "required": ["tags"]}
LIST_PROJECTS = query("name", "domain_id", "parent_id", "enabled", "is_domain", "tags")

_USER = {"name": LONG_NAME, "domain_id": ID, "enabled": ENABLED,
         "password": {"type": ["string", "null"], "minLength": 1},
         "description": DESCRIPTION, "email": {"type": ["string", "null"]},
         "default_project_id": _NULLABLE_ID}
CREATE_USER = body("user", _USER, ["name"])
UPDATE_USER = body("user", {k: v for k, v in _USER.items() if k != "domain_id"})
LIST_USERS = query("name", "domain_id", "enabled")
CHANGE_PASSWORD = body("user", {"password": {"type": "string", "minLength": 1},
                                "original_password": {"type": "string"}},
                       ["password", "original_password"])

_GROUP = {"name": NAME, "domain_id": ID, "description": DESCRIPTION}
CREATE_GROUP = body("group", _GROUP, ["name"])
UPDATE_GROUP = body("group", {"name": NAME, "description": DESCRIPTION})
LIST_GROUPS = query("name", "domain_id")

_ROLE = {"name": LONG_NAME, "domain_id": _NULLABLE_ID, "description": DESCRIPTION}
CREATE_ROLE = body("role", _ROLE, ["name"])
UPDATE_ROLE = body("role", {"name": LONG_NAME, "description": DESCRIPTION})
LIST_ROLES = query("name", "domain_id")

LIST_ROLE_ASSIGNMENTS = query(
    "effective", "include_names", "include_subtree", "user.id", "group.id", "role.id",
    "scope.project.id", "scope.domain.id", "scope.system", "scope.OS-INHERIT:inherited_to")
