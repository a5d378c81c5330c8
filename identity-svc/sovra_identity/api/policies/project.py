from sovra_identity.api.policies.rules import ADMIN, ADMIN_OR_READER_OF_DOMAIN, rule

LIST = "identity:list_projects"
GET = "identity:get_project"
CREATE = "identity:create_project"
UPDATE = "identity:update_project"
DELETE = "identity:delete_project"
LIST_FOR_USER = "identity:list_user_projects"

RULES = [
    rule(LIST, ADMIN_OR_READER_OF_DOMAIN, "List projects.", "GET", "/v3/projects"),
    rule(GET, ADMIN_OR_READER_OF_DOMAIN + " or project_id:%(project_id)s",
         "Show a project (also to the users scoped to it).", "GET",
         "/v3/projects/{project_id}"),
    rule(CREATE, ADMIN, "Create a project.", "POST", "/v3/projects"),
    rule(UPDATE, ADMIN, "Update a project.", "PATCH", "/v3/projects/{project_id}"),
    rule(DELETE, ADMIN, "Delete a project.", "DELETE", "/v3/projects/{project_id}"),
    rule(LIST_FOR_USER, ADMIN_OR_READER_OF_DOMAIN + " or user_id:%(user_id)s",
         "List the projects of a user.", "GET", "/v3/users/{user_id}/projects"),
]
