from sovra_identity.api.policies.rules import ADMIN, ADMIN_OR_READER_OF_DOMAIN, rule

LIST = "identity:list_roles"
GET = "identity:get_role"
CREATE = "identity:create_role"
UPDATE = "identity:update_role"
DELETE = "identity:delete_role"
LIST_IMPLIED = "identity:list_implied_roles"
GET_IMPLIED = "identity:get_implied_role"
CREATE_IMPLIED = "identity:create_implied_role"
DELETE_IMPLIED = "identity:delete_implied_role"

RULES = [
    rule(LIST, ADMIN_OR_READER_OF_DOMAIN, "List roles.", "GET", "/v3/roles"),
    rule(GET, ADMIN_OR_READER_OF_DOMAIN, "Show a role.", "GET", "/v3/roles/{role_id}"),
    rule(CREATE, ADMIN, "Create a role.", "POST", "/v3/roles"),
    rule(UPDATE, ADMIN, "Update a role.", "PATCH", "/v3/roles/{role_id}"),
    rule(DELETE, ADMIN, "Delete a role.", "DELETE", "/v3/roles/{role_id}"),
    rule(LIST_IMPLIED, ADMIN_OR_READER_OF_DOMAIN, "List implied roles.", "GET",
         "/v3/roles/{prior_role_id}/implies"),
    rule(GET_IMPLIED, ADMIN_OR_READER_OF_DOMAIN, "Show an implied role.", "GET",
         "/v3/roles/{prior_role_id}/implies/{implied_role_id}"),
    rule(CREATE_IMPLIED, ADMIN, "Make a role imply another.", "PUT",
         "/v3/roles/{prior_role_id}/implies/{implied_role_id}"),
    rule(DELETE_IMPLIED, ADMIN, "Remove an implication.", "DELETE",
         "/v3/roles/{prior_role_id}/implies/{implied_role_id}"),
]
