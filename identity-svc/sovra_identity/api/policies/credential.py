from sovra_identity.api.policies.rules import rule

LIST = "identity:list_credentials"
GET = "identity:get_credential"
CREATE = "identity:create_credential"
UPDATE = "identity:update_credential"
DELETE = "identity:delete_credential"

_OWNER_OR_ADMIN = "rule:admin_api or user_id:%(user_id)s"
_READ = _OWNER_OR_ADMIN + " or rule:identity:system_reader"

RULES = [
    rule(LIST, _READ, "List credentials (users: their own).", "GET", "/v3/credentials"),
    rule(GET, _READ, "Show a credential.", "GET", "/v3/credentials/{id}"),
    rule(CREATE, _OWNER_OR_ADMIN, "Create a credential.", "POST", "/v3/credentials"),
    rule(UPDATE, _OWNER_OR_ADMIN, "Update a credential.", "PATCH", "/v3/credentials/{id}"),
    rule(DELETE, _OWNER_OR_ADMIN, "Delete a credential.", "DELETE", "/v3/credentials/{id}"),
]
