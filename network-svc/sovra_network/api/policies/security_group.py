from sovra_network.api.policies import base

GET = "get_security_group"
CREATE = "create_security_group"
UPDATE = "update_security_group"
DELETE = "delete_security_group"
RULE_GET = "get_security_group_rule"
RULE_CREATE = "create_security_group_rule"
RULE_DELETE = "delete_security_group_rule"
RULE_UPDATE = "update_security_group_rule"

RULES = [
    *base.crud("security_group", "/v2.0/security-groups"),
    *base.crud("security_group_rule", "/v2.0/security-group-rules"),
]
