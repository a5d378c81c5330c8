"""A small lite-mode cloud in this process for the block storage clients' tests:
real identity (tokens, catalog), the image API, the block API and one volume agent
whose file backend keeps volumes under the test's directory, each component with
its own ConfigOpts and SQLite file, on one private ``sovra-inproc://`` bus."""

from __future__ import annotations

import dataclasses
import os
import socket
import uuid

from sovra_block.cmd import agent as block_agent
from sovra_block.cmd import api as block_api
from sovra_block.db import DATABASE as BLOCK_DB
from sovra_common import process
from sovra_common.cmd import manage
from sovra_identity.cmd import api as identity_api
from sovra_identity.cmd import manage as identity_manage
from sovra_identity.db import DATABASE as IDENTITY_DB
from sovra_image.cmd import api as image_api
from sovra_image.db import DATABASE as IMAGE_DB


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


ADMIN_PASSWORD = "block-test-admin"
SERVICE_PASSWORD = "block-test-service"
USER_PASSWORD = "block-test-user"


@dataclasses.dataclass
class Cloud:
    tmp: object
    auth_url: str
    block_url: str
    volume_dir: object
    running: list
    resources: object

    def connect(self, user="admin", password=ADMIN_PASSWORD, project="admin",
                **options):
        """An openstacksdk connection (close it when done)."""
        import openstack

        return openstack.connect(
            auth_url=self.auth_url, username=user, password=password,
            project_name=project, user_domain_name="Default",
            project_domain_name="Default", region_name="RegionOne", interface="public",
            **options)

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


def _service_conf(path, port, db_url, auth_url, user, extra=""):
    path.write_text(
        f"[api]\nbind_host = 127.0.0.1\nbind_port = {port}\n"
        f"[database]\nconnection = {db_url}\n"
        "[auth]\nidentity_interface = public\n"
        "[service_auth]\nauth_type = password\n"
        f"auth_url = {auth_url}\nusername = {user}\npassword = {SERVICE_PASSWORD}\n"
        "user_domain_id = default\nproject_name = service\n"
        "project_domain_id = default\n" + extra)
    return path


def start_cloud(tmp, *, block_extra: str = "") -> Cloud:
    bus = f"sovra-inproc:///block-{uuid.uuid4().hex}"
    ports = {name: free_port() for name in ("identity", "image", "block")}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    auth_url = f"{urls['identity']}/v3"
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
    id_manage("register-service", "--type", "image", "--name", "glance",
              "--public-url", urls["image"], "--user", "glance", "--password",
              SERVICE_PASSWORD)
    id_manage("register-service", "--type", "block-storage", "--name", "cinder",
              "--public-url", f"{urls['block']}/v3", "--user", "cinder", "--password",
              SERVICE_PASSWORD)
    id_manage("register-service", "--type", "volumev3", "--name", "cinderv3",
              "--public-url", f"{urls['block']}/v3")

    im_file = _service_conf(tmp / "sovra-image.conf", ports["image"],
                            f"sqlite:///{tmp / 'image.db'}", auth_url, "glance", extra=(
                                f"[image]\nfilesystem_store_datadir = {tmp / 'images'}\n"
                                f"staging_dir = {tmp / 'staging'}\n"))
    assert manage.main(["--config-file", str(im_file), "image", "db", "sync"],
                       services=[IMAGE_DB], commands=[]) == 0
    volume_dir = tmp / "volumes"
    bl_file = _service_conf(
        tmp / "sovra-block.conf", ports["block"], f"sqlite:///{tmp / 'block.db'}",
        auth_url, "cinder", extra=(
            "[block]\nhost = node1\nenabled_backends = file1\nreport_interval = 1\n"
            "image_interface = public\n"
            f"image_conversion_dir = {tmp / 'conversion'}\n"
            f"[file1]\nvolume_driver = file\nfile_volume_dir = {volume_dir}\n"
            f"[backup]\nfile_backup_dir = {tmp / 'backups'}\n" + block_extra))
    assert manage.main(["--config-file", str(bl_file), "block", "db", "sync"],
                       services=[BLOCK_DB], commands=[]) == 0

    id_conf = _load(identity_api.COMPONENT, common, id_file)
    resources = process.ProcessResources(id_conf).start()
    running = []
    try:
        running.append(identity_api.COMPONENT.start(id_conf, resources))
        running.append(image_api.COMPONENT.start(
            _load(image_api.COMPONENT, common, im_file), resources))
        running.append(block_api.COMPONENT.start(
            _load(block_api.COMPONENT, common, bl_file), resources))
        agent = block_agent.COMPONENT.start(_load(block_agent.COMPONENT, common, bl_file),
                                            resources)
        running.append(agent)
        for backend in agent.backends:
            assert backend.reported.wait(30), f"{backend.backend} never reported"
        return Cloud(tmp=tmp, auth_url=auth_url, block_url=f"{urls['block']}/v3",
                     volume_dir=volume_dir, running=running, resources=resources)
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
    identity.assign_project_role_to_user(proj, usr, identity.find_role("member"))
