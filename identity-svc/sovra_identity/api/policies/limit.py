from sovra_identity.api.policies.rules import ADMIN, ADMIN_OR_READER_OF_DOMAIN, ALWAYS, rule

GET_MODEL = "identity:get_limit_model"
LIST_REGISTERED = "identity:list_registered_limits"
GET_REGISTERED = "identity:get_registered_limit"
CREATE_REGISTERED = "identity:create_registered_limits"
UPDATE_REGISTERED = "identity:update_registered_limit"
DELETE_REGISTERED = "identity:delete_registered_limit"
LIST = "identity:list_limits"
GET = "identity:get_limit"
CREATE = "identity:create_limits"
UPDATE = "identity:update_limit"
DELETE = "identity:delete_limit"

_READ_LIMIT = ADMIN_OR_READER_OF_DOMAIN + " or (role:reader and project_id:%(project_id)s)"

RULES = [
    rule(GET_MODEL, ALWAYS, "Show the limit enforcement model.", "GET", "/v3/limits/model"),
    rule(LIST_REGISTERED, ALWAYS, "List registered limits.", "GET", "/v3/registered_limits"),
    rule(GET_REGISTERED, ALWAYS, "Show a registered limit.", "GET",
         "/v3/registered_limits/{id}"),
    rule(CREATE_REGISTERED, ADMIN, "Register limits.", "POST", "/v3/registered_limits"),
    rule(UPDATE_REGISTERED, ADMIN, "Update a registered limit.", "PATCH",
         "/v3/registered_limits/{id}"),
    rule(DELETE_REGISTERED, ADMIN, "Delete a registered limit.", "DELETE",
         "/v3/registered_limits/{id}"),
    rule(LIST, _READ_LIMIT, "List limits (readers: their project's or domain's).", "GET",
         "/v3/limits"),
    rule(GET, _READ_LIMIT, "Show a limit.", "GET", "/v3/limits/{id}"),
    rule(CREATE, ADMIN, "Create limits.", "POST", "/v3/limits"),
    rule(UPDATE, ADMIN, "Update a limit.", "PATCH", "/v3/limits/{id}"),
    rule(DELETE, ADMIN, "Delete a limit.", "DELETE", "/v3/limits/{id}"),
]
