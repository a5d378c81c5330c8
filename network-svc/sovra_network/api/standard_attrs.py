"""The HTTP side of standard attributes: ``If-Match: revision_number=N`` and the
attributes every resource's view carries."""

from __future__ import annotations

import re

from sovra_common import exception
from sovra_network.service import standard_attrs

_IF_MATCH = re.compile(r"^\s*revision_number\s*=\s*(\d+)\s*$")


def expected_revision(req) -> int | None:
    """The revision an update/delete is constrained to, or None.

    Neutron accepts ``If-Match: revision_number=N`` (several, comma-separated,
    all must hold); other If-Match values (ETags) are not supported: 400.
    """
    header = req.headers.get("If-Match")
    if not header:
        return None
    revisions = set()
    for part in header.split(","):
        match = _IF_MATCH.match(part.strip().strip('"'))
        if match is None:
            raise exception.Invalid(f"Invalid If-Match header {header!r}: use "
                                    "revision_number=N.")
        revisions.add(int(match.group(1)))
    if len(revisions) > 1:
        return -1  # no revision matches two numbers at once
    return revisions.pop()


def view(row, tags: list[str]) -> dict:
    return {**standard_attrs.view(row), "tags": list(tags)}


def allowed(req, rule: str, target: dict) -> bool:
    """Whether policy allows ``rule`` (for what a view shows, not to refuse)."""
    try:
        req.authorize(rule, target)
    except exception.Forbidden:
        return False
    return True
