"""Policy: oslo.policy with default rules by role and project ownership.

Each service declares its rules as ``policy.RuleDefault``/``DocumentedRuleDefault``
lists in ``api/policies/<resource>.py`` and builds its enforcer with
``build_enforcer(conf, rules)``. An operator overrides any rule in the file named by
``[oslo_policy] policy_file`` (``policy.yaml``) or in ``[oslo_policy] policy_dirs``;
a file written, changed or removed while the service runs takes effect within
``Enforcer.RECHECK_SECONDS`` (one second).

The base rules below are the vocabulary service rules are written in. Roles imply
one another in identity (admin -> member -> reader), so a token for an admin also
carries member and reader.
"""

from __future__ import annotations

import time

from oslo_policy import policy as oslo_policy

from sovra_common import exception

ADMIN = "rule:admin_api"
SERVICE = "rule:service_api"
PROJECT_MEMBER = "rule:project_member_api"
PROJECT_READER = "rule:project_reader_api"
ADMIN_OR_SERVICE = "rule:admin_or_service_api"
PROJECT_MEMBER_OR_ADMIN = "rule:project_member_or_admin_api"
PROJECT_READER_OR_ADMIN = "rule:project_reader_or_admin_api"

BASE_RULES = [
    oslo_policy.RuleDefault("admin_api", "role:admin",
                            "Cloud administrators."),
    oslo_policy.RuleDefault("service_api", "role:service",
                            "Another Sovra service acting on a user's behalf."),
    oslo_policy.RuleDefault("project_member_api",
                            "role:member and project_id:%(project_id)s",
                            "A member of the project that owns the target."),
    oslo_policy.RuleDefault("project_reader_api",
                            "role:reader and project_id:%(project_id)s",
                            "A reader (or better) of the project that owns the target."),
    oslo_policy.RuleDefault("admin_or_service_api", "rule:admin_api or rule:service_api",
                            "Administrators and services."),
    oslo_policy.RuleDefault("project_member_or_admin_api",
                            "rule:admin_api or rule:project_member_api",
                            "Project members, and administrators of any project."),
    oslo_policy.RuleDefault("project_reader_or_admin_api",
                            "rule:admin_api or rule:project_reader_api",
                            "Project readers, and administrators of any project."),
]


class Enforcer(oslo_policy.Enforcer):
    """oslo.policy's Enforcer, looking at the policy files at most once a second.

    oslo.policy looks for them on every check: with no policy file (the usual case)
    that is a search through every configuration directory, about half of what a
    check costs. Here the rules loaded are used for ``RECHECK_SECONDS``, after which
    the next check looks again (a changed file is reloaded as before). Registering a
    default, setting or clearing rules, or ``force_reload`` looks at once.
    """

    RECHECK_SECONDS = 1.0
    clock = staticmethod(time.monotonic)
    _looked_at = None

    def load_rules(self, force_reload: bool = False) -> None:
        now = self.clock()
        if (not force_reload and self._looked_at is not None
                and now - self._looked_at < self.RECHECK_SECONDS):
            return
        super().load_rules(force_reload)
        self._looked_at = now

    def register_default(self, default) -> None:
        super().register_default(default)
        self._looked_at = None

    def set_rules(self, rules, overwrite: bool = True, use_conf: bool = False) -> None:
        super().set_rules(rules, overwrite, use_conf)
        self._looked_at = None


def build_enforcer(conf, rules=()) -> Enforcer:
    """An enforcer with the base rules and ``rules`` registered as defaults.

    ``conf`` is the service's ConfigOpts ([oslo_policy] is registered on it by
    sovra_common.conf). The policy file, if it exists, overrides defaults.
    """
    enforcer = Enforcer(conf)
    enforcer.register_defaults(BASE_RULES)
    enforcer.register_defaults(list(rules))
    return enforcer


def authorize(enforcer: oslo_policy.Enforcer, rule: str, target: dict | None,
              context) -> None:
    """Raise PolicyNotAuthorized (403) unless ``context`` may do ``rule`` on ``target``.

    ``target`` holds the attributes rules compare against, at least ``project_id``
    for project-owned resources; with no target the caller's own project is used
    (listing "my" things). ``rule`` must be registered: an unknown rule is a bug,
    not a denial.
    """
    if target is None:
        target = {"project_id": context.project_id, "user_id": context.user_id}
    try:
        enforcer.authorize(rule, target, context, do_raise=True,
                           exc=exception.PolicyNotAuthorized, action=rule)
    except oslo_policy.InvalidScope:
        raise exception.PolicyNotAuthorized(
            f"Policy does not allow {rule} with this token's scope.", action=rule
        ) from None
