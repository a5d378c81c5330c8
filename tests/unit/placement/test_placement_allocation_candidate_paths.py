"""The candidate search's shortcuts (one capacity query per request group, the
one-provider candidate builder) give exactly what the general path gives, on flat,
nested and sharing providers, with traits, aggregates and usage."""

import pytest

from sovra_placement.service import (
    aggregate,
    allocation,
    group_servers,
    inventory,
    provider_summary,
)
from sovra_placement.service import allocation_candidate as ac
from sovra_placement.service import resource_provider as rp_service
from sovra_placement.service import trait as trait_service
from sovra_placement.service.candidate_request import Request, RequestGroup

AGG1 = "11111111-0000-0000-0000-000000000001"
AGG2 = "11111111-0000-0000-0000-000000000002"
AVX = "HW_CPU_X86_AVX2"
SSD = "STORAGE_DISK_SSD"


def _inv(total, **kw):
    return inventory.with_defaults({"total": total, **kw}, reserved_may_equal_total=True)


def _provider(db, name, invs, traits=(), aggs=(), parent=None):
    rp = rp_service.create(db, name, parent_uuid=parent)
    if invs:
        inventory.set_inventories(db, rp["uuid"], 0, invs)
    if traits:
        trait_service.set_provider_traits(db, rp["uuid"], list(traits), 1)
    if aggs:
        aggregate.set_aggregates(db, rp["uuid"], list(aggs))
    return rp["uuid"]


def _cloud(db, sharing=False):
    """Flat and nested providers (and, with ``sharing``, a provider sharing disk:
    the search takes no shortcut when there is one)."""
    uuids = {}
    for i in range(8):
        uuids[f"cn{i}"] = _provider(
            db, f"cn{i}",
            {"VCPU": _inv(8, max_unit=4), "MEMORY_MB": _inv(4096, step_size=256),
             "DISK_GB": _inv(100, reserved=10)},
            traits=[AVX] if i % 2 else [SSD] if i % 3 == 0 else [],
            aggs=[AGG1] if i < 5 else [AGG2])
    for t in range(3):  # trees: root with CPU, two NUMA nodes, each with a PF
        root = uuids[f"tree{t}"] = _provider(
            db, f"tree{t}", {"VCPU": _inv(16), "MEMORY_MB": _inv(8192)},
            traits=[AVX] if t != 1 else [], aggs=[AGG1])
        for n in range(2):
            numa = _provider(db, f"tree{t}-numa{n}",
                             {"VCPU": _inv(8), "MEMORY_MB": _inv(4096)}, parent=root)
            uuids[f"tree{t}-pf{n}"] = _provider(
                db, f"tree{t}-numa{n}-pf", {"SRIOV_NET_VF": _inv(4)},
                traits=["HW_NIC_SRIOV"], parent=numa)
    if sharing:
        uuids["share"] = _provider(db, "share", {"DISK_GB": _inv(500)},
                                   traits=["MISC_SHARES_VIA_AGGREGATE"], aggs=[AGG2])
    # Usage: cn1 has 1 VCPU left, cn2's disk is full, tree0's PFs have 1 VF left.
    used = [(uuids["cn1"], {"VCPU": 3}), (uuids["cn1"], {"VCPU": 4}),
            (uuids["cn2"], {"DISK_GB": 90}), (uuids["tree0-pf0"], {"SRIOV_NET_VF": 3}),
            (uuids["tree0-pf1"], {"SRIOV_NET_VF": 3})]
    allocation.replace_all(db, [allocation.ConsumerAllocations(
        consumer_uuid=f"00000000-0000-0000-0000-00000000000{n}", allocations={rp: res},
        project_id="p", user_id="u") for n, (rp, res) in enumerate(used)])
    return uuids


def _g(suffix="", **kw):
    return RequestGroup(suffix=suffix, **kw)


REQUESTS = {
    "flat": [_g(resources={"VCPU": 1, "MEMORY_MB": 256, "DISK_GB": 10})],
    "some full": [_g(resources={"VCPU": 3, "DISK_GB": 10})],
    "step and max_unit": [_g(resources={"VCPU": 4, "MEMORY_MB": 512})],
    "required": [_g(resources={"VCPU": 1, "MEMORY_MB": 256}, required=[{AVX}])],
    "any of": [_g(resources={"VCPU": 1, "DISK_GB": 1}, required=[{AVX, SSD}])],
    "forbidden": [_g(resources={"VCPU": 1, "MEMORY_MB": 256}, forbidden={AVX})],
    "member_of": [_g(resources={"VCPU": 1, "MEMORY_MB": 256}, member_of=[{AGG1}])],
    "not member_of": [_g(resources={"VCPU": 1}, forbidden_aggs={AGG1})],
    "nested": [_g(resources={"VCPU": 2, "SRIOV_NET_VF": 1})],
    "granular": [_g(resources={"VCPU": 1}),
                 _g("1", resources={"SRIOV_NET_VF": 1}),
                 _g("2", resources={"VCPU": 1, "MEMORY_MB": 512})],
    "granular only": [_g("a", resources={"VCPU": 2, "MEMORY_MB": 256}, required=[{AVX}])],
    "two groups, one class": [_g(resources={"VCPU": 1}),
                              _g("1", resources={"VCPU": 1}, forbidden={"HW_NIC_SRIOV"})],
    "sharing": [_g(resources={"VCPU": 1, "DISK_GB": 200})],   # only the sharer has 200
}


@pytest.mark.parametrize("name", sorted(REQUESTS))
@pytest.mark.parametrize("policy", [None, "isolate"])
@pytest.mark.parametrize("limit", [None, 3])   # 3: the windows of root ids
def test_shortcuts_match_the_general_path(db, monkeypatch, name, policy, limit):
    _cloud(db, sharing=name == "sharing")
    request = Request(groups=REQUESTS[name], group_policy=policy, limit=limit)

    def shape(result):
        return ([(c.allocations, c.mappings) for c in result.candidates],
                result.providers)

    fast = shape(ac.find(db, request, cap=1000))
    monkeypatch.setattr(group_servers, "_ONE_QUERY_PER_GROUP", False)
    monkeypatch.setattr(ac, "_ONE_PROVIDER_BUILDER", False)
    general = shape(ac.find(db, request, cap=1000))
    assert fast == general
    assert fast[0]    # every request here has candidates: the comparison is not empty


@pytest.mark.parametrize("name", sorted(REQUESTS))
def test_whole_table_reads_match_the_chunked_reads(db, monkeypatch, name):
    """Many trees are read over whole tables (roots and their children, traits,
    inventories, usage): the same answer as the reads by chunks of ids."""
    _cloud(db, sharing=name == "sharing")
    request = Request(groups=REQUESTS[name])
    chunked = ac.find(db, request, cap=1000)
    monkeypatch.setattr(provider_summary, "WHOLE_TABLE_FROM", 0)
    whole = ac.find(db, request, cap=1000)
    assert (whole.candidates, whole.providers) == (chunked.candidates, chunked.providers)
    assert chunked.candidates and len(chunked.providers) > 1


@pytest.mark.parametrize("name", sorted(REQUESTS))
def test_range_reads_match_the_in_list_reads(db, monkeypatch, name):
    """Dense ids are read by their range (rows of other providers in it dropped):
    the same answer as the reads by IN lists."""
    _cloud(db, sharing=name == "sharing")
    request = Request(groups=REQUESTS[name])
    monkeypatch.setattr(provider_summary, "RANGE_FROM", 1)
    ranges = ac.find(db, request, cap=1000)
    monkeypatch.setattr(provider_summary, "RANGE_FROM", 10 ** 9)
    in_lists = ac.find(db, request, cap=1000)
    assert (ranges.candidates, ranges.providers) == (in_lists.candidates,
                                                     in_lists.providers)
    assert ranges.candidates and len(ranges.providers) > 1


def test_no_candidate_over_commits(db):
    cloud = _cloud(db)
    one = ac.find(db, Request(groups=REQUESTS["some full"]), cap=1000)
    chosen = {rp for c in one.candidates for rp in c.allocations}
    names = {one.providers[rp]["uuid"] for rp in chosen}
    assert cloud["cn0"] in names
    assert cloud["cn1"] not in names    # 1 VCPU left of 8
    assert cloud["cn2"] not in names    # its disk is full
    two = ac.find(db, Request(groups=REQUESTS["two groups, one class"]), cap=1000)
    assert {two.providers[rp]["uuid"] for c in two.candidates
            for rp in c.allocations} >= {cloud["cn0"], cloud["cn2"]}
    assert cloud["cn1"] not in {two.providers[rp]["uuid"] for c in two.candidates
                                for rp in c.allocations}   # 1 + 1 > 1 left
    vf = ac.find(db, Request(groups=[_g(resources={"SRIOV_NET_VF": 2})]), cap=1000)
    pfs = {vf.providers[rp]["uuid"] for c in vf.candidates for rp in c.allocations}
    assert cloud["tree1-pf0"] in pfs and cloud["tree0-pf0"] not in pfs  # 1 VF left


@pytest.mark.parametrize("limit", [None, 3])
def test_a_reused_statement_reads_the_usage_of_now(db, limit):
    """The second search of a shape runs the statement the first one built: it
    sees the allocations made in between."""
    cloud = _cloud(db)
    request = Request(groups=[_g(resources={"VCPU": 4, "MEMORY_MB": 256})],
                      limit=limit)

    def providers():
        found = ac.find(db, request, cap=1000)
        return {found.providers[rp]["uuid"] for c in found.candidates
                for rp in c.allocations}

    assert cloud["cn0"] in providers()
    allocation.replace_all(db, [allocation.ConsumerAllocations(
        f"00000000-0000-0000-0000-0000000000a{n}", {cloud["cn0"]: {"VCPU": n}},
        project_id="p", user_id="u") for n in (2, 3)])
    assert cloud["cn0"] not in providers()   # 8 - 2 - 3 < 4


def test_kept_statements_are_bounded_and_a_shape_rebuilt_answers_the_same(db, monkeypatch):
    _cloud(db)
    monkeypatch.setattr(group_servers, "_STATEMENTS", {})
    monkeypatch.setattr(group_servers, "_STATEMENTS_KEPT", 2)
    names = ["flat", "required", "member_of", "flat"]   # "flat" dropped, then rebuilt
    answers = [ac.find(db, Request(groups=REQUESTS[n]), cap=1000) for n in names]
    assert len(group_servers._STATEMENTS) == 2
    assert (answers[0].candidates, answers[0].providers) == (answers[3].candidates,
                                                             answers[3].providers)
