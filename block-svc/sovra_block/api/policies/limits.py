"""Limits: a project's readers see its absolute limits and usage; administrators
any project's (?project_id=, from 3.39)."""

from sovra_block.api.policies import base

USED_LIMITS = "limits_extension:used_limits"

RULES = [
    base.rule(USED_LIMITS, base.OWNER_READER, "Show a project's limits and usage.",
              "GET", "/v3/limits"),
]
