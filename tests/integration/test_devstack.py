"""devstack/stack.sh as a new user runs it: from an empty data dir to a cloud the real
openstack CLI can use, then unstack.sh, then clean.sh.

Runs on free ports and a temporary data dir, so it never touches a developer's own
.stack/ or a cloud on the default ports. Installs into this test run's virtualenv
(SOVRA_VENV), which already holds Sovra and the openstack CLI.
"""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port_open(port) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_stack_use_unstack_clean(tmp_path):
    data_dir = tmp_path / "stack"
    ports = {f"SOVRA_{name.upper()}_PORT": str(_free_port())
             for name in ("identity", "placement", "image", "compute", "network", "block")}
    local_conf = tmp_path / "local.conf"  # empty: lite, whatever devstack/local.conf says
    local_conf.write_text("")
    env = {**os.environ, **ports, "SOVRA_DATA_DIR": str(data_dir),
           "SOVRA_VENV": sys.prefix, "SOVRA_LOCAL_CONF": str(local_conf)}
    for name in ("OS_CLOUD", "SOVRA_MODE", "SOVRA_DATABASE", "SOVRA_MESSAGING",
                 "SOVRA_COORDINATION", "SOVRA_PROCESSES"):
        env.pop(name, None)
    stack = subprocess.run([str(ROOT / "devstack/stack.sh")], env=env, capture_output=True,
                           text=True, timeout=600)
    assert stack.returncode == 0, stack.stdout + stack.stderr
    assert "Sovra is up" in stack.stdout and "openstack --os-cloud" in stack.stdout
    assert "lite mode:" in stack.stdout
    identity_port = int(ports["SOVRA_IDENTITY_PORT"])
    try:
        cli_env = {**env, "OS_CLIENT_CONFIG_FILE": str(data_dir / "clouds.yaml")}
        openstack = str(Path(sys.prefix) / "bin" / "openstack")

        def cli(*args):
            out = subprocess.run([openstack, *args, "-f", "json"], env=cli_env,
                                 capture_output=True, text=True, timeout=120)
            assert out.returncode == 0, out.stderr
            return json.loads(out.stdout)

        token = cli("--os-cloud", "sovra-demo", "token", "issue")
        demo_projects = cli("--os-cloud", "sovra-demo", "project", "list")
        assert [p["Name"] for p in demo_projects] == ["demo"]
        assert token["project_id"] == demo_projects[0]["ID"]
        services = {s["Type"] for s in cli("--os-cloud", "sovra-admin", "catalog", "list")}
        assert {"identity", "image", "placement"} <= services

        # the other services authenticate users through identity, as deployed
        disk = tmp_path / "disk.raw"
        disk.write_bytes(b"\0" * 1024 * 1024)
        image = cli("--os-cloud", "sovra-demo", "image", "create", "--file", str(disk),
                    "--disk-format", "raw", "--container-format", "bare", "tiny")
        assert image["status"] == "active" and image["size"] == 1024 * 1024
        provider = cli("--os-cloud", "sovra-admin", "resource", "provider", "create",
                       "node1")
        assert provider["generation"] == 0

        # a server boots to ACTIVE (fake virt driver) and leaves no allocation behind
        server = cli("--os-cloud", "sovra-demo", "server", "create", "--flavor",
                     "m1.tiny", "--image", "test-image", "--no-network", "--wait", "vm1")
        assert server["status"] == "ACTIVE"
        subprocess.run([openstack, "--os-cloud", "sovra-demo", "server", "delete",
                        "--wait", "vm1"], env=cli_env, check=True, capture_output=True,
                       timeout=120)
        assert cli("--os-cloud", "sovra-demo", "server", "list") == []
        allocations = subprocess.run(
            [openstack, "--os-cloud", "sovra-admin", "--os-placement-api-version", "1.12",
             "resource", "provider", "allocation", "show", server["id"], "-f", "json"],
            env=cli_env, capture_output=True, text=True, timeout=120)
        assert allocations.returncode == 0 and json.loads(allocations.stdout) == []
        assert (data_dir / "clouds.yaml").stat().st_mode & 0o077 == 0

        # a second run restarts the same cloud with the same passwords
        again = subprocess.run([str(ROOT / "devstack/stack.sh")], env=env,
                               capture_output=True, text=True, timeout=600)
        assert again.returncode == 0, again.stdout + again.stderr
        assert cli("--os-cloud", "sovra-demo", "token", "issue")["project_id"] == \
            token["project_id"]
    finally:
        unstack = subprocess.run([str(ROOT / "devstack/unstack.sh")], env=env,
                                 capture_output=True, text=True, timeout=60)
    assert unstack.returncode == 0, unstack.stderr
    assert "stopped 1 process" in unstack.stdout
    assert not _port_open(identity_port)
    clean = subprocess.run([str(ROOT / "devstack/clean.sh")], env=env, capture_output=True,
                           text=True, timeout=60)
    assert clean.returncode == 0 and not data_dir.exists()
