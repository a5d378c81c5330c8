"""``sovra trait ...``, ``sovra resource class ...``, ``sovra resource provider
trait|aggregate|usage|allocation ...`` and ``sovra allocation candidate list``, run as
the installed ``sovra`` console script against the CLI cloud's placement: json and
table output, exit codes 0, 1 (API error, one line), 2 (usage error)."""

import uuid

import cli_services
import pytest
import requests
from cli_output import error_line

AGGREGATE = "6b2c1c1e-2f0a-4d43-9a57-3c6a61f0c001"
OTHER_AGGREGATE = "6b2c1c1e-2f0a-4d43-9a57-3c6a61f0c002"


def test_resource_classes_and_traits(sv):
    assert "VCPU" in {c["name"] for c in sv.json("resource", "class", "list")}
    sv.sovra("resource", "class", "create", "CUSTOM_CLI_RC")
    try:
        assert "CUSTOM_CLI_RC" in sv.sovra("resource", "class", "list").stdout
        assert error_line(sv.sovra("resource", "class", "create", "CUSTOM_CLI_RC",
                                   expect=1)).startswith("Error: HTTP 409 Conflict: ")
        assert error_line(sv.sovra("resource", "class", "create", "NOT_CUSTOM",
                                   expect=1)).startswith("Error: HTTP 400 Bad Request: ")
    finally:
        sv.sovra("resource", "class", "delete", "CUSTOM_CLI_RC")
    assert "CUSTOM_CLI_RC" not in {c["name"] for c in sv.json("resource", "class",
                                                               "list")}
    assert error_line(sv.sovra("resource", "class", "delete", "CUSTOM_CLI_RC",
                               expect=1)).startswith("Error: HTTP 404 Not Found: ")

    for name in ("CUSTOM_CLI_T1", "CUSTOM_CLI_T2"):
        sv.sovra("trait", "create", name)
    try:
        assert sv.json("trait", "list", "--name", "startswith:CUSTOM_CLI") == \
            [{"name": "CUSTOM_CLI_T1"}, {"name": "CUSTOM_CLI_T2"}]
        table = sv.sovra("trait", "list", "--name", "in:CUSTOM_CLI_T2").stdout
        assert "| name" in table and "CUSTOM_CLI_T2" in table and "_T1" not in table
        assert error_line(sv.sovra("trait", "create", "lower_case", expect=1)).startswith(
            "Error: HTTP 400 Bad Request: ")
        assert "usage:" in sv.sovra("trait", "create", expect=2).stderr
    finally:
        for name in ("CUSTOM_CLI_T1", "CUSTOM_CLI_T2"):
            sv.sovra("trait", "delete", name)
    assert sv.json("trait", "list", "--name", "startswith:CUSTOM_CLI") == []


@pytest.fixture
def providers(sv):
    """Two providers with inventories, a custom trait; removed afterwards."""
    sv.sovra("trait", "create", "CUSTOM_CLI_FAST")
    made = []
    for name, vcpus in (("cli-rp1", 8), ("cli-rp2", 4)):
        made.append(sv.json("resource", "provider", "create", name)["uuid"])
        sv.sovra("resource", "provider", "inventory", "set", name, "--resource",
                 f"VCPU={vcpus}", "--resource", "MEMORY_MB=2048")
    yield made
    for rp in made:
        sv.sovra("resource", "provider", "delete", rp, expect=None)
    sv.sovra("trait", "delete", "CUSTOM_CLI_FAST", expect=None)


def test_provider_traits_aggregates_candidates(sv, providers):
    rp1, rp2 = providers
    assert sv.json("resource", "provider", "trait", "set", "cli-rp1", "--trait",
                   "CUSTOM_CLI_FAST", "--trait", "HW_CPU_X86_AVX2") == \
        [{"name": "CUSTOM_CLI_FAST"}, {"name": "HW_CPU_X86_AVX2"}]
    assert sv.json("resource", "provider", "trait", "list", rp1) == \
        [{"name": "CUSTOM_CLI_FAST"}, {"name": "HW_CPU_X86_AVX2"}]
    assert "CUSTOM_CLI_FAST" in {t["name"] for t in sv.json("trait", "list",
                                                             "--associated")}
    # a trait in use cannot go; an unknown one cannot be set
    assert error_line(sv.sovra("trait", "delete", "CUSTOM_CLI_FAST", expect=1)).startswith(
        "Error: HTTP 409 Conflict: ")
    assert error_line(sv.sovra("resource", "provider", "trait", "set", rp2, "--trait",
                               "CUSTOM_NO_SUCH", expect=1)).startswith(
        "Error: HTTP 400 Bad Request: ")

    assert sv.json("resource", "provider", "aggregate", "set", "cli-rp1", "--aggregate",
                   AGGREGATE) == [{"uuid": AGGREGATE}]
    assert sv.json("resource", "provider", "aggregate", "list", rp1) == \
        [{"uuid": AGGREGATE}]
    table = sv.sovra("resource", "provider", "aggregate", "list", rp1).stdout
    assert "| uuid" in table and AGGREGATE in table
    stale = sv.sovra("resource", "provider", "aggregate", "set", rp1, "--aggregate",
                     OTHER_AGGREGATE, "--generation", "0", expect=1)
    assert error_line(stale).startswith("Error: HTTP 409 Conflict: ")

    def candidates(*args):
        """The candidates on this test's providers (the session's cloud may hold
        others: compute nodes of earlier modules)."""
        rows = sv.json("allocation", "candidate", "list", "--resource", "VCPU=2", *args)
        return {r["resource provider"]: r for r in rows
                if r["resource provider"] in (rp1, rp2)}

    both = candidates("--resource", "MEMORY_MB=512")
    assert set(both) == {rp1, rp2}
    assert both[rp1]["allocation"] == "MEMORY_MB=512,VCPU=2"
    assert both[rp1]["inventory used/capacity"] == "MEMORY_MB=0/2048,VCPU=0/8"
    assert both[rp1]["traits"] == "CUSTOM_CLI_FAST,HW_CPU_X86_AVX2"
    assert len({r["#"] for r in both.values()}) == 2  # a number each
    assert set(candidates("--required", "CUSTOM_CLI_FAST")) == {rp1}
    assert set(candidates("--forbidden", "CUSTOM_CLI_FAST")) == {rp2}
    assert set(candidates("--member-of", AGGREGATE)) == {rp1}
    assert set(candidates("--member-of", f"{OTHER_AGGREGATE},{AGGREGATE}")) == {rp1}
    assert len(sv.json("allocation", "candidate", "list", "--resource", "VCPU=2",
                       "--limit", "1")) == 1
    # amounts of one class add up: 2 + 5 VCPUs fit only the 8-VCPU provider
    assert candidates("--resource", "VCPU=5")[rp1]["allocation"] == "VCPU=7"
    assert set(candidates("--resource", "VCPU=5")) == {rp1}
    assert candidates("--resource", "VCPU=20") == {}
    table = sv.sovra("allocation", "candidate", "list", "--resource", "VCPU=1").stdout
    assert "| inventory used/capacity" in table and rp2 in table
    for bad in (["--resource", "VCPU"], ["--resource", "VCPU=0"], []):
        done = sv.sovra("allocation", "candidate", "list", *bad, expect=2)
        assert "usage:" in done.stderr
    assert error_line(sv.sovra("allocation", "candidate", "list", "--resource",
                               "CUSTOM_NOPE=1", expect=1)).startswith("Error: HTTP 400")

    sv.sovra("resource", "provider", "trait", "delete", rp1)
    assert sv.json("resource", "provider", "trait", "list", rp1) == []
    assert sv.json("resource", "provider", "aggregate", "set", rp1) == []


def test_allocations_usage(sv, providers, cloud):
    rp1, _ = providers
    consumer = str(uuid.uuid4())
    project, user = uuid.uuid4().hex, uuid.uuid4().hex
    headers = {**cli_services.admin_headers(cloud),
               "OpenStack-API-Version": "placement 1.28"}
    resp = requests.put(f"{cloud.urls['placement']}/allocations/{consumer}",
                        headers=headers, timeout=30, json={
                            "allocations": {rp1: {"resources": {"VCPU": 3,
                                                                "MEMORY_MB": 512}}},
                            "project_id": project, "user_id": user,
                            "consumer_generation": None})
    assert resp.status_code == 204, resp.text

    shown = sv.json("resource", "provider", "allocation", "show", consumer)
    assert len(shown) == 1
    assert (shown[0]["resource_provider"], shown[0]["resources"], shown[0]["project_id"],
            shown[0]["user_id"]) == (rp1, {"MEMORY_MB": 512, "VCPU": 3}, project, user)
    table = sv.sovra("resource", "provider", "allocation", "show", consumer).stdout
    assert "| resource_provider" in table and "VCPU='3'" in table
    assert sv.json("resource", "provider", "usage", "show", "cli-rp1") == \
        [{"resource_class": "MEMORY_MB", "usage": 512},
         {"resource_class": "VCPU", "usage": 3}]
    row = {r["resource provider"]: r for r in sv.json(
        "allocation", "candidate", "list", "--resource", "VCPU=1")}[rp1]
    assert row["inventory used/capacity"] == "MEMORY_MB=512/2048,VCPU=3/8"
    # a provider with allocations cannot be deleted
    assert error_line(sv.sovra("resource", "provider", "delete", rp1, expect=1)).startswith(
        "Error: HTTP 409 Conflict: ")

    sv.sovra("resource", "provider", "allocation", "delete", consumer)
    assert sv.json("resource", "provider", "allocation", "show", consumer) == []
    assert {u["usage"] for u in sv.json("resource", "provider", "usage", "show",
                                        rp1)} == {0}
    assert error_line(sv.sovra("resource", "provider", "allocation", "delete", consumer,
                               expect=1)).startswith("Error: HTTP 404 Not Found: ")
    assert error_line(sv.sovra("resource", "provider", "usage", "show", "no-such-rp",
                               expect=1)).startswith("Error: HTTP 404 Not Found: ")
    assert sv.sovra("resource", "provider", "usage", "show", expect=2).returncode == 2
