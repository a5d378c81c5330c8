"""What an allocation candidates request asks for: its request groups (the
unsuffixed group, whose resources may come from several providers of one tree, and
suffixed, granular, groups, each satisfied by exactly one provider) and the
constraints over the whole request."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass
class RequestGroup:
    suffix: str = ""
    resources: dict[str, int] = dataclasses.field(default_factory=dict)
    required: list[set[str]] = dataclasses.field(default_factory=list)
    forbidden: set[str] = dataclasses.field(default_factory=set)
    member_of: list[set[str]] = dataclasses.field(default_factory=list)
    forbidden_aggs: set[str] = dataclasses.field(default_factory=set)
    in_tree: str | None = None

    @property
    def use_same_provider(self) -> bool:
        return self.suffix != ""


@dataclasses.dataclass
class Request:
    groups: list[RequestGroup]
    group_policy: str | None = None
    limit: int | None = None
    root_required: list[set[str]] = dataclasses.field(default_factory=list)
    root_forbidden: set[str] = dataclasses.field(default_factory=set)
    same_subtree: list[list[str]] = dataclasses.field(default_factory=list)
