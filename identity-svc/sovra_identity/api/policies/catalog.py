from sovra_identity.api.policies.rules import ADMIN, ADMIN_OR_SYSTEM_READER, ALWAYS, rule

LIST_REGIONS = "identity:list_regions"
GET_REGION = "identity:get_region"
CREATE_REGION = "identity:create_region"
UPDATE_REGION = "identity:update_region"
DELETE_REGION = "identity:delete_region"
LIST_SERVICES = "identity:list_services"
GET_SERVICE = "identity:get_service"
CREATE_SERVICE = "identity:create_service"
UPDATE_SERVICE = "identity:update_service"
DELETE_SERVICE = "identity:delete_service"
LIST_ENDPOINTS = "identity:list_endpoints"
GET_ENDPOINT = "identity:get_endpoint"
CREATE_ENDPOINT = "identity:create_endpoint"
UPDATE_ENDPOINT = "identity:update_endpoint"
DELETE_ENDPOINT = "identity:delete_endpoint"

RULES = [
    rule(LIST_REGIONS, ALWAYS, "List regions.", "GET", "/v3/regions"),
    rule(GET_REGION, ALWAYS, "Show a region.", "GET", "/v3/regions/{region_id}"),
    rule(CREATE_REGION, ADMIN, "Create a region.", "POST", "/v3/regions"),
    rule(UPDATE_REGION, ADMIN, "Update a region.", "PATCH", "/v3/regions/{region_id}"),
    rule(DELETE_REGION, ADMIN, "Delete a region.", "DELETE", "/v3/regions/{region_id}"),
    rule(LIST_SERVICES, ADMIN_OR_SYSTEM_READER, "List services.", "GET", "/v3/services"),
    rule(GET_SERVICE, ADMIN_OR_SYSTEM_READER, "Show a service.", "GET",
         "/v3/services/{service_id}"),
    rule(CREATE_SERVICE, ADMIN, "Create a service.", "POST", "/v3/services"),
    rule(UPDATE_SERVICE, ADMIN, "Update a service.", "PATCH", "/v3/services/{service_id}"),
    rule(DELETE_SERVICE, ADMIN, "Delete a service.", "DELETE",
         "/v3/services/{service_id}"),
    rule(LIST_ENDPOINTS, ADMIN_OR_SYSTEM_READER, "List endpoints.", "GET",
         "/v3/endpoints"),
    rule(GET_ENDPOINT, ADMIN_OR_SYSTEM_READER, "Show an endpoint.", "GET",
         "/v3/endpoints/{endpoint_id}"),
    rule(CREATE_ENDPOINT, ADMIN, "Create an endpoint.", "POST", "/v3/endpoints"),
    rule(UPDATE_ENDPOINT, ADMIN, "Update an endpoint.", "PATCH",
         "/v3/endpoints/{endpoint_id}"),
    rule(DELETE_ENDPOINT, ADMIN, "Delete an endpoint.", "DELETE",
         "/v3/endpoints/{endpoint_id}"),
]
