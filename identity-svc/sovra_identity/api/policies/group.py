from sovra_identity.api.policies.rules import ADMIN, ADMIN_OR_READER_OF_DOMAIN, rule

LIST = "identity:list_groups"
GET = "identity:get_group"
CREATE = "identity:create_group"
UPDATE = "identity:update_group"
DELETE = "identity:delete_group"
LIST_MEMBERS = "identity:list_users_in_group"
CHECK_MEMBER = "identity:check_user_in_group"
ADD_MEMBER = "identity:add_user_to_group"
REMOVE_MEMBER = "identity:remove_user_from_group"
LIST_FOR_USER = "identity:list_groups_for_user"

RULES = [
    rule(LIST, ADMIN_OR_READER_OF_DOMAIN, "List groups.", "GET", "/v3/groups"),
    rule(GET, ADMIN_OR_READER_OF_DOMAIN, "Show a group.", "GET", "/v3/groups/{group_id}"),
    rule(CREATE, ADMIN, "Create a group.", "POST", "/v3/groups"),
    rule(UPDATE, ADMIN, "Update a group.", "PATCH", "/v3/groups/{group_id}"),
    rule(DELETE, ADMIN, "Delete a group.", "DELETE", "/v3/groups/{group_id}"),
    rule(LIST_MEMBERS, ADMIN_OR_READER_OF_DOMAIN, "List a group's users.", "GET",
         "/v3/groups/{group_id}/users"),
    rule(CHECK_MEMBER, ADMIN_OR_READER_OF_DOMAIN, "Check a membership.", "HEAD",
         "/v3/groups/{group_id}/users/{user_id}"),
    rule(ADD_MEMBER, ADMIN, "Add a user to a group.", "PUT",
         "/v3/groups/{group_id}/users/{user_id}"),
    rule(REMOVE_MEMBER, ADMIN, "Remove a user from a group.", "DELETE",
         "/v3/groups/{group_id}/users/{user_id}"),
    rule(LIST_FOR_USER, ADMIN_OR_READER_OF_DOMAIN + " or user_id:%(user_id)s",
         "List a user's groups.", "GET", "/v3/users/{user_id}/groups"),
]
