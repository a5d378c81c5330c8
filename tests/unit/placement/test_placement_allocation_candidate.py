"""The candidate search, on wide trees and with its cap."""

import time

from sovra_placement.service import allocation_candidate as ac
from sovra_placement.service import inventory
from sovra_placement.service import resource_provider as rp_service
from sovra_placement.service.candidate_request import Request, RequestGroup


def _full(total):
    return inventory.with_defaults({"total": total}, reserved_may_equal_total=True)


def _wide_tree(db, children):
    root = rp_service.create(db, "root")
    inventory.set_inventories(db, root["uuid"], 0, {"VCPU": _full(64)})
    for i in range(children):
        pf = rp_service.create(db, f"pf{i}", parent_uuid=root["uuid"])
        inventory.set_inventories(db, pf["uuid"], 0, {"SRIOV_NET_VF": _full(8)})
    return root


def test_granular_groups_on_a_wide_tree_stay_bounded(db):
    _wide_tree(db, 30)
    groups = [RequestGroup(suffix=str(n), resources={"SRIOV_NET_VF": 1})
              for n in range(1, 5)]
    request = Request(groups=[RequestGroup(resources={"VCPU": 1}), *groups],
                      group_policy="isolate")
    started = time.monotonic()
    result = ac.find(db, request, cap=200)
    assert len(result.candidates) == 200            # 30*29*28*27 exist; the cap holds
    assert time.monotonic() - started < 5
    for candidate in result.candidates:
        pfs = [candidate.mappings[str(n)][0] for n in range(1, 5)]
        assert len(set(pfs)) == 4                    # isolate


def test_limit_stops_the_search(db):
    _wide_tree(db, 10)
    request = Request(groups=[RequestGroup(resources={"SRIOV_NET_VF": 1})], limit=3)
    assert len(ac.find(db, request, cap=1000).candidates) == 3


def test_randomized_search_samples_then_limits(db):
    _wide_tree(db, 10)
    request = Request(groups=[RequestGroup(resources={"SRIOV_NET_VF": 1})], limit=3)
    result = ac.find(db, request, cap=1000, randomize=True)
    assert len(result.candidates) == 3


def test_before_nested_support_children_are_ignored(db):
    _wide_tree(db, 3)
    request = Request(groups=[RequestGroup(resources={"SRIOV_NET_VF": 1})])
    assert ac.find(db, request, cap=10, nested=False).candidates == []


def test_summaries_cover_whole_trees(db):
    _wide_tree(db, 3)
    request = Request(groups=[RequestGroup(resources={"VCPU": 1})])
    assert len(ac.find(db, request, cap=10).providers) == 4
    assert len(ac.find(db, request, cap=10, whole_trees=False).providers) == 1


def _flat(db, count):
    from sovra_placement.service import trait as trait_service
    uuids = []
    for i in range(count):
        rp = rp_service.create(db, f"cn{i}")
        inventory.set_inventories(db, rp["uuid"], 0, {"VCPU": _full(4)})
        if i % 17 == 16:  # sparse: most beyond the first windows of root ids
            trait_service.set_provider_traits(db, rp["uuid"], ["HW_CPU_X86_AVX2"], 1)
        uuids.append(rp["uuid"])
    return uuids


def test_limited_search_finds_what_the_full_one_finds_first(db, monkeypatch):
    monkeypatch.setattr(ac, "_WINDOW", 16)  # 4 windows cover 64 of the 204 roots
    _flat(db, 204)
    group = RequestGroup(resources={"VCPU": 1}, required=[{"HW_CPU_X86_AVX2"}])
    full = ac.find(db, Request(groups=[group]), cap=1000)
    limited = ac.find(db, Request(groups=[group], limit=5), cap=1000)
    assert len(full.candidates) == 12
    assert [c.allocations for c in limited.candidates] == [
        c.allocations for c in full.candidates[:5]]
    # and with every provider matching, the first windows are enough
    plain = ac.find(db, Request(groups=[RequestGroup(resources={"VCPU": 1})],
                                limit=3), cap=1000)
    assert len(plain.candidates) == 3
