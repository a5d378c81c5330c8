"""The real `openstack` CLI with osc-placement against our placement API."""

import json
import pathlib
import shutil
import subprocess
import sys

import pytest

# The one on PATH, else the one installed next to this python (a tox env run
# without activating it).
OPENSTACK = shutil.which("openstack") or shutil.which(
    "openstack", path=str(pathlib.Path(sys.executable).parent))

pytestmark = pytest.mark.skipif(OPENSTACK is None,
                                reason="the openstack CLI is not installed")


def _cli(url, *args, version="1.39"):
    cmd = [OPENSTACK, "--os-auth-type", "admin_token", "--os-token", "admin",
           "--os-endpoint", url, "--os-placement-api-version", version, *args]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, f"{' '.join(args)}: {done.stderr}"
    return done.stdout


def test_openstack_cli(placement_server, client):
    url = placement_server.url
    created = json.loads(_cli(url, "resource", "provider", "create", "cli-cn1", "-f", "json"))
    rp = created["uuid"]
    assert created["generation"] == 0 and created["parent_provider_uuid"] is None

    inventory = json.loads(_cli(
        url, "resource", "provider", "inventory", "set", rp, "--resource", "VCPU=8",
        "--resource", "VCPU:allocation_ratio=4.0", "--resource", "MEMORY_MB=2048",
        "-f", "json"))
    assert {i["resource_class"]: i["total"] for i in inventory} == {"VCPU": 8,
                                                                   "MEMORY_MB": 2048}
    listed = json.loads(_cli(url, "resource", "provider", "list", "-f", "json"))
    assert [p["uuid"] for p in listed] == [rp]

    candidates = json.loads(_cli(url, "allocation", "candidate", "list", "--resource",
                                 "VCPU=2", "--resource", "MEMORY_MB=512", "-f", "json"))
    assert len(candidates) == 1
    assert candidates[0]["resource provider"] == rp
    assert candidates[0]["inventory used/capacity"] == "VCPU=0/32,MEMORY_MB=0/2048"

    client.put("/traits/CUSTOM_CLI_TRAIT")
    traits = _cli(url, "trait", "list", "-f", "value").split()
    assert "CUSTOM_CLI_TRAIT" in traits and "HW_CPU_X86_AVX2" in traits

    shown = json.loads(_cli(url, "resource", "provider", "show", rp, "--allocations",
                            "-f", "json"))
    assert shown["generation"] == 1 and shown["allocations"] == {}
