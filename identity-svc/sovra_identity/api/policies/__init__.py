"""Identity's policy rules, in the vocabulary of sovra_common.policy plus three
identity base rules:

- ``identity:system_reader``: a reader (or better) of the system scope;
- ``identity:domain_reader``: a reader of the domain that owns the target;
- ``rule:admin_api`` (common): the admin role, on any scope (as Keystone without
  enforce_scope: the cloud admin of a project-scoped `openstack` CLI session).
"""

from oslo_policy import policy as oslo_policy

from sovra_identity.api.policies import (
    application_credential,
    assignment,
    auth,
    catalog,
    credential,
    domain,
    group,
    limit,
    project,
    role,
    user,
)

BASE = [
    oslo_policy.RuleDefault("identity:system_reader", "role:reader and system_scope:all",
                            "A reader of the whole cloud (system-scoped token)."),
    oslo_policy.RuleDefault("identity:domain_reader",
                            "role:reader and domain_id:%(domain_id)s",
                            "A reader of the domain that owns the target "
                            "(domain-scoped token)."),
]


def list_rules():
    rules = list(BASE)
    for module in (auth, domain, project, user, group, role, assignment, catalog,
                   application_credential, limit, credential):
        rules.extend(module.RULES)
    return rules
