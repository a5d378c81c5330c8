from sovra_identity.api.policies.rules import ADMIN, ADMIN_OR_SYSTEM_READER, rule

LIST = "identity:list_domains"
GET = "identity:get_domain"
CREATE = "identity:create_domain"
UPDATE = "identity:update_domain"
DELETE = "identity:delete_domain"

RULES = [
    rule(LIST, ADMIN_OR_SYSTEM_READER, "List domains.", "GET", "/v3/domains"),
    rule(GET, ADMIN_OR_SYSTEM_READER + " or domain_id:%(domain_id)s or "
         "project_domain_id:%(domain_id)s or user_domain_id:%(domain_id)s",
         "Show a domain (also to its own users).", "GET", "/v3/domains/{domain_id}"),
    rule(CREATE, ADMIN, "Create a domain.", "POST", "/v3/domains"),
    rule(UPDATE, ADMIN, "Update a domain.", "PATCH", "/v3/domains/{domain_id}"),
    rule(DELETE, ADMIN, "Delete a domain.", "DELETE", "/v3/domains/{domain_id}"),
]
