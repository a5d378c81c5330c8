"""GET /allocation_candidates (1.10), with every query feature through 1.39."""

import re
from json.encoder import encode_basestring_ascii as _json_string

from sovra_common import exception
from sovra_placement.api import query_params, wire
from sovra_placement.api.policies import allocation_candidate as policies
from sovra_placement.service import allocation_candidate as ac_service
from sovra_placement.service import candidate_request

_NUMBERED = re.compile(r"^(resources|required|member_of|in_tree)([1-9][0-9]*)$")
_STRING = re.compile(r"^(resources|required|member_of|in_tree)([a-zA-Z0-9_-]{1,64})$")


def _allowed_plain(version):
    allowed = {"resources": "1.10", "required": "1.17", "limit": "1.16",
               "member_of": "1.21", "group_policy": "1.25", "in_tree": "1.31",
               "root_required": "1.35", "same_subtree": "1.36"}
    return {k for k, v in allowed.items() if version.matches(v)}


def _split_keys(req):
    """{suffix: {kind: [values]}} for the group parameters; the rest is checked."""
    version = req.microversion
    plain = _allowed_plain(version)
    grouped: dict[str, dict[str, list[str]]] = {}
    pattern = _STRING if version.matches("1.33") else _NUMBERED
    for key in req.args:
        if key in plain:
            if key in ("resources", "required", "member_of", "in_tree"):
                grouped.setdefault("", {})[key] = req.args.getlist(key)
            continue
        match = pattern.match(key) if version.matches("1.25") else None
        if match is None or (match.group(1) == "in_tree" and not version.matches("1.31")):
            raise exception.Invalid("Invalid query string parameters: Additional "
                                    f"properties are not allowed ('{key}' was unexpected)")
        grouped.setdefault(match.group(2), {})[match.group(1)] = req.args.getlist(key)
    return grouped


def _group(req, suffix, params) -> candidate_request.RequestGroup:
    version = req.microversion
    group = candidate_request.RequestGroup(suffix=suffix)
    resources = params.get("resources")
    if resources:
        if len(resources) > 1:
            raise exception.Invalid(f"Query parameter 'resources{suffix}' may be given "
                                    "once.", error_code=query_params.ILLEGAL_DUPLICATE_QUERYPARAM)
        group.resources = query_params.resources(resources[0], f"resources{suffix}")
    repeat_required = version.matches("1.39")
    group.required, group.forbidden = query_params.required(
        params.get("required", [])[-1:] if not repeat_required else params.get("required", []),
        allow_forbidden=version.matches("1.22"), allow_any=repeat_required,
        name=f"required{suffix}")
    member_of = params.get("member_of", [])
    if not version.matches("1.24"):
        member_of = member_of[-1:]
    group.member_of, group.forbidden_aggs = query_params.member_of(
        member_of, allow_forbidden=version.matches("1.32"), name=f"member_of{suffix}")
    in_tree = params.get("in_tree")
    if in_tree:
        value = in_tree[-1]
        if not query_params.is_uuid(value):
            raise exception.Invalid(f"Invalid query string parameters: Expected "
                                    f"'in_tree{suffix}' parameter to be a valid UUID. "
                                    f"Got: {value}")
        group.in_tree = value
    return group


def _parse(req) -> candidate_request.Request:
    version = req.microversion
    grouped = _split_keys(req)
    groups = [_group(req, suffix, params) for suffix, params in sorted(grouped.items())]
    unsuffixed = next((g for g in groups if g.suffix == ""), None)
    granular = [g for g in groups if g.suffix != ""]
    if not any(g.resources for g in groups):
        raise exception.Invalid("Invalid query string parameters: 'resources' is a "
                                "required property" if not granular else
                                "At least one request group (`resources` or "
                                "`resources{N}`) is required.")
    request = candidate_request.Request(groups=[g for g in groups if g.resources or g.suffix])
    if unsuffixed is not None and not unsuffixed.resources:
        # Filters of the unsuffixed group without its resources narrow every group.
        for g in granular:
            g.required += unsuffixed.required
            g.forbidden |= unsuffixed.forbidden
            g.member_of += unsuffixed.member_of
            g.forbidden_aggs |= unsuffixed.forbidden_aggs
            g.in_tree = g.in_tree or unsuffixed.in_tree
    policy = query_params.single(req, "group_policy")
    if policy is not None and policy not in ("none", "isolate"):
        raise exception.Invalid(f"Invalid query string parameters: '{policy}' is not one "
                                "of ['none', 'isolate']")
    if len(granular) > 1 and policy is None:
        raise exception.Invalid("The \"group_policy\" parameter is required when "
                                "specifying more than one \"resources{N}\" parameter.")
    request.group_policy = policy
    limit = query_params.single(req, "limit")
    if limit is not None:
        if not limit.isdigit() or int(limit) < 1:
            raise exception.Invalid(f"Invalid query string parameters: Failed validating "
                                    f"'pattern' in schema: limit must be a positive "
                                    f"integer, got {limit!r}")
        request.limit = int(limit)
    root = query_params.single(req, "root_required")
    if root is not None:
        request.root_required, request.root_forbidden = query_params.required(
            [root], allow_forbidden=True, allow_any=False, name="root_required")
    suffixes = {g.suffix for g in groups}
    for value in req.args.getlist("same_subtree"):
        listed = [s.strip() for s in value.split(",")]
        unknown = [s for s in listed if s not in suffixes or s == ""]
        if unknown:
            raise exception.Invalid(f"Real suffixes should be specified in same_subtree: "
                                    f"{', '.join(unknown)} not found in request groups.")
        request.same_subtree.append(listed)
    in_subtree = {s for listed in request.same_subtree for s in listed}
    for g in granular:
        if not g.resources:
            if not version.matches("1.36"):
                raise exception.Invalid(
                    f"All traits parameters must be associated with resources. Found "
                    f"the following orphaned traits keys: required{g.suffix}")
            if g.suffix not in in_subtree:
                raise exception.Invalid(
                    "Resourceless suffixed group request should be specified in "
                    f"`same_subtree` query param: bad group(s) - ['{g.suffix}'].")
    return request


class _Texts(dict):
    """JSON text of each string asked for, encoded once (as json.dumps writes it)."""

    def __missing__(self, text):
        encoded = self[text] = _json_string(text)
        return encoded


def _allocation_requests(version, candidates, uuids, names) -> str:
    """JSON text of the candidates at ``version``'s shape. Thousands of candidates
    may be shown: the text is written directly, each distinct amounts object
    once (``uuids``: {provider id: its uuid's JSON text}; ``names``: _Texts)."""
    written: dict[tuple, str] = {}

    def amounts(res):
        key = tuple(res.items())
        text = written.get(key)
        if text is None:
            text = written[key] = "{%s}" % ",".join(
                ["%s:%d" % (names[rc], amount) for rc, amount in key])
        return text

    if not version.matches("1.12"):
        shown = ['{"allocations":[%s]}' % ",".join(
            ['{"resource_provider":{"uuid":%s},"resources":%s}' % (uuids[rp], amounts(res))
             for rp, res in c.allocations.items()]) for c in candidates]
    elif not version.matches("1.34"):
        shown = ['{"allocations":{%s}}' % ",".join(
            ['%s:{"resources":%s}' % (uuids[rp], amounts(res))
             for rp, res in c.allocations.items()]) for c in candidates]
    else:
        shown = []
        for c in candidates:
            if len(c.allocations) == 1 and len(c.mappings) == 1:
                # One provider serving one group (flat hosts): one format.
                ((rp, res),) = c.allocations.items()
                ((suffix, rps),) = c.mappings.items()
                if rps == [rp]:
                    shown.append('{"allocations":{%s:{"resources":%s}},"mappings":{%s:[%s]}}'
                                 % (uuids[rp], amounts(res), names[suffix], uuids[rp]))
                    continue
            shown.append('{"allocations":{%s},"mappings":{%s}}' % (
                ",".join(['%s:{"resources":%s}' % (uuids[rp], amounts(res))
                          for rp, res in c.allocations.items()]),
                ",".join(["%s:[%s]" % (names[suffix], ",".join([uuids[rp] for rp in rps]))
                          for suffix, rps in c.mappings.items()])))
    return "[%s]" % ",".join(shown)


def _summaries(version, providers, uuids, names, requested) -> str:
    """JSON text of provider_summaries at ``version``'s shape: only the requested
    classes before 1.27, traits from 1.17, parent and root from 1.29."""
    all_classes = version.matches("1.27")
    with_traits = version.matches("1.17")
    with_tree = version.matches("1.29")
    # Many providers show the same resources and traits (alike hosts): each
    # distinct object is written once.
    resource_texts: dict[tuple, str] = {}
    trait_lists: dict[frozenset, str] = {}
    shown = []
    for rp_id, info in providers.items():
        key = tuple(info["resources"].items())
        resources = resource_texts.get(key)
        if resources is None:
            resources = resource_texts[key] = "{%s}" % ",".join(
                ['%s:{"capacity":%d,"used":%d}' % (names[rc], capacity, used)
                 for rc, (capacity, used) in key if all_classes or rc in requested])
        text = '%s:{"resources":%s' % (uuids[rp_id], resources)
        if with_traits:
            held = frozenset(info["traits"])
            traits = trait_lists.get(held)
            if traits is None:
                traits = trait_lists[held] = "[%s]" % ",".join(
                    [names[t] for t in sorted(held)])
            text += ',"traits":' + traits
        if with_tree:
            text += ',"parent_provider_uuid":%s,"root_provider_uuid":%s' % (
                uuids.get(info["parent_id"], "null"), uuids.get(info["root_id"], "null"))
        shown.append(text + "}")
    return "{%s}" % ",".join(shown)


def list_allocation_candidates(req):
    wire.require(req, "1.10")
    request = _parse(req)
    req.authorize(policies.LIST)
    version = req.microversion
    conf = req.state.conf.placement
    result = ac_service.find(req.state.extras["db"], request,
                             cap=conf.max_allocation_candidates,
                             randomize=conf.randomize_allocation_candidates,
                             whole_trees=version.matches("1.29"),
                             nested=version.matches("1.29"),
                             with_mappings=version.matches("1.34"))
    uuids = {rp_id: _json_string(info["uuid"]) for rp_id, info in result.providers.items()}
    names = _Texts()
    requested = {rc for g in request.groups for rc in g.resources}
    # The body is written as JSON text (json.dumps of the same objects is several
    # times slower on thousands of candidates).
    body = '{"allocation_requests":%s,"provider_summaries":%s}' % (
        _allocation_requests(version, result.candidates, uuids, names),
        _summaries(version, result.providers, uuids, names, requested))
    return wire.respond(req, body.encode())
