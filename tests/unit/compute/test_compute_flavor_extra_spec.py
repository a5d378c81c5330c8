"""Flavor extra spec checks (service/flavor_extra_spec.py, 2.86) and the API."""

import pytest
from compute_api import ADMIN, at, create_flavor

from sovra_compute.service import flavor_extra_spec


@pytest.mark.parametrize("key,value", [
    ("hw:cpu_policy", "dedicated"), ("hw:numa_nodes", "2"), ("hw:numa_cpus.0", "0-3"),
    ("hw:numa_mem.1", "1024"), ("hw:mem_page_size", "2MiB"), ("hw:pmu", "False"),
    ("hw_rng:rate_bytes", "0"), ("quota:disk_read_iops_sec", "500"),
    ("quota:cpu_shares_level", "normal"), ("resources:VCPU", "2"),
    ("resources1:CUSTOM_GPU", "1"), ("trait:HW_CPU_X86_AVX2", "required"),
    ("trait_group:CUSTOM_FAST", "forbidden"), ("capabilities:cpu_info:arch", "x86_64"),
    ("aggregate_instance_extra_specs:ssd", "true"), ("os:secure_boot", "required"),
    ("pci_passthrough:alias", "gpu:1, nic:2"),
    ("my_filter:anything", "goes"), ("unnamespaced", "too"),
])
def test_valid_specs(key, value):
    flavor_extra_spec.validate(key, value)


@pytest.mark.parametrize("key,value,message", [
    ("hw:cpu_policy", "greedy", "is not one of"),
    ("hw:numa_nodes", "0", "less than the min"),
    ("hw:numa_nodes", "two", "not a valid integer"),
    ("hw:pmu", "maybe", "boolean-like"),
    ("hw:numa_cpus.0", "a-b", "is not of the format"),
    ("hw:no_such_thing", "1", "does not appear to be a valid extra spec"),
    ("resources:NOT_A_CLASS", "1", "does not appear to be a valid extra spec"),
    ("trait:CUSTOM_X", "please", "is not one of"),
    ("quota:cpu_period", "-1", "less than the min"),
])
def test_invalid_specs(key, value, message):
    with pytest.raises(flavor_extra_spec.InvalidExtraSpec, match=message):
        flavor_extra_spec.validate(key, value)


def test_the_api_checks_from_2_86(api):
    create_flavor(api)
    path = "/v2.1/flavors/1/os-extra_specs"
    bad = {"extra_specs": {"hw:cpu_policy": "greedy"}}
    assert api.post(path, json=bad, headers=at(ADMIN, "2.85")).status_code == 200
    resp = api.post(path, json=bad, headers=at(ADMIN, "2.86"))
    assert resp.status_code == 400 and "greedy" in resp.json["badRequest"]["message"]
    assert api.put(f"{path}/hw:nope", json={"hw:nope": "1"},
                   headers=at(ADMIN, "2.86")).status_code == 400
    assert api.put(f"{path}/hw:numa_nodes", json={"hw:numa_nodes": 2},
                   headers=at(ADMIN, "2.86")).json == {"hw:numa_nodes": "2"}
