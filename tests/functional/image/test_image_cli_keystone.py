"""The real `openstack` CLI against identity + image with keystone auth (tokens
from a clouds.yaml, the image endpoint found in the catalog): the issue's whole
flow. Create with a multi-MiB file, save and compare SHA-512, set properties,
isolation (project B neither sees A's private image nor saves it by id), share
with B and accept as B, deactivate (admin), delete. 19 CLI runs of ~2 s each
(token auth: one password login per user, in the fixture)."""

import hashlib
import json
import os
import shutil
import socket
import subprocess
import uuid
from pathlib import Path

import pytest
import requests

from sovra_common import conf as sovra_conf
from sovra_common import process
from sovra_common.cmd import manage
from sovra_identity.cmd import api as identity_api
from sovra_identity.cmd import manage as identity_manage
from sovra_identity.db import DATABASE as IDENTITY_DB
from sovra_image.cmd import api as image_api
from sovra_image.db import DATABASE as IMAGE_DB

OPENSTACK = shutil.which("openstack")
pytestmark = pytest.mark.skipif(OPENSTACK is None, reason="needs the openstack CLI")
ADMIN_PASSWORD = "image-cli-admin-pw"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _write(path: Path, text: str) -> str:
    path.write_text(text)
    return str(path)


def _token(auth_url, user, password, project):
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": user, "domain": {"id": "default"}, "password": password}}},
        "scope": {"project": {"name": project, "domain": {"id": "default"}}}}}
    resp = requests.post(f"{auth_url}/auth/tokens", json=body, timeout=60)
    assert resp.status_code == 201, resp.text
    return resp.headers["X-Subject-Token"]


def _add_member_user(auth_url, admin, name) -> str:
    """A project ``name`` with a user ``name`` holding the member role; its id."""
    headers = {"X-Auth-Token": admin}

    def call(method, path, **kwargs):
        resp = requests.request(method, auth_url + path, headers=headers, timeout=60,
                                **kwargs)
        assert resp.status_code in (200, 201, 204), resp.text
        return resp.json() if resp.content else None

    project = call("POST", "/projects", json={"project": {
        "name": name, "domain_id": "default"}})["project"]
    user = call("POST", "/users", json={"user": {
        "name": name, "password": f"{name}-pw", "domain_id": "default",
        "default_project_id": project["id"]}})["user"]
    role = call("GET", "/roles", params={"name": "member"})["roles"][0]
    call("PUT", f"/projects/{project['id']}/users/{user['id']}/roles/{role['id']}")
    return project["id"]


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("image-cli-cloud")
    ports = {name: _free_port() for name in ("identity", "image")}
    auth_url = f"http://127.0.0.1:{ports['identity']}/v3"
    common = _write(tmp / "sovra.conf",
                    f"[auth]\nstrategy = keystone\nwww_authenticate_uri = {auth_url}\n"
                    f"[messaging]\ntransport_url = sovra-inproc:///img-{uuid.uuid4().hex}\n")
    files = {}
    for name, extra in (
            ("identity", f"[fernet_tokens]\nkey_repository = {tmp / 'fernet'}\n"
                         f"[credential]\nkey_repository = {tmp / 'credential'}\n"),
            ("image", f"[image]\nfilesystem_store_datadir = {tmp / 'images'}\n"
                      f"staging_dir = {tmp / 'staging'}\n"
                      "[service_auth]\nauth_type = password\n"
                      f"auth_url = {auth_url}\nusername = image\n"
                      "password = svc-image-pw\nuser_domain_id = default\n"
                      "project_name = service\nproject_domain_id = default\n")):
        files[name] = _write(
            tmp / f"sovra-{name}.conf",
            f"[api]\nbind_host = 127.0.0.1\nbind_port = {ports[name]}\n"
            f"[database]\nconnection = sqlite:///{tmp / name}.db\n" + extra)

    def run(name, *argv):
        rc = manage.main(["--config-file", common, "--config-file", files[name], *argv],
                         services=[IDENTITY_DB, IMAGE_DB],
                         commands=identity_manage.COMMANDS)
        assert rc == 0, argv

    run("identity", "identity", "db", "sync")
    run("identity", "identity", "fernet", "setup")
    run("identity", "identity", "credential-keys", "setup")
    run("identity", "identity", "bootstrap", "--password", ADMIN_PASSWORD,
        "--region", "RegionOne", "--public-url", auth_url)
    run("image", "image", "db", "sync")
    run("identity", "identity", "register-service", "--type", "image", "--name",
        "image", "--region", "RegionOne", "--public-url",
        f"http://127.0.0.1:{ports['image']}", "--user", "image", "--password",
        "svc-image-pw")

    running = []
    try:
        for name, component in (("identity", identity_api.COMPONENT),
                                ("image", image_api.COMPONENT)):
            conf = component.new_conf()
            sovra_conf.load(conf, "sovra", args=[], config_files=[common, files[name]])
            resources = process.ProcessResources(conf).start()
            running.append((component.start(conf, resources), resources))
        admin = _token(auth_url, "admin", ADMIN_PASSWORD, "admin")
        projects = {name: _add_member_user(auth_url, admin, name)
                    for name in ("img-alice", "img-bob")}
        # One password login per user here; the CLI runs then use the token (a
        # login per run would cost a bcrypt check each).
        tokens = {"admin": admin}
        tokens.update({name: _token(auth_url, name, f"{name}-pw", name)
                       for name in projects})
        clouds_yaml = tmp / "clouds.yaml"
        clouds_yaml.write_text(json.dumps({"clouds": {
            name: {"auth_type": "v3token",
                   "auth": {"auth_url": auth_url, "token": token, "project_name": name,
                            "project_domain_id": "default"},
                   "region_name": "RegionOne", "identity_api_version": 3}
            for name, token in tokens.items()}}))
        env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
        env.update(OS_CLIENT_CONFIG_FILE=str(clouds_yaml), HOME=str(tmp))
        yield env, projects
    finally:
        for handle, resources in reversed(running):
            handle.stop()
            resources.stop()


def _openstack(env, cloud, *args, expect=0):
    done = subprocess.run([OPENSTACK, "--os-cloud", cloud, *args], capture_output=True,
                          text=True, env=env, timeout=120, check=False)
    assert done.returncode == expect, f"{args}: {done.stdout}\n{done.stderr}"
    return done


def _json(env, cloud, *args):
    return json.loads(_openstack(env, cloud, *args, "-f", "json").stdout)


def test_create_save_share_accept_deactivate_delete(cloud, tmp_path):
    env, projects = cloud
    data = os.urandom(6 * 1024 * 1024 + 5)
    disk = tmp_path / "disk.raw"
    disk.write_bytes(data)
    sha512 = hashlib.sha512(data).hexdigest()

    image = _json(env, "img-alice", "image", "create", "--file", str(disk),
                  "--disk-format", "raw", "--container-format", "bare", "--private",
                  "--property", "os_distro=cirros", "cli-flow")
    image_id = image["id"]
    assert (image["status"], image["size"], image["visibility"]) == \
        ("active", len(data), "private")
    assert image["checksum"] == hashlib.md5(data).hexdigest()
    saved = tmp_path / "saved.raw"
    _openstack(env, "img-alice", "image", "save", "--file", str(saved), image_id)
    assert hashlib.sha512(saved.read_bytes()).hexdigest() == sha512

    _openstack(env, "img-alice", "image", "set", "--property", "hw_disk_bus=scsi",
               "--property", "sovra_flavour=vanilla", image_id)
    shown = _json(env, "img-alice", "image", "show", image_id)["properties"]
    assert (shown["hw_disk_bus"], shown["sovra_flavour"], shown["os_distro"],
            shown["os_hash_algo"], shown["os_hash_value"]) == \
        ("scsi", "vanilla", "cirros", "sha512", sha512)

    # isolation: B neither lists, shows nor saves A's private image, even by id
    assert _json(env, "img-bob", "image", "list") == []
    assert "No Image found" in _openstack(env, "img-bob", "image", "show", image_id,
                                          expect=1).stderr
    _openstack(env, "img-bob", "image", "save", "--file", str(tmp_path / "no"),
               image_id, expect=1)
    assert not (tmp_path / "no").exists() or (tmp_path / "no").stat().st_size == 0

    # share: A makes it shared and adds B; B accepts; B now lists and saves it
    _openstack(env, "img-alice", "image", "set", "--shared", image_id)
    member = _json(env, "img-alice", "image", "add", "project", image_id,
                   projects["img-bob"])
    assert (member["member_id"], member["status"]) == (projects["img-bob"], "pending")
    assert _json(env, "img-bob", "image", "list") == []  # pending: not listed yet
    _openstack(env, "img-bob", "image", "set", "--accept", image_id)
    assert [i["ID"] for i in _json(env, "img-bob", "image", "list")] == [image_id]
    got = tmp_path / "bob.raw"
    _openstack(env, "img-bob", "image", "save", "--file", str(got), image_id)
    assert hashlib.sha512(got.read_bytes()).hexdigest() == sha512

    # deactivate (admin): the data is no longer served to B
    _openstack(env, "admin", "image", "set", "--deactivate", image_id)
    assert _json(env, "img-alice", "image", "show", image_id)["status"] == "deactivated"
    _openstack(env, "img-bob", "image", "save", "--file", str(tmp_path / "off"),
               image_id, expect=1)

    # B may not delete it; A deletes it and then nobody finds it
    _openstack(env, "img-bob", "image", "delete", image_id, expect=1)
    _openstack(env, "img-alice", "image", "delete", image_id)
    _openstack(env, "img-alice", "image", "show", image_id, expect=1)
