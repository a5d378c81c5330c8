from oslo_policy import policy as oslo_policy

from sovra_common import policy

LIST = "example:widget:list"
CREATE = "example:widget:create"
SHOW = "example:widget:show"
DELETE = "example:widget:delete"

RULES = [
    oslo_policy.DocumentedRuleDefault(LIST, policy.PROJECT_READER_OR_ADMIN,
                                      "List a project's widgets.",
                                      [{"method": "GET", "path": "/v1/widgets"}]),
    oslo_policy.DocumentedRuleDefault(CREATE, policy.PROJECT_MEMBER_OR_ADMIN,
                                      "Create a widget.",
                                      [{"method": "POST", "path": "/v1/widgets"}]),
    oslo_policy.DocumentedRuleDefault(SHOW, policy.PROJECT_READER_OR_ADMIN,
                                      "Show a widget.",
                                      [{"method": "GET", "path": "/v1/widgets/{id}"}]),
    oslo_policy.DocumentedRuleDefault(DELETE, policy.PROJECT_MEMBER_OR_ADMIN,
                                      "Delete a widget.",
                                      [{"method": "DELETE", "path": "/v1/widgets/{id}"}]),
]
