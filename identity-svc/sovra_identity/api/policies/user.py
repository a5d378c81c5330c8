from sovra_identity.api.policies.rules import ADMIN, ADMIN_OR_READER_OF_DOMAIN, rule

LIST = "identity:list_users"
GET = "identity:get_user"
CREATE = "identity:create_user"
UPDATE = "identity:update_user"
DELETE = "identity:delete_user"

RULES = [
    rule(LIST, ADMIN_OR_READER_OF_DOMAIN, "List users.", "GET", "/v3/users"),
    rule(GET, ADMIN_OR_READER_OF_DOMAIN + " or user_id:%(user_id)s",
         "Show a user (also to themselves).", "GET", "/v3/users/{user_id}"),
    rule(CREATE, ADMIN, "Create a user.", "POST", "/v3/users"),
    rule(UPDATE, ADMIN, "Update a user.", "PATCH", "/v3/users/{user_id}"),
    rule(DELETE, ADMIN, "Delete a user.", "DELETE", "/v3/users/{user_id}"),
]
