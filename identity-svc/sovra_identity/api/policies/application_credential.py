from sovra_identity.api.policies.rules import rule

LIST = "identity:list_application_credentials"
GET = "identity:get_application_credential"
CREATE = "identity:create_application_credential"
DELETE = "identity:delete_application_credential"

_OWNER_OR_ADMIN = "rule:admin_api or user_id:%(user_id)s"
_PATH = "/v3/users/{user_id}/application_credentials"

RULES = [
    rule(LIST, _OWNER_OR_ADMIN + " or rule:identity:system_reader",
         "List a user's application credentials.", "GET", _PATH),
    rule(GET, _OWNER_OR_ADMIN + " or rule:identity:system_reader",
         "Show an application credential.", "GET", _PATH + "/{id}"),
    rule(CREATE, "user_id:%(user_id)s",
         "Create an application credential (for oneself only).", "POST", _PATH),
    rule(DELETE, _OWNER_OR_ADMIN, "Delete an application credential.", "DELETE",
         _PATH + "/{id}"),
]
