"""A small lite-mode cloud in this process for the network API's client tests: real
identity (tokens, catalog) and the network API, each with its own ConfigOpts and
SQLite file, on one private ``sovra-inproc://`` bus."""

from __future__ import annotations

import dataclasses
import os
import socket
import uuid

from sovra_common import process
from sovra_common.cmd import manage
from sovra_identity.cmd import api as identity_api
from sovra_identity.cmd import manage as identity_manage
from sovra_identity.db import DATABASE as IDENTITY_DB
from sovra_network.cmd import api as network_api
from sovra_network.db import DATABASE as NETWORK_DB

ADMIN_PASSWORD = "network-test-admin"
SERVICE_PASSWORD = "network-test-service"
USER_PASSWORD = "network-test-user"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclasses.dataclass
class Cloud:
    auth_url: str
    network_url: str
    running: list
    resources: object
    network_conf: object

    def connect(self, user="admin", password=ADMIN_PASSWORD, project="admin"):
        """An openstacksdk connection (close it when done)."""
        import openstack

        return openstack.connect(
            auth_url=self.auth_url, username=user, password=password,
            project_name=project, user_domain_name="Default",
            project_domain_name="Default", region_name="RegionOne", interface="public")

    def client_env(self, user="admin", password=ADMIN_PASSWORD, project="admin") -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
        env.update(OS_AUTH_URL=self.auth_url, OS_USERNAME=user, OS_PASSWORD=password,
                   OS_PROJECT_NAME=project, OS_USER_DOMAIN_NAME="Default",
                   OS_PROJECT_DOMAIN_NAME="Default", OS_IDENTITY_API_VERSION="3",
                   OS_INTERFACE="public", OS_REGION_NAME="RegionOne")
        return env

    def stop(self):
        for handle in reversed(self.running):
            handle.stop()
        self.resources.stop()


def _load(component, *files):
    conf = component.new_conf()
    args = []
    for f in files:
        args += ["--config-file", str(f)]
    conf(args=args, project="sovra", default_config_files=[])
    return conf


def start_cloud(tmp, *, network_extra: str = "") -> Cloud:
    bus = f"sovra-inproc:///network-{uuid.uuid4().hex}"
    ports = {"identity": _free_port(), "network": _free_port()}
    auth_url = f"http://127.0.0.1:{ports['identity']}/v3"
    network_url = f"http://127.0.0.1:{ports['network']}"
    common = tmp / "sovra.conf"
    common.write_text(f"[messaging]\ntransport_url = {bus}\n"
                      "[coordination]\nheartbeat_ttl = 3\n")
    id_file = tmp / "sovra-identity.conf"
    id_file.write_text(
        f"[api]\nbind_host = 127.0.0.1\nbind_port = {ports['identity']}\n"
        f"[database]\nconnection = sqlite:///{tmp / 'identity.db'}\n"
        "[auth]\nidentity_interface = public\n"
        f"[fernet_tokens]\nkey_repository = {tmp / 'fk'}\n"
        f"[credential]\nkey_repository = {tmp / 'ck'}\n")

    def id_manage(*argv):
        assert manage.main(["--config-file", str(id_file), "identity", *argv],
                           services=[IDENTITY_DB],
                           commands=identity_manage.COMMANDS) == 0, argv
    id_manage("db", "sync")
    id_manage("fernet", "setup")
    id_manage("credential-keys", "setup")
    id_manage("bootstrap", "--password", ADMIN_PASSWORD, "--region", "RegionOne",
              "--public-url", auth_url)
    id_manage("register-service", "--type", "network", "--name", "neutron",
              "--public-url", network_url, "--user", "neutron", "--password",
              SERVICE_PASSWORD)
    net_file = tmp / "sovra-network.conf"
    net_file.write_text(
        f"[api]\nbind_host = 127.0.0.1\nbind_port = {ports['network']}\n"
        f"[database]\nconnection = sqlite:///{tmp / 'network.db'}\n"
        "[auth]\nidentity_interface = public\n"
        "[service_auth]\nauth_type = password\n"
        f"auth_url = {auth_url}\nusername = neutron\npassword = {SERVICE_PASSWORD}\n"
        "user_domain_id = default\nproject_name = service\n"
        "project_domain_id = default\n" + network_extra)
    assert manage.main(["--config-file", str(net_file), "network", "db", "sync"],
                       services=[NETWORK_DB], commands=[]) == 0
    id_conf = _load(identity_api.COMPONENT, common, id_file)
    resources = process.ProcessResources(id_conf).start()
    running = []
    try:
        running.append(identity_api.COMPONENT.start(id_conf, resources))
        net_conf = _load(network_api.COMPONENT, common, net_file)
        running.append(network_api.COMPONENT.start(net_conf, resources))
        return Cloud(auth_url=auth_url, network_url=network_url, running=running,
                     resources=resources, network_conf=net_conf)
    except BaseException:
        for handle in reversed(running):
            handle.stop()
        resources.stop()
        raise


def add_project_member(conn, project: str, user: str) -> None:
    """A project ``project`` with ``user`` (password USER_PASSWORD) as member."""
    identity = conn.identity
    proj = identity.create_project(name=project, domain_id="default")
    usr = identity.create_user(name=user, password=USER_PASSWORD, domain_id="default",
                               default_project_id=proj.id)
    role = identity.find_role("member")
    identity.assign_project_role_to_user(proj, usr, role)


def openstack(cloud, *args, ok=True):
    """Run the real ``openstack`` CLI as ``cloud``'s admin: its stdout (asserting
    success), or with ``ok=False`` the finished process."""
    import shutil
    import subprocess

    done = subprocess.run([shutil.which("openstack"), *args], capture_output=True,
                          text=True, env=cloud.client_env(), timeout=120)
    if ok:
        assert done.returncode == 0, done.stderr
        return done.stdout
    return done
