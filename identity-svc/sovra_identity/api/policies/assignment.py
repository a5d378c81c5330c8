from sovra_identity.api.policies.rules import ADMIN, ADMIN_OR_READER_OF_DOMAIN, rule

LIST = "identity:list_role_assignments"
CHECK_GRANT = "identity:check_grant"
LIST_GRANTS = "identity:list_grants"
CREATE_GRANT = "identity:create_grant"
REVOKE_GRANT = "identity:revoke_grant"

RULES = [
    rule(LIST, ADMIN_OR_READER_OF_DOMAIN + " or (role:reader and project_id:%(project_id)s)"
         " or user_id:%(user_id)s",
         "List role assignments: admins, readers of the domain, readers of the "
         "project filtered on (scope.project.id), users filtering on themselves.",
         "GET", "/v3/role_assignments"),
    rule(CHECK_GRANT, ADMIN_OR_READER_OF_DOMAIN, "Check a grant.", "HEAD",
         "/v3/{projects,domains}/{id}/{users,groups}/{id}/roles/{role_id}"),
    rule(LIST_GRANTS, ADMIN_OR_READER_OF_DOMAIN, "List grants.", "GET",
         "/v3/{projects,domains}/{id}/{users,groups}/{id}/roles"),
    rule(CREATE_GRANT, ADMIN, "Grant a role.", "PUT",
         "/v3/{projects,domains}/{id}/{users,groups}/{id}/roles/{role_id}"),
    rule(REVOKE_GRANT, ADMIN, "Revoke a role.", "DELETE",
         "/v3/{projects,domains}/{id}/{users,groups}/{id}/roles/{role_id}"),
]
