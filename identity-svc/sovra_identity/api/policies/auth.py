from sovra_identity.api.policies.rules import ALWAYS, rule

VALIDATE = "identity:validate_token"
REVOKE = "identity:revoke_token"
OWN = "identity:get_auth_scopes"

_SUBJECT = ("rule:admin_api or rule:service_api or rule:identity:system_reader "
            "or user_id:%(user_id)s")

RULES = [
    rule(VALIDATE, _SUBJECT, "Validate a token (its owner, services, admins).",
         "GET", "/v3/auth/tokens"),
    rule(REVOKE, "rule:admin_api or rule:service_api or user_id:%(user_id)s",
         "Revoke a token (its owner, services, admins).", "DELETE", "/v3/auth/tokens"),
    rule(OWN, ALWAYS, "The caller's own catalog, projects, domains and system roles.",
         "GET", "/v3/auth/{catalog,projects,domains,system}"),
]
