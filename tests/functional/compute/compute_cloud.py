"""A small lite-mode cloud in this process: real identity, placement, image and
compute (API, conductor, two agents with the fake driver) on one private
``sovra-inproc://`` bus, each component with its own ConfigOpts and SQLite file,
started the way sovra-allinone starts them; with ``block=True``, block storage
too (its API and one volume agent whose file backend keeps volumes under the
cloud's directory, in ``volumes/``)."""

from __future__ import annotations

import dataclasses
import os
import socket
import time
import uuid

from sovra_block.cmd import agent as block_agent
from sovra_block.cmd import api as block_api
from sovra_block.db import DATABASE as BLOCK_DB
from sovra_common import process
from sovra_common.auth import sessions
from sovra_common.cmd import manage
from sovra_compute import placement_client
from sovra_compute.cmd import agent as compute_agent
from sovra_compute.cmd import api as compute_api
from sovra_compute.cmd import conductor as compute_conductor
from sovra_compute.cmd import metadata as metadata_cmd
from sovra_compute.db import DATABASE as COMPUTE_DB
from sovra_compute.virt import fake
from sovra_identity.cmd import api as identity_api
from sovra_identity.cmd import manage as identity_manage
from sovra_identity.db import DATABASE as IDENTITY_DB
from sovra_image.cmd import api as image_api
from sovra_image.db import DATABASE as IMAGE_DB
from sovra_placement.cmd import api as placement_api
from sovra_placement.db import DATABASE as PLACEMENT_DB

ADMIN_PASSWORD = "compute-test-admin"
SERVICE_PASSWORD = "compute-test-service"
HOSTS = ("node1", "node2")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclasses.dataclass
class Cloud:
    tmp: object
    auth_url: str
    compute_url: str
    placement_url: str
    image_url: str
    drivers: dict
    running: list
    resources: object
    block_url: str | None = None
    volume_dir: object = None

    def connect(self):
        """An openstacksdk connection as the admin (close it when done)."""
        import openstack

        return openstack.connect(
            auth_url=self.auth_url, username="admin", password=ADMIN_PASSWORD,
            project_name="admin", user_domain_name="Default",
            project_domain_name="Default", region_name="RegionOne", interface="public")

    def admin_token(self) -> str:
        """A project-scoped admin token, for plain HTTP clients."""
        import requests

        resp = requests.post(f"{self.auth_url}/auth/tokens", timeout=30, json={"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": "admin", "domain": {"name": "Default"},
                "password": ADMIN_PASSWORD}}},
            "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}})
        resp.raise_for_status()
        return resp.headers["X-Subject-Token"]

    def client_env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
        env.update(OS_AUTH_URL=self.auth_url, OS_USERNAME="admin",
                   OS_PASSWORD=ADMIN_PASSWORD, OS_PROJECT_NAME="admin",
                   OS_USER_DOMAIN_NAME="Default", OS_PROJECT_DOMAIN_NAME="Default",
                   OS_IDENTITY_API_VERSION="3", OS_INTERFACE="public",
                   OS_REGION_NAME="RegionOne")
        return env

    def stop(self):
        for handle in reversed(self.running):
            handle.stop()
        self.resources.stop()


def _write_conf(path, bus, port, db_url, *, service=None, extra=""):
    text = (f"[api]\nbind_host = 127.0.0.1\nbind_port = {port}\n"
            f"[database]\nconnection = {db_url}\n"
            f"[messaging]\ntransport_url = {bus}\n"
            "[auth]\nidentity_interface = public\n")
    if service:
        text += ("[service_auth]\nauth_type = password\n"
                 f"auth_url = {service['auth_url']}\nusername = {service['user']}\n"
                 f"password = {SERVICE_PASSWORD}\nuser_domain_id = default\n"
                 "project_name = service\nproject_domain_id = default\n")
    path.write_text(text + extra)
    return path


def _load(component, *files):
    conf = component.new_conf()
    args = []
    for f in files:
        args += ["--config-file", str(f)]
    conf(args=args, project="sovra", default_config_files=[])
    return conf


def start_cloud(tmp, *, agent_opts=None, hosts=HOSTS, compute_extra="",
                make_driver=None, bus=None, coordination_url=None, block=False,
                volume_dir=None, volume_backend="volume_driver = file\n") -> Cloud:
    """``make_driver(host)``: the virt driver of each agent (default: a FakeDriver
    with ``agent_opts``); ``hosts=()``: no agent in this process. ``bus`` (an
    oslo.messaging URL) and ``coordination_url`` replace the in-process ones, so
    that agents in other processes can join (full mode). ``block``: also block
    storage (API and a volume agent, backend ``<first host>@file1``, volumes in
    ``volume_dir``, default ``tmp/volumes``; ``volume_backend``: the rest of that
    backend's option group, e.g. ``volume_driver = nbd`` and its options)."""
    bus = bus or f"sovra-inproc:///compute-{uuid.uuid4().hex}"
    ports = {name: _free_port()
             for name in ("identity", "placement", "image", "compute", "block")}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    auth_url = f"{urls['identity']}/v3"
    running = []

    # identity: db sync, keys, then the API, then bootstrap and the catalog
    id_conf_file = _write_conf(tmp / "sovra-identity.conf", bus, ports["identity"],
                               f"sqlite:///{tmp / 'identity.db'}", extra=(
                                   f"[fernet_tokens]\nkey_repository = {tmp / 'fk'}\n"
                                   f"[credential]\nkey_repository = {tmp / 'ck'}\n"))

    def id_manage(*argv):
        assert manage.main(["--config-file", str(id_conf_file), "identity", *argv],
                           services=[IDENTITY_DB],
                           commands=identity_manage.COMMANDS) == 0, argv
    id_manage("db", "sync")
    id_manage("fernet", "setup")
    id_manage("credential-keys", "setup")
    id_manage("bootstrap", "--password", ADMIN_PASSWORD, "--region", "RegionOne",
              "--public-url", auth_url)
    for stype, name, url in (("placement", "placement", urls["placement"]),
                             ("image", "glance", urls["image"]),
                             ("compute", "nova", f"{urls['compute']}/v2.1"),
                             *((("block-storage", "cinder", f"{urls['block']}/v3"),)
                               if block else ())):
        id_manage("register-service", "--type", stype, "--name", name, "--public-url",
                  url, "--user", name, "--password", SERVICE_PASSWORD)

    common = tmp / "sovra.conf"
    common.write_text(f"[messaging]\ntransport_url = {bus}\n"
                      "[coordination]\nheartbeat_ttl = 3\n"
                      + (f"backend_url = {coordination_url}\n" if coordination_url
                         else ""))
    id_conf = _load(identity_api.COMPONENT, common, id_conf_file)
    resources = process.ProcessResources(id_conf).start()
    cloud = None
    try:
        running.append(identity_api.COMPONENT.start(id_conf, resources))

        def service_conf(component, name, user, database, extra=""):
            db_url = f"sqlite:///{tmp / (name + '.db')}"
            path = _write_conf(tmp / f"sovra-{name}.conf", bus, ports.get(name, 0),
                               db_url, service={"auth_url": auth_url, "user": user},
                               extra=extra)
            if database is not None:
                assert manage.main(["--config-file", str(path), name, "db", "sync"],
                                   services=[database], commands=[]) == 0
            return path

        pl_file = service_conf(placement_api.COMPONENT, "placement", "placement",
                               PLACEMENT_DB)
        running.append(placement_api.COMPONENT.start(
            _load(placement_api.COMPONENT, common, pl_file), resources))
        im_file = service_conf(image_api.COMPONENT, "image", "glance", IMAGE_DB, extra=(
            f"[image]\nfilesystem_store_datadir = {tmp / 'images'}\n"
            f"staging_dir = {tmp / 'staging'}\n"))
        running.append(image_api.COMPONENT.start(
            _load(image_api.COMPONENT, common, im_file), resources))
        if block:
            volume_dir = volume_dir or tmp / "volumes"
            bl_file = service_conf(block_api.COMPONENT, "block", "cinder", BLOCK_DB,
                                   extra=(f"[block]\nhost = {hosts[0] if hosts else 'storage'}"
                                          "\nenabled_backends = file1\n"
                                          "report_interval = 1\nimage_interface = public\n"
                                          f"image_conversion_dir = {tmp / 'conversion'}\n"
                                          f"[file1]\n{volume_backend}"
                                          f"file_volume_dir = {volume_dir}\n"))
            running.append(block_api.COMPONENT.start(
                _load(block_api.COMPONENT, common, bl_file), resources))
            running.append(block_agent.COMPONENT.start(
                _load(block_agent.COMPONENT, common, bl_file), resources))
            _wait_backend(running[-2])
        co_file = service_conf(compute_api.COMPONENT, "compute", "nova", COMPUTE_DB,
                               extra="[compute]\nhost = controller\n"
                                     "placement_interface = public\n" + compute_extra)
        running.append(compute_api.COMPONENT.start(
            _load(compute_api.COMPONENT, common, co_file), resources))
        running.append(compute_conductor.COMPONENT.start(
            _load(compute_conductor.COMPONENT, common, co_file), resources))
        drivers = {}
        # one placement client for every simulated node: one service login, not one
        # per agent (each would pay a password hash in identity)
        placement = placement_client.PlacementClient(
            sessions.service_session(_load(compute_agent.COMPONENT, common, co_file)),
            interface="public")
        for host in hosts:
            agent_file = tmp / f"sovra-compute-{host}.conf"
            agent_file.write_text(f"[compute]\nhost = {host}\n")
            agent_conf = _load(compute_agent.COMPONENT, common, co_file, agent_file)
            drivers[host] = (make_driver(host) if make_driver
                             else fake.FakeDriver(**(agent_opts or {})))
            running.append(compute_agent.COMPONENT.start(agent_conf, resources,
                                                         driver=drivers[host],
                                                         placement=placement))
        for handle in running[len(running) - len(hosts):]:
            assert handle.joined.wait(60), f"{handle.host} did not join the cloud"
        cloud = Cloud(tmp=tmp, auth_url=auth_url, compute_url=f"{urls['compute']}/v2.1",
                      placement_url=urls["placement"], image_url=urls["image"],
                      drivers=drivers, running=running, resources=resources,
                      block_url=urls["block"] if block else None,
                      volume_dir=volume_dir)
        return cloud
    finally:
        if cloud is None:
            for handle in reversed(running):
                handle.stop()
            resources.stop()


def _wait_backend(block_running, timeout=30.0):
    """Until the volume agent's backend reported to the block API (volumes can be
    scheduled)."""
    from sovra_block.db import models as block_models

    db = block_running._app.extensions["sovra"].extras["db"]

    def reported():
        with db.reader() as session:
            return session.query(block_models.Backend).first() is not None
    wait_for(reported, timeout=timeout)


def start_metadata(cloud, secret: str, name: str = "metadata"):
    """compute-metadata on a free port, from the cloud's compute config plus
    ``<name>.conf`` (its proxy shared secret), as sovra-allinone starts it (with the
    process's shared resources); the running component (``.url``, ``.stop()``)."""
    extra = cloud.tmp / f"{name}.conf"
    extra.write_text(f"[metadata]\nproxy_shared_secret = {secret}\nbind_port = 0\n")
    conf = _load(metadata_cmd.COMPONENT, cloud.tmp / "sovra.conf",
                 cloud.tmp / "sovra-compute.conf", extra)
    return metadata_cmd.COMPONENT.start(conf, cloud.resources)


def wait_for(predicate, timeout=20.0, interval=0.05):
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(interval)
