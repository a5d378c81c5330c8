"""More services next to the CLI cloud (conftest's identity, image, placement), for
test modules that need several at once: block storage (API and a file-backend
volume agent with a filesystem backup store), compute (API, conductor and one
agent ``node1`` with the fake driver, not waiting for ports to be plugged) and the
network API (no network agent); each started as
sovra-allinone starts it, in its own directory under the cloud's, registered in
the catalog on start and taken out of it on exit (the modules after this one
must not find an API that is gone). The ``sovra`` runs of a module using these
keep their own token cache (``Services.env``): a token cached elsewhere holds an
older catalog."""

from __future__ import annotations

import configparser
import contextlib
import dataclasses
import json
import socket
import sys
import time
import uuid
from pathlib import Path

import requests

from sovra_common import conf as sovra_conf
from sovra_common import process
from sovra_common.cmd import manage
from sovra_identity.cmd import manage as identity_manage
from sovra_identity.db import DATABASE as IDENTITY_DB

SOVRA = Path(sys.executable).parent / "sovra"
SETUP_CFG = Path(__file__).resolve().parents[3] / "setup.cfg"
SERVICE_PASSWORD = "svc-cli-extra-pw"
ADMIN_PASSWORD = "cli-admin-pw"  # the CLI cloud's (conftest) admin


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclasses.dataclass
class Services:
    cloud: object
    tmp: Path
    urls: dict = dataclasses.field(default_factory=dict)
    compute_driver: object = None

    def env(self, **extra):
        return self.cloud.env(XDG_CACHE_HOME=str(self.tmp / "cache"), **extra)

    def sovra(self, *args, user="admin", expect=0):
        """The installed ``sovra`` with the cloud's clouds.yaml and this module's
        token cache; asserts the exit status."""
        return self.cloud.sovra(*args, cloud=user, expect=expect, env=self.env())

    def json(self, *args, **kwargs):
        return json.loads(self.sovra(*args, "-f", "json", **kwargs).stdout)


def admin_headers(cloud) -> dict:
    """An admin token's header; the password is the clouds.yaml's (no import of
    ``conftest``: in a whole-tier run that name is another directory's)."""
    password = json.loads(cloud.clouds_yaml.read_text())["clouds"]["admin"]["auth"][
        "password"]
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "admin", "domain": {"id": "default"}, "password": password}}},
        "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}}
    resp = requests.post(f"{cloud.auth_url}/auth/tokens", json=body, timeout=30)
    assert resp.status_code == 201, resp.text
    return {"X-Auth-Token": resp.headers["X-Subject-Token"]}


@contextlib.contextmanager
def member(cloud, name: str):
    """A user ``name`` with only the member role on a project ``name`` of its own;
    yields the environment (OS_* variables, its own token cache) that runs ``sovra``
    as that user; both are deleted after."""
    headers = admin_headers(cloud)

    def call(method, path, body=None):
        resp = requests.request(method, f"{cloud.auth_url}/{path}", json=body,
                                headers=headers, timeout=30)
        assert resp.status_code < 300, resp.text
        return resp.json() if resp.content else None

    project = call("POST", "projects", {"project": {"name": name,
                                                    "domain_id": "default"}})["project"]
    try:
        user = call("POST", "users", {"user": {"name": name, "password": f"{name}-pw",
                                               "domain_id": "default"}})["user"]
        try:
            role = call("GET", "roles?name=member")["roles"][0]
            call("PUT", f"projects/{project['id']}/users/{user['id']}/roles/{role['id']}")
            yield cloud.env(OS_AUTH_URL=cloud.auth_url, OS_USERNAME=name,
                            OS_PASSWORD=f"{name}-pw", OS_PROJECT_NAME=name,
                            OS_USER_DOMAIN_ID="default", OS_PROJECT_DOMAIN_ID="default",
                            OS_REGION_NAME="RegionOne",
                            XDG_CACHE_HOME=str(cloud.tmp / f"cache-{name}"))
        finally:
            call("DELETE", f"users/{user['id']}")
    finally:
        call("DELETE", f"projects/{project['id']}")


def _register(cloud, service_type, name, url, user=None):
    common, id_file = cloud.tmp / "sovra.conf", cloud.tmp / "sovra-identity.conf"
    extra = ["--user", user, "--password", SERVICE_PASSWORD] if user else []
    assert manage.main(["--config-file", str(common), "--config-file", str(id_file),
                        "identity", "register-service", "--type", service_type,
                        "--name", name, "--region", "RegionOne", "--public-url", url,
                        *extra], services=[IDENTITY_DB],
                       commands=identity_manage.COMMANDS) == 0


def deregister(cloud, service_type: str) -> None:
    """Take the service and its endpoints out of the catalog."""
    headers = admin_headers(cloud)
    services = requests.get(f"{cloud.auth_url}/services", params={"type": service_type},
                            headers=headers, timeout=30).json()["services"]
    for service in [s for s in services if s["type"] == service_type]:
        requests.delete(f"{cloud.auth_url}/services/{service['id']}", headers=headers,
                        timeout=30)


def _conf_text(cloud, tmp, port, user, db_name, extra=""):
    return (f"[api]\nbind_host = 127.0.0.1\nbind_port = {port}\n"
            f"[database]\nconnection = sqlite:///{tmp / db_name}\n"
            f"[messaging]\ntransport_url = sovra-inproc:///{tmp.parent.name}-{tmp.name}\n"
            "[auth]\nidentity_interface = public\n"
            "[service_auth]\nauth_type = password\n"
            f"auth_url = {cloud.auth_url}\nusername = {user}\n"
            f"password = {SERVICE_PASSWORD}\nuser_domain_id = default\n"
            "project_name = service\nproject_domain_id = default\n" + extra)


def _load(component, *files):
    conf = component.new_conf()
    sovra_conf.load(conf, "sovra", args=[], config_files=[str(f) for f in files])
    return conf


def _start_block(cloud, services, stack):
    from sovra_block.cmd import agent as block_agent
    from sovra_block.cmd import api as block_api
    from sovra_block.db import DATABASE as BLOCK_DB

    tmp = services.tmp / "block"
    tmp.mkdir()
    port = free_port()
    url = f"http://127.0.0.1:{port}/v3"
    _register(cloud, "block-storage", "cinder", url, user="cli-cinder")
    _register(cloud, "volumev3", "cinder", url)
    stack.callback(deregister, cloud, "volumev3")
    stack.callback(deregister, cloud, "block-storage")
    conf_file = tmp / "sovra-block.conf"
    conf_file.write_text(_conf_text(
        cloud, tmp, port, "cli-cinder", "block.db",
        "[block]\nhost = node1\nenabled_backends = file1\nreport_interval = 1\n"
        f"image_conversion_dir = {tmp / 'conversion'}\nimage_interface = public\n"
        "[block_quota]\ngigabytes = -1\n"
        f"[file1]\nvolume_driver = file\nfile_volume_dir = {tmp / 'volumes'}\n"
        f"[backup]\nfile_backup_dir = {tmp / 'backups'}\n"))
    assert manage.main(["--config-file", str(conf_file), "block", "db", "sync"],
                       services=[BLOCK_DB], commands=[]) == 0
    common = cloud.tmp / "sovra.conf"
    api_conf = _load(block_api.COMPONENT, common, conf_file)
    resources = process.ProcessResources(api_conf).start()
    stack.callback(resources.stop)
    stack.callback(block_api.COMPONENT.start(api_conf, resources).stop)
    stack.callback(block_agent.COMPONENT.start(
        _load(block_agent.COMPONENT, common, conf_file), resources).stop)
    headers = admin_headers(cloud)
    deadline = time.monotonic() + 30
    while not requests.get(f"{url}/os-services", headers=headers,
                           timeout=10).json()["services"]:
        assert time.monotonic() < deadline, "the volume agent never reported"
        time.sleep(0.1)
    services.urls["block"] = url


def _start_compute(cloud, services, stack):
    from sovra_common.auth import sessions
    from sovra_compute import placement_client
    from sovra_compute.cmd import agent as compute_agent
    from sovra_compute.cmd import api as compute_api
    from sovra_compute.cmd import conductor as compute_conductor
    from sovra_compute.db import DATABASE as COMPUTE_DB
    from sovra_compute.virt import fake

    tmp = services.tmp / "compute"
    tmp.mkdir()
    port = free_port()
    url = f"http://127.0.0.1:{port}/v2.1"
    _register(cloud, "compute", "nova", url, user="cli-nova")
    stack.callback(deregister, cloud, "compute")
    conf_file = tmp / "sovra-compute.conf"
    conf_file.write_text(_conf_text(
        cloud, tmp, port, "cli-nova", "compute.db",
        "[coordination]\nheartbeat_ttl = 3\n"
        "[compute]\nhost = controller\nplacement_interface = public\n"
        # no network agent here to plug ports: builds do not wait for it
        "vif_plugging_timeout = 0\n"))
    assert manage.main(["--config-file", str(conf_file), "compute", "db", "sync"],
                       services=[COMPUTE_DB], commands=[]) == 0
    agent_file = tmp / "sovra-compute-node1.conf"
    agent_file.write_text("[compute]\nhost = node1\n")
    common = cloud.tmp / "sovra.conf"
    api_conf = _load(compute_api.COMPONENT, common, conf_file)
    resources = process.ProcessResources(api_conf).start()
    stack.callback(resources.stop)
    stack.callback(compute_api.COMPONENT.start(api_conf, resources).stop)
    stack.callback(compute_conductor.COMPONENT.start(
        _load(compute_conductor.COMPONENT, common, conf_file), resources).stop)
    agent_conf = _load(compute_agent.COMPONENT, common, conf_file, agent_file)
    driver = fake.FakeDriver()
    placement = placement_client.PlacementClient(sessions.service_session(agent_conf),
                                                 interface="public")
    agent = compute_agent.COMPONENT.start(agent_conf, resources, driver=driver,
                                          placement=placement)
    stack.callback(agent.stop)
    assert agent.joined.wait(60), "node1 did not join the cloud"
    services.urls["compute"] = url
    services.compute_driver = driver


def _start_network(cloud, services, stack):
    from sovra_network.cmd import api as network_api
    from sovra_network.db import DATABASE as NETWORK_DB

    tmp = services.tmp / "network"
    tmp.mkdir()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    _register(cloud, "network", "neutron", url, user="cli-neutron")
    stack.callback(deregister, cloud, "network")
    conf_file = tmp / "sovra-network.conf"
    conf_file.write_text(_conf_text(cloud, tmp, port, "cli-neutron", "network.db"))
    assert manage.main(["--config-file", str(conf_file), "network", "db", "sync"],
                       services=[NETWORK_DB], commands=[]) == 0
    conf = _load(network_api.COMPONENT, cloud.tmp / "sovra.conf", conf_file)
    resources = process.ProcessResources(conf).start()
    stack.callback(resources.stop)
    stack.callback(network_api.COMPONENT.start(conf, resources).stop)
    services.urls["network"] = url


@contextlib.contextmanager
def started(cloud, *, block=False, compute=False, network=False):
    """Start the services asked for next to ``cloud``; yields ``Services``."""
    services = Services(cloud, cloud.tmp / f"extra-{uuid.uuid4().hex[:8]}")
    services.tmp.mkdir()
    # each service's clean-ups run last in, first out: its components stop, then
    # its process resources, then it leaves the catalog
    with contextlib.ExitStack() as stack:
        for wanted, start in ((network, _start_network), (block, _start_block),
                              (compute, _start_compute)):
            if wanted:
                start(cloud, services, stack)
        yield services


@contextlib.contextmanager
def boot_image(cloud, prefix: str):
    """A small raw image to boot servers from, made over REST (fewer ``sovra``
    runs); yields (name, id); deleted after."""
    headers = admin_headers(cloud)
    name = f"{prefix}-{uuid.uuid4().hex[:6]}"
    resp = requests.post(f"{cloud.urls['image']}/v2/images", timeout=30, headers=headers,
                         json={"name": name, "disk_format": "raw",
                               "container_format": "bare"})
    assert resp.status_code == 201, resp.text
    image_id = resp.json()["id"]
    try:
        resp = requests.put(f"{cloud.urls['image']}/v2/images/{image_id}/file",
                            timeout=30, data=b"\0" * 4096, headers={
                                **headers, "Content-Type": "application/octet-stream"})
        assert resp.status_code == 204, resp.text
        yield name, image_id
    finally:
        requests.delete(f"{cloud.urls['image']}/v2/images/{image_id}",
                        headers=admin_headers(cloud), timeout=30)


def create_flavor(services: Services, name: str) -> None:
    """A one-vCPU, 256 MiB, 1 GB flavor, made over REST."""
    resp = requests.post(f"{services.urls['compute']}/flavors", timeout=30,
                         headers=admin_headers(services.cloud), json={"flavor": {
                             "name": name, "ram": 256, "vcpus": 1, "disk": 1}})
    assert resp.status_code == 200, resp.text


def setup_cfg_commands() -> set[str]:
    """The ``sovra.cli`` entry point names setup.cfg declares."""
    parser = configparser.ConfigParser()
    parser.read(SETUP_CFG)
    lines = parser["options.entry_points"]["sovra.cli"].splitlines()
    return {line.split("=")[0].strip() for line in lines if line.strip()}


def installed_commands() -> dict:
    """The ``sovra.cli`` entry points of the installed Sovra, by name."""
    from importlib import metadata

    return {ep.name: ep for ep in metadata.entry_points(group="sovra.cli")}
